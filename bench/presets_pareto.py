"""Quality presets: time against the evaluation's fully-correct share (and frame FD where cheap).

    .venv/bin/python bench/presets_pareto.py [--engines render,flow] [--flow-qualities draft,standard]

Per engine and preset: (1) the wall time of the whole pipeline on examples/story.txt (narration,
music, subtitles, encoding; cache off) and (2) `aigc_video.eval.evaluate(engine, "basic",
seeds=(0,), size, fps, engine_options, distances=...)` at the preset's size, fps and flow steps:
the share of shots with every judged attribute right. Frame FD (our encoder, not comparable to
published numbers) is computed for the scene engine's presets up to 640x360 (cheap) and skipped
for 720p and for the flow engine's (it re-renders references: minutes more on 2 cores). Story
times are medians of 2 runs after a warm-up run. The flow engine's `high` preset
(720p, 8 steps) is left out unless asked for: ~25 s a shot here. Writes
bench/results/presets_pareto.{json,md}.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from aigc_video import Pipeline
from aigc_video.eval import evaluate
from aigc_video.presets import PRESETS, engine_options
from machine import describe as describe_machine  # bench/machine.py

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--engines", default="render,flow")
    ap.add_argument("--render-qualities", default="draft,standard,high")
    ap.add_argument("--flow-qualities", default="draft,standard")
    ap.add_argument("--suite", default="basic")
    ap.add_argument("--story-runs", type=int, default=2)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "presets_pareto"))
    args = ap.parse_args()
    text = (ROOT / "examples" / "story.txt").read_text(encoding="utf-8")
    rows = []
    for engine in args.engines.split(","):
        with tempfile.TemporaryDirectory() as folder:   # warm-up: imports, materials, model loads
            Pipeline(engine=engine, quality="draft", seed=0, use_cache=False).generate(
                "A red ball bounces.", Path(folder) / "w.mp4", keep_frames=False)
        for quality in getattr(args, f"{engine}_qualities").split(","):
            p = PRESETS[quality]
            walls = []
            for _ in range(args.story_runs):
                with tempfile.TemporaryDirectory() as folder:
                    res = Pipeline(engine=engine, quality=quality, seed=0, use_cache=False).generate(
                        text, Path(folder) / "v.mp4", keep_frames=False)
                walls.append(res.report["cost"]["wall_seconds"])
            t = time.perf_counter()
            cheap = engine == "render" and p.size[0] * p.size[1] <= 640 * 360
            m = evaluate(engine, args.suite, seeds=(0,), size=p.size, fps=p.fps,
                         engine_options=engine_options(quality, engine, {}), distances=cheap)
            row = {"engine": engine, "quality": quality, "size": f"{p.size[0]}x{p.size[1]}", "fps": p.fps,
                   "flow_steps": p.flow_steps if engine == "flow" else None, "x264": f"{p.x264_preset} crf {p.crf}",
                   "story_wall_s": statistics.median(walls), "story_wall_runs": walls,
                   "story_video_s": res.report["output"]["duration_s"],
                   "story_cpu_s": res.report["cost"]["cpu_seconds"],
                   "fully_correct": m["fully_correct"], "frame_fd": m.get("frame_fd"),
                   "eval_generate_s": m["timing"]["generate_s"], "eval_s": round(time.perf_counter() - t, 1)}
            rows.append(row)
            print(row, flush=True)
    front = []
    for r in rows:   # Pareto-optimal within each engine: no other preset is both faster and better
        dominated = any(o is not r and o["engine"] == r["engine"] and o["story_wall_s"] <= r["story_wall_s"]
                        and o["fully_correct"] >= r["fully_correct"]
                        and (o["story_wall_s"], o["fully_correct"]) != (r["story_wall_s"], r["fully_correct"])
                        for o in rows)
        r["pareto"] = not dominated
        front.append(r)
    result = {"machine": describe_machine(), "load_at_end": os.getloadavg()[0], "suite": args.suite, "seeds": [0],
              "rows": rows}
    lines = [f"# Quality presets: time vs faithfulness ({args.suite} suite, seed 0)", "",
             f"Machine: {result['machine']}; load {result['load_at_end']:.1f} at the end. Story times: median of 2 runs; one evaluation each "
             "(timings noisy: a shared 2-core machine).", "",
             "Time: the whole pipeline on examples/story.txt, cache off, median of 2 runs after a warm-up. Fully correct: share of the suite's "
             "shots with every judged attribute right, generated at the preset's size, fps and steps. Frame FD: "
             "our encoder, scene engine only (lower is closer to the reference renders).", "",
             "| engine | quality | size @ fps | steps | x264 | story wall s (video s) | fully correct | frame FD | suite generate s | Pareto |",
             "|---|---|---|---:|---|---:|---:|---:|---:|---|"]
    for r in rows:
        fd = f"{r['frame_fd']:.2f}" if isinstance(r["frame_fd"], (int, float)) else "—"
        lines.append(f"| {r['engine']} | {r['quality']} | {r['size']} @ {r['fps']} | {r['flow_steps'] or '—'} | "
                     f"{r['x264']} | {r['story_wall_s']:.2f} ({r['story_video_s']:.1f}) | {r['fully_correct']:.3f} | "
                     f"{fd} | {r['eval_generate_s']:.1f} | {'yes' if r['pareto'] else 'no'} |")
    lines += ["", "Command: `.venv/bin/python bench/presets_pareto.py`"]
    Path(args.out + ".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    Path(args.out + ".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
