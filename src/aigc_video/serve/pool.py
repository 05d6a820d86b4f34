"""The server's side of the workers: start worker processes, watch them, and clean up after them.

One thread per worker slot runs a worker process and waits on it. When the process dies (a crash
inside generation, a kill, running out of memory) the job it held is recorded as failed with the
reason, its partial files are removed, and a new worker is started. A worker that held a batch
(serve/batch.py) puts its jobs back in the queue instead, each to run alone once: the one at fault
then fails alone (`JobStore.requeue_batch`). A cancel that the worker does
not obey within `cancel_grace_s` (it checks at every progress report) is enforced by killing it.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from .store import CANCELLED, FAILED, INTERRUPTED, JobStore, job_folder

RESTART_BACKOFF_S = (0.0, 1.0, 2.0, 5.0, 10.0)  # a worker that keeps dying at start is not spun


class WorkerPool:
    def __init__(self, store: JobStore, data_dir: Path, n_workers: int = 1,
                 cancel_grace_s: float = 5.0, poll_s: float = 0.1, batch: int = 1):
        """batch: up to this many queued jobs of one learned engine per worker at once (serve/batch.py)."""
        self.store, self.data_dir = store, Path(data_dir)
        self.n_workers, self.cancel_grace_s, self.poll_s = n_workers, cancel_grace_s, poll_s
        self.batch = batch
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.processes: dict[int, subprocess.Popen] = {}  # slot -> its current worker process

    def start(self) -> None:
        for slot in range(self.n_workers):
            t = threading.Thread(target=self._run_slot, args=(slot,), name=f"worker-slot-{slot}", daemon=True)
            t.start()
            self.threads.append(t)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop every worker; a job cut off here is marked interrupted (the server is stopping)."""
        self.stopping.set()
        for t in self.threads:
            t.join(timeout)

    def worker_pids(self) -> list[int]:
        return [p.pid for p in self.processes.values() if p.poll() is None]

    def _spawn(self, worker_id: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "aigc_video.serve.worker", "--data-dir", str(self.data_dir),
             "--worker-id", worker_id, "--parent-pid", str(os.getpid()), "--poll-s", str(self.poll_s),
             "--batch", str(self.batch)],
            stdin=subprocess.DEVNULL, close_fds=True)

    def _run_slot(self, slot: int) -> None:
        quick_deaths = 0
        while not self.stopping.is_set():
            worker_id = f"{slot}-{uuid.uuid4().hex[:12]}"
            started = time.monotonic()
            proc = self.processes[slot] = self._spawn(worker_id)
            while proc.poll() is None and not self.stopping.is_set():
                self._enforce_cancel(proc, worker_id)
                time.sleep(self.poll_s)
            if self.stopping.is_set():
                stop_process(proc)
                self._end_jobs(worker_id, INTERRUPTED, "interrupted",
                               "the server was stopped while this job was running; run it again")
                return
            reason = f"the worker process {describe_exit(proc.returncode)} during generation"
            for job in self.store.requeue_batch(worker_id):    # its next attempt clears its folder
                print(f"aigc-video serve: job {job.id}: {reason}, running a batch of jobs; queued again, "
                      "to run alone", file=sys.stderr)
            self._end_jobs(worker_id, FAILED, "crash", reason)
            quick_deaths = quick_deaths + 1 if time.monotonic() - started < 5 else 0
            self.stopping.wait(RESTART_BACKOFF_S[min(quick_deaths, len(RESTART_BACKOFF_S) - 1)])

    def _enforce_cancel(self, proc: subprocess.Popen, worker_id: str) -> None:
        job = self.store.job_of_worker(worker_id)
        if job is not None and job.cancel_requested is not None \
                and time.time() - job.cancel_requested > self.cancel_grace_s:
            stop_process(proc)

    def _end_jobs(self, worker_id: str, state: str, kind: str, reason: str) -> None:
        for job in self.store.end_worker_jobs(worker_id, reason, state, kind):
            shutil.rmtree(job_folder(self.data_dir, job.id), ignore_errors=True)
            if job.state not in (CANCELLED, INTERRUPTED):
                print(f"aigc-video serve: job {job.id}: {reason}", file=sys.stderr)


def stop_process(proc: subprocess.Popen, grace_s: float = 3.0) -> None:
    proc.terminate()
    try:
        proc.wait(grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"was killed by {name}" + (" (out of memory?)" if -returncode == signal.SIGKILL else "")
    return f"exited with status {returncode}"
