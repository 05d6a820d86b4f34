"""Batching in the worker (`aigc-video serve --batch N`): jobs queued for the same learned engine
(and quality) are claimed together, up to N (`JobStore.claim_batch`), and the learned shots of all
of them are drawn in one batch, one forward pass per latent window (`LatentEngine.draw_native`);
then each job makes the rest of its video alone, as without batching. Each job's report is charged
its share of the batch's FLOPs and CPU time, in proportion to its shots' frames (`cost_shares`).
A shot the shot cache holds already (flow's) is left out of the batch: its job reads it back.

A failure stays in its job: a job whose text or plan is refused fails before the batch; if the
batched draw itself fails, every job draws its own shots (so the job at fault fails alone); the
rest of each video runs under its own error handling. A crash of the worker process (a
segfault, out of memory) cannot tell which job brought it down: the pool queues the batch's jobs
again, each to run alone once (`JobStore.requeue_batch`), so only the one at fault fails.

Cancels: a cancelled job of the batch is marked cancelled after the latent window in progress (or
at the running job's next progress write) and its drawn shots are dropped, so the pool does not
kill the worker, with the other jobs in it, for a cancel not obeyed.

Measured (bench/results/batch_throughput.md): on a CPU the batch gains little, because the
networks are already compute-bound at one shot and sampling is a small part of a job.
"""
from __future__ import annotations

import functools
import sys
import time
import traceback
from pathlib import Path

from ..cost import FlopTally, count_engine_flops
from ..engines import outside_training
from .store import Job, JobStore, job_folder
from .worker import JobOutcome, make_video, plan_job


def run_batch(store: JobStore, jobs: list[Job], worker_id: str, data_dir: Path) -> None:
    """Run claimed jobs of one learned engine and quality to their end states; never raises."""
    # 1. Plan each job; a refused one fails here, alone.
    planned = []
    for job in jobs:
        folder = job_folder(data_dir, job.id)
        with JobOutcome(store, job, worker_id, folder):
            planned.append((job, folder, *plan_job(store, job, worker_id, folder)))
    waiting = {job.id for job, *_ in planned}

    def drop_cancelled(_fraction: float = 0.0) -> None:   # also the draw's per-window progress
        for job_id in store.cancels_asked(waiting):
            store.mark_cancelled(job_id, worker_id)
            waiting.discard(job_id)

    # 2. Every learned shot of the jobs, drawn together; each job is charged its share.
    natives, shares = draw_together(planned, drop_cancelled)
    # 3. The rest of each video, alone.
    for job, folder, pipeline, _ in planned:
        drop_cancelled()
        if job.id not in waiting:
            continue
        waiting.discard(job.id)
        with JobOutcome(store, job, worker_id, folder):
            outputs = make_video(store, job, worker_id, folder, pipeline, natives.get(job.id), drop_cancelled,
                                 shares.get(job.id))
            store.finish(job.id, worker_id, outputs)


def draw_together(planned: list[tuple], on_window) -> tuple[dict[str, dict[int, tuple]], dict[str, dict]]:
    """({job id: {shot index: native frames}} of every shot the jobs' learned engine draws (the
    others go to the scene engine), {job id: its share of the draw's cost}); ({}, {}) when the
    batch fails, so each job draws its own."""
    from ..cache import Cache, shot_key
    request = planned[0][0].request
    try:
        engine = shared_engine(request["engine"], request.get("quality"))
    except Exception:  # noqa: BLE001 - each job loads it again and meets the error itself
        traceback.print_exc(file=sys.stderr)
        return {}, {}
    requests, owners = [], []
    for job, _, pipeline, scene_plan in planned:
        cache = Cache(pipeline.cache, enabled=pipeline.use_cache)
        for i, shot in enumerate(scene_plan.shots):
            key = shot_key(shot, engine, *pipeline.size, pipeline.fps) if cache.enabled else None
            if outside_training(shot) is None and not (key and cache.holds("shots", key)):   # cached: read back
                requests.append((shot, pipeline.fps))
                owners.append((job.id, i))
    if not requests:
        return {}, {}
    tally, wall0, cpu0 = FlopTally(), time.perf_counter(), time.process_time()
    try:
        with count_engine_flops(engine, tally):
            natives = engine.draw_native(requests, on_window)
    except Exception:  # noqa: BLE001 - each job draws alone and meets the error itself
        traceback.print_exc(file=sys.stderr)
        return {}, {}
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    drawn: dict[str, dict[int, tuple]] = {}
    for (job_id, i), native in zip(owners, natives):
        drawn.setdefault(job_id, {})[i] = native
    return drawn, cost_shares(owners, [shot.n_frames for shot, _ in requests], wall, cpu, tally, len(drawn))


def cost_shares(owners: list[tuple[str, int]], frames: list[int], wall: float, cpu: float, tally, n_jobs: int) -> dict:
    """Each job's share of a batch's cost, in proportion to the frames of its shots in it."""
    total = max(sum(frames), 1)
    per_job: dict[str, int] = {}
    for (job_id, _), n in zip(owners, frames):
        per_job[job_id] = per_job.get(job_id, 0) + n
    return {job_id: {"jobs_in_batch": n_jobs, "share": round(n / total, 4),
                     "wall_seconds": round(wall * n / total, 4), "cpu_seconds": round(cpu * n / total, 4),
                     "flops": {k: round(v * n / total) for k, v in tally.flops.items()},
                     "calls": {k: round(v * n / total) for k, v in tally.calls.items()}}
            for job_id, n in per_job.items()}


@functools.cache
def shared_engine(name: str, quality: str | None):
    """The learned engine a job of this engine and quality uses, loaded once per worker."""
    from ..engines import get_engine
    from ..presets import engine_options
    return get_engine(name, **engine_options(quality, name, {}))

