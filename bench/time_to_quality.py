"""Time to quality: held-out faithfulness of the flow model against training minutes.

Run:  .venv/bin/python bench/time_to_quality.py [--run runs/flow_cpu] [--suite held_out] [--seeds 0]
          [--out bench/results/time_to_quality.json]

For every checkpoint the recipe kept, the EMA weights (what would be shipped) are evaluated with
the evaluation suite; training minutes come from the run's metrics.jsonl (wall clock of the
recipe, data preparation excluded), plus the VAE's training minutes from its own run.
"""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from aigc_video.training.checkpoint import checkpoint_dirs


def minutes_at(run_dir: Path) -> dict[int, float]:
    """step -> training minutes, from the recipe's metrics.jsonl (the last run if resumed)."""
    out = {}
    for line in (run_dir / "metrics.jsonl").read_text().splitlines():
        row = json.loads(line)
        out[row["step"]] = row["time_s"] / 60
    return out


def engine_folder(checkpoint: Path, vae_dir: Path, meta: dict, into: Path) -> Path:
    """An engine-readable folder (flow.* + vae.*) from a training checkpoint's EMA weights."""
    into.mkdir(parents=True, exist_ok=True)
    shutil.copy(checkpoint / "ema.safetensors", into / "flow.safetensors")
    flow_meta = json.loads((checkpoint / "ema.json").read_text())
    (into / "flow.json").write_text(json.dumps({**flow_meta, **meta}))
    for ext in ("json", "safetensors"):
        shutil.copy(vae_dir / f"vae.{ext}", into / f"vae.{ext}")
    return into


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", default="runs/flow_cpu")
    ap.add_argument("--suite", default="held_out")
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--size", default="320x180")
    ap.add_argument("--fps", type=int, default=12)
    ap.add_argument("--every", type=int, default=1, help="evaluate every k-th checkpoint")
    ap.add_argument("--out", default="bench/results/time_to_quality.json")
    args = ap.parse_args()
    from aigc_video.engines.flow import FlowEngine
    from aigc_video.eval import evaluate

    run = Path(args.run)
    state = json.loads((checkpoint_dirs(run)[-1] / "state.json").read_text())
    config = state["config"]
    vae_dir = Path(config["vae"]["dir"])
    vae_minutes = max(minutes_at(vae_dir.parent).values()) if (vae_dir.parent / "metrics.jsonl").exists() else None
    meta = {"fps": config["data"]["fps"], "size": config["data"]["size"], "n_frames": config["data"]["n_frames"]}
    minutes = minutes_at(run)
    w, h = (int(v) for v in args.size.split("x"))
    seeds = tuple(int(s) for s in args.seeds.split(","))
    rows = []
    for ckpt in checkpoint_dirs(run)[::-1][::args.every][::-1]:
        step = int(ckpt.name.split("_")[1])
        with tempfile.TemporaryDirectory() as tmp:
            engine = FlowEngine(engine_folder(ckpt, vae_dir, meta, Path(tmp)))
            t0 = time.time()
            result = evaluate(engine, args.suite, seeds=seeds, size=(w, h), fps=args.fps)
        row = {"step": step, "flow_minutes": round(minutes.get(step, float("nan")), 2),
               "vae_minutes": round(vae_minutes, 2) if vae_minutes else None,
               "eval_s": round(time.time() - t0, 1), "result": result.get("summary", result)}
        rows.append(row)
        print(json.dumps(row), flush=True)
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps({"suite": args.suite, "seeds": list(seeds), "size": args.size,
                                              "fps": args.fps, "run": str(run), "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
