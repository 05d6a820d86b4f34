"""The learned upscaler: the component, its layout against data.layout's, its recipe on a tiny pair
set, and the learned engines with it and without it (the old path exactly)."""
import json

import numpy as np
import pytest
import torch

from aigc_video.data.layout import rasterize_layout
from aigc_video.engines.flow import FlowEngine
from aigc_video.engines.latent import retime, upscale
from aigc_video.errors import InputError
from aigc_video.models.flow_dit import FlowDiT, FlowDiTConfig
from aigc_video.models.io import load_component, save_component
from aigc_video.models.upscaler import LayoutUpscaler, UpscalerConfig, colour_code, shot_masks, upscale_frames
from aigc_video.models.vae import VideoVAE, VideoVAEConfig
from aigc_video.scene import plan
from aigc_video.storyboard import Action, Shot, Storyboard, Subject

TINY = UpscalerConfig(scale=2, width=8, depth=2, features=4, hidden=8)


def two_subject_shot(seconds: float = 1.0, fps: int = 12):
    shot = Shot(text="a red ball moves right and a blue star falls", duration_s=seconds,
                subjects=[Subject("circle", "red", action=Action("move", "right")),
                          Subject("star", "blue", action=Action("fall"))])
    return plan(Storyboard(shots=[shot]), size=(64, 64), fps=fps, seed=1).shots[0]


@pytest.fixture(scope="module")
def engine_checkpoint(tmp_path_factory):
    """A tiny untrained flow model and VAE (16 x 16 native frames, 8 a window)."""
    torch.set_num_threads(1)
    folder = tmp_path_factory.mktemp("flow")
    torch.manual_seed(0)
    save_component(VideoVAE(VideoVAEConfig(latent_channels=4, time_factor=2, space_factor=4, width=16, n_res_blocks=1,
                                           layout_channels=4)), folder, "vae")
    dit = FlowDiT(FlowDiTConfig(latent_channels=4, latent_frames=4, latent_height=4, latent_width=4, patch=2,
                                width=32, depth=2, heads=2))
    save_component(dit, folder, "flow", {"fps": 12, "size": [16, 16], "n_frames": 8})
    return folder


def trained_tiny(seed: int = 0) -> LayoutUpscaler:
    torch.manual_seed(seed)
    model = LayoutUpscaler(TINY).eval()
    with torch.no_grad():                    # a non-zero residual, as after training
        for p in model.parameters():
            p.add_(0.1 * torch.randn_like(p))
    return model


def test_component_saves_loads_and_refuses_pickle(tmp_path):
    model = trained_tiny()
    save_component(model, tmp_path / "ok", "upscaler", {"licence": "Apache-2.0"})
    loaded, meta = load_component(tmp_path / "ok", "upscaler")
    assert isinstance(loaded, LayoutUpscaler) and loaded.config == TINY and meta["licence"] == "Apache-2.0"
    x, layout = torch.rand(1, 3, 5, 6) * 2 - 1, torch.rand(1, 4, 10, 12)
    assert torch.equal(loaded(x, layout), model(x, layout))
    pickled = tmp_path / "pickled"
    pickled.mkdir()
    torch.save(model.state_dict(), pickled / "upscaler.pt")
    with pytest.raises(InputError, match="pickle"):
        load_component(pickled, "upscaler")


def test_untrained_network_is_the_bilinear_upscale_and_checks_the_layout_size():
    model = LayoutUpscaler(TINY)
    x = torch.rand(2, 3, 5, 6) * 2 - 1
    expected = torch.nn.functional.interpolate(x, size=(10, 12), mode="bilinear", align_corners=False)
    assert torch.allclose(model(x, torch.rand(2, 4, 10, 12)), expected)
    with pytest.raises(ValueError, match="2 x the frames"):
        model(x, torch.rand(2, 4, 5, 6))


def test_layout_matches_rasterize_layout():
    shot = two_subject_shot()
    masks, colors = shot_masks(shot, 48, 32)
    assert masks.shape == (shot.n_frames, 2, 32, 48)
    assert torch.allclose(colour_code(masks, colors), torch.from_numpy(rasterize_layout(shot, 48, 32, 1)), atol=1e-6)


def test_upscale_frames_reaches_any_requested_size():
    model, shot = trained_tiny(), two_subject_shot()
    frames = torch.rand(5, 3, 8, 12) * 2 - 1
    masks, colors = shot_masks(shot, 24, 16)
    for height, width in ((16, 24), (36, 60), (10, 14)):         # its own size, larger, smaller
        out = upscale_frames(model, frames, masks[:5], colors, height, width, chunk=2)
        assert out.shape == (5, height, width, 3) and out.dtype == torch.uint8
    assert torch.equal(upscale_frames(model, frames, masks[:5], colors, 36, 60, chunk=2),
                       upscale_frames(model, frames, masks[:5], colors, 36, 60, chunk=5))   # chunks change nothing


def recipe_config(run_dir, engine_dir, steps):
    return {"run_dir": str(run_dir), "seed": 1, "threads": 1, "model": dict(vars(TINY)), "steps": steps,
            "batch_size": 4, "crop": [6, 6], "lr": 1e-2, "weight_decay": 0.0, "warmup": 2, "edge_weight": 0.5,
            "ema_decay": 0.9, "grad_clip": 1.0, "sharpen": 0.5, "log_every": 1, "sample_every": steps,
            "checkpoint_every": steps, "keep_last": 1,
            "data": {"engine": "flow", "checkpoint": str(engine_dir), "n_shots": 3, "val_shots": 1,
                     "frames_per_shot": 2, "seconds": [1.0, 1.5], "plan_size": [64, 64], "fps": 12}}


def test_recipe_lowers_the_loss_and_its_checkpoint_feeds_the_engine(tmp_path, engine_checkpoint):
    from aigc_video.training.upscaler_recipe import train_upscaler
    result = train_upscaler(recipe_config(tmp_path / "run", engine_checkpoint, 60), progress=False)
    assert result["pairs"] == 6 and result["val_frames"] == 2
    lines = [json.loads(x) for x in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    first, last = np.mean([x["loss"] for x in lines[:5]]), np.mean([x["loss"] for x in lines[-5:]])
    assert last < 0.9 * first
    assert (tmp_path / "run" / "samples" / "samples_grid_000060.png").exists()
    assert (tmp_path / "run" / "pairs.safetensors").exists()          # cached for the next run
    meta = json.loads((tmp_path / "run" / "final" / "upscaler.json").read_text())
    assert meta["class"] == "LayoutUpscaler" and meta["licence"] == "Apache-2.0" and "provenance" in meta
    engine = FlowEngine(engine_checkpoint, steps=2, upscaler=tmp_path / "run" / "final")
    shot = two_subject_shot(1.5)
    frames = engine.generate(shot, 48, 40, 12)
    assert frames.shape == (shot.n_frames, 40, 48, 3) and frames.dtype == np.uint8
    assert not np.array_equal(frames, FlowEngine(engine_checkpoint, steps=2, upscaler="bicubic").generate(shot, 48, 40, 12))


def test_engine_with_the_upscaler_is_deterministic_and_off_is_the_old_path(tmp_path, engine_checkpoint):
    save_component(trained_tiny(), tmp_path, "upscaler")
    shot = two_subject_shot(1.5, fps=24)                        # retimed to the native 12 fps
    on = FlowEngine(engine_checkpoint, steps=2, upscaler=tmp_path)
    frames = on.generate(shot, 64, 48, 24)
    assert frames.shape == (shot.n_frames, 48, 64, 3) and np.array_equal(frames, on.generate(shot, 64, 48, 24))
    off = FlowEngine(engine_checkpoint, steps=2, upscaler="bicubic")
    video, pick = off.native_frames(shot, 24)
    old = upscale(video, 48, 64, off.sharpen).numpy()[pick]
    assert np.array_equal(off.generate(shot, 64, 48, 24), old)
    assert np.array_equal(FlowEngine(engine_checkpoint, steps=2, upscaler="bicubic").generate(shot, 64, 48, 24), old)
    assert not np.array_equal(frames, old)
    # at or below the native size the upscaler is not used
    assert np.array_equal(on.generate(shot, 16, 16, 24), off.generate(shot, 16, 16, 24))
    # the layout it reads is the native-rate plan's
    masks, _ = shot_masks(retime(shot, 24, 12)[0], 32, 32)
    assert len(masks) >= len(video)
    with pytest.raises(InputError, match="does not exist"):
        FlowEngine(engine_checkpoint, upscaler=tmp_path / "missing")


def test_train_command_knows_the_recipe():
    from aigc_video.training.command import RECIPES
    assert "upscaler" in RECIPES


def test_each_engine_defaults_to_the_upscaler_that_measured_best_and_the_cache_tells_them_apart():
    from aigc_video.cache import engine_fingerprint
    from aigc_video.engines import get_engine
    flow, gan = get_engine("flow"), get_engine("gan")
    assert isinstance(flow.upscaler, LayoutUpscaler) and gan.upscaler is None     # bench/results/upscaler.md
    assert get_engine("gan", upscaler="learned").upscaler is not None
    assert get_engine("flow", upscaler="bicubic").upscaler is None
    assert engine_fingerprint(flow) != engine_fingerprint(get_engine("flow", upscaler="bicubic"))


def test_upscaler_option_needs_a_learned_engine_and_a_known_value(tmp_path):
    from aigc_video.pipeline import Pipeline
    with pytest.raises(InputError, match="needs a learned engine"):
        Pipeline(engine="render", engine_options={"upscaler": "learned"}).check()
    with pytest.raises(InputError, match="neither 'bicubic', 'learned' nor a checkpoint folder"):
        Pipeline(engine="gan", engine_options={"upscaler": str(tmp_path / "nowhere")}).check()
    Pipeline(engine="gan", engine_options={"upscaler": "learned"}).check()
