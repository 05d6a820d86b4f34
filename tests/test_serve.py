"""The job API over the real pipeline (render engine, 160x90, 8 fps) and real worker processes."""
from __future__ import annotations

import json
import os
import signal
import time
from contextlib import contextmanager

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from aigc_video import limits  # noqa: E402
from aigc_video.errors import InputError  # noqa: E402
from aigc_video.serve.app import Settings, create_app  # noqa: E402
from aigc_video.serve.store import DB_FILE, JobStore, job_folder  # noqa: E402
from aigc_video.synthesis.encode import probe  # noqa: E402

BASE = "http://127.0.0.1"
TINY = {"text": "A red ball bounces on the grass.", "engine": "render", "width": 160, "height": 90, "fps": 8, "seed": 0}
# Long enough to be caught mid-run: six shots at 320x180.
LONG = {"text": " ".join(["A red ball bounces on the grass.", "Two blue stars spin in space.",
                          "A yellow car drives left in the city.", "A white boat sails on the sea.",
                          "A green tree grows in the desert.", "A pink heart jumps at night."]),
        "engine": "render", "width": 320, "height": 180, "fps": 24, "seed": 1}
TOKEN = "t0ken-for-the-tests-0123456789"


@contextmanager
def studio_at(data_dir, **settings):
    app = create_app(Settings(data_dir=data_dir, **settings))
    with TestClient(app, base_url=BASE) as client:
        yield client


@pytest.fixture(scope="module")
def studio(tmp_path_factory):
    """One running server with one worker process, shared by the tests that generate videos."""
    data_dir = tmp_path_factory.mktemp("studio")
    with studio_at(data_dir, max_queued=8, cancel_grace_s=2.0) as client:
        client.data_dir = data_dir
        yield client


@pytest.fixture
def queue_only(tmp_path):
    """A server with no worker: jobs stay queued, so queue behaviour is deterministic."""
    with studio_at(tmp_path, workers=0, max_queued=2) as client:
        client.data_dir = tmp_path
        yield client


def wait_for(client, job_id, states, timeout=60.0, until=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["state"] in states and (until is None or until(job)):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not reach {states} in {timeout} s: {job}")


def submit(client, body, **headers):
    r = client.post("/api/jobs", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


# --- generation ---------------------------------------------------------------------------

def test_submit_runs_to_done_and_serves_verified_files(studio, tmp_path):
    job = submit(studio, TINY)
    assert job["state"] == "queued" and job["outputs"] is None
    done = wait_for(studio, job["id"], {"done", "failed"})
    assert done["state"] == "done", done["error"]
    assert [s["text"] for s in done["storyboard"]["shots"]] == [TINY["text"]]
    assert done["outputs"]["video"]["width"] == 160 and done["outputs"]["video"]["codec"] == "h264"

    r = studio.get(done["outputs"]["files"]["video"])
    assert r.status_code == 200 and r.headers["content-type"] == "video/mp4"
    assert r.content[4:8] == b"ftyp"
    (tmp_path / "got.mp4").write_bytes(r.content)
    info = probe(tmp_path / "got.mp4")
    assert (info["width"], info["height"], info["codec"]) == (160, 90, "h264")
    assert info["n_frames"] == done["outputs"]["video"]["n_frames"] > 0

    ranged = studio.get(f"/api/jobs/{job['id']}/video", headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206 and len(ranged.content) == 100  # the <video> element seeks
    download = studio.get(f"/api/jobs/{job['id']}/video?download=true")
    assert download.headers["content-disposition"].startswith("attachment")
    assert "-->" in studio.get(f"/api/jobs/{job['id']}/subtitles").text
    report = studio.get(f"/api/jobs/{job['id']}/report").json()
    assert report["seed"] == 0 and report["output"]["width"] == 160
    assert studio.get(f"/api/jobs/{job['id']}/thumbnail").content[:2] == b"\xff\xd8"  # JPEG
    listed = studio.get("/api/jobs").json()["jobs"]
    assert job["id"] in [j["id"] for j in listed]
    assert "/" not in json.dumps(listed[0]["outputs"]["files"]).replace("/api/jobs/", "").replace(job["id"] + "/", "")


def test_events_stream_storyboard_before_done_and_monotonic_progress(studio):
    job = submit(studio, {**LONG, "seed": 3})  # a tiny job can end before the stream opens
    events = []
    with studio.stream("GET", f"/api/jobs/{job['id']}/events") as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        kind = None
        for line in r.iter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: ") and kind == "job":
                events.append(json.loads(line[6:]))
    assert events[-1]["state"] == "done", events[-1]["error"]
    states = [e["state"] for e in events]
    assert states.index("running") < states.index("done")
    first_storyboard = next(i for i, e in enumerate(events) if e["storyboard"])
    assert events[first_storyboard]["state"] == "running"  # shown while frames are still coming
    assert len(events[first_storyboard]["storyboard"]["shots"]) == 6
    seen: dict[str, float] = {}
    for e in events:
        for stage, fraction in e["progress"].items():
            assert fraction >= seen.get(stage, 0.0)
            seen[stage] = fraction
    assert seen.get("frames") == 1.0 and seen.get("synthesis") == 1.0
    assert [e["version"] for e in events] == sorted(set(e["version"] for e in events))


def test_input_error_inside_the_pipeline_fails_the_job_with_its_message(studio):
    job = submit(studio, {**TINY, "max_duration_s": 0.5})
    failed = wait_for(studio, job["id"], {"failed", "done"})
    assert failed["state"] == "failed" and failed["error_kind"] == "input"
    assert "max_duration_s" in failed["error"] and "0.5" in failed["error"]
    assert studio.get(f"/api/jobs/{job['id']}/video").status_code == 409
    assert not job_folder(studio.data_dir, job["id"]).exists()


def test_worker_crash_fails_the_job_and_the_server_lives_on(studio):
    job = submit(studio, LONG)
    running = wait_for(studio, job["id"], {"running"}, until=lambda j: j["storyboard"] is not None)
    store = JobStore(studio.data_dir / DB_FILE)
    pid = store.get(job["id"]).worker_pid
    os.kill(pid, signal.SIGKILL)  # a crash inside generation: a segfault or the OOM killer
    failed = wait_for(studio, job["id"], {"failed", "done"}, timeout=30)
    assert running["state"] == "running"
    assert failed["state"] == "failed" and failed["error_kind"] == "crash"
    assert "SIGKILL" in failed["error"]
    assert not job_folder(studio.data_dir, job["id"]).exists()  # no partial file stays
    assert studio.get("/api/health").json()["ok"]
    after = wait_for(studio, submit(studio, {**TINY, "seed": 5})["id"], {"done", "failed"})
    assert after["state"] == "done"  # a new worker took over
    assert store.get(after["id"]).worker_pid != pid


def test_a_worker_crash_in_a_batch_runs_each_job_again_alone(tmp_path):
    """A worker killed while it held a batch of gan jobs: the jobs go back in the queue and each
    runs alone to the end (which of them brought the worker down is not known)."""
    with studio_at(tmp_path, batch=2, max_queued=8) as client:
        busy = submit(client, LONG)                      # the worker is busy: the gan jobs queue up together
        gan = {**LONG, "engine": "gan", "width": 160, "height": 96, "fps": 12}
        jobs = [submit(client, {**gan, "seed": seed})["id"] for seed in (3, 4)]
        store = JobStore(tmp_path / DB_FILE)
        deadline = time.monotonic() + 60
        while not all(store.get(j).state == "running" for j in jobs):
            assert time.monotonic() < deadline, [store.get(j).state for j in jobs]
            time.sleep(0.02)
        first = store.get(jobs[0])
        assert first.worker_id == store.get(jobs[1]).worker_id    # one batch
        os.kill(first.worker_pid, signal.SIGKILL)
        ended = [wait_for(client, j, {"done", "failed"}, timeout=120) for j in jobs]
        assert [e["state"] for e in ended] == ["done", "done"], ended
        again = [store.get(j) for j in jobs]
        assert [j.attempts for j in again] == [2, 2] and again[0].worker_id != first.worker_id
        assert again[1].started_at >= again[0].finished_at        # alone: one after the other
        assert wait_for(client, busy["id"], {"done", "failed"})["state"] == "done"


def test_cancel_a_running_job(studio):
    job = submit(studio, {**LONG, "seed": 2})
    wait_for(studio, job["id"], {"running"})
    r = studio.delete(f"/api/jobs/{job['id']}")
    assert r.status_code == 202 and r.json()["cancel_requested"]
    cancelled = wait_for(studio, job["id"], {"cancelled", "done", "failed"}, timeout=20)
    assert cancelled["state"] == "cancelled"
    assert not job_folder(studio.data_dir, job["id"]).exists()
    assert studio.delete(f"/api/jobs/{job['id']}").status_code == 409


def test_two_workers_run_two_jobs_at_once(tmp_path):
    """`workers=2` (`aigc-video serve --workers 2`): two processes, each on its own job."""
    with studio_at(tmp_path, workers=2, cancel_grace_s=2.0) as client:
        jobs = [submit(client, {**LONG, "seed": 10 + i}) for i in range(2)]
        deadline = time.monotonic() + 60
        while client.get("/api/jobs").json()["counts"]["running"] < 2:
            assert time.monotonic() < deadline, client.get("/api/jobs").json()["counts"]
            time.sleep(0.05)
        store = JobStore(tmp_path / DB_FILE)
        assert len({store.get(j["id"]).worker_pid for j in jobs}) == 2
        for j in jobs:
            client.delete(f"/api/jobs/{j['id']}")
        for j in jobs:
            assert wait_for(client, j["id"], {"cancelled", "done", "failed"}, timeout=20)["attempts"] == 1


# --- the request edge ---------------------------------------------------------------------

@pytest.mark.parametrize("change, field, limit", [
    ({"width": 5000}, "width", str(limits.MAX_SIDE)),
    ({"width": 161}, "width", "even"),
    ({"width": 1920, "height": 1200}, "size", str(limits.MAX_PIXELS)),
    ({"fps": 100}, "fps", str(limits.MAX_FPS)),
    ({"seed": -1}, "seed", "0"),
    ({"text": "x" * (limits.MAX_TEXT_CHARS + 1)}, "text", str(limits.MAX_TEXT_CHARS)),
    ({"text": "   "}, "text", str(limits.MAX_TEXT_CHARS)),
    ({"engine": "magic"}, "engine", "render"),
    ({"max_duration_s": 500}, "max_duration_s", str(int(limits.MAX_VIDEO_SECONDS))),
    ({"checkpoint": "/etc/passwd"}, "checkpoint", "not a field"),
    ({"project": "x" * (limits.MAX_PROJECT_CHARS + 1)}, "project", str(limits.MAX_PROJECT_CHARS)),
])
def test_bad_request_is_422_naming_field_and_limit(queue_only, change, field, limit):
    r = queue_only.post("/api/jobs", json={**TINY, **change})
    assert r.status_code == 422
    body = r.json()
    assert body["errors"][0]["field"] == field
    assert field in body["detail"] and limit in body["detail"]
    assert queue_only.get("/api/jobs").json()["jobs"] == []


def test_unknown_job_is_404_everywhere(queue_only):
    for method, path in [("GET", ""), ("GET", "/events"), ("GET", "/video"), ("GET", "/report"),
                         ("DELETE", "")]:
        r = queue_only.request(method, f"/api/jobs/0123456789abcdef{path}")
        assert r.status_code == 404, (method, path)
        assert "0123456789abcdef" in r.json()["detail"]
    assert queue_only.get("/api/jobs/..%2F..%2Fetc%2Fpasswd/video").status_code == 404


def test_full_queue_is_429_and_cancel_frees_a_place(queue_only):
    first, second = submit(queue_only, TINY), submit(queue_only, TINY)
    r = queue_only.post("/api/jobs", json=TINY)
    assert r.status_code == 429 and "2 jobs waiting" in r.json()["detail"] and r.headers["retry-after"]
    assert queue_only.get(f"/api/jobs/{first['id']}/video").status_code == 409  # not done yet
    cancelled = queue_only.delete(f"/api/jobs/{first['id']}").json()
    assert cancelled["state"] == "cancelled"
    third = submit(queue_only, TINY)
    ids = [j["id"] for j in queue_only.get("/api/jobs").json()["jobs"]]
    assert ids == [third["id"], second["id"], first["id"]]  # newest first, none lost


def test_cross_site_writes_are_403(queue_only):
    cross = [{"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
             {"Origin": "http://evil.example"}, {"Origin": "null"}, {"Origin": "http://127.0.0.1:9999"}]
    for headers in cross:
        assert queue_only.post("/api/jobs", json=TINY, headers=headers).status_code == 403, headers
    job = submit(queue_only, TINY, Origin=BASE, **{"Sec-Fetch-Site": "same-origin"})
    assert queue_only.delete(f"/api/jobs/{job['id']}", headers={"Origin": "http://evil.example"}).status_code == 403
    assert queue_only.get(f"/api/jobs/{job['id']}").json()["state"] == "queued"


def test_non_loopback_host_header_refused_without_token(queue_only):
    # A DNS-rebinding page reaches 127.0.0.1 under its own name: refuse it.
    assert queue_only.get("/api/jobs", headers={"Host": "evil.example"}).status_code == 400
    assert queue_only.get("/api/jobs", headers={"Host": "localhost:8000"}).status_code == 200


def test_token_is_required_on_every_api_call(tmp_path):
    with pytest.raises(InputError, match="0.0.0.0"):
        Settings(host="0.0.0.0", data_dir=tmp_path).check()
    with studio_at(tmp_path, host="0.0.0.0", token=TOKEN, workers=0) as client:
        assert client.get("/api/jobs").status_code == 401
        assert client.post("/api/jobs", json=TINY).status_code == 401
        assert client.get("/api/jobs", headers={"Authorization": "Bearer wrong"}).status_code == 401
        auth = {"Authorization": f"Bearer {TOKEN}"}
        job = client.post("/api/jobs", json=TINY, headers=auth).json()
        assert client.get(f"/api/jobs/{job['id']}", headers=auth).status_code == 200
        # The printed link trades the token for a same-site cookie that the page's requests carry.
        assert client.get("/?token=wrong", follow_redirects=False).status_code == 401
        r = client.get(f"/?token={TOKEN}", follow_redirects=False)
        assert r.status_code == 303 and "samesite=strict" in r.headers["set-cookie"].lower()
        assert client.get(f"/api/jobs/{job['id']}").status_code == 200


def test_page_and_openapi_are_served(queue_only):
    page = queue_only.get("/")
    assert page.status_code == 200 and 'id="job-form"' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert queue_only.get("/static/app.js").status_code == 200
    assert queue_only.get("/static/api.html").status_code == 200  # the API reference, offline
    paths = queue_only.get("/openapi.json").json()["paths"]
    assert {"/api/jobs", "/api/jobs/{job_id}", "/api/jobs/{job_id}/events", "/api/jobs/{job_id}/video"} <= set(paths)
    options = queue_only.get("/api/options").json()
    assert options["limits"]["max_text_chars"] == limits.MAX_TEXT_CHARS and "render" in options["engines"]


# --- restarts -----------------------------------------------------------------------------

def left_running(data_dir) -> str:
    """A job claimed by a worker that then vanished with its server: what a crash leaves."""
    with studio_at(data_dir, workers=0) as client:
        job = submit(client, TINY)
    store = JobStore(data_dir / DB_FILE)
    assert store.claim("gone-worker", 999_999).id == job["id"]
    folder = job_folder(data_dir, job["id"])
    folder.mkdir(parents=True)
    (folder / ".video.mp4.partial").write_bytes(b"half a video")
    return job["id"]


def test_restart_marks_running_jobs_interrupted(tmp_path):
    job_id = left_running(tmp_path)
    with studio_at(tmp_path, workers=0) as client:
        job = client.get(f"/api/jobs/{job_id}").json()
        assert job["state"] == "interrupted" and "server stopped" in job["error"]
        assert client.get(f"/api/jobs/{job_id}/video").status_code == 409
    assert not job_folder(tmp_path, job_id).exists()


def test_restart_can_requeue_running_jobs(tmp_path):
    job_id = left_running(tmp_path)
    with studio_at(tmp_path, requeue_interrupted=True) as client:
        job = wait_for(client, job_id, {"done", "failed"})
        assert job["state"] == "done" and job["attempts"] == 2
        assert sorted(p.name for p in job_folder(tmp_path, job_id).iterdir()) == [
            "thumbnail.jpg", "video.mp4", "video.report.json", "video.srt"]


def test_one_server_per_data_dir(queue_only):
    with pytest.raises(RuntimeError, match="another aigc-video server"):
        with studio_at(queue_only.data_dir, workers=0):
            pass
