"""`aigc-video serve` as a child process: what the crash test, the browser test and the load
benchmark drive. Needs httpx (the [dev] extra)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """`python -m aigc_video serve ...` on a free loopback port, its log in `data_dir/server.log`."""

    def __init__(self, data_dir: Path, *args: str, port: int | None = None):
        self.data_dir, self.port = Path(data_dir), port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(self.data_dir.parent / f"{self.data_dir.name}-server-{self.port}.log", "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "aigc_video", "serve", "--port", str(self.port),
             "--data-dir", str(self.data_dir), "--log-level", "warning", *args],
            stdout=self.log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.client = httpx.Client(base_url=self.url, timeout=30)
        self.wait_ready()

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}; see {self.log.name}")
            try:
                health = self.client.get("/api/health").json()
                if health["workers_alive"] == health["workers"]:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the server did not come up in {timeout} s; see {self.log.name}")

    def wait_for(self, job_id: str, states: set[str], timeout: float = 60.0, until=None) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.client.get(f"/api/jobs/{job_id}").json()
            if job["state"] in states and (until is None or until(job)):
                return job
            time.sleep(0.05)
        raise AssertionError(f"job {job_id} did not reach {states} in {timeout} s: {job}")

    def kill(self) -> None:
        self.proc.kill()  # SIGKILL: no cleanup runs
        self.proc.wait()
        self.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.close()

    def close(self) -> None:
        self.client.close()
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def process_gone(pid: int) -> bool:
    """True if `pid` has exited (a zombie that nobody reaped counts as exited)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return True
    return "\nState:\tZ" in status or "\nState:\tX" in status
