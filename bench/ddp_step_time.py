"""Flow recipe step time: 1 process vs `torchrun --nproc_per_node 2` (DDP, gloo on CPU), same global batch.

A small config (moving-square clips 32x32x8, FlowDiT width 128 depth 4, batch 8) so it runs in a
minute; step time is the median over the steps after the first 5 (warm-up), from metrics.jsonl.
On a 2-core CPU two processes share the same two cores (1 thread each against 2 threads for one
process), so the ratio shows DDP's overhead more than a speed-up; on two machines or GPUs each
process has its own.

    .venv/bin/python bench/ddp_step_time.py [--steps 30]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).parent))
from machine import describe  # noqa: E402
from test_training import flow_config, moving_squares, vae_config  # noqa: E402

from aigc_video.data.shards import save_shard  # noqa: E402


def step_times(run_dir: Path, skip: int = 5) -> list[float]:
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    t = [r["time_s"] for r in rows]
    return [b - a for a, b in zip(t[skip:], t[skip + 1:])]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--out", default="bench/results/ddp_step_time.json")
    args = ap.parse_args()
    from aigc_video.training.vae_recipe import train_vae
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "shards").mkdir()
        save_shard(tmp / "shards" / "shard_0000", moving_squares(64, size=32), {"fake": True})
        train_vae(vae_config(tmp / "vae", tmp / "shards", 2), progress=False)
        results = {}
        for procs in (1, 2):
            cfg = {**flow_config(tmp / f"run{procs}", tmp / "shards", tmp / "vae" / "final", args.steps),
                   "batch_size": 8, "threads": 2, "checkpoint_every": 10**6,
                   "model": {"patch": 2, "width": 128, "depth": 4, "heads": 4}}
            cfg["data"]["size"] = [32, 32]
            path = tmp / f"run{procs}.yaml"
            path.write_text(yaml.safe_dump(cfg))
            launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"] \
                if procs == 2 else [sys.executable]
            subprocess.run([*launcher, "-m", "aigc_video", "train", "flow", "--config", str(path), "--no-progress"],
                           check=True, capture_output=True, env={**os.environ}, cwd=ROOT)
            results[procs] = statistics.median(step_times(tmp / f"run{procs}"))
    out = {"machine": describe(), "config": "FlowDiT width 128, depth 4, batch 8 (global), clips 32x32x8",
           "median_step_s_1_process": round(results[1], 4), "median_step_s_2_processes": round(results[2], 4),
           "ratio_2_over_1": round(results[2] / results[1], 2)}
    Path(args.out).write_text(json.dumps(out, indent=2))
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
