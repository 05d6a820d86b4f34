"""Image to video over the job API: `POST /api/jobs/with-image` (multipart: request + image).

The picture is checked before the job exists (size cap, PNG/JPEG/WebP by signature, decoded with
the CLI's limits), stored only as the job's `input/picture.<ext>`, and the video opens on it.
"""
from __future__ import annotations

import hashlib
import io
import json
import struct
import time
import zlib
from contextlib import contextmanager
from pathlib import Path

import av
import numpy as np
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("multipart")
PIL = pytest.importorskip("PIL.Image")
from fastapi.testclient import TestClient  # noqa: E402

from aigc_video.scene.picture import cover_fit  # noqa: E402
from aigc_video.scene.render import render_masks  # noqa: E402
from aigc_video.scene.sceneplan import ScenePlan  # noqa: E402
from aigc_video.serve.app import Settings, create_app  # noqa: E402
from aigc_video.serve.store import DB_FILE, JobStore, job_folder  # noqa: E402
from aigc_video.serve.upload import MAX_UPLOAD_BYTES  # noqa: E402

BASE = "http://127.0.0.1"
W, H = 160, 90
REQUEST = {"text": "A red ball bounces to the right.", "engine": "render", "width": W, "height": H,
           "fps": 8, "seed": 2, "audio": False, "subtitles": "burn"}


@contextmanager
def studio_at(data_dir, **settings):
    with TestClient(create_app(Settings(data_dir=data_dir, **settings)), base_url=BASE) as client:
        client.data_dir = data_dir
        yield client


@pytest.fixture(scope="module")
def studio(tmp_path_factory):
    """One server with one worker process, for the tests that make videos."""
    with studio_at(tmp_path_factory.mktemp("studio")) as client:
        yield client


@pytest.fixture
def queue_only(tmp_path):
    """No worker: jobs stay queued, and the tests look at what a submission left on disk."""
    with studio_at(tmp_path / "data", workers=0, max_queued=2) as client:
        yield client


def picture(h: int = 150, w: int = 200) -> np.ndarray:
    """A smooth, textured (h, w, 3) uint8 picture: gradients plus a few blocks."""
    y, x = np.mgrid[0:h, 0:w] / np.array([h, w])[:, None, None]
    rgb = np.stack([200 * x + 30, 180 * y + 40, 120 + 100 * np.sin(6 * x + 4 * y)], -1)
    rng = np.random.default_rng(0)
    for _ in range(6):
        y0, x0 = rng.integers(0, h - 20), rng.integers(0, w - 20)
        rgb[y0:y0 + 20, x0:x0 + 20] = rng.integers(0, 255, 3)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def encoded(rgb: np.ndarray, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    PIL.fromarray(rgb).save(buf, format=fmt)
    return buf.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width x height with a tiny IDAT: refused from its header, not decoded."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def post(client, data: bytes, name: str = "pic.png", request: dict | str | None = REQUEST, **extra):
    fields = {} if request is None else {"request": request if isinstance(request, str) else json.dumps(request)}
    return client.post("/api/jobs/with-image", data={**fields, **extra},
                       files={"image": (name, data, "image/png")})


def wait_for(client, job_id, states, timeout=90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["state"] in states:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not reach {states} in {timeout} s: {job}")


def nothing_queued(client) -> bool:
    """No job row, and no folder (nor a staging one) under the data directory's jobs/."""
    jobs = client.data_dir / "jobs"
    return client.get("/api/jobs").json()["jobs"] == [] and (not jobs.exists() or not any(jobs.iterdir()))


# --- the happy path -----------------------------------------------------------------------

def test_uploaded_picture_is_the_first_frame(studio, tmp_path):
    rgb = picture()
    data = encoded(rgb)
    r = post(studio, data)
    assert r.status_code == 201, r.text
    job = r.json()
    assert r.headers["location"] == f"/api/jobs/{job['id']}"
    assert job["request"]["image"] == {"name": "pic.png", "format": "png", "width": 200, "height": 150,
                                       "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    done = wait_for(studio, job["id"], {"done", "failed"})
    assert done["state"] == "done", done["error"]

    # The worker read the stored copy, not a client path: the report names it, with the same hash.
    folder = job_folder(studio.data_dir, job["id"])
    report = studio.get(f"/api/jobs/{job['id']}/report").json()
    assert report["image"]["path"] == str(folder / "input" / "picture.png")
    assert report["image"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert studio.get(f"/api/jobs/{job['id']}/image").content == data

    # The first decoded frame is the picture, cover-fitted, outside the ball and the subtitles.
    video = tmp_path / "got.mp4"
    video.write_bytes(studio.get(f"/api/jobs/{job['id']}/video").content)
    with av.open(str(video)) as c:
        first = next(c.decode(video=0)).to_ndarray(format="rgb24").astype(np.float64)
    expected = cover_fit(rgb, W, H)[..., :3].astype(np.float64)
    shot = ScenePlan.from_dict(report["plan"]).shots[0]
    keep = ~(render_masks(shot, W, H)[0].max(axis=0) > 0.01) if shot.objects else np.ones((H, W), bool)
    keep[int(0.7 * H):] = False   # burned subtitles sit in the bottom band
    mad = np.abs(first - expected).mean(-1)[keep].mean() / 255
    assert mad <= 20 / 255, mad


def test_json_jobs_are_unchanged_and_name_the_upload_endpoint(queue_only):
    r = queue_only.post("/api/jobs", json={k: v for k, v in REQUEST.items()})
    assert r.status_code == 201 and "image" not in r.json()["request"]
    assert queue_only.get(f"/api/jobs/{r.json()['id']}/image").status_code == 404
    r = queue_only.post("/api/jobs", json={**REQUEST, "image": {"format": "png"}})
    assert r.status_code == 422 and "/api/jobs/with-image" in r.json()["detail"]
    options = queue_only.get("/api/options").json()
    assert options["limits"]["max_upload_bytes"] == MAX_UPLOAD_BYTES
    assert options["image_types"] == ["image/png", "image/jpeg", "image/webp"]
    assert "/api/jobs/with-image" in queue_only.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize("fmt, suffix", [("JPEG", ".jpg"), ("WEBP", ".webp")])
def test_jpeg_and_webp_are_stored_by_their_format(queue_only, fmt, suffix):
    data = encoded(picture(), fmt)
    r = post(queue_only, data, name="photo.png")   # the name and Content-Type lie: the bytes decide
    assert r.status_code == 201, r.text
    folder = job_folder(queue_only.data_dir, r.json()["id"])
    assert [p.name for p in (folder / "input").iterdir()] == [f"picture{suffix}"]
    assert queue_only.get(f"/api/jobs/{r.json()['id']}/image").headers["content-type"] == \
        f"image/{fmt.lower()}"


@pytest.mark.parametrize("name", ["../../escape.png", "..\\..\\escape.png", "/etc/escape.png",
                                  "a/../../escape.png", "..", "\x00\nescape.png"])
def test_the_file_name_never_becomes_a_path(queue_only, name):
    data = encoded(picture(40, 60))
    r = post(queue_only, data, name=name)
    assert r.status_code == 201, r.text
    job = r.json()
    root = queue_only.data_dir.parent
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert f"data/jobs/{job['id']}/input/picture.png" in files
    assert not any("escape" in f for f in files), files
    assert not Path("/etc/escape.png").exists()
    shown = job["request"]["image"]["name"]   # kept for display: the last component, printable
    assert shown.endswith("escape.png") or shown == "picture"
    assert not set("/\\\0\n") & set(shown), shown


# --- refusals: 4xx naming the problem and the limit, and no job, no folder ------------------

def test_oversized_upload_is_413_naming_the_limit(queue_only):
    padded = png_header_only(100, 100) + b"\0" * (MAX_UPLOAD_BYTES + 1)
    r = post(queue_only, padded)
    assert r.status_code == 413
    assert str(MAX_UPLOAD_BYTES) in r.json()["detail"] and "20 MiB" in r.json()["detail"]
    assert r.json()["errors"][0]["field"] == "image"
    assert nothing_queued(queue_only)


def test_a_body_past_the_cap_is_refused_while_it_streams(queue_only):
    sent = 0

    def chunks():  # no Content-Length: the server counts the bytes as they come
        nonlocal sent
        head = b'--b\r\nContent-Disposition: form-data; name="image"; filename="x.png"\r\n\r\n'
        yield head
        while sent < 64 * 2**20:
            sent += 2**20
            yield b"\0" * 2**20

    r = queue_only.post("/api/jobs/with-image", content=chunks(),
                        headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert r.status_code == 413 and str(MAX_UPLOAD_BYTES) in r.json()["detail"]
    assert nothing_queued(queue_only)


@pytest.mark.parametrize("make, status, needle", [
    (lambda: b"this is not a picture", 422, "not a PNG, JPEG or WebP"),
    (lambda: b"", 422, "is empty"),
    (lambda: b"GIF89a" + b"\0" * 64, 422, "not a PNG, JPEG or WebP"),
    (lambda: encoded(picture())[:300], 422, "damaged or incomplete"),
    (lambda: png_header_only(20000, 100), 422, "16384 px a side"),
    (lambda: png_header_only(10000, 10000), 422, "40 megapixels"),
])
def test_a_bad_picture_is_refused_before_any_job(queue_only, make, status, needle):
    r = post(queue_only, make(), name="in.png")
    assert r.status_code == status, r.text
    body = r.json()
    assert needle in body["detail"] and "'in.png'" in body["detail"], body
    assert body["errors"][0]["field"] == "image"
    assert nothing_queued(queue_only)


@pytest.mark.parametrize("kwargs, status, field, needle", [
    ({"request": {**REQUEST, "width": 5000}}, 422, "width", "3840"),
    ({"request": "{not json"}, 422, "body", "not valid JSON"),
    ({"request": None}, 422, "request", "request is required"),
    ({"request": {**REQUEST, "checkpoint": "/etc/passwd"}}, 422, "checkpoint", "not a field"),
    ({"extra": "1"}, 422, "extra", "not a part"),
])
def test_a_bad_request_part_is_refused_before_any_job(queue_only, kwargs, status, field, needle):
    r = post(queue_only, encoded(picture(40, 60)), **kwargs)
    assert r.status_code == status, r.text
    assert r.json()["errors"][0]["field"] == field and needle in r.json()["detail"]
    assert nothing_queued(queue_only)


def test_missing_image_and_wrong_content_type(queue_only):
    r = queue_only.post("/api/jobs/with-image", files={"request": (None, json.dumps(REQUEST))})
    assert r.status_code == 422 and "image is required" in r.json()["detail"]
    r = queue_only.post("/api/jobs/with-image", files={"request": (None, json.dumps(REQUEST)),
                                                       "image": (None, "a text field")})
    assert r.status_code == 422 and "file part" in r.json()["detail"]
    r = queue_only.post("/api/jobs/with-image", data={"request": json.dumps(REQUEST)})
    assert r.status_code == 415 and "multipart/form-data" in r.json()["detail"]
    r = queue_only.post("/api/jobs/with-image", json=REQUEST)
    assert r.status_code == 415 and "multipart/form-data" in r.json()["detail"]
    assert nothing_queued(queue_only)


def test_a_full_queue_is_429_and_leaves_no_folder(queue_only):
    data = encoded(picture(40, 60))
    ids = [post(queue_only, data).json()["id"] for _ in range(2)]
    r = post(queue_only, data)
    assert r.status_code == 429
    assert sorted(p.name for p in (queue_only.data_dir / "jobs").iterdir()) == sorted(ids)


def test_cross_site_upload_is_403(queue_only):
    r = queue_only.post("/api/jobs/with-image", headers={"Origin": "http://evil.example"},
                        data={"request": json.dumps(REQUEST)},
                        files={"image": ("pic.png", encoded(picture(40, 60)), "image/png")})
    assert r.status_code == 403
    assert nothing_queued(queue_only)


# --- the picture's life: cancel, restart ----------------------------------------------------

def test_cancelling_a_queued_job_removes_its_picture(queue_only):
    job = post(queue_only, encoded(picture(40, 60))).json()
    assert job_folder(queue_only.data_dir, job["id"]).is_dir()
    assert queue_only.delete(f"/api/jobs/{job['id']}").json()["state"] == "cancelled"
    assert not job_folder(queue_only.data_dir, job["id"]).exists()
    assert queue_only.get(f"/api/jobs/{job['id']}/image").status_code == 404


def test_restart_sweeps_folders_no_job_owns(tmp_path):
    data_dir = tmp_path / "data"
    with studio_at(data_dir, workers=0) as client:
        queued = post(client, encoded(picture(40, 60))).json()["id"]
    jobs = data_dir / "jobs"
    (jobs / ".upload-0123456789abcdef" / "input").mkdir(parents=True)   # a crash while writing
    (jobs / "fedcba9876543210" / "input").mkdir(parents=True)           # a crash before the insert
    with studio_at(data_dir, workers=0):
        assert sorted(p.name for p in jobs.iterdir()) == [queued]


def test_a_requeued_image_job_keeps_its_picture_and_finishes(tmp_path):
    data_dir = tmp_path / "data"
    rgb = picture()
    with studio_at(data_dir, workers=0) as client:
        job_id = post(client, encoded(rgb)).json()["id"]
    assert JobStore(data_dir / DB_FILE).claim("gone-worker", 999_999).id == job_id   # then a crash
    folder = job_folder(data_dir, job_id)
    (folder / ".video.mp4.partial").write_bytes(b"half a video")
    with studio_at(data_dir, requeue_interrupted=True) as client:
        job = wait_for(client, job_id, {"done", "failed"})
        assert job["state"] == "done" and job["attempts"] == 2, job["error"]
    assert sorted(p.name for p in folder.iterdir()) == [
        "input", "thumbnail.jpg", "video.mp4", "video.report.json", "video.srt"]
