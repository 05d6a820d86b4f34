"""Engine "flow": the learned model. Caption + layout -> FlowDiT latents -> VideoVAE decode -> upscale.

Shots longer than the model's native clip are continued window by window: each new window is
sampled with the last latent frame(s) of the previous one given as clean context (the model was
trained for this), so motion carries on instead of looping. All latent frames of a shot are then
decoded together (the decoder is convolutional in time), so no seam is left by the decoder either.

Upscaler: a mild unsharp mask at the native size (amount 0.5, Gaussian sigma 0.5 native pixels),
which restores the edge contrast the bicubic kernel spreads, then bicubic
(torch.nn.functional.interpolate, on uint8 frames: see `upscale`) to the requested size. A
requested aspect ratio other than the native one is reached by stretching.

Frame rate: the model was trained at one frame rate (12 fps); a shot planned at another is sampled
at the native rate (its tracks retimed, so objects move per frame as in training) and each output
frame shows the latest native frame at or before its time. At 24 fps this halves the work;
motion then has 12 distinct steps per second.

Precision: sampling and decoding run under bf16 autocast on CPUs with bf16 instructions (AMX or
AVX512-BF16; `precision="auto"`), where a clip takes half the time and the suites score the same
(MODEL_CARD.md); fp32 elsewhere, or when asked for.
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..scene.sceneplan import ShotPlan

DEFAULT_CHECKPOINT = Path(__file__).resolve().parent.parent / "checkpoints" / "flow"
# Classifier-free guidance 2.0 rescaled by 0.7 (sampling.combine_guided): one batched model call of
# 2 x B per step; 4 Euler steps. Both were chosen on seeds the reported results do not use (held_out
# seeds 3-8, basic seeds 3-5; bench/results/flow_guidance_selection_*.json): plain guidance 2.0
# pushes a shot's first window past the data's spread (a space shot's latent std 1.60 against 1.25
# for its render, encoded; 1.41 rescaled) and scores 93 of 144 shots, rescaled by 0.7 103. 4 steps
# score as well as 8 and 16 in half the time (bench/results/flow_sampling.json).
DEFAULT_GUIDANCE = 2.0
DEFAULT_GUIDANCE_RESCALE = 0.7
DEFAULT_STEPS = 4


class FlowEngine:
    name = "flow"

    def __init__(self, checkpoint: str | os.PathLike | None = None, steps: int = DEFAULT_STEPS, sampler: str = "euler",
                 guidance: float = DEFAULT_GUIDANCE, shift: float = 1.0, use_layout: bool = True, context_frames: int = 1,
                 sharpen: float = 0.5, threads: int = 0, precision: str = "auto",
                 guidance_rescale: float = DEFAULT_GUIDANCE_RESCALE):
        import torch

        from ..models.io import load_component
        from ..sampling import get_sampler, timesteps
        folder = Path(checkpoint) if checkpoint is not None else DEFAULT_CHECKPOINT
        if not (folder / "flow.json").exists():
            raise InputError(f"flow checkpoint {str(folder)!r} has no flow.json; train one with "
                             f"`aigc-video train flow --config configs/flow_cpu.yaml`")
        get_sampler(sampler)
        timesteps(steps, shift)
        if not 0.0 <= guidance_rescale <= 1.0:
            raise InputError(f"guidance_rescale {guidance_rescale!r} must be in 0..1")
        if precision not in ("auto", "fp32", "bf16"):
            raise InputError(f"precision {precision!r} must be 'auto', 'fp32' or 'bf16'")
        if precision == "auto":   # bf16 where the CPU has bf16 instructions: 2x faster, same scores
            from ..models.precision import cpu_has_fast_bf16
            precision = "bf16" if cpu_has_fast_bf16() else "fp32"
        self.precision = precision
        self.model, self.meta = load_component(folder, "flow")
        self.vae, _ = load_component(folder, "vae")
        c = self.model.config
        if not 1 <= context_frames < c.latent_frames:
            raise InputError(f"context_frames {context_frames} must be in 1..{c.latent_frames - 1}")
        if threads > 0:
            torch.set_num_threads(threads)
        self.steps, self.sampler, self.guidance, self.shift = steps, sampler, guidance, shift
        self.guidance_rescale = guidance_rescale
        self.use_layout, self.context_frames, self.sharpen = use_layout, context_frames, sharpen
        self.ft, self.fs = self.vae.config.time_factor, self.vae.config.space_factor
        self.layout_factor = self.vae.config.decoder_layout_factor
        self.native_w, self.native_h = c.latent_width * self.fs, c.latent_height * self.fs
        self.window = c.latent_frames * self.ft          # native clip length in frames

    def latents(self, shot: ShotPlan):
        """Sample all latent frames of a shot: (1, C, n_latent, h, w), and the per-frame layout
        (1, n_latent * ft, 4, h', w') at the decoder's layout resolution (None without layout)."""
        import torch

        from ..data.layout import rasterize_layout
        from ..models.text_encoder import shared_text_encoder
        from ..data.layout import latent_layout
        from ..sampling import sample_latents
        c = self.model.config
        # 1. Conditions: caption tokens, layout per latent frame over the whole shot.
        text = shared_text_encoder().encode([shot.caption])
        new_per_window = c.latent_frames - self.context_frames
        n_latent = max(c.latent_frames, -(-shot.n_frames // self.ft))
        n_windows = 1 + max(0, -(-(n_latent - c.latent_frames) // new_per_window))
        n_latent = c.latent_frames + (n_windows - 1) * new_per_window
        layout = frames = None
        if self.use_layout:
            # at the decoder's resolution (the finer one); the model reads it averaged per latent cell
            frames = rasterize_layout(shot, self.native_w, self.native_h, self.layout_factor)   # (T, 4, h', w')
            pad = n_latent * self.ft - len(frames)
            frames = np.concatenate([frames, np.repeat(frames[-1:], pad, axis=0)]) if pad > 0 else frames
            frames = frames[None, :n_latent * self.ft]
            layout = latent_layout(frames, self.ft, self.vae.config.layout_fold)   # (1, 4, n_latent, h, w)
        # 2. Windows: the first from noise, each next one continuing from the last context frames.
        g = torch.Generator().manual_seed(int(shot.seed))
        shape = (1, c.latent_channels, c.latent_frames, c.latent_height, c.latent_width)
        z_all = torch.zeros(1, c.latent_channels, n_latent, c.latent_height, c.latent_width)
        for w in range(n_windows):
            start = w * new_per_window
            noise = torch.randn(shape, generator=g)
            lay = None if layout is None else layout[:, :, start:start + c.latent_frames]
            context = context_mask = None
            if w:
                context = torch.zeros(shape)
                context[:, :, :self.context_frames] = z_all[:, :, start:start + self.context_frames]
                context_mask = torch.arange(c.latent_frames)[None] < self.context_frames
            z = sample_latents(self.model, text, lay, noise, self.steps, self.sampler, self.guidance, self.shift,
                               context, context_mask, self.guidance_rescale)
            z_all[:, :, start:start + c.latent_frames] = z
        return z_all, frames

    def generate(self, shot: ShotPlan, width: int, height: int, fps: int) -> np.ndarray:
        import torch
        from ..data.layout import decoder_layout
        native, pick = retime(shot, fps, int(self.meta.get("fps", fps)))
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.precision == "bf16"):
            z, layout = self.latents(native)
            layout = None if layout is None else decoder_layout(self.vae, layout, z.device, self.layout_factor)
            video = self.vae.decode(z / self.vae.config.scaling, layout).float()  # (1, 3, T, h, w)
            # Upscale each native frame once, then repeat it: at 24 fps every frame is shown twice.
            video = video[0, :, :int(pick[-1]) + 1].transpose(0, 1)              # (n_native, 3, h, w)
            return upscale(video, height, width, self.sharpen).numpy()[pick]      # (n_frames, H, W, 3)


def retime(shot: ShotPlan, fps: int, native_fps: int) -> tuple[ShotPlan, np.ndarray]:
    """The shot as planned at `native_fps`, and for each of its `fps` frames the index of the
    native frame it shows (the latest at or before its time). Per-frame tracks and camera paths
    are sampled at the native frames' times."""
    if fps == native_fps:
        return shot, np.arange(shot.n_frames)
    n_native = max(1, int(np.ceil(shot.n_frames * native_fps / fps)))
    # floor: an output frame shows the latest native frame at or before its time (held, not blended)
    src = np.minimum(np.floor(np.arange(n_native) * fps / native_fps + 1e-9).astype(int), shot.n_frames - 1)
    pick = np.minimum(np.floor(np.arange(shot.n_frames) * native_fps / fps + 1e-9).astype(int), n_native - 1)

    def sample(values: list[float]) -> list[float]:
        return [values[i] for i in src] if values else values
    objects = [dataclasses.replace(o, track=dataclasses.replace(
        o.track, **{f.name: sample(getattr(o.track, f.name)) for f in dataclasses.fields(o.track)}))
        for o in shot.objects]
    camera = dataclasses.replace(shot.camera, pan_x=sample(shot.camera.pan_x), zoom=sample(shot.camera.zoom))
    return dataclasses.replace(shot, n_frames=n_native, objects=objects, camera=camera), pick


def upscale(frames, height: int, width: int, sharpen: float = 0.5):
    """(T, 3, h, w) in [-1, 1] -> uint8 (T, height, width, 3): an unsharp mask, then bicubic.

    The frames become uint8 at the native size and are upscaled as uint8: torch's uint8 bicubic
    kernel is about 9x faster than float32's, and no float frame at the output size is made
    (converting one to uint8 cost more than the interpolation itself; a 720p shot took 2.8 s,
    now 1.3 s). The result is within 2/255 of upscaling in float32 and rounding after
    (tests/test_models_flow_engine.py), except beside saturated colours: the sharpened overshoot
    past white or black is clipped before the interpolation instead of after (on a white fish
    in space, 0.3% of pixels differ by more than 1/255, at most by 28).

    The mask (amount `sharpen`, Gaussian sigma 0.5 native pixels, i.e. half the scale factor in
    output pixels) is applied before upscaling: both steps are linear filters, so the order barely
    changes the result (0.6/255 on average), and at the native size the mask is nearly free (44
    frames to 640x360: 1.2 s -> 0.15 s for the whole upscale)."""
    import torch
    import torch.nn.functional as F

    from ..models.tensors import to_uint8
    h, w = frames.shape[-2:]
    if sharpen > 0 and (h, w) != (height, width) and max(height / h, width / w) >= 1:
        k = torch.exp(-0.5 * (torch.arange(-1.0, 2.0, dtype=frames.dtype) / 0.5) ** 2)
        k = k / k.sum()
        c = frames.shape[1]
        blurred = F.conv2d(F.pad(frames, (1, 1, 0, 0), mode="replicate"), k.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
        blurred = F.conv2d(F.pad(blurred, (0, 0, 1, 1), mode="replicate"), k.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)
        frames = frames + sharpen * (frames - blurred)
    small = to_uint8(frames)
    if (h, w) != (height, width):
        small = F.interpolate(small, size=(height, width), mode="bicubic", align_corners=False)
    return small.permute(0, 2, 3, 1)
