"""Cold start: the overhead of the first video in a new process (imports, model and dictionary
loads), against the same video made again in that process.

    .venv/bin/python bench/cold_start.py [--engines render,flow] [--repeats 3]

A fresh Python process per repeat runs `aigc-video generate TEXT` as the CLI does (cache off),
then the same generate again in the same process. Overhead = the process's wall time to the end of
the first video (interpreter start included, measured by this parent) minus the second video's
time. Target: ≤ 3 s. The English prompt has no Chinese, so jieba's dictionary is not loaded; the
Chinese prompt measures that too. Writes bench/results/cold_start.{json,md}.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import describe as describe_machine  # bench/machine.py

ROOT = Path(__file__).resolve().parents[1]
CHILD = r"""
import sys, time, json
t0 = time.perf_counter()
from aigc_video.cli import build_parser
from aigc_video.cost_command import generate_settings
from aigc_video.pipeline import Pipeline
t_import = time.perf_counter() - t0
engine, text, out = sys.argv[1], sys.argv[2], sys.argv[3]
args = build_parser().parse_args(["generate", text, "--engine", engine, "--no-cache", "-o", out])
def once():
    t = time.perf_counter()
    Pipeline(engine=engine, seed=0, **generate_settings(args)).generate(text, out, keep_frames=False)
    return time.perf_counter() - t
first = once()
print("FIRST_DONE", flush=True)
second = once()
print(json.dumps({"import_s": t_import, "first_s": first, "second_s": second}))
"""
PROMPTS = {"en": "A red ball bounces across the green grass.", "zh": "一只红色的小球在绿色的草地上跳。"}


def run(engine: str, text: str, folder: str) -> dict:
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, engine, text, str(Path(folder) / "v.mp4")],
                            stdout=subprocess.PIPE, text=True)
    first_line = proc.stdout.readline()
    to_first = time.perf_counter() - t
    assert first_line.startswith("FIRST_DONE"), first_line
    data = json.loads(proc.stdout.readline())
    proc.wait()
    data["process_to_first_video_s"] = to_first
    data["overhead_s"] = to_first - data["second_s"]
    return data


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--engines", default="render,flow")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "cold_start"))
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for engine in args.engines.split(","):
            for lang, text in PROMPTS.items():
                runs = [run(engine, text, folder) for _ in range(args.repeats)]
                row = {"engine": engine, "language": lang, "runs": runs,
                       **{k: round(statistics.median(r[k] for r in runs), 3) for k in runs[0]}}
                rows.append(row)
                print(engine, lang, {k: v for k, v in row.items() if k != "runs"}, flush=True)
    result = {"machine": describe_machine(), "load_at_end": os.getloadavg()[0], "rows": rows, "target_overhead_s": 3.0}
    lines = ["# Cold start: first video in a new process", "",
             f"Machine: {result['machine']}; load {result['load_at_end']:.1f} at the end; medians of {args.repeats} fresh processes.", "",
             "| engine | prompt | imports s | first video s | same video again s | process start to first video s | overhead s | ≤ 3 s |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        lines.append(f"| {r['engine']} | {r['language']} | {r['import_s']:.2f} | {r['first_s']:.2f} | {r['second_s']:.2f} | "
                     f"{r['process_to_first_video_s']:.2f} | **{r['overhead_s']:.2f}** | {'yes' if r['overhead_s'] <= 3 else 'no'} |")
    lines += ["", "Command: `.venv/bin/python bench/cold_start.py`"]
    Path(args.out + ".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    Path(args.out + ".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
