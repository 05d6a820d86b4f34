"""Editing one sentence of a 3-shot script: the second run against the first, with the cache.

    .venv/bin/python bench/cache_edit.py [--engines flow,render] [--size 640x360] [--repeats 2]

Per repeat, a fresh cache folder: run 1 makes the script (every shot, sentence, segment and music
track a miss), run 2 makes it again with the middle sentence edited ("blue" -> "green"), in the
same project: the encoded segments of the first shot and of the last shot's own frames are read
back (synthesis/segments.py), only the edited shot is drawn again (the learned engine's shots are
cached; the scene engine's are not, drawing them is cheaper than reading them back, see
cache.SHOT_ENGINES), two of three sentences are read back, and the music (same moods, same
timing) is a hit. Target: run 2 takes at most 70% of run 1's wall
time. A third run without the cache (--no-cache) of the edited script is the baseline for the
same work in the same session. Writes bench/results/cache_edit.{json,md}.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
from pathlib import Path

from aigc_video import Pipeline
from aigc_video.limits import parse_size
from machine import describe as describe_machine  # bench/machine.py

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ("A red ball bounces across the green grass.\nA blue star spins slowly in space.\n"
          "A white bird flies left in the night sky.")
EDITED = SCRIPT.replace("A blue star", "A green star")
PROJECT = "cache-edit-bench"    # one project: the watermark stays, so encoded segments can be reused


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--engines", default="flow,render")
    ap.add_argument("--size", default="640x360")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "cache_edit"))
    args = ap.parse_args()
    size = parse_size(args.size)
    result: dict = {"machine": describe_machine(), "size": args.size, "repeats": args.repeats, "engines": {}}
    for engine in args.engines.split(","):
        firsts, edits, nocache, counts = [], [], [], None
        for r in range(args.repeats):
            with tempfile.TemporaryDirectory() as folder:
                kw = dict(engine=engine, size=size, fps=24, seed=0, cache=str(Path(folder) / "cache"), project=PROJECT)
                a = Pipeline(**kw).generate(SCRIPT, Path(folder) / "a.mp4", keep_frames=False)
                b = Pipeline(**kw).generate(EDITED, Path(folder) / "b.mp4", keep_frames=False)
                c = Pipeline(**kw, use_cache=False).generate(EDITED, Path(folder) / "c.mp4", keep_frames=False)
                firsts.append(a.report["cost"]["wall_seconds"])
                edits.append(b.report["cost"]["wall_seconds"])
                nocache.append(c.report["cost"]["wall_seconds"])
                counts = b.report["cache"]["counts"]
                print(engine, r, firsts[-1], edits[-1], nocache[-1], counts, flush=True)
        first, edit, base = (statistics.median(x) for x in (firsts, edits, nocache))
        result["engines"][engine] = {
            "first_run_s": firsts, "edited_run_s": edits, "edited_without_cache_s": nocache,
            "median_first_s": round(first, 3), "median_edited_s": round(edit, 3),
            "median_edited_without_cache_s": round(base, 3),
            "edited_over_first": round(edit / first, 3), "edited_over_no_cache": round(edit / base, 3),
            "cache_counts_of_edited_run": counts, "target_at_most": 0.70,
        }
    result["load_at_end"] = os.getloadavg()[0]
    lines = [f"# Cache: edit one sentence of a 3-shot script ({args.size}, 24 fps)", "",
             f"Machine: {result['machine']}; load {result['load_at_end']:.1f} at the end; medians of "
             f"{args.repeats} repeats, each with a fresh cache folder.", "",
             "| engine | first run s | edited, cached s | edited, no cache s | edited / first | target |",
             "|---|---:|---:|---:|---:|---|"]
    for engine, e in result["engines"].items():
        ok = "met" if e["edited_over_first"] <= 0.70 else "not met"
        lines.append(f"| {engine} | {e['median_first_s']:.2f} | {e['median_edited_s']:.2f} | "
                     f"{e['median_edited_without_cache_s']:.2f} | **{e['edited_over_first']:.2f}** | ≤ 0.70: {ok} |")
    lines += ["", "Cache counts of the edited run: " + "; ".join(
        f"{eng}: {e['cache_counts_of_edited_run']}" for eng, e in result["engines"].items()),
        "", "Both runs belong to one project (`--project`), so the watermark stays the same and the "
        "encoded segments of what the edit left alone are joined as they are (synthesis/segments.py): "
        "the first shot and the last shot's own frames; the edited shot and the two crossfades "
        "beside it are encoded again. The scene engine's frames are not cached (drawing is about "
        "as fast as reading them back); a segment read back needs no frames at all.", "",
        "Command: `.venv/bin/python bench/cache_edit.py`"]
    Path(args.out + ".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    Path(args.out + ".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
