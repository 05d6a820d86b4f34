"""The learned upscaler against the old one (unsharp mask + bicubic) in the learned engines.

    .venv/bin/python bench/upscaler.py [--engines gan,flow] [--suites held_out:0,1,2 basic:0]
        [--size 640x360] [--repeats 5] [--threads 1] [--out bench/results/upscaler]

Per engine, upscaler off ("bicubic") and on ("learned", checkpoints/upscaler), in one process:
1. every suite at the given size, 12 fps (eval.evaluate, as bench/compare_engines.py): the fully
   correct share and each attribute's accuracy, the Fréchet distances to independent scene-engine
   renders (video "FVD" and per-frame "frame FD"; our encoder), the mean flicker;
2. time per shot: a 4.8 s shot (58 frames at 12 fps) of one prompt at the size, median of
   --repeats after a warm-up, and of the upscale step alone (native frames to the size).
Writes <out>.json and <out>.md.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from engine_suites import accuracy_row  # noqa: E402
from machine import describe as describe_machine  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PROMPT = "A red ball bounces across the green grass."
MODES = ("bicubic", "learned")


def shot_times(engine, size: tuple[int, int], repeats: int) -> dict:
    """Median seconds of a 4.8 s shot at `size`, and of its upscale step alone."""
    from aigc_video.scene import plan
    from aigc_video.understand import parse
    storyboard = parse(PROMPT)
    storyboard.shots[0].duration_s = 4.8
    shot = plan(storyboard, size=size, fps=12, seed=0).shots[0]
    engine.generate(shot, *size, 12)                         # warm-up (text encoder, caches)
    video, _ = engine.native_frames(shot, 12)
    whole, step = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        engine.generate(shot, *size, 12)
        whole.append(time.perf_counter() - t)
        t = time.perf_counter()
        engine.to_size(video, shot, 12, size[1], size[0])
        step.append(time.perf_counter() - t)
    return {"shot_frames": shot.n_frames, "shot_seconds": round(statistics.median(whole), 3),
            "upscale_seconds": round(statistics.median(step), 3)}


def main() -> None:
    import torch

    from aigc_video.engines import get_engine
    from aigc_video.engines.latent import CHECKPOINTS
    from aigc_video.eval.evaluate import evaluate
    ap = argparse.ArgumentParser()
    ap.add_argument("--engines", default="gan,flow")
    ap.add_argument("--suites", nargs="+", default=["held_out:0,1,2", "basic:0"], help="SUITE:SEEDS")
    ap.add_argument("--size", default="640x360")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--upscaler", default=str(CHECKPOINTS / "upscaler"))
    ap.add_argument("--parts", default="suites,speed")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "upscaler"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    size = tuple(int(v) for v in args.size.split("x"))
    parts = set(args.parts.split(","))
    out = Path(args.out)
    earlier = json.loads(out.with_suffix(".json").read_text()) if out.with_suffix(".json").exists() else {}
    report = {"size": list(size), "fps": 12, "threads": args.threads, "upscaler": args.upscaler,
              "machine": {**earlier.get("machine", {}), **{p: describe_machine() for p in parts}},
              "engines": earlier.get("engines", {})}
    for name in args.engines.split(","):
        for mode in MODES:
            engine = get_engine(name, upscaler="bicubic" if mode == "bicubic" else args.upscaler)
            row = report["engines"].setdefault(name, {}).setdefault(mode, {"suites": {}})
            for spec in args.suites if "suites" in parts else ():
                suite, _, seeds = spec.partition(":")
                seeds = tuple(int(s) for s in seeds.split(",")) if seeds else (0,)
                t0 = time.time()
                m = evaluate(engine, suite, seeds=seeds, size=size)
                row["suites"][suite] = {"seeds": list(seeds), "shots": m["shots"], **accuracy_row(m),
                                        "fvd": m["fvd"], "frame_fd": m["frame_fd"],
                                        "flicker": m["temporal"]["flicker_mean"],
                                        "generate_seconds": m["timing"]["generate_s"],
                                        "seconds": round(time.time() - t0, 1)}
                print(name, mode, suite, json.dumps(row["suites"][suite]), flush=True)
            if "speed" in parts:
                row.update(shot_times(engine, size, args.repeats))
                print(name, mode, json.dumps({k: v for k, v in row.items() if k != "suites"}), flush=True)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")   # after every row
    out.with_suffix(".md").write_text(table(report), encoding="utf-8")
    print(table(report))


def table(report: dict) -> str:
    w, h = report["size"]
    lines = ["# Learned upscaler against unsharp mask + bicubic", "",
             *[f"Machine ({part}): {m}." for part, m in sorted(report["machine"].items())], "",
             f"Command: `.venv/bin/python bench/upscaler.py` ({w}x{h}, 12 fps, {report['threads']} torch thread(s)).",
             "Frame FD / FVD: to independent scene-engine renders of the same prompts (our encoder; lower is closer);",
             "flicker: mean frame-to-frame change outside the objects (lower is steadier).", "",
             "| engine | upscaler | suite (seeds) | fully correct | frame FD | FVD | flicker |",
             "|---|---|---|---|---|---|---|"]
    for name, modes in report["engines"].items():
        for mode, row in modes.items():
            for suite, s in row["suites"].items():
                seeds = ",".join(str(v) for v in s["seeds"])
                lines.append(f"| {name} | {mode} | {suite} ({seeds}) | {100 * s['fully_correct']:.1f}% | "
                             f"{s['frame_fd']:.2f} | {s['fvd']:.2f} | {s['flicker']:.2f} |")
    lines += ["", f"Time per shot (4.8 s, 58 frames at 12 fps, {w}x{h}; medians):", "",
              "| engine | upscaler | whole shot (s) | upscale step (s) |", "|---|---|---|---|"]
    for name, modes in report["engines"].items():
        for mode, row in modes.items():
            if "shot_seconds" in row:
                lines.append(f"| {name} | {mode} | {row['shot_seconds']:.3f} | {row['upscale_seconds']:.3f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
