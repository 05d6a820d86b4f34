"""A job with a picture: `POST /api/jobs/with-image`, multipart/form-data with two parts,
`request` (the job request as JSON, as `POST /api/jobs` takes it) and `image` (a PNG, JPEG or WebP
file), e.g. `curl -F 'request={"text": "A cat walks left."}' -F image=@cat.png URL`.

Everything is checked before the job exists:
1. the body is counted as it arrives and refused once past the limit (so no more than that is
   ever spooled to a temp file);
2. the request is validated as a `JobRequest` (the same 422 messages as the JSON endpoint);
3. the picture's first bytes must be PNG, JPEG or WebP, and it is fully decoded with the CLI's
   own limits (`scene.picture`: megapixels, pixels a side, damaged files).
Only then is it written, under a staging name, into the job's folder as `input/picture.<ext>`
(the client's file name is kept for display, never used as a path), the folder renamed into
place, and the job row inserted; a full queue removes the folder again. A crash between the
rename and the insert leaves a folder no job names, which the next server start removes.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path

from starlette.requests import Request

from ..errors import InputError
from ..scene.picture import MAX_PICTURE_PIXELS, MAX_PICTURE_SIDE, decode_picture
from .schema import JobRequest
from .store import (CANCELLED, FAILED, INPUT_DIR, INTERRUPTED, Job, JobStore, input_picture, job_folder,
                    new_job_id)

MAX_UPLOAD_BYTES = 20 * 2**20          # the picture; a 40-megapixel JPEG is typically 10-15 MB
MAX_FORM_OVERHEAD = 256 * 2**10        # the request JSON (<= 2,000 characters) and part headers
MAX_NAME_CHARS = 120                   # of the client's file name, kept for display only
FIELDS = ("request", "image")
STAGING_PREFIX = ".upload-"            # jobs/.upload-<id>: a folder being filled, not yet a job's
ENDED_EMPTY = (FAILED, CANCELLED, INTERRUPTED)  # end states whose job keeps no files

OPENAPI_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": list(FIELDS), "properties": {
        "request": {"type": "string", "description": "the job request as JSON: the body of POST /api/jobs"},
        "image": {"type": "string", "format": "binary", "description": (
            f"PNG, JPEG or WebP, at most {MAX_UPLOAD_BYTES} bytes, {MAX_PICTURE_PIXELS // 10**6} megapixels "
            f"and {MAX_PICTURE_SIDE} px a side: the first frame and every shot's background")}}}}}}}


class UploadRefused(Exception):
    """An upload the API refuses: HTTP `status` with a message naming `field` and the limit."""

    def __init__(self, status: int, field: str, message: str):
        super().__init__(message)
        self.status, self.field = status, field


def size_limit_message(n_bytes: int | None) -> str:
    """`n_bytes`: the image's size, or None when the body was cut off past the cap."""
    limit = f"the limit of {MAX_UPLOAD_BYTES} bytes ({MAX_UPLOAD_BYTES // 2**20} MiB) for an image"
    if n_bytes is None:
        return f"the upload is over {MAX_UPLOAD_BYTES + MAX_FORM_OVERHEAD} bytes: over {limit}"
    return f"the image is {n_bytes} bytes, over {limit}"


def sniff_format(data: bytes) -> str | None:
    """'png' | 'jpeg' | 'webp' from the file's signature, or None. Its name and the client's
    Content-Type are not trusted."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def display_name(filename: str | None) -> str:
    """The client's file name, for showing only: its last path component (either slash), no
    control characters, at most MAX_NAME_CHARS characters."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(c for c in name if c.isprintable()).strip()
    if name in ("", ".", ".."):
        return "picture"
    return name[:MAX_NAME_CHARS]


async def read_form(request: Request):
    """The multipart form, read with the body capped: 413 past MAX_UPLOAD_BYTES + overhead
    (from Content-Length at once, else as the bytes arrive)."""
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise UploadRefused(415, "body", f"send multipart/form-data with the parts {' and '.join(FIELDS)} "
                                         f"(Content-Type was {content_type or 'missing'!r}); a job "
                                         "without a picture is POST /api/jobs with JSON")
    cap = MAX_UPLOAD_BYTES + MAX_FORM_OVERHEAD
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > cap:
        raise UploadRefused(413, "image", size_limit_message(None))
    received = 0

    async def receive():
        nonlocal received
        message = await request.receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > cap:
                raise UploadRefused(413, "image", size_limit_message(None))
        return message

    capped = Request(request.scope, receive)
    return await capped.form(max_files=len(FIELDS), max_fields=len(FIELDS))


def parse_request(raw) -> JobRequest:
    """The `request` part -> JobRequest; a pydantic ValidationError (422, the JSON endpoint's
    messages) when it is not a valid one."""
    if raw is None:
        raise UploadRefused(422, "request", "request is required: the job request as JSON, "
                                            'e.g. {"text": "A cat walks left."}')
    if not isinstance(raw, str):
        raise UploadRefused(422, "request", "request must be a form field holding JSON, not a file")
    return JobRequest.model_validate_json(raw)


async def read_picture_part(part) -> tuple[bytes, str]:
    """The `image` part -> (its bytes, the client's file name)."""
    if part is None:
        raise UploadRefused(422, "image", "image is required: a PNG, JPEG or WebP file; "
                                          "a job without a picture is POST /api/jobs with JSON")
    if isinstance(part, str):
        raise UploadRefused(422, "image", "image must be a file part (filename=...), not a text field")
    data = await part.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadRefused(413, "image", size_limit_message(part.size))
    return data, part.filename


def check_picture(data: bytes, filename: str | None) -> dict:
    """Validate the picture as the CLI's `--image` does, and describe it for the job request."""
    name = display_name(filename)
    fmt = sniff_format(data)
    if fmt is None:
        what = "is empty" if not data else "is not a PNG, JPEG or WebP picture (judged by its first bytes)"
        raise UploadRefused(422, "image", f"the image {name!r} {what}; send one such file of at most "
                                          f"{MAX_UPLOAD_BYTES} bytes ({MAX_UPLOAD_BYTES // 2**20} MiB)")
    try:
        rgb = decode_picture(data, f"the image {name!r}")
    except InputError as e:
        raise UploadRefused(422, "image", str(e)) from None
    return {"name": name, "format": fmt, "width": int(rgb.shape[1]), "height": int(rgb.shape[0]),
            "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def queue_with_picture(store: JobStore, data_dir: Path, request: dict, data: bytes,
                       max_queued: int) -> Job:
    """Write the picture into a new job's folder, then queue the job; on any failure (QueueFull
    included) remove the folder, so a refused upload leaves nothing."""
    job_id = new_job_id()
    folder = job_folder(data_dir, job_id)
    staging = folder.with_name(STAGING_PREFIX + job_id)
    try:
        (staging / INPUT_DIR).mkdir(parents=True)
        write_durably(input_picture(staging, request["image"]["format"]), data)
        os.rename(staging, folder)       # the worker sees the folder whole, or not at all
        fsync_path(folder.parent)        # ... and the rename survives a power cut, as the row will
        return store.submit(request, max_queued, job_id=job_id)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(folder, ignore_errors=True)
        raise


def write_durably(path: Path, data: bytes) -> None:
    """Write `data` and flush it and its folder to disk (the job row committed next must not
    outlive its picture)."""
    with open(path, "xb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    for folder in (path.parent, path.parent.parent):
        fsync_path(folder)


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sweep_orphans(store: JobStore, data_dir: Path) -> list[str]:
    """At server start (no upload in flight): remove job folders no job owns any more, i.e.
    staging folders, folders of unknown ids (a crash between rename and insert) and of jobs that
    ended without outputs (a cancel while queued). -> the removed folders' names."""
    jobs = data_dir / "jobs"
    if not jobs.is_dir():
        return []
    states = store.states()
    removed = []
    for entry in jobs.iterdir():
        state = states.get(entry.name)
        orphan = entry.name.startswith(STAGING_PREFIX) or (
            re.fullmatch(r"[0-9a-f]{16}", entry.name) is not None and (state is None or state in ENDED_EMPTY))
        if orphan and entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry.name)
    return removed

