"""Load on the job service: many jobs submitted at once; every one completes, none lost or run twice.

    .venv/bin/python bench/serve_load.py                      # 50 jobs, 1 and 2 workers
    .venv/bin/python bench/serve_load.py --jobs 20 --workers 1 --out /tmp/load.md

Starts `aigc-video serve` as a real process per setting, submits `--jobs` tiny render jobs from as
many threads released together, waits for all, and checks: every POST got 201 with its own id,
the job list holds each id exactly once, every job is done after exactly one attempt, and every
video downloads and probes as H.264 of the asked size. Times to completion come from the server's
own timestamps (created_at -> finished_at). The baseline, measured in the same run, is the same
job made in-process by `Pipeline.generate` (median of repeats): the service's throughput is
reported against the throughput that baseline allows.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from aigc_video.pipeline import Pipeline
from aigc_video.serve.process import ServerProcess
from aigc_video.synthesis.encode import probe
from machine import describe as describe_machine  # bench/machine.py

# The procedural engine, so that the run measures the service (queue, workers, files), not the model.
JOB = {"text": "A red ball bounces on the grass.", "engine": "render", "width": 160, "height": 90, "fps": 8}
TERMINAL = {"done", "failed", "cancelled", "interrupted"}


def baseline_seconds(repeats: int) -> list[float]:
    """The same job in-process, no service: what one job costs on its own."""
    pipeline = Pipeline(engine=JOB["engine"], size=(JOB["width"], JOB["height"]), fps=JOB["fps"])
    with tempfile.TemporaryDirectory() as tmp:
        pipeline.generate(JOB["text"], Path(tmp) / "warmup.mp4", keep_frames=False)
        times = []
        for i in range(repeats):
            t = time.perf_counter()
            pipeline.generate(JOB["text"], Path(tmp) / f"b{i}.mp4", keep_frames=False)
            times.append(time.perf_counter() - t)
    return times


def load_run(n_jobs: int, workers: int, work_dir: Path) -> dict:
    data_dir = work_dir / f"data-w{workers}"
    data_dir.mkdir()
    with ServerProcess(data_dir, "--workers", str(workers), "--max-queued", str(n_jobs)) as server:
        # Warm the workers (imports, first-use caches) so the run measures steady service.
        warm = [server.client.post("/api/jobs", json={**JOB, "seed": 10_000 + i}).json()["id"]
                for i in range(workers)]
        for job_id in warm:
            server.wait_for(job_id, TERMINAL, timeout=120)

        # 1. Submit all jobs at once: the threads wait at a barrier, then POST together.
        barrier = threading.Barrier(n_jobs)

        def post(i: int):
            barrier.wait()
            r = server.client.post("/api/jobs", json={**JOB, "seed": i})
            return r.status_code, r.json()

        t_start = time.time()
        with ThreadPoolExecutor(n_jobs) as pool:
            answers = list(pool.map(post, range(n_jobs)))
        statuses = [s for s, _ in answers]
        ids = [body.get("id") for _, body in answers]

        # 2. Wait for every job to finish.
        # (polls the cheap counts, not the job list, to load the server as little as possible)
        deadline = time.monotonic() + 60 * n_jobs
        while True:
            counts = server.client.get("/api/health").json()["counts"]
            if counts["queued"] == counts["running"] == 0:
                break
            if time.monotonic() > deadline:
                raise RuntimeError("the jobs did not finish in time")
            time.sleep(0.2)
        jobs = server.client.get("/api/jobs", params={"limit": 500}).json()["jobs"]
        mine = [j for j in jobs if j["id"] in set(ids)]

        # 3. Check: none lost, none duplicated, all verified.
        listed_ids = [j["id"] for j in jobs if j["id"] in set(ids)]
        problems = []
        if statuses != [201] * n_jobs:
            problems.append(f"POST statuses {sorted(set(statuses))}")
        if len(set(ids)) != n_jobs:
            problems.append(f"{n_jobs - len(set(ids))} duplicate ids")
        if sorted(listed_ids) != sorted(ids):
            problems.append("the job list does not hold each submitted id exactly once")
        not_done = [j for j in mine if j["state"] != "done"]
        if not_done:
            problems.append(f"{len(not_done)} jobs not done: {not_done[0]['error']}")
        if any(j["attempts"] != 1 for j in mine):
            problems.append("a job ran more than once")
        seeds = sorted(j["request"]["seed"] for j in mine)
        if seeds != list(range(n_jobs)):
            problems.append("the stored requests do not match the submitted ones")
        for j in mine:
            if j["state"] == "done":
                video = work_dir / "check.mp4"
                video.write_bytes(server.client.get(j["outputs"]["files"]["video"]).content)
                info = probe(video)
                if (info["codec"], info["width"], info["height"]) != ("h264", JOB["width"], JOB["height"]):
                    problems.append(f"job {j['id']}: video is {info}")

    completion = np.array([j["finished_at"] - j["created_at"] for j in mine])
    span = max(j["finished_at"] for j in mine) - t_start
    return {"workers": workers, "jobs": n_jobs, "problems": problems,
            "p50": float(np.percentile(completion, 50)), "p95": float(np.percentile(completion, 95)),
            "max": float(completion.max()), "span": span, "throughput": n_jobs / span}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--baseline-repeats", type=int, default=5, help="before, and again after")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "serve_load.md")
    args = parser.parse_args(argv)

    # The machine is shared: measure the baseline before and after the load runs, and note the load.
    load_before = os.getloadavg()
    base = baseline_seconds(args.baseline_repeats)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for workers in args.workers:
            run = load_run(args.jobs, workers, Path(tmp))
            runs.append(run)
            print(f"workers={workers}: p50 {run['p50']:.2f} s, p95 {run['p95']:.2f} s, "
                  f"{run['throughput']:.2f} jobs/s, problems: {run['problems'] or 'none'}")
    base += baseline_seconds(args.baseline_repeats)
    load_after = os.getloadavg()
    base_median = statistics.median(base)
    print(f"baseline (in-process Pipeline.generate): median {base_median:.3f} s over {len(base)} runs")

    lines = [
        "# Job service under load",
        "",
        f"`{' '.join(['.venv/bin/python', 'bench/serve_load.py', *(argv if argv is not None else sys.argv[1:])])}`",
        "",
        f"Machine: {describe_machine()}. Load average (1 min) {load_before[0]:.1f} at the start, "
        f"{load_after[0]:.1f} at the end: other work shared the CPUs, so absolute times are noisy.",
        f"Job: render engine, {JOB['width']}x{JOB['height']}, {JOB['fps']} fps, one sentence "
        f"(\"{JOB['text']}\"), narration and music on, SRT; each of the {args.jobs} jobs has its own seed.",
        f"All {args.jobs} jobs are POSTed at the same instant from {args.jobs} threads; time to "
        "completion is the server's created_at -> finished_at (queueing included), the span is from "
        "the first POST to the last finish. The workers were warmed with one job each first.",
        "",
        f"Baseline, same run: the job made in-process by `Pipeline.generate`, median "
        f"{base_median:.3f} s over {len(base)} runs, half before and half after the load runs "
        f"(min {min(base):.3f}, max {max(base):.3f}); "
        f"ideal serial throughput {1 / base_median:.2f} jobs/s.",
        "",
        "| workers | jobs | completed, verified | lost / duplicated | p50 to completion | p95 | max | span | throughput | vs. baseline |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        ok = "all" if not r["problems"] else "; ".join(r["problems"])
        lost = "0 / 0" if not r["problems"] else "see problems"
        lines.append(f"| {r['workers']} | {r['jobs']} | {ok} | {lost} | {r['p50']:.2f} s | {r['p95']:.2f} s | "
                     f"{r['max']:.2f} s | {r['span']:.1f} s | {r['throughput']:.2f} jobs/s | "
                     f"{r['throughput'] * base_median:.2f}x |")
    lines += [
        "",
        "\"vs. baseline\" is the service's throughput over the in-process one (1 / baseline median): "
        "below 1x is the service's overhead per job (process hand-off, SQLite commits, probing and "
        "the thumbnail); above 1x, workers overlapped work on the cores, or (with one worker) the "
        "shared machine was less loaded during the run than during the baseline.",
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines))
    print(f"wrote {args.out}")
    return 0 if all(not r["problems"] for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
