"""Frame rate of the procedural scene renderer (engine "render"), one core.

    .venv/bin/python bench/scene_speed.py [--sizes 1280x720,64x64] [--repeats 5]

Renders a fixed set of typical shots (static and moving cameras, weather, waves, 1-6 objects)
with `render_shot` and reports the median frames per second per shot and overall, setup (the
once-per-shot background) included. Rates are given per second of this process's CPU time (one
core's throughput, robust to other load on a shared machine) and per wall-clock second.
Baseline, measured in the same run: writing the same number of frames from one ready frame
into a fresh array (the memory floor any engine pays), so the ratio says what drawing costs. Writes bench/results/scene_speed.md and .json.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from aigc_video.limits import parse_size
from aigc_video.scene import plan
from aigc_video.scene.render import render_shot
from aigc_video.storyboard import Action, Mood, Setting, Shot, Storyboard, Subject
from machine import describe as describe_machine  # bench/machine.py

ROOT = Path(__file__).resolve().parents[1]


def typical_shots() -> list[Shot]:
    def s(kind, color, size="medium", motion="still", direction=None, speed="normal", count=1):
        return Subject(kind, color, size, count, Action(motion, direction, speed))

    return [
        Shot("a red ball rolls right", [s("circle", "red", motion="move", direction="right")]),
        Shot("a dog runs past a tree", [s("dog", "brown", motion="move", direction="left"), s("tree", "green", "large")],
             Setting("grass"), Mood("happy", 0.7, 0.6)),
        Shot("three boats sail on the sea", [s("boat", "white", count=3, motion="move", direction="right", speed="slow")],
             Setting("sea"), Mood("calm", 0.4, 0.15)),
        Shot("cars in the rainy city at night", [s("car", "red", count=2, motion="move", direction="left")],
             Setting("city", "night", "rain"), Mood("sad", -0.6, 0.2)),
        Shot("a star spins in the snow", [s("star", "yellow", "large", motion="spin")],
             Setting("snow", "day", "snow"), Mood("calm", 0.4, 0.15)),
        Shot("a moon circles in space", [s("moon", "white", motion="orbit"), s("balloon", "purple", "small", motion="rise")],
             Setting("space", "night"), Mood("scary", -0.7, 0.8)),
        Shot("birds zigzag in the sky", [s("bird", "blue", count=3, motion="zigzag", direction="up_right")],
             Setting("day_sky"), Mood("excited", 0.6, 0.9)),
        Shot("a car bounces over the dunes", [s("car", "orange", "large", motion="bounce", direction="right", speed="fast"),
                                              s("sun", "yellow", "small", motion="fade_in")],
             Setting("desert"), Mood("happy", 0.7, 0.6)),
    ]




def baseline_fps(n_frames: int, width: int, height: int) -> float:
    frame = np.full((height, width, 3), 128, np.uint8)
    t = time.perf_counter()
    out = np.empty((n_frames, height, width, 3), np.uint8)
    for i in range(n_frames):
        np.copyto(out[i], frame)
    return n_frames / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1280x720,64x64")
    ap.add_argument("--fps", type=int, default=24)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "scene_speed"))
    args = ap.parse_args()
    shots = typical_shots()
    results = {"machine": describe_machine(), "fps": args.fps, "repeats": args.repeats, "sizes": {}}
    for size_text in args.sizes.split(","):
        w, h = parse_size(size_text)
        scene = plan(Storyboard(shots=shots), size=(w, h), fps=args.fps, seed=0)
        per_shot, totals, walls, base = [], [], [], []
        for shot in scene.shots:
            times = []
            for _ in range(args.repeats):
                t = time.process_time()
                render_shot(shot, w, h)
                times.append(time.process_time() - t)
            per_shot.append({"caption": shot.caption, "camera": shot.camera.kind, "n_frames": shot.n_frames,
                             "fps_median": shot.n_frames / statistics.median(times)})
        n_frames = sum(s.n_frames for s in scene.shots)
        for _ in range(args.repeats):
            t, tw = time.process_time(), time.perf_counter()
            for shot in scene.shots:
                render_shot(shot, w, h)
            totals.append(n_frames / (time.process_time() - t))
            walls.append(n_frames / (time.perf_counter() - tw))
            t = time.process_time()
            baseline_fps(n_frames, w, h)
            base.append(n_frames / (time.process_time() - t))
        results["sizes"][f"{w}x{h}"] = {
            "fps_median_all_shots": statistics.median(totals),
            "wall_fps_median_all_shots": statistics.median(walls),
            "baseline_copy_fps_median": statistics.median(base),
            "shots": per_shot,
        }
        print(f"{w}x{h}: {statistics.median(totals):.0f} frames per CPU second over all shots "
              f"({statistics.median(walls):.0f} per wall second; baseline copy {statistics.median(base):.0f})")
        for p in per_shot:
            print(f"  {p['fps_median']:8.0f} fps  {p['camera']:6s}  {p['caption']}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(results, indent=2))
    lines = [f"# Scene renderer speed\n\n{results['machine']}; median of {args.repeats} runs, one process.\n"]
    for size, r in results["sizes"].items():
        lines.append(f"\n## {size}\n\nall shots: **{r['fps_median_all_shots']:.0f} frames per CPU second**, "
                     f"{r['wall_fps_median_all_shots']:.0f} per wall second "
                     f"(baseline frame copy {r['baseline_copy_fps_median']:.0f} per CPU second)\n\n"
                     "| fps (CPU) | camera | shot |\n|---:|---|---|\n")
        lines += [f"| {p['fps_median']:.0f} | {p['camera']} | {p['caption']} |\n" for p in r["shots"]]
    out.with_suffix(".md").write_text("".join(lines))


if __name__ == "__main__":
    main()
