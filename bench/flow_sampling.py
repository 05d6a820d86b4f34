"""Sampling settings of the flow engine against faithfulness: which sampler, step count, guidance
scale and guidance rescale to ship as the engine's defaults.

Run:  .venv/bin/python bench/flow_sampling.py [--checkpoint DIR] [--suite held_out] [--seeds 0]
          [--grid euler:4:1,euler:4:2,euler:4:2:0,heun:4:2,...] [--threads 2]
          [--out bench/results/flow_sampling.json]

Each grid entry is sampler:steps:guidance[:rescale] (rescale: the engine's default when left out).
The same checkpoint, suite, seeds and size are used for every entry, so the rows differ only in
how the latents are sampled. Times are the suite's generation wall clock (the machine is shared;
compare rows, not absolute seconds).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from engine_suites import accuracy_row  # noqa: E402


def parse_grid(text: str, default_rescale: float) -> list[tuple[str, int, float, float]]:
    grid = []
    for entry in text.split(","):
        sampler, steps, guidance, *rescale = entry.split(":")
        grid.append((sampler, int(steps), float(guidance), float(rescale[0]) if rescale else default_rescale))
    return grid


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", default=None, help="engine checkpoint folder (default: the shipped one)")
    ap.add_argument("--suite", default="held_out")
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--size", default="160x96", help="the evaluation suite's default size")
    ap.add_argument("--grid", default="euler:4:1,euler:4:1.5,euler:4:1.75,euler:4:2:0,euler:4:2,euler:4:2:1,euler:4:2.5,"
                                      "euler:4:3,euler:8:2,euler:16:2,heun:4:2")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default="bench/results/flow_sampling.json")
    args = ap.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    from aigc_video.engines.flow import DEFAULT_GUIDANCE_RESCALE, FlowEngine
    from aigc_video.eval import evaluate

    w, h = (int(v) for v in args.size.split("x"))
    seeds = tuple(int(s) for s in args.seeds.split(","))
    rows = []
    for sampler, steps, guidance, rescale in parse_grid(args.grid, DEFAULT_GUIDANCE_RESCALE):
        engine = FlowEngine(args.checkpoint, steps=steps, sampler=sampler, guidance=guidance, guidance_rescale=rescale)
        t0 = time.perf_counter()
        result = evaluate(engine, args.suite, seeds=seeds, size=(w, h), distances=False)
        row = {"sampler": sampler, "steps": steps, "guidance": guidance, "rescale": rescale,
               "eval_s": round(time.perf_counter() - t0, 1), **accuracy_row(result),
               "flicker_mean": result["temporal"]["flicker_mean"]}
        rows.append(row)
        print(json.dumps(row), flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"checkpoint": args.checkpoint or "shipped", "suite": args.suite, "seeds": list(seeds),
                               "size": args.size, "machine": f"{os.cpu_count()}-core CPU, shared",
                               "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
