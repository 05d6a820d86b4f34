"""The job store: one SQLite file holding every job, its state, progress, storyboard and outputs.

The web server and the worker processes share it. Every state change is one SQL statement (or one
IMMEDIATE transaction), so two processes never both claim a job, and a change is on disk before the
statement returns (WAL + synchronous=FULL). A worker updates a job only while it still owns it
(`state='running' AND worker_id=?`): a worker that outlived its server cannot overwrite what the
restarted server decided.
"""
from __future__ import annotations

import json
import secrets
import shutil
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

# queued -> running -> done | failed | cancelled | interrupted ; queued -> cancelled
QUEUED, RUNNING, DONE, FAILED, CANCELLED, INTERRUPTED = (
    "queued", "running", "done", "failed", "cancelled", "interrupted")
STATES = (QUEUED, RUNNING, DONE, FAILED, CANCELLED, INTERRUPTED)
TERMINAL = frozenset({DONE, FAILED, CANCELLED, INTERRUPTED})
BUSY_TIMEOUT_MS = 10_000
# What taking a queued job sets: (RUNNING, worker_id, worker_pid, started_at) as parameters.
CLAIMED = ("state = ?, worker_id = ?, worker_pid = ?, started_at = ?, attempts = attempts + 1, "
           "version = version + 1")
DB_FILE = "jobs.sqlite3"


def job_folder(data_dir: str | Path, job_id: str) -> Path:
    """Where a job's files live; built from a stored id, never from a client's path."""
    return Path(data_dir) / "jobs" / job_id


# A job's folder: its outputs, and under INPUT_DIR what was uploaded with it (the picture). The
# input outlives a new attempt (the worker clears only the outputs) and goes with the job's files.
INPUT_DIR = "input"
PICTURE_SUFFIXES = {"png": ".png", "jpeg": ".jpg", "webp": ".webp"}  # format -> stored name's suffix


def input_picture(folder: Path, fmt: str) -> Path:
    """The stored picture of a job: a fixed name chosen by the server, never the client's."""
    return folder / INPUT_DIR / f"picture{PICTURE_SUFFIXES[fmt]}"


def clear_outputs(folder: Path) -> None:
    """Empty a job's folder for a new attempt, keeping its input; create it if missing."""
    folder.mkdir(parents=True, exist_ok=True)
    for entry in folder.iterdir():
        if entry.name == INPUT_DIR and entry.is_dir() and not entry.is_symlink():
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,  -- submission order, the queue order
    id               TEXT NOT NULL UNIQUE,
    state            TEXT NOT NULL,
    request          TEXT NOT NULL,                      -- JSON of the validated request
    created_at       REAL NOT NULL,
    started_at       REAL,
    finished_at      REAL,
    stage            TEXT,
    progress         TEXT NOT NULL DEFAULT '{}',         -- JSON {stage: fraction}
    storyboard       TEXT,                               -- JSON, as soon as the text is parsed
    error            TEXT,
    error_kind       TEXT,                               -- input | internal | crash | interrupted
    outputs          TEXT,                               -- JSON, only once the video is verified
    worker_id        TEXT,
    worker_pid       INTEGER,
    attempts         INTEGER NOT NULL DEFAULT 0,
    cancel_requested REAL,                               -- when a cancel was asked for
    version          INTEGER NOT NULL DEFAULT 0          -- bumped on every change: SSE sends on change
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, seq);
"""


class QueueFull(Exception):
    """The queue already holds `limit` waiting jobs."""

    def __init__(self, limit: int):
        super().__init__(f"the queue is full ({limit} jobs waiting); try again later")
        self.limit = limit


class JobGone(Exception):
    """The worker no longer owns the job: it was cancelled, or the server gave it up."""

    def __init__(self, job_id: str, cancelled: bool):
        super().__init__(f"job {job_id} was {'cancelled' if cancelled else 'taken from this worker'}")
        self.cancelled = cancelled


@dataclass
class Job:
    seq: int
    id: str
    state: str
    request: dict
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None
    stage: str | None = None
    progress: dict = field(default_factory=dict)
    storyboard: dict | None = None
    error: str | None = None
    error_kind: str | None = None
    outputs: dict | None = None
    worker_id: str | None = None
    worker_pid: int | None = None
    attempts: int = 0
    cancel_requested: float | None = None
    version: int = 0

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "Job":
        d = dict(row)
        for key in ("request", "progress", "storyboard", "outputs"):
            d[key] = json.loads(d[key]) if d[key] is not None else None
        d["progress"] = d["progress"] or {}
        return cls(**d)

    @property
    def finished(self) -> bool:
        return self.state in TERMINAL

    def to_api(self) -> dict:
        """What clients see: no worker ids, no file-system paths."""
        return {
            "id": self.id, "state": self.state, "request": self.request,
            "created_at": self.created_at, "started_at": self.started_at,
            "finished_at": self.finished_at, "stage": self.stage, "progress": self.progress,
            "storyboard": self.storyboard, "error": self.error, "error_kind": self.error_kind,
            "cancel_requested": self.cancel_requested is not None, "attempts": self.attempts,
            "outputs": public_outputs(self) if self.state == DONE else None,
            "version": self.version,
        }


def public_outputs(job: Job) -> dict:
    out = job.outputs or {}
    files = {name: f"/api/jobs/{job.id}/{name}" for name in ("video", "subtitles", "report", "thumbnail")
             if out.get("files", {}).get(name)}
    return {"files": files, "video": out.get("video"), "warnings": out.get("warnings", []),
            "cost": out.get("cost")}


def new_job_id() -> str:
    return secrets.token_hex(8)  # 64 random bits: unguessable, so ids are not enumerable


class JobStore:
    """SQLite-backed jobs; safe to use from many threads and many processes at once."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._local = threading.local()
        db = self._connect()
        try:
            db.execute("PRAGMA journal_mode=WAL")  # persistent: readers never block the writer
            db.executescript(SCHEMA)
        finally:
            db.close()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA synchronous=FULL")  # a committed state change survives power loss
        return db

    @property
    def db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self._connect()
        return db

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    def _one(self, sql: str, params: tuple = ()) -> Job | None:
        row = self.db.execute(sql, params).fetchone()
        return Job.from_row(row) if row is not None else None

    # --- the web server's side -------------------------------------------------------------

    def submit(self, request: dict, max_queued: int, job_id: str | None = None) -> Job:
        """Queue a job, or raise QueueFull; the count and the insert are one statement. `job_id`:
        one from `new_job_id()` whose folder the caller has already filled (an upload)."""
        job_id = job_id or new_job_id()
        cur = self.db.execute(
            "INSERT INTO jobs (id, state, request, created_at) SELECT ?, ?, ?, ? "
            "WHERE (SELECT COUNT(*) FROM jobs WHERE state = ?) < ?",
            (job_id, QUEUED, json.dumps(request, ensure_ascii=False), time.time(), QUEUED, max_queued))
        if cur.rowcount == 0:
            raise QueueFull(max_queued)
        return self.get(job_id)

    def get(self, job_id: str) -> Job | None:
        return self._one("SELECT * FROM jobs WHERE id = ?", (job_id,))

    def list(self, limit: int = 50) -> list[Job]:
        rows = self.db.execute("SELECT * FROM jobs ORDER BY seq DESC LIMIT ?", (limit,)).fetchall()
        return [Job.from_row(r) for r in rows]

    def states(self) -> dict[str, str]:
        """{job id: state} of every job: which folders on disk still belong to a job."""
        return dict(self.db.execute("SELECT id, state FROM jobs").fetchall())

    def counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetchall()
        return {state: 0 for state in STATES} | {s: n for s, n in rows}

    def cancel(self, job_id: str) -> Job | None:
        """A queued job is cancelled at once; a running one is asked to stop (its worker obeys)."""
        self.db.execute(
            "UPDATE jobs SET state = ?, finished_at = ?, error = 'cancelled before it started', "
            "cancel_requested = ?, version = version + 1 WHERE id = ? AND state = ?",
            (CANCELLED, time.time(), time.time(), job_id, QUEUED))
        self.db.execute(
            "UPDATE jobs SET cancel_requested = ?, version = version + 1 "
            "WHERE id = ? AND state = ? AND cancel_requested IS NULL",
            (time.time(), job_id, RUNNING))
        return self.get(job_id)

    def recover(self, requeue: bool) -> list[Job]:
        """At server start no worker is alive, so every `running` job was cut off by a crash or a
        stop: mark it interrupted (with the reason), or put it back at its place in the queue."""
        now = time.time()
        if requeue:
            rows = self.db.execute(
                "UPDATE jobs SET state = ?, stage = NULL, progress = '{}', storyboard = NULL, "
                "worker_id = NULL, worker_pid = NULL, started_at = NULL, version = version + 1 "
                "WHERE state = ? RETURNING *", (QUEUED, RUNNING)).fetchall()
        else:
            rows = self.db.execute(
                "UPDATE jobs SET state = ?, finished_at = ?, error_kind = 'interrupted', "
                "error = 'the server stopped while this job was running (at stage ' || "
                "COALESCE(stage, 'start') || '); run it again', version = version + 1 "
                "WHERE state = ? RETURNING *", (INTERRUPTED, now, RUNNING)).fetchall()
        return [Job.from_row(r) for r in rows]

    def job_of_worker(self, worker_id: str) -> Job | None:
        """A running job of the worker; with several (a batch), the one whose cancel is oldest first."""
        return self._one("SELECT * FROM jobs WHERE worker_id = ? AND state = ? "
                         "ORDER BY cancel_requested IS NULL, cancel_requested, seq LIMIT 1", (worker_id, RUNNING))

    def requeue_batch(self, worker_id: str) -> list[Job]:
        """The worker crashed holding two or more running jobs (a batch): which one brought it down
        is not known, so each of them on its first attempt, with no cancel asked, goes back to its
        place in the queue, to run alone (`claim_batch`); the one at fault then fails alone. The
        rest stay running for `end_worker_jobs`. -> the jobs queued again."""
        running = self.db.execute("SELECT COUNT(*) FROM jobs WHERE worker_id = ? AND state = ?",
                                  (worker_id, RUNNING)).fetchone()[0]
        if running < 2:
            return []
        rows = self.db.execute(
            "UPDATE jobs SET state = ?, stage = NULL, progress = '{}', storyboard = NULL, worker_id = NULL, "
            "worker_pid = NULL, started_at = NULL, version = version + 1 "
            "WHERE worker_id = ? AND state = ? AND attempts = 1 AND cancel_requested IS NULL RETURNING *",
            (QUEUED, worker_id, RUNNING)).fetchall()
        return [Job.from_row(r) for r in rows]

    def end_worker_jobs(self, worker_id: str, reason: str, state: str, kind: str) -> list[Job]:
        """The worker process is gone: its running job ends as `state` (cancelled if a cancel was
        asked for)."""
        rows = self.db.execute(
            "UPDATE jobs SET state = CASE WHEN cancel_requested IS NOT NULL THEN ? ELSE ? END, "
            "error = CASE WHEN cancel_requested IS NOT NULL THEN 'cancelled while running' ELSE ? END, "
            "error_kind = CASE WHEN cancel_requested IS NOT NULL THEN NULL ELSE ? END, "
            "finished_at = ?, version = version + 1 WHERE worker_id = ? AND state = ? RETURNING *",
            (CANCELLED, state, reason, kind, time.time(), worker_id, RUNNING)).fetchall()
        return [Job.from_row(r) for r in rows]

    # --- the worker's side -----------------------------------------------------------------

    def claim(self, worker_id: str, worker_pid: int) -> Job | None:
        """Take the oldest queued job; atomic, so two workers never take the same one."""
        if self.db.execute("SELECT 1 FROM jobs WHERE state = ? LIMIT 1", (QUEUED,)).fetchone() is None:
            return None  # idle polling stays read-only: no write lock taken
        return self._one(
            f"UPDATE jobs SET {CLAIMED} "
            "WHERE seq = (SELECT seq FROM jobs WHERE state = ? ORDER BY seq LIMIT 1) AND state = ? "
            "RETURNING *", (RUNNING, worker_id, worker_pid, time.time(), QUEUED, QUEUED))

    def claim_batch(self, worker_id: str, worker_pid: int, limit: int, engines: tuple[str, ...]) -> list[Job]:
        """Take the oldest queued job and, when its engine is one of `engines` (the learned ones),
        up to limit - 1 more queued jobs of the same engine and quality, oldest first: their shots
        are drawn together (serve/batch.py). Each UPDATE is atomic: no job is taken twice. Only
        first attempts are batched: a job run before (`requeue_batch`, `recover`) runs alone."""
        first = self.claim(worker_id, worker_pid)
        if first is None or limit <= 1 or first.attempts > 1 or first.request.get("engine") not in engines:
            return [first] if first is not None else []
        rows = self.db.execute(
            f"UPDATE jobs SET {CLAIMED} WHERE seq IN (SELECT seq FROM jobs WHERE state = ? "
            "AND json_extract(request, '$.engine') = ? AND json_extract(request, '$.quality') IS ? "
            "AND attempts = 0 ORDER BY seq LIMIT ?) AND state = ? RETURNING *",
            (RUNNING, worker_id, worker_pid, time.time(), QUEUED, first.request["engine"],
             first.request.get("quality"), limit - 1, QUEUED)).fetchall()
        return [first] + sorted((Job.from_row(r) for r in rows), key=lambda j: j.seq)

    def cancels_asked(self, job_ids: set[str]) -> list[str]:
        """Those of `job_ids` whose cancel was asked for (a batch's jobs not yet running alone)."""
        if not job_ids:
            return []
        marks = ",".join("?" * len(job_ids))
        rows = self.db.execute(f"SELECT id FROM jobs WHERE id IN ({marks}) AND cancel_requested IS NOT NULL",
                               tuple(job_ids)).fetchall()
        return [r[0] for r in rows]

    def _owned_update(self, job_id: str, worker_id: str, assignments: str, params: tuple) -> None:
        """Update a job this worker still owns and that nobody asked to cancel, else raise JobGone."""
        row = self.db.execute(
            f"UPDATE jobs SET {assignments}, version = version + 1 "
            "WHERE id = ? AND worker_id = ? AND state = ? AND cancel_requested IS NULL RETURNING seq",
            (*params, job_id, worker_id, RUNNING)).fetchone()
        if row is None:
            job = self.get(job_id)
            raise JobGone(job_id, cancelled=job is not None and job.cancel_requested is not None)

    def record_progress(self, job_id: str, worker_id: str, stage: str, progress: dict) -> None:
        self._owned_update(job_id, worker_id, "stage = ?, progress = ?", (stage, json.dumps(progress)))

    def record_storyboard(self, job_id: str, worker_id: str, storyboard: dict) -> None:
        self._owned_update(job_id, worker_id, "storyboard = ?",
                           (json.dumps(storyboard, ensure_ascii=False),))

    def finish(self, job_id: str, worker_id: str, outputs: dict) -> None:
        """Record the verified outputs: from here on the files may be served."""
        self._owned_update(job_id, worker_id, "state = ?, outputs = ?, finished_at = ?",
                           (DONE, json.dumps(outputs, ensure_ascii=False), time.time()))

    def fail(self, job_id: str, worker_id: str, error: str, kind: str) -> bool:
        """Record a failure; False if the job was no longer this worker's (nothing changed)."""
        cur = self.db.execute(
            "UPDATE jobs SET state = ?, error = ?, error_kind = ?, finished_at = ?, "
            "version = version + 1 WHERE id = ? AND worker_id = ? AND state = ?",
            (FAILED, error, kind, time.time(), job_id, worker_id, RUNNING))
        return cur.rowcount == 1

    def mark_cancelled(self, job_id: str, worker_id: str) -> bool:
        cur = self.db.execute(
            "UPDATE jobs SET state = ?, error = 'cancelled while running', finished_at = ?, "
            "version = version + 1 WHERE id = ? AND worker_id = ? AND state = ?",
            (CANCELLED, time.time(), job_id, worker_id, RUNNING))
        return cur.rowcount == 1
