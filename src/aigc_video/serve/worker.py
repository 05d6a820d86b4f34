"""The worker process: takes queued jobs from the store, one at a time, and runs the pipeline
(with `--batch N`, up to N jobs of one learned engine at once: serve/batch.py).

It is a separate OS process (started by `pool.WorkerPool`), so a crash inside generation (a
segfault in a native library, running out of memory) kills only the worker; the server records the
job as failed and starts a new worker. A job's files become visible (recorded in the store) only
after the video is completely written, flushed to disk and probed.

    python -m aigc_video.serve.worker --data-dir DIR --worker-id ID --parent-pid PID [--batch N]
"""
from __future__ import annotations

import argparse
import ctypes
import os
import shutil
import signal
import sys
import time
import traceback
from pathlib import Path

from ..atomic import write_bytes_atomic
from ..errors import InputError
from .store import DB_FILE, Job, JobGone, JobStore, clear_outputs, input_picture, job_folder

PROGRESS_EVERY_S = 0.15  # at most this often a progress write per job (each is an fsync'd commit)
THUMBNAIL_WIDTH = 320


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="aigc_video.serve.worker")
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--worker-id", required=True)
    parser.add_argument("--parent-pid", required=True, type=int)
    parser.add_argument("--poll-s", type=float, default=0.1)
    parser.add_argument("--batch", type=int, default=1, help="jobs of one learned engine drawn together")
    args = parser.parse_args(argv)

    die_with_parent(args.parent_pid)
    store = JobStore(args.data_dir / DB_FILE)
    from ..engines import LEARNED
    from ..pipeline import Pipeline  # noqa: F401 - import the pipeline once, before the first job
    from .batch import run_batch
    while os.getppid() == args.parent_pid:  # a worker never outlives its server
        jobs = store.claim_batch(args.worker_id, os.getpid(), args.batch, tuple(LEARNED))
        if not jobs:
            time.sleep(args.poll_s)
        elif len(jobs) == 1:
            run_job(store, jobs[0], args.worker_id, job_folder(args.data_dir, jobs[0].id))
        else:
            run_batch(store, jobs, args.worker_id, args.data_dir)
    return 0


def die_with_parent(parent_pid: int) -> None:
    """Ask Linux to SIGKILL this process when the server dies (even by SIGKILL)."""
    if sys.platform.startswith("linux"):
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the server died before prctl took effect
        os._exit(0)


def run_job(store: JobStore, job: Job, worker_id: str, folder: Path) -> None:
    """Run one claimed job to its end state; never raises (the worker lives on to the next job)."""
    with JobOutcome(store, job, worker_id, folder):
        pipeline, _ = plan_job(store, job, worker_id, folder)
        store.finish(job.id, worker_id, make_video(store, job, worker_id, folder, pipeline))


class JobOutcome:
    """`with JobOutcome(...) as o:` records an exception inside as the job's end (cancelled, or
    failed with its kind) and swallows it, so the worker lives on; `o.ok` says none came."""

    def __init__(self, store: JobStore, job: Job, worker_id: str, folder: Path):
        self.store, self.job, self.worker_id, self.folder = store, job, worker_id, folder
        self.ok = True

    def __enter__(self) -> "JobOutcome":
        return self

    def __exit__(self, kind, e, tb) -> bool:
        if e is None or not isinstance(e, Exception):
            return False
        self.ok = False
        job_id, worker_id = self.job.id, self.worker_id
        shutil.rmtree(self.folder, ignore_errors=True)
        if isinstance(e, JobGone):
            if e.cancelled:
                self.store.mark_cancelled(job_id, worker_id)
        elif isinstance(e, InputError):
            self.store.fail(job_id, worker_id, str(e), kind="input")
        else:  # the job fails, the worker goes on
            traceback.print_exception(e, file=sys.stderr)
            self.store.fail(job_id, worker_id, f"internal error: {type(e).__name__}: {e}", kind="internal")
        return True


def plan_job(store: JobStore, job: Job, worker_id: str, folder: Path):
    """Steps 1-2 of a job: its folder, its Pipeline, the storyboard recorded; -> (the Pipeline,
    the scene plan its video will draw)."""
    from ..pipeline import Pipeline

    req = job.request
    # 1. A fresh folder: whatever an earlier attempt left there is not this run's output; the
    #    uploaded picture (checked before the job was queued) stays, at the name the server chose.
    clear_outputs(folder)
    image = None
    if req.get("image") is not None:
        image = input_picture(folder, req["image"]["format"])
        if not image.is_file():
            raise InputError(f"the picture uploaded with job {job.id} is no longer stored; submit it again")
    pipeline = Pipeline(engine=req["engine"], size=(req["width"], req["height"]), fps=req["fps"],
                        seed=req["seed"], audio=req["audio"], narration=req["narration"],
                        subtitles=req["subtitles"], quality=req.get("quality"),
                        transition=req.get("transition", "crossfade"), project=req.get("project"),
                        image=str(image) if image is not None else None)

    # 2. Parse and plan first (fast) so the page can show the storyboard while frames render.
    storyboard, scene_plan = pipeline.plan(req["text"])
    if storyboard.duration_s > req["max_duration_s"]:
        raise InputError(f"the script would last {storyboard.duration_s:.1f} s, over this job's "
                         f"duration limit max_duration_s={req['max_duration_s']:g} s")
    store.record_storyboard(job.id, worker_id, storyboard.to_dict())
    return pipeline, scene_plan


def make_video(store: JobStore, job: Job, worker_id: str, folder: Path, pipeline, native: dict | None = None,
               on_progress=None, native_cost: dict | None = None) -> dict:
    """Steps 3-4 of a job: the video, verified; -> its outputs. native: its learned shots drawn
    already in a batch ({shot index: native frames}), native_cost its share of the batch's cost;
    on_progress: called at each progress write."""
    req = job.request
    # 3. The whole pipeline; each progress report also checks that the job is still ours.
    result = pipeline.generate(req["text"], folder / "video.mp4", keep_frames=False, native=native,
                               native_cost=native_cost, progress=ProgressRecorder(store, job.id, worker_id, on_progress))

    # 4. Verify before recording: the file is flushed, decodes, and is what was asked for.
    files = {"video": result.video_path, "report": result.report_path}
    if result.srt_path is not None:
        files["subtitles"] = result.srt_path
    video = verify_video(result.video_path, req, result.report)
    files["thumbnail"] = write_thumbnail(result.video_path, folder / "thumbnail.jpg", video)
    for path in files.values():
        fsync_file(path)
    fsync_file(folder)  # the renames themselves are durable too
    return {
        "files": {name: {"name": Path(p).name, "bytes": Path(p).stat().st_size} for name, p in files.items()},
        "video": video,
        "warnings": result.warnings,
        "cost": result.report.get("cost"),
        "provenance": inspect_provenance(result.video_path),
    }


def inspect_provenance(path: Path) -> dict:
    """What `aigc-video inspect` says of the finished file: manifest status and claims, watermark."""
    from ..inspect_command import inspect_video
    try:
        found = inspect_video(path)
    except Exception as e:  # noqa: BLE001 - the video is already verified; say why this part failed
        return {"error": f"{type(e).__name__}: {e}"}
    return {"manifest": found["manifest"], "watermark": found["watermark"]}


class ProgressRecorder:
    """The pipeline's progress callback: writes {stage: fraction} to the store, throttled, and
    raises JobGone (stopping the pipeline) once the job is cancelled or no longer ours."""

    def __init__(self, store: JobStore, job_id: str, worker_id: str, on_write=None):
        self.store, self.job_id, self.worker_id, self.on_write = store, job_id, worker_id, on_write
        self.progress: dict[str, float] = {}
        self.last_write = 0.0
        self.last_stage: str | None = None

    def __call__(self, stage: str, fraction: float) -> None:
        self.progress[stage] = round(float(fraction), 4)
        now = time.monotonic()
        if stage != self.last_stage or fraction >= 1.0 or now - self.last_write >= PROGRESS_EVERY_S:
            self.store.record_progress(self.job_id, self.worker_id, stage, self.progress)
            self.last_write, self.last_stage = now, stage
            if self.on_write is not None:
                self.on_write()


def verify_video(path: Path, req: dict, report: dict) -> dict:
    """Probe the finished MP4 and compare it with the request and the pipeline's own report."""
    from ..synthesis.encode import probe

    info = probe(path)
    expected = report["output"]
    problems = []
    if info.get("codec") != "h264":
        problems.append(f"codec {info.get('codec')!r} is not h264")
    if (info.get("width"), info.get("height")) != (req["width"], req["height"]):
        problems.append(f"size {info.get('width')}x{info.get('height')} is not the requested "
                        f"{req['width']}x{req['height']}")
    if not info.get("n_frames") or info["n_frames"] != expected["n_frames"]:
        problems.append(f"{info.get('n_frames')} frames decoded, the pipeline wrote {expected['n_frames']}")
    if info.get("pix_fmt") != "yuv420p":
        problems.append(f"pixel format {info.get('pix_fmt')!r} is not yuv420p")
    if not info.get("duration_s") or info["duration_s"] <= 0:
        problems.append(f"duration {info.get('duration_s')!r} s")
    if bool(expected.get("has_audio")) != bool(info.get("audio_codec")):
        problems.append(f"audio track {info.get('audio_codec')!r}, the pipeline reported "
                        f"has_audio={expected.get('has_audio')}")
    if not info.get("faststart"):
        problems.append("the moov atom is not before the media data (no faststart)")
    if problems:
        raise RuntimeError(f"the written video failed verification: {'; '.join(problems)}")
    return {"codec": info["codec"], "width": info["width"], "height": info["height"],
            "n_frames": info["n_frames"], "frames_stored": info["frames_stored"], "duration_s": info["duration_s"],
            "fps": req["fps"], "audio_codec": info["audio_codec"], "sample_rate": info["sample_rate"]}


def write_thumbnail(video: Path, path: Path, info: dict) -> Path:
    """A JPEG of the middle frame, THUMBNAIL_WIDTH wide, for the history gallery."""
    import av
    import numpy as np
    import skia

    width = THUMBNAIL_WIDTH
    height = max(2, round(info["height"] * width / info["width"] / 2) * 2)
    middle = info["frames_stored"] // 2
    with av.open(str(video)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i == middle:
                break
        rgba = frame.reformat(width=width, height=height, format="rgba").to_ndarray()
    image = skia.Image.fromarray(np.ascontiguousarray(rgba), colorType=skia.ColorType.kRGBA_8888_ColorType)
    data = bytes(image.encodeToData(skia.EncodedImageFormat.kJPEG, 85))
    write_bytes_atomic(path, data)
    return path


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


if __name__ == "__main__":
    sys.exit(main())
