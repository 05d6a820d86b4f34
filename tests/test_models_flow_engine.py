"""Engine "flow" with a tiny untrained checkpoint: shapes, determinism, continuation, upscaling."""
import numpy as np
import pytest
import torch

from aigc_video.engines.flow import FlowEngine
from aigc_video.engines.latent import upscale
from aigc_video.errors import InputError
from aigc_video.models.flow_dit import FlowDiT, FlowDiTConfig
from aigc_video.models.io import save_component
from aigc_video.models.vae import VideoVAE, VideoVAEConfig
from aigc_video.scene import plan
from aigc_video.storyboard import Action, Shot, Storyboard, Subject


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ckpt")
    torch.manual_seed(0)
    vae = VideoVAE(VideoVAEConfig(latent_channels=4, time_factor=2, space_factor=4, width=16, n_res_blocks=1,
                                        layout_channels=4))
    dit = FlowDiT(FlowDiTConfig(latent_channels=4, latent_frames=4, latent_height=4, latent_width=4, patch=2,
                                width=32, depth=2, heads=2))
    with torch.no_grad():
        for p in dit.parameters():
            p.add_(0.05 * torch.randn_like(p))
    save_component(vae, folder, "vae")
    save_component(dit, folder, "flow", {"fps": 12, "size": [16, 16], "n_frames": 8})
    return folder


def shot_plan(seconds: float, fps: int = 8):
    shot = Shot(text="a red ball moves right", duration_s=seconds,
                subjects=[Subject("circle", "red", action=Action("move", "right"))])
    return plan(Storyboard(shots=[shot]), size=(64, 64), fps=fps, seed=1).shots[0]


def test_generate_shape_dtype_and_determinism(checkpoint):
    engine = FlowEngine(checkpoint, steps=2)
    shot = shot_plan(1.0)
    a = engine.generate(shot, 64, 48, 8)
    assert a.shape == (shot.n_frames, 48, 64, 3) and a.dtype == np.uint8
    assert np.array_equal(a, engine.generate(shot, 64, 48, 8))


def test_long_shots_are_continued_not_looped(checkpoint):
    engine = FlowEngine(checkpoint, steps=2, context_frames=1)
    shot = shot_plan(3.0)                          # 24 frames: 1 window of 8 then continuations of 6
    z, layout = engine.latents(shot)
    assert z.shape[2] == 4 + 3 * 3                 # latent frames: 4, then 3 new per window
    assert layout.shape == (1, 2 * z.shape[2], 4, 4, 4)   # per frame, for the decoder (ft = 2)
    frames = engine.generate(shot, 64, 64, 8)
    assert frames.shape[0] == 24
    # The continuation windows are new samples, not a copy of the first window.
    assert not torch.allclose(z[:, :, 4:8], z[:, :, 0:4])


def test_text_only_mode_differs_from_layout_mode(checkpoint):
    shot = shot_plan(1.0)
    with_layout = FlowEngine(checkpoint, steps=2).generate(shot, 64, 64, 8)
    text_only = FlowEngine(checkpoint, steps=2, use_layout=False).generate(shot, 64, 64, 8)
    assert not np.array_equal(with_layout, text_only)


def test_bad_options_are_refused(checkpoint, tmp_path):
    with pytest.raises(InputError, match="no flow.json"):
        FlowEngine(tmp_path)
    with pytest.raises(InputError, match="context_frames 4"):
        FlowEngine(checkpoint, context_frames=4)
    with pytest.raises(InputError, match="sampler 'x'"):
        FlowEngine(checkpoint, sampler="x")
    with pytest.raises(InputError, match="precision 'fp16'"):
        FlowEngine(checkpoint, precision="fp16")
    with pytest.raises(InputError, match="guidance_rescale 1.5"):
        FlowEngine(checkpoint, guidance_rescale=1.5)


def test_bf16_sampling_stays_close_to_fp32(checkpoint, monkeypatch):
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: True)
    assert FlowEngine(checkpoint).precision == "bf16"          # auto: the CPU has bf16 instructions
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)
    assert FlowEngine(checkpoint).precision == "fp32"
    shot = shot_plan(1.0)
    full = FlowEngine(checkpoint, steps=2, precision="fp32").generate(shot, 64, 64, 8).astype(int)
    half = FlowEngine(checkpoint, steps=2, precision="bf16").generate(shot, 64, 64, 8).astype(int)
    assert full.shape == half.shape and not np.array_equal(full, half)   # bf16 really ran
    assert np.abs(full - half).mean() < 4                                   # ... and drew the same video


def test_weights_stored_in_bf16_give_the_same_video_as_autocast_casting_them(checkpoint):
    """A bf16 engine stores its linear and convolution weights in bf16 (autocast cast them on every
    call): the same frames, bit for bit, as with float32 weights under the same autocast; the
    norms keep float32 parameters, and a direct call of `latents` runs under the autocast too."""
    from aigc_video.models.precision import store_for_autocast
    shot = shot_plan(1.0)
    engine = FlowEngine(checkpoint, steps=2, precision="bf16")
    dtypes = {type(m).__name__: p.dtype for m in engine.model.modules() for p in m.parameters(recurse=False)}
    assert dtypes.get("Linear") == torch.bfloat16 and dtypes.get("LayerNorm", torch.float32) == torch.float32
    stored = engine.generate(shot, 64, 64, 8)
    cast_per_call = FlowEngine(checkpoint, steps=2, precision="fp32")
    cast_per_call.precision = "bf16"                     # autocast on, the weights left in float32
    assert np.array_equal(stored, cast_per_call.generate(shot, 64, 64, 8))
    assert engine.latents(shot)[0].dtype == torch.float32
    small = store_for_autocast(torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.LayerNorm(4)))
    assert small[0].weight.dtype == torch.bfloat16 and small[1].weight.dtype == torch.float32


def test_upscale_keeps_flat_regions_and_reaches_the_size():
    frames = torch.full((2, 3, 8, 8), 0.25)          # (0.25 + 1) * 127.5 = 159.4
    frames[:, :, :, 4:] = -0.5                       # 63.75
    out = upscale(frames, 32, 40)
    assert out.shape == (2, 32, 40, 3) and out.dtype == torch.uint8
    assert (out[:, :, :8] == 159).all() and (out[:, :, -8:] == 64).all()


def test_upscale_unsharp_mask_steepens_edges_and_is_off_at_zero():
    frames = torch.full((1, 3, 8, 8), 0.25)
    frames[:, :, :, 4:] = -0.5                       # a vertical edge; at 40 px wide it falls at column 20
    plain, sharp = upscale(frames, 32, 40, sharpen=0.0), upscale(frames, 32, 40)
    quantised = frames.add(1).mul(127.5).round().to(torch.uint8)
    bicubic = torch.nn.functional.interpolate(quantised, size=(32, 40), mode="bicubic", align_corners=False)
    assert torch.equal(plain, bicubic.permute(0, 2, 3, 1))
    rise = lambda x: float((x[:, :, 18].float() - x[:, :, 21].float()).abs().mean())  # noqa: E731  (across the edge)
    assert rise(sharp) > 1.1 * rise(plain)


def test_upscale_in_uint8_is_within_2_of_float_bicubic():
    # Smooth frames that stay inside the colour range (no clipping): the uint8 path quantises at
    # the native size first, then interpolates in integers.
    g = torch.Generator().manual_seed(0)
    small = torch.rand(3, 3, 4, 6, generator=g) * 1.6 - 0.8
    frames = torch.nn.functional.interpolate(small, size=(14, 24), mode="bilinear", align_corners=False)
    reference = torch.nn.functional.interpolate(frames, size=(56, 96), mode="bicubic", align_corners=False)
    reference = reference.add(1).mul(127.5).round().clamp(0, 255).permute(0, 2, 3, 1)
    diff = (upscale(frames, 56, 96, sharpen=0.0).float() - reference).abs()
    assert diff.max() <= 2 and diff.mean() < 0.5

def test_shots_at_another_frame_rate_are_sampled_at_the_native_one(checkpoint):
    from aigc_video.engines.latent import retime
    shot = shot_plan(1.0, fps=24)                  # 24 frames; the checkpoint's native rate is 12 fps
    native, pick = retime(shot, 24, 12)
    assert native.n_frames == 12 and len(pick) == 24
    track, native_track = shot.objects[0].track, native.objects[0].track
    assert native_track.x == track.x[::2] and native_track.opacity == track.opacity[::2]
    assert list(pick[:6]) == [0, 0, 1, 1, 2, 2] and pick[-1] == 11     # each native frame held twice
    assert retime(shot, 12, 12)[0] is shot                               # the native rate is left alone
    frames = FlowEngine(checkpoint, steps=2).generate(shot, 32, 32, 24)
    assert frames.shape[0] == 24
    assert np.array_equal(frames[0], frames[1]) and not np.array_equal(frames[0], frames[-1])
