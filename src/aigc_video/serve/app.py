"""The web studio and job API: `create_app(settings)` builds the FastAPI app.

The app only queues, reports and serves; generation runs in worker processes (`pool.py`,
`worker.py`) that share the SQLite job store. Files are served by job id only, and only once the
worker has verified them.
"""
from __future__ import annotations

import asyncio
import fcntl
import json
import os
import shutil
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from .. import limits
from ..engines import ENGINES
from ..errors import InputError
from ..scene.picture import MAX_PICTURE_PIXELS, MAX_PICTURE_SIDE
from .pool import WorkerPool
from .schema import JobRequest, describe_error
from .security import TOKEN_COOKIE, Guard, check_bind, token_matches
from .store import (CANCELLED, DB_FILE, DONE, INTERRUPTED, PICTURE_SUFFIXES, QUEUED, TERMINAL, JobStore,
                    QueueFull, clear_outputs, input_picture, job_folder)
from .upload import (MAX_UPLOAD_BYTES, OPENAPI_BODY, UploadRefused, check_picture, parse_request,
                     queue_with_picture, read_form, read_picture_part, sweep_orphans)

STATIC = Path(__file__).parent / "static"
FILES = {  # name in the URL -> (media type, download suffix)
    "video": ("video/mp4", ".mp4"),
    "subtitles": ("application/x-subrip", ".srt"),
    "report": ("application/json", ".report.json"),
    "thumbnail": ("image/jpeg", ".jpg"),
}
ERR = {"model": dict}  # responses documented in the OpenAPI schema: {"detail": message}
NOT_FOUND = {404: {**ERR, "description": "no job with this id"}}
NOT_READY = {**NOT_FOUND, 409: {**ERR, "description": "the job is not done (yet)"},
             410: {**ERR, "description": "the file changed on disk since it was verified"}}
IMAGE_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}  # what uploads may be
EVENT_POLL_S = 0.2
KEEPALIVE_S = 15.0


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "aigc-video"


@dataclass
class Settings:
    """How the server runs. `workers`: generation processes, one job each at a time (1 = one job
    at a time on this machine; 0 = accept and queue only). `max_queued`: waiting jobs before 429.
    `requeue_interrupted`: at start, put jobs cut off by a crash back in the queue instead of
    marking them interrupted. `batch`: a worker takes up to this many queued jobs of one learned
    engine at once and draws their shots together (serve/batch.py)."""

    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = field(default_factory=default_data_dir)
    workers: int = 1
    token: str | None = None
    max_queued: int = 32
    requeue_interrupted: bool = False
    cancel_grace_s: float = 5.0
    batch: int = 1

    def check(self) -> None:
        check_bind(self.host, self.token)
        if not 0 <= self.workers <= 64:
            raise InputError(f"workers {self.workers} is outside the limit 0..64")
        if not 1 <= self.batch <= 64:
            raise InputError(f"batch {self.batch} is outside the limit 1..64")
        if not 1 <= self.max_queued <= 10_000:
            raise InputError(f"max_queued {self.max_queued} is outside the limit 1..10000")
        if not 1 <= self.port <= 65535:
            raise InputError(f"port {self.port} is outside the limit 1..65535")


class DataDirLock:
    """One server per data directory: two would both 'recover' each other's running jobs. The OS
    drops the lock when the process dies, even by SIGKILL."""

    def __init__(self, data_dir: Path):
        self.path = data_dir / "server.lock"
        self.fd: int | None = None

    def acquire(self) -> None:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            self.fd = None
            raise RuntimeError(f"another aigc-video server is using {self.path.parent}") from None

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def create_app(settings: Settings) -> FastAPI:
    settings.check()
    data_dir = Path(settings.data_dir).resolve()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # 1. Own the data directory, open the store.
        data_dir.mkdir(parents=True, exist_ok=True)
        lock = DataDirLock(data_dir)
        lock.acquire()
        store = JobStore(data_dir / DB_FILE)
        # 2. No worker runs yet: jobs still `running` were cut off; their files are partial (a
        #    re-queued job keeps its uploaded picture). Then folders that no job owns any more.
        for job in store.recover(settings.requeue_interrupted):
            if settings.requeue_interrupted:
                clear_outputs(job_folder(data_dir, job.id))
            else:
                shutil.rmtree(job_folder(data_dir, job.id), ignore_errors=True)
        sweep_orphans(store, data_dir)
        # 3. Start the workers.
        pool = WorkerPool(store, data_dir, settings.workers, settings.cancel_grace_s, batch=settings.batch)
        pool.start()
        app.state.store, app.state.pool = store, pool
        try:
            yield
        finally:
            await run_in_threadpool(pool.stop)
            lock.release()

    app = FastAPI(title="aigc-video studio", version="0.1.0", lifespan=lifespan,
                  description="Text to video: submit a job, follow its progress, fetch its files.")
    app.add_middleware(Guard, token=settings.token)

    def store_of(request: Request) -> JobStore:
        return request.app.state.store

    def job_or_404(request: Request, job_id: str):
        job = store_of(request).get(job_id)
        if job is None:
            raise HTTPException(404, f"no job with id {job_id!r}")
        return job

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        errors = [describe_error(e) for e in exc.errors()]
        return JSONResponse({"detail": "; ".join(e["message"] for e in errors), "errors": errors}, 422)

    @app.exception_handler(InputError)
    async def input_error(request: Request, exc: InputError):
        return JSONResponse({"detail": str(exc), "errors": [{"field": "body", "message": str(exc)}]}, 422)

    @app.exception_handler(UploadRefused)
    async def upload_refused(request: Request, exc: UploadRefused):
        return JSONResponse({"detail": str(exc), "errors": [{"field": exc.field, "message": str(exc)}]},
                            exc.status)

    @app.exception_handler(QueueFull)
    async def queue_full(request: Request, exc: QueueFull):
        return JSONResponse({"detail": str(exc)}, 429, headers={"Retry-After": "5"})

    # --- the page --------------------------------------------------------------------------

    @app.get("/", include_in_schema=False)
    def index(token: str | None = None):
        if token is not None:  # the link printed at start: trade it for a same-site cookie
            if not settings.token or not token_matches(token, settings.token):
                raise HTTPException(401, "wrong access token")
            response = RedirectResponse("/", status_code=303)
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
            return response
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    # --- the API ---------------------------------------------------------------------------

    @app.get("/api/options", summary="Engines, limits and stages, for building a form")
    def options():
        from ..modes import NARRATION_MODES, SUBTITLE_MODES
        from ..pipeline import STAGES
        from ..vocab import COLORS

        return {
            "colors": {name: "#%02x%02x%02x" % rgb for name, rgb in COLORS.items()},  # for swatches
            "engines": list(ENGINES), "stages": list(STAGES), "narration": list(NARRATION_MODES),
            "subtitles": list(SUBTITLE_MODES),
            "limits": {"max_text_chars": limits.MAX_TEXT_CHARS, "min_side": limits.MIN_SIDE,
                       "max_side": limits.MAX_SIDE, "max_pixels": limits.MAX_PIXELS,
                       "min_fps": limits.MIN_FPS, "max_fps": limits.MAX_FPS,
                       "max_seed": limits.MAX_SEED, "max_video_seconds": limits.MAX_VIDEO_SECONDS,
                       "max_upload_bytes": MAX_UPLOAD_BYTES, "max_picture_pixels": MAX_PICTURE_PIXELS,
                       "max_picture_side": MAX_PICTURE_SIDE},
            "image_types": list(IMAGE_TYPES.values()),
            "defaults": JobRequest.model_construct().model_dump(exclude={"text"}),
            "max_queued": settings.max_queued, "workers": settings.workers,
        }

    @app.get("/api/health", summary="Whether the server and its workers are up")
    def health(request: Request):
        return {"ok": True, "workers_alive": len(request.app.state.pool.worker_pids()),
                "workers": settings.workers, "counts": store_of(request).counts()}

    @app.post("/api/jobs", status_code=201, summary="Queue a video (429 when the queue is full)",
              responses={403: {**ERR, "description": "a request from another site"},
                         429: {**ERR, "description": "the queue is full"}})
    def submit(body: JobRequest, request: Request):
        job = store_of(request).submit(body.model_dump(), settings.max_queued)
        return JSONResponse(job.to_api(), 201, headers={"Location": f"/api/jobs/{job.id}"})

    @app.post("/api/jobs/with-image", status_code=201,
              summary="Queue a video made from a picture (multipart: request + image)",
              responses={403: {**ERR, "description": "a request from another site"},
                         413: {**ERR, "description": f"the image is over {MAX_UPLOAD_BYTES} bytes"},
                         415: {**ERR, "description": "the body is not multipart/form-data"},
                         422: {**ERR, "description": "a bad request, or an image that is not a PNG, "
                                                     "JPEG or WebP picture within the limits"},
                         429: {**ERR, "description": "the queue is full"}},
              openapi_extra=OPENAPI_BODY)
    async def submit_with_image(request: Request):
        # 1. Read the form with the body capped (413), the request as POST /api/jobs takes it (422).
        form = await read_form(request)
        try:
            unknown = sorted(set(form) - {"request", "image"})
            if unknown:
                raise UploadRefused(422, unknown[0], f"{unknown[0]} is not a part of an image job "
                                                     "(the parts are request and image)")
            try:
                body = parse_request(form.get("request"))
            except ValidationError as e:
                raise RequestValidationError(e.errors()) from None
            data, filename = await read_picture_part(form.get("image"))
        finally:
            await form.close()   # the spooled temp file of the image part
        # 2. Decode the picture with the CLI's limits; 3. only then write it and queue the job.
        image = await run_in_threadpool(check_picture, data, filename)
        job = await run_in_threadpool(queue_with_picture, store_of(request), data_dir,
                                      {**body.model_dump(), "image": image}, data, settings.max_queued)
        return JSONResponse(job.to_api(), 201, headers={"Location": f"/api/jobs/{job.id}"})

    @app.get("/api/jobs", summary="Recent jobs, newest first")
    def list_jobs(request: Request, limit: int = Query(50, ge=1, le=500)):
        store = store_of(request)
        return {"jobs": [j.to_api() for j in store.list(limit)], "counts": store.counts()}

    @app.get("/api/jobs/{job_id}", summary="One job: state, progress, storyboard, outputs",
             responses=NOT_FOUND)
    def get_job(job_id: str, request: Request):
        return job_or_404(request, job_id).to_api()

    @app.delete("/api/jobs/{job_id}", status_code=202,
                summary="Cancel: a queued job at once, a running one at its next progress step",
                responses={**NOT_FOUND, 409: {**ERR, "description": "the job has already ended"}})
    def cancel_job(job_id: str, request: Request):
        job = job_or_404(request, job_id)
        if job.finished:
            raise HTTPException(409, f"job {job_id} is already {job.state}; there is nothing to cancel")
        after = store_of(request).cancel(job_id)
        if job.state == QUEUED and after.state == CANCELLED:  # no worker took it: its upload goes
            shutil.rmtree(job_folder(data_dir, job_id), ignore_errors=True)
        return after.to_api()

    @app.get("/api/jobs/{job_id}/events", summary="Server-sent events: the job on every change",
             responses=NOT_FOUND)
    async def job_events(job_id: str, request: Request):
        store = store_of(request)
        await run_in_threadpool(job_or_404, request, job_id)  # a 404 before the stream starts

        async def stream():
            version, last_sent = None, time.monotonic()
            while True:
                current = await run_in_threadpool(store.get, job_id)
                if current.version != version:
                    version, last_sent = current.version, time.monotonic()
                    yield f"event: job\nid: {version}\ndata: {json.dumps(current.to_api(), ensure_ascii=False)}\n\n"
                if current.state in TERMINAL:
                    yield "event: end\ndata: {}\n\n"
                    return
                if time.monotonic() - last_sent > KEEPALIVE_S:
                    last_sent = time.monotonic()
                    yield ": keep-alive\n\n"
                if await request.is_disconnected():
                    return
                await asyncio.sleep(EVENT_POLL_S)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    def job_file(request: Request, job_id: str, name: str, download: bool):
        job = job_or_404(request, job_id)
        if job.state != DONE:
            hint = "; it was cut off, run it again" if job.state == INTERRUPTED else ""
            raise HTTPException(409, f"job {job_id} is {job.state}{hint}; its files exist only once it is done")
        entry = (job.outputs or {}).get("files", {}).get(name)
        if entry is None:
            raise HTTPException(404, f"job {job_id} has no {name} (see its request)")
        path = job_folder(data_dir, job.id) / entry["name"]  # the stored name, never the client's
        if not path.is_file() or path.stat().st_size != entry["bytes"]:
            raise HTTPException(410, f"the {name} of job {job_id} is no longer on disk as it was verified")
        media_type, suffix = FILES[name]
        return FileResponse(path, media_type=media_type, filename=f"aigc-video-{job.id}{suffix}",
                            content_disposition_type="attachment" if download else "inline")

    @app.get("/api/jobs/{job_id}/video", summary="The MP4 (H.264/AAC), once the job is done",
             responses=NOT_READY)
    def job_video(job_id: str, request: Request, download: bool = False):
        return job_file(request, job_id, "video", download)

    @app.get("/api/jobs/{job_id}/subtitles", summary="The SRT subtitles", responses=NOT_READY)
    def job_subtitles(job_id: str, request: Request, download: bool = False):
        return job_file(request, job_id, "subtitles", download)

    @app.get("/api/jobs/{job_id}/report", summary="The report: storyboard, plan, timings, cost",
             responses=NOT_READY)
    def job_report(job_id: str, request: Request, download: bool = False):
        return job_file(request, job_id, "report", download)

    @app.get("/api/jobs/{job_id}/thumbnail", summary="A JPEG of the middle frame", responses=NOT_READY)
    def job_thumbnail(job_id: str, request: Request):
        return job_file(request, job_id, "thumbnail", False)

    @app.get("/api/jobs/{job_id}/image", summary="The picture uploaded with the job, while it keeps "
             "its files (queued, running or done)", responses=NOT_FOUND)
    def job_image(job_id: str, request: Request):
        job = job_or_404(request, job_id)
        image = job.request.get("image")
        if image is None:
            raise HTTPException(404, f"job {job_id} was made without a picture")
        path = input_picture(job_folder(data_dir, job.id), image["format"])
        if not path.is_file():
            raise HTTPException(404, f"the picture of job {job_id} is no longer stored (the job is {job.state})")
        return FileResponse(path, media_type=IMAGE_TYPES[image["format"]],
                            filename=f"aigc-video-{job.id}-picture{PICTURE_SUFFIXES[image['format']]}",
                            content_disposition_type="inline")

    return app
