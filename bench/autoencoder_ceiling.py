"""The best the flow engine could score through its VAE: faithfulness of scene-engine renders that
only pass through the pipeline's lossy parts, judged by the evaluation suite.

Run:  .venv/bin/python bench/autoencoder_ceiling.py [--vae runs/vae_cpu/final] [--name vae]
          [--suites held_out,basic] [--seeds 0] [--out bench/results/autoencoder_ceiling.json]

Three engines on the same shots, in the same run:
  render       the scene engine at the judged size (the baseline: what the judge gives ground truth);
  native       the scene engine at the flow model's native size, upscaled as the flow engine does;
  vae          the same native render encoded and decoded by the VAE (with the plan's layout when the
               decoder reads one), then upscaled: a perfect FlowDiT could not beat this.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from engine_suites import compare_engines  # noqa: E402
from machine import describe  # noqa: E402

from aigc_video.data.layout import rasterize_layout  # noqa: E402
from aigc_video.engines.latent import upscale  # noqa: E402
from aigc_video.engines.render import RenderEngine  # noqa: E402
from aigc_video.models.io import load_component  # noqa: E402
from aigc_video.models.tensors import to_video_tensor  # noqa: E402
from aigc_video.data.layout import decoder_layout  # noqa: E402


class NativeRender:
    """Scene-engine frames at (width, height), bicubic-upscaled like the flow engine's output."""
    name = "native"

    def __init__(self, width: int, height: int):
        self.native = (width, height)
        self.render = RenderEngine()

    def frames(self, shot, fps):
        return self.render.generate(shot, *self.native, fps)

    def finish(self, video: torch.Tensor, width: int, height: int) -> np.ndarray:
        """(1, 3, T, h, w) in [-1, 1] -> (T, height, width, 3) uint8."""
        return upscale(video[0].transpose(0, 1), height, width).numpy()

    def generate(self, shot, width, height, fps):
        return self.finish(to_video_tensor(self.frames(shot, fps)[None]), width, height)


class VAERoundTrip(NativeRender):
    """Native render -> VAE encode (mean) -> decode -> upscale."""
    name = "vae"

    def __init__(self, vae, width: int, height: int):
        c = vae.config
        super().__init__(width, height)
        self.vae, self.ft, self.fs = vae.eval(), c.time_factor, c.space_factor

    def generate(self, shot, width, height, fps):
        w, h = self.native
        frames = self.frames(shot, fps)
        n = len(frames)
        pad = (-n) % self.ft                       # whole latent frames: repeat the last frame
        layout = rasterize_layout(shot, w, h, self.vae.config.decoder_layout_factor)
        if pad:
            frames = np.concatenate([frames, np.repeat(frames[-1:], pad, 0)])
            layout = np.concatenate([layout, np.repeat(layout[-1:], pad, 0)])
        with torch.no_grad():
            mean, _ = self.vae.encode(to_video_tensor(frames[None]))
            lay = decoder_layout(self.vae, layout[None], "cpu", self.vae.config.decoder_layout_factor)
            video = self.vae.decode(mean, lay)[:, :, :n]
        return self.finish(video, width, height)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--vae", default="runs/vae_cpu/final", help="folder with the VAE component")
    ap.add_argument("--name", default="vae", help="component name in that folder (a checkpoint's: ema)")
    ap.add_argument("--native", default="96x56", help="the flow model's native frame size")
    ap.add_argument("--suites", default="held_out,basic")
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default="bench/results/autoencoder_ceiling.json")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    vae, _ = load_component(args.vae, args.name)
    w, h = (int(v) for v in args.native.split("x"))
    engines = {"render": "render", "native": NativeRender(w, h), "vae": VAERoundTrip(vae, w, h)}
    seeds = tuple(int(s) for s in args.seeds.split(","))
    report = {"machine": describe(), "vae": f"{args.vae} ({args.name})", "native": [w, h], "seeds": list(seeds)}
    compare_engines(engines, args.suites.split(","), seeds, report, args.out)

if __name__ == "__main__":
    main()
