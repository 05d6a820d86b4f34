"""Render speed of the whole pipeline on the shipped example script.

    .venv/bin/python bench/render_speed.py [--engine render] [--size 1280x720] [--fps 24] [--repeats 3]
    .venv/bin/python bench/render_speed.py --engine flow --out bench/results/render_speed_flow
    .venv/bin/python bench/render_speed.py --script examples/everyday.txt --out bench/results/render_speed_everyday

Renders examples/story.txt (or --script: everyday.txt has materials, settings and props) with an engine (the procedural `render` unless told; `flow` is the
learned default engine), narration, music and burned subtitles, and reports the median wall
time, the real-time factor (video seconds per wall second) and the median of each stage.
Baseline, run in the same script: encoding the same number of already-made frames with the
pipeline's encoder settings and no audio (the floor every engine pays), so the ratio says what
the rest costs.
Writes bench/results/render_speed.md and .json (or --out's).
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from aigc_video import Pipeline
from aigc_video.limits import parse_size
from aigc_video.synthesis.encode import encode
from machine import describe as describe_machine  # bench/machine.py

ROOT = Path(__file__).resolve().parents[1]




def baseline_encode(n_frames: int, width: int, height: int, fps: int, folder: Path) -> float:
    """Seconds to encode n_frames of a moving gradient with the pipeline's own encoder settings,
    no audio: the floor that every engine pays."""
    frame = np.zeros((height, width, 3), np.uint8)
    frame[..., 0] = np.linspace(0, 255, width, dtype=np.uint8)[None, :]
    frames = (np.roll(frame, i * 4, axis=1) for i in range(n_frames))
    t = time.perf_counter()
    encode(frames, n_frames, folder / "baseline.mp4", width=width, height=height, fps=fps)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--fps", type=int, default=24)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--engine", default="render")
    ap.add_argument("--script", default="examples/story.txt")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "render_speed"))
    args = ap.parse_args()
    size = parse_size(args.size)
    text = (ROOT / args.script).read_text(encoding="utf-8")
    pipe = Pipeline(engine=args.engine, size=size, fps=args.fps, seed=0, subtitles="burn", narration="require",
                    use_cache=False)   # repeats of one text: timed work, not cache reads

    walls, stages, synth = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeats):
            res = pipe.generate(text, Path(tmp) / f"run{r}.mp4", keep_frames=False)
            walls.append(res.report["cost"]["wall_seconds"])
            stages.append(res.report["cost"]["stage_seconds"])
            synth.append(res.report["synthesis_seconds"])
            video_s = res.report["output"]["duration_s"]
            n_frames = res.report["output"]["n_frames"]
        base = statistics.median(baseline_encode(n_frames, *size, args.fps, Path(tmp)) for _ in range(args.repeats))

    wall = statistics.median(walls)
    med = {k: statistics.median(s[k] for s in stages) for k in stages[0]}
    med_synth = {k: statistics.median(s[k] for s in synth) for k in synth[0]}
    result = {
        "machine": describe_machine(), "engine": args.engine, "size": args.size, "fps": args.fps,
        "repeats": args.repeats, "video_seconds": video_s, "frames": n_frames,
        "median_wall_seconds": round(wall, 3), "realtime_factor": round(video_s / wall, 2),
        "median_stage_seconds": {k: round(v, 3) for k, v in med.items()},
        "median_synthesis_seconds": {k: round(v, 3) for k, v in med_synth.items()},
        "baseline_encode_only_seconds": round(base, 3),
        "ratio_pipeline_to_baseline": round(wall / base, 2),
        "target_realtime_factor": 3.0,
    }
    lines = [
        f"# Render speed: {args.script}, engine `{args.engine}`, {args.size} @ {args.fps} fps",
        "", f"Machine: {result['machine']}.", "",
        f"Command: `.venv/bin/python bench/render_speed.py --engine {args.engine} --script {args.script} --size {args.size} --fps {args.fps} --repeats {args.repeats}`",
        "", "| measure | value |", "|---|---|",
        f"| video length | {video_s:.2f} s ({n_frames} frames) |",
        f"| median wall time ({args.repeats} runs) | {wall:.2f} s |",
        f"| real-time factor (video s / wall s) | **{video_s / wall:.2f}×** (target ≥ 3×) |",
        f"| baseline: H.264 encode of the same frame count, no audio | {base:.2f} s |",
        f"| pipeline / baseline | {wall / base:.2f}× |",
        "", "Median seconds per stage (the engine makes each shot's frames while synthesis encodes",
        "the previous one, so `frames` overlaps `synthesis`):", "", "| stage | seconds |", "|---|---|",
        *[f"| {k} | {v:.3f} |" for k, v in med.items()],
        *[f"| synthesis: {k} | {v:.3f} |" for k, v in med_synth.items()],
    ]
    Path(args.out + ".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    Path(args.out + ".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
