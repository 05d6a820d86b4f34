"""Time to quality: held-out faithfulness of the flow model against training minutes.

Run:  .venv/bin/python bench/time_to_quality.py [--run runs/flow_cpu] [--vae runs/vae_decoder/final]
          [--suite held_out] [--seeds 0] [--out bench/results/time_to_quality.json]

For every checkpoint the recipe kept, its weights (--weights model|ema) are evaluated with
the evaluation suite; training minutes come from the run's metrics.jsonl (wall clock of the
recipe, data preparation excluded), plus the VAE's training minutes from its own run (and those
of the decoder fine-tune given with --vae).
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from engine_suites import accuracy_row  # noqa: E402

from aigc_video.training.checkpoint import checkpoint_dirs, export_for_engine


def minutes_at(run_dir: Path) -> dict[int, float]:
    """step -> training minutes from the recipe's metrics.jsonl. Each (re)start of the recipe
    restarts its clock, so segments are chained; the minutes of an interrupted segment past its
    last checkpoint are counted too (they were spent)."""
    out, offset, last = {}, 0.0, 0.0
    for line in (run_dir / "metrics.jsonl").read_text().splitlines():
        row = json.loads(line)
        if row["time_s"] < last:
            offset += last
        last = row["time_s"]
        out[row["step"]] = (offset + row["time_s"]) / 60
    return out


def run_minutes(exported: Path) -> float | None:
    """Training minutes of the run whose final/ folder `exported` is (None without its metrics)."""
    metrics = exported.parent / "metrics.jsonl"
    return max(minutes_at(exported.parent).values()) if metrics.exists() else None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", default="runs/flow_cpu")
    ap.add_argument("--suite", default="held_out")
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--size", default="160x96", help="the evaluation suite's default size")
    ap.add_argument("--fps", type=int, default=12)
    ap.add_argument("--steps", default=None, help="comma-separated checkpoint steps (default: all kept)")
    ap.add_argument("--out", default="bench/results/time_to_quality.json")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--weights", default="model", choices=("model", "ema"))
    ap.add_argument("--vae", default=None, help="decode with this VAE folder instead of the run's (a decoder "
                    "fine-tune of it, configs/vae_decoder_cpu.yaml); its training minutes are counted too")
    args = ap.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    from aigc_video.engines.flow import FlowEngine
    from aigc_video.eval import evaluate

    run = Path(args.run)
    state = json.loads((checkpoint_dirs(run)[-1] / "state.json").read_text())
    config = state["config"]
    vae_dir = Path(config["vae"]["dir"])
    vae_minutes = run_minutes(vae_dir)
    decoder_dir = Path(args.vae) if args.vae else None
    decoder_minutes = run_minutes(decoder_dir) if decoder_dir else None
    minutes = minutes_at(run)
    w, h = (int(v) for v in args.size.split("x"))
    seeds = tuple(int(s) for s in args.seeds.split(","))
    out = Path(args.out)
    previous = json.loads(out.read_text()) if out.exists() else {}
    same = (previous.get("suite") == args.suite and previous.get("seeds") == list(seeds) and previous.get("run") == str(run)
            and previous.get("weights") == args.weights and previous.get("vae") == args.vae)
    rows = previous.get("rows", []) if same else []   # rows already measured are kept (runs can be incremental)
    wanted = None if args.steps is None else {int(s) for s in args.steps.split(",")}
    for ckpt in checkpoint_dirs(run):
        step = int(ckpt.name.split("_")[1])
        if (wanted is not None and step not in wanted) or any(r["step"] == step for r in rows):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            engine = FlowEngine(export_for_engine(ckpt, decoder_dir or vae_dir, Path(tmp), weights=args.weights))
            t0 = time.time()
            result = evaluate(engine, args.suite, seeds=seeds, size=(w, h), fps=args.fps, distances=False)
        row = {"step": step, "flow_minutes": round(minutes.get(step, float("nan")), 2),
               "vae_minutes": round(vae_minutes, 2) if vae_minutes else None,
               "decoder_minutes": round(decoder_minutes, 2) if decoder_minutes else None, "eval_s": round(time.time() - t0, 1),
               **accuracy_row(result)}
        rows = sorted(rows + [row], key=lambda r: r["step"])
        print(json.dumps(row), flush=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"suite": args.suite, "seeds": list(seeds), "size": args.size, "fps": args.fps,
                                   "run": str(run), "weights": args.weights, "vae": args.vae, "guidance": engine.guidance,
                                   "guidance_rescale": engine.guidance_rescale,
                                   "sampling_steps": engine.steps, "machine": f"{os.cpu_count()}-core CPU, shared",
                                   "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
