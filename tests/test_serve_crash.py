"""SIGKILL the server in the middle of a job, start it again, and check what it recorded."""
from __future__ import annotations

import os
import time

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
from aigc_video.serve.process import ServerProcess, process_gone  # noqa: E402
from aigc_video.serve.store import DB_FILE, JobStore, job_folder  # noqa: E402
from aigc_video.synthesis.encode import probe  # noqa: E402

# Three shots at 320x180: a few seconds of work, so the kill lands mid-job.
LONG = {"text": " ".join(["A red ball bounces on the grass.", "Two blue stars spin in space.",
                          "A yellow car drives left in the city."]),
        "width": 320, "height": 180, "fps": 24, "seed": 1}


def kill_mid_job(server: ServerProcess, data_dir) -> tuple[str, int]:
    """Submit LONG, SIGKILL the server once frames are being made; return (job id, worker pid)."""
    r = server.client.post("/api/jobs", json=LONG)
    assert r.status_code == 201, r.text
    job_id = r.json()["id"]
    server.wait_for(job_id, {"running"}, until=lambda j: j["progress"].get("frames", 0) > 0)
    worker_pid = JobStore(data_dir / DB_FILE).get(job_id).worker_pid
    server.kill()
    deadline = time.monotonic() + 10
    while not process_gone(worker_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process_gone(worker_pid), "the worker outlived its server"
    assert JobStore(data_dir / DB_FILE).get(job_id).state == "running"  # as the crash left it
    return job_id, worker_pid


def test_sigkill_mid_job_then_restart_marks_it_interrupted(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    job_id, _ = kill_mid_job(ServerProcess(data_dir), data_dir)

    with ServerProcess(data_dir) as server:
        job = server.client.get(f"/api/jobs/{job_id}").json()
        assert job["state"] == "interrupted" and job["error_kind"] == "interrupted"
        assert "server stopped" in job["error"] and job["stage"] in job["error"]
        assert job["outputs"] is None
        listed = {j["id"]: j for j in server.client.get("/api/jobs").json()["jobs"]}
        assert listed[job_id]["outputs"] is None  # nothing of it is listed
        assert server.client.get(f"/api/jobs/{job_id}/video").status_code == 409
        assert not job_folder(data_dir, job_id).exists()  # partial files are gone


def test_sigkill_mid_job_then_restart_with_requeue_finishes_it(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    job_id, worker_pid = kill_mid_job(ServerProcess(data_dir), data_dir)

    with ServerProcess(data_dir, "--requeue-interrupted") as server:
        job = server.wait_for(job_id, {"done", "failed"}, timeout=90)
        assert job["state"] == "done", job["error"]
        assert job["attempts"] == 2
        video = server.client.get(f"/api/jobs/{job_id}/video")
        assert video.status_code == 200
        path = tmp_path / "got.mp4"
        path.write_bytes(video.content)
        info = probe(path)
        assert (info["width"], info["height"]) == (320, 180)
        assert info["n_frames"] == job["outputs"]["video"]["n_frames"]
        leftovers = [p.name for p in job_folder(data_dir, job_id).iterdir() if p.name.startswith(".")]
        assert leftovers == []  # no temp file of the killed attempt
        assert JobStore(data_dir / DB_FILE).get(job_id).worker_pid not in (None, worker_pid, os.getpid())
