"""What a larger native size would cost the learned engine's training, on this machine.

Run:  .venv/bin/python bench/native_size_cost.py [--sizes 96x56,128x72,160x96] [--repeats 5]
          [--out bench/results/native_size_cost.json]

The autoencoder ceiling rises with the native size (bench/autoencoder_ceiling.py --native WxH,
results autoencoder_ceiling_{96x56,128x72,160x96}.json); this times what it costs: one training
step of the shipped FlowDiT (batch 12) and of the VideoVAE (batch 8) at each size, random inputs,
bf16 autocast where the CPU has bf16 instructions (as the recipes train), medians of interleaved
runs. The first size is the baseline: each step's ratio to it, and the recipe minutes it projects
(the shipped recipes' measured minutes times the ratio: flow 31.7, VAE 9.0, decoder fine-tune 8.3).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe  # noqa: E402
from precision_speed import flow_step, interleaved_medians, vae_step, with_precision  # noqa: E402

from aigc_video.engines.flow import FlowEngine  # noqa: E402
from aigc_video.models.precision import cpu_has_fast_bf16  # noqa: E402

# Wall minutes of the shipped recipes at 96x56 (MODEL_CARD.md, bf16 on the 2-core EPYC).
RECIPE_MINUTES = {"flow": 31.7, "vae": 9.0, "decoder": 8.3}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="96x56,128x72,160x96", help="native sizes; the first is the baseline")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", default="bench/results/native_size_cost.json")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    engine = FlowEngine(precision="fp32")        # only for the shipped configs
    fs, bf16 = engine.fs, cpu_has_fast_bf16()
    sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
    steps = {}
    for w, h in sizes:
        flow_config = dataclasses.replace(engine.model.config, latent_width=w // fs, latent_height=h // fs)
        steps[f"flow {w}x{h}"] = with_precision(flow_step(flow_config), bf16)
        steps[f"vae {w}x{h}"] = with_precision(vae_step(engine.vae.config, w, h), bf16)
    medians = interleaved_medians(steps, args.repeats)

    base = f"{sizes[0][0]}x{sizes[0][1]}"
    rows = []
    for w, h in sizes:
        size = f"{w}x{h}"
        flow_ratio = medians[f"flow {size}"] / medians[f"flow {base}"]
        vae_ratio = medians[f"vae {size}"] / medians[f"vae {base}"]
        minutes = {"flow": RECIPE_MINUTES["flow"] * flow_ratio,
                   "vae": RECIPE_MINUTES["vae"] * vae_ratio, "decoder": RECIPE_MINUTES["decoder"] * vae_ratio}
        c = engine.model.config
        rows.append({"size": size, "tokens": c.latent_frames * (h // fs // c.patch) * (w // fs // c.patch),
                     "flow_step_s": round(medians[f"flow {size}"], 3), "flow_ratio": round(flow_ratio, 2),
                     "vae_step_s": round(medians[f"vae {size}"], 3), "vae_ratio": round(vae_ratio, 2),
                     "projected_recipe_minutes": round(sum(minutes.values()), 1)})
        print(rows[-1], flush=True)
    report = {"machine": describe(), "precision": "bf16" if bf16 else "fp32", "threads": args.threads,
              "repeats": args.repeats, "baseline": base, "recipe_minutes_at_baseline": RECIPE_MINUTES, "rows": rows}
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
