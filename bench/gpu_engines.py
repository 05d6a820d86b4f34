"""The learned engines' networks on a GPU: seconds per latent window (one native 16-frame clip) at
batch 1 and per clip at batch 16, and a GAN training step's throughput.

    PYTHONPATH=src python bench/gpu_engines.py [--out bench/results/gpu_engines.json]

Needs torch and safetensors only (no scene engine, no text encoder): the caption is a random
(1, 16, 384) token embedding and the layout all zeros, which changes no shape and so no time.
Timed with CUDA events, median of 20 after 5 warm-ups, bf16 autocast. Baseline in the same run:
the flow engine's sampler (4 Euler steps, guidance 2 as one batch of 2B). The VAE decode is timed
apart: every engine pays it once per clip.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from aigc_video.models.gan import DiscriminatorConfig, VideoDiscriminator, VideoGAN  # noqa: E402
from aigc_video.models.io import load_component  # noqa: E402
from aigc_video.sampling import sample_latents  # noqa: E402

CHECKPOINTS = ROOT / "src" / "aigc_video" / "checkpoints"


class Text:
    def __init__(self, b: int, device):
        self.tokens = torch.randn(b, 16, 384, device=device)
        self.mask = torch.ones(b, 16, dtype=torch.bool, device=device)
        self.pooled = torch.randn(b, 384, device=device)


def timed(fn, repeats: int = 20, warmup: int = 5) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end) / 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "gpu_engines.json"))
    args = ap.parse_args()
    device = torch.device("cuda")
    flow, _ = load_component(CHECKPOINTS / "flow", "flow")
    vae, _ = load_component(CHECKPOINTS / "flow", "vae")
    gan, _ = load_component(CHECKPOINTS / "gan", "gan")
    cvae, meta = load_component(CHECKPOINTS / "vae", "cvae")
    flow, vae, gan, cvae = (m.to(device).eval() for m in (flow, vae, gan, cvae))
    c = flow.config
    result = {"device": torch.cuda.get_device_name(), "torch": torch.__version__, "per_window_s": {}, "per_clip_batch16_s": {}}
    for b, key in ((1, "per_window_s"), (16, "per_clip_batch16_s")):
        text = Text(b, device)
        shape = (b, c.latent_channels, c.latent_frames, c.latent_height, c.latent_width)
        layout = torch.zeros(b, 4, *shape[2:], device=device)
        noise = torch.randn(shape, device=device)
        code = torch.randn(cvae.code_shape(shape), device=device)
        z = torch.randn(shape, device=device)
        runs = {
            "flow (4 steps, guidance 2)": lambda: sample_latents(flow, text, layout, noise, 4, guidance=2.0, guidance_rescale=0.7),
            "gan (one step)": lambda: gan.generate(noise, text.tokens, text.mask, text.pooled, layout),
            "vae (one decode of the code)": lambda: cvae.sample(code, text.pooled, layout, size=shape[-2:]),
            "video VAE decode (every engine)": lambda: vae.decode(z, torch.zeros(b, 4, 16, 56, 96, device=device)),
        }
        with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16):
            for name, fn in runs.items():
                result[key][name] = round(timed(fn) / b, 6)
    # GAN training throughput: a discriminator and a generator step on random data, batch 64
    disc = VideoDiscriminator(DiscriminatorConfig(latent_channels=c.latent_channels)).to(device)
    opt_g = torch.optim.Adam(gan.parameters(), 1e-4, betas=(0.0, 0.99))
    opt_d = torch.optim.Adam(disc.parameters(), 2e-4, betas=(0.0, 0.99))
    b = 64
    text = Text(b, device)
    shape = (b, c.latent_channels, c.latent_frames, c.latent_height, c.latent_width)
    layout, real, target = torch.zeros(b, 4, *shape[2:], device=device), torch.randn(shape, device=device), torch.randn(shape, device=device)
    gan.train()

    def step():
        noise = torch.randn(shape, device=device)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            fake = gan.generate(noise, text.tokens, text.mask, text.pooled, layout)
            rf, rv = disc(real, layout, text.pooled)
            ff, fv = disc(fake.detach().float(), layout, text.pooled)
        loss_d = torch.relu(1 - rf).mean() + torch.relu(1 + ff).mean() + torch.relu(1 - rv).mean() + torch.relu(1 + fv).mean()
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        with torch.autocast("cuda", dtype=torch.bfloat16):
            gf, gv = disc(fake.float(), layout, text.pooled)
        loss_g = (fake.float() - target).pow(2).mean() - 0.05 * (gf.float().mean() + gv.float().mean())
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
    result["gan_train_step_batch64_s"] = round(timed(step, repeats=10, warmup=3), 4)
    result["gan_train_clips_per_s"] = round(b / result["gan_train_step_batch64_s"], 1)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
