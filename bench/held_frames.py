"""Held frames: what storing a repeated frame once saves (synthesis/encode.py, `_converted`).

    .venv/bin/python bench/held_frames.py [--engines gan,flow,vae,render] [--repeats 3]
        [--out bench/results/held_frames]

The learned engines draw 12 frames a second; at 24 fps each is shown twice. Before, every one of
the 24 went through RGB->YUV, the watermark and x264, which spent about as long on a repeat as on
a new frame. Now a frame equal to the one before is not encoded: the one before is held for its
time (a longer MP4 sample), so the picture at every frame time is the same.

Per engine, in one process, alternating the two encoders run by run (the baseline: the frame
comparison turned off): the 720p whole pipeline (narration, music, subtitles, watermark, C2PA) on
compare_engines' three-sentence script, cache off, 24 fps: wall seconds, the real-time factor
(video seconds per wall second) and the frames the MP4 stores; medians of --repeats after a
warm-up. Writes <out>.json and <out>.md.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare_engines import SCRIPT  # noqa: E402
from machine import describe as describe_machine  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def run(pipe, path: Path) -> tuple[float, float, int, int]:
    from aigc_video.synthesis.encode import probe
    result = pipe.generate(SCRIPT, path, keep_frames=False)
    info = probe(path)
    return result.report["cost"]["wall_seconds"], result.report["output"]["duration_s"], info["frames_stored"], info["n_frames"]


def main() -> None:
    from aigc_video import Pipeline
    from aigc_video.synthesis import encode
    ap = argparse.ArgumentParser()
    ap.add_argument("--engines", default="gan,flow,vae,render")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "held_frames"))
    args = ap.parse_args()
    compare = encode.same_picture
    modes = {"held": compare, "every frame": lambda frame, previous: False}
    rows = {}
    with tempfile.TemporaryDirectory() as folder:
        for name in args.engines.split(","):
            pipe = Pipeline(engine=name, size=(1280, 720), fps=24, seed=0, use_cache=False)
            runs = {mode: [] for mode in modes}
            run(pipe, Path(folder) / "warm.mp4")
            for r in range(args.repeats):
                for mode in (list(modes) if r % 2 == 0 else list(modes)[::-1]):
                    encode.same_picture = modes[mode]
                    try:
                        runs[mode].append(run(pipe, Path(folder) / f"{name}_{r}.mp4"))
                    finally:
                        encode.same_picture = compare
            rows[name] = {}
            for mode, results in runs.items():
                wall = statistics.median(x[0] for x in results)
                rows[name][mode] = {"wall_s": round(wall, 3), "realtime_factor": round(results[0][1] / wall, 2),
                                    "frames_stored": results[0][2], "frames_shown": results[0][3],
                                    "walls": [round(x[0], 3) for x in results]}
            rows[name]["ratio"] = round(rows[name]["every frame"]["wall_s"] / rows[name]["held"]["wall_s"], 2)
            print(name, json.dumps(rows[name]), flush=True)
    result = {"machine": describe_machine(), "load_at_end": os.getloadavg()[0], "repeats": args.repeats,
              "script": SCRIPT, "size": "1280x720", "fps": 24, "engines": rows}
    lines = ["# Held frames: a repeated frame stored once", "",
             f"Machine: {result['machine']}; load {result['load_at_end']:.1f} at the end.", "",
             "Command: `.venv/bin/python bench/held_frames.py` (720p, 24 fps, compare_engines' three-sentence "
             f"script, cache off; medians of {args.repeats}, the two encoders alternating run by run).", "",
             "| engine | frames shown | stored (held) | wall, every frame encoded | wall, held | real-time factor, every frame | real-time factor, held | speed-up |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, row in rows.items():
        every, held = row["every frame"], row["held"]
        lines.append(f"| {name} | {held['frames_shown']} | {held['frames_stored']} | {every['wall_s']:.2f} s | "
                     f"{held['wall_s']:.2f} s | {every['realtime_factor']:.2f}x | {held['realtime_factor']:.2f}x | "
                     f"{row['ratio']:.2f}x |")
    Path(args.out + ".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    Path(args.out + ".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
