"""Training-step and sampling speed in fp32 against bf16 autocast, on this machine, same process.

Run:  .venv/bin/python bench/precision_speed.py [--threads 2] [--repeats 9] [--out bench/results/precision_speed.json]

Times the recipes' two training steps at the shipped models' sizes (fresh weights of the shipped
configs): a VideoVAE step (encode, sample, decode with a pixel layout, MSE, backward, AdamW) on a
batch of 8 clips of 16 x 96 x 56, and a FlowDiT step (336 tokens, the shipped width) on a batch of
12; and one clip sampled by the shipped engine (4 Euler steps with guidance, decode) with
FlowEngine(precision="fp32" / "bf16"). Medians over `repeats` runs, the two precisions interleaved
so that a change in the host's load hits both; ratio = fp32 / bf16 (> 1: bf16 is faster).
`models.precision.autocast` and the engine's precision="auto" turn bf16 on where the CPU reports AMX
tiles or AVX512-BF16; this bench is how that rule was checked.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch

from aigc_video.engines.flow import FlowEngine
from aigc_video.models.flow_dit import FlowDiT
from aigc_video.models.vae import VideoVAE
from aigc_video.scene import plan
from aigc_video.models.precision import cpu_has_fast_bf16
from aigc_video.understand import parse
from machine import describe  # noqa: E402  (bench/ is on sys.path when run as a script)


def interleaved_medians(steps: dict, repeats: int) -> dict:
    """{name: fn} -> {name: median seconds}, each fn warmed up once, then run in turns."""
    for fn in steps.values():
        fn()
    times = {name: [] for name in steps}
    for _ in range(repeats):
        for name, fn in steps.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(ts) for name, ts in times.items()}


def with_precision(fn, bf16: bool):
    def run():
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            return fn()
    return run


def training_step(model: torch.nn.Module, loss_fn):
    """One AdamW step of `model` on the loss `loss_fn()` computes."""
    opt = torch.optim.AdamW(model.parameters(), 1e-4)

    def step():
        loss = loss_fn()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return step


def vae_step(config, width: int, height: int, batch: int = 8):
    """One training step of a VideoVAE with this config on random 16-frame clips of width x height."""
    model = VideoVAE(config)
    g = torch.Generator().manual_seed(0)
    x = torch.rand(batch, 3, 16, height, width, generator=g) * 2 - 1
    layout = torch.rand(batch, model.config.layout_channels, 16, height, width, generator=g)

    def loss():
        recon, mean, logvar = model(x, layout, generator=g)
        return (recon.float() - x).pow(2).mean() + 1e-5 * (mean.float().pow(2) + logvar.float().exp()).mean()
    return training_step(model, loss)


def flow_step(config, batch: int = 12):
    """One training step of a FlowDiT with this config on random latents, text and layout."""
    model = FlowDiT(config)
    c = model.config
    g = torch.Generator().manual_seed(0)
    x = torch.randn(batch, c.latent_channels, c.latent_frames, c.latent_height, c.latent_width, generator=g)
    t = torch.rand(batch, generator=g)
    tokens, mask, pooled = torch.randn(batch, 32, c.text_dim, generator=g), torch.ones(batch, 32, dtype=torch.bool), \
        torch.randn(batch, c.text_dim, generator=g)
    layout = torch.rand(batch, c.layout_channels, c.latent_frames, c.latent_height, c.latent_width, generator=g)

    return training_step(model, lambda: (model(x, t, tokens, mask, pooled, layout).float() - x).pow(2).mean())


def clip_sample(precision: str):
    engine = FlowEngine(precision=precision)   # the engine sets its own autocast
    fps = engine.meta["fps"]
    storyboard = parse("a red ball bounces across a night sky")
    storyboard.shots[0].duration_s = engine.window / fps
    shot = plan(storyboard, size=(4 * engine.native_w, 4 * engine.native_h), fps=fps, seed=0).shots[0]
    shot.n_frames = engine.window

    def sample():
        with torch.no_grad():
            engine.generate(shot, engine.native_w, engine.native_h, fps)
    return sample


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--out", default="bench/results/precision_speed.json")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    engine = FlowEngine()
    vae, flow = vae_step(engine.vae.config, engine.native_w, engine.native_h), flow_step(engine.model.config)
    benches = {"vae_train_step": {"fp32": with_precision(vae, False), "bf16": with_precision(vae, True)},
               "flow_train_step": {"fp32": with_precision(flow, False), "bf16": with_precision(flow, True)},
               "flow_clip_sample": {p: clip_sample(p) for p in ("fp32", "bf16")}}
    rows = {}
    for name, steps in benches.items():
        m = interleaved_medians(steps, args.repeats)
        rows[name] = {"fp32_s": round(m["fp32"], 4), "bf16_s": round(m["bf16"], 4),
                      "ratio_fp32_over_bf16": round(m["fp32"] / m["bf16"], 2)}
        print(name, rows[name], flush=True)
    result = {"machine": describe(), "threads": args.threads, "repeats": args.repeats,
              "autocast_bf16_on_this_cpu": cpu_has_fast_bf16(),
              "avx512_bf16": bool(torch.cpu._is_avx512_bf16_supported()),
              "amx": bool(torch.cpu._is_amx_tile_supported()), "results": rows}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print("wrote", args.out)


if __name__ == "__main__":
    main()
