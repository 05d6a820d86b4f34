"""Real footage -> training shards: `aigc-video prepare DIR --out SHARDS`.

Per source file (videos: MP4, MOV, WebM, MKV via PyAV; pictures: PNG, JPEG, WebP via skia):
1. Decode, sampled at the recipe's frame rate (the latest source frame at or before each sample
   time), each frame scaled to cover the training size and centre-cropped (swscale, area filter).
2. Cut at scene changes: a mean absolute difference between consecutive sampled frames above
   `cut_threshold` ends a segment; the frames before it that do not fill a clip are dropped, so
   no clip spans a cut. Segments are split into back-to-back clips of `n_frames`.
   A picture becomes one clip: the slow push-in of `scene.picture` (the same camera `--image` uses).
3. Drop near-black clips (mean < `dark_level`), frozen ones (largest frame-to-frame change below
   `frozen_level`) and near-duplicates (a 8x8 thumbnail of the first, middle and last frames
   within `duplicate_level` of a kept clip's of another source, this run's or an earlier one's).
4. Write the shards the recipes read (`data.shards.save_shard`: frames uint8 (N, T, H, W, 3), an
   all-zero layout: real footage has none, and the shard settings say so) and `manifest.json`:
   per source its status, reason, licence, caption and clips (time range, shard, index).

Captions and licences come from sidecars: `NAME.json` ({"caption": ..., "licence": ...}), else
`NAME.txt` (the caption), else the file name ("red_kite-2.mp4" -> "red kite 2"); licence "unknown"
when none is given. Levels are fractions of 255.

Resumable: the manifest is rewritten (atomically) after every shard, and a source listed there is
not read again; a shard file beyond what the manifest lists (a run stopped between the two writes)
is overwritten. A corrupt or unreadable file is recorded as skipped, never a crash. Bad input that
is the caller's (a missing, unreadable or empty DIR, a video file without a video stream) raises
InputError before anything is written.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ..atomic import write_text_atomic
from ..errors import InputError
from .layout import LAYOUT_CHANNELS
from .shards import ClipSet, save_shard

VIDEO_SUFFIXES = (".mp4", ".mov", ".webm", ".mkv", ".m4v")
PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
MANIFEST = "manifest.json"


@dataclass
class PrepareSettings:
    size: tuple[int, int] = (96, 56)      # (width, height): configs/flow_cpu.yaml's data.size
    n_frames: int = 16
    fps: int = 12
    layout_factor: int = 1
    shard_size: int = 256
    cut_threshold: float = 0.12           # mean |frame - previous| above this: a scene change
    dark_level: float = 0.06              # mean brightness below this: a near-black clip
    frozen_level: float = 0.004           # largest mean frame-to-frame change below this: frozen
    duplicate_level: float = 0.02         # thumbnail mean difference below this: a near-duplicate
    max_seconds: float = 600.0            # read at most this much of each video

    def check(self) -> None:
        w, h = self.size
        if not (16 <= w <= 1024 and 16 <= h <= 1024) or self.layout_factor < 1 or w % self.layout_factor or h % self.layout_factor:
            raise InputError(f"size {w}x{h} must be 16..1024 a side and divisible by layout_factor {self.layout_factor}")
        if not 1 <= self.n_frames <= 256 or not 1 <= self.fps <= 60 or self.shard_size < 1:
            raise InputError(f"n_frames {self.n_frames} (1..256), fps {self.fps} (1..60), shard_size {self.shard_size} (>= 1)")

    def shard_settings(self) -> dict:
        return {"source": "prepare", "size": list(self.size), "n_frames": self.n_frames, "fps": self.fps,
                "layout_factor": self.layout_factor, "layout": "none"}


@dataclass
class PrepareResult:
    out: Path
    sources: int                 # sources in DIR
    done: int                    # sources read in this run
    resumed: int                 # sources skipped because an earlier run read them
    clips: int                   # clips kept in this run
    dropped: dict[str, int] = field(default_factory=dict)   # reason -> clips dropped in this run
    skipped: list[str] = field(default_factory=list)       # files that could not be read
    footage_s: float = 0.0       # seconds of source footage read in this run
    wall_s: float = 0.0

    @property
    def minutes_per_minute(self) -> float:
        return self.footage_s / self.wall_s if self.wall_s else 0.0


def find_sources(folder: str | os.PathLike) -> list[Path]:
    """The videos and pictures under `folder` (recursively), in a stable order."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"source folder {str(folder)!r} does not exist or is not a folder")
    try:
        files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES + PICTURE_SUFFIXES)
    except OSError as e:
        raise InputError(f"source folder {str(folder)!r} cannot be read: {e.strerror}") from None
    if not files:
        raise InputError(f"source folder {str(folder)!r} holds no videos ({', '.join(VIDEO_SUFFIXES)}) "
                         f"or pictures ({', '.join(PICTURE_SUFFIXES)})")
    return files


def check_video_streams(files: list[Path]) -> None:
    """A video file that opens but holds no video stream (an audio-only .mp4) is the caller's
    mistake: InputError naming it. Files that do not open are left for `prepare` to skip."""
    import av
    for path in files:
        if path.suffix.lower() not in VIDEO_SUFFIXES:
            continue
        try:
            with av.open(str(path)) as container:
                has_video = bool(container.streams.video)
        except (av.FFmpegError, OSError, UnicodeDecodeError):
            continue
        if not has_video:
            raise InputError(f"video {str(path)!r} has no video stream")


def sidecar(path: Path) -> tuple[str, str]:
    """(caption, licence) of a source from its sidecar files, else from its name and 'unknown'."""
    caption, licence = None, None
    meta = path.with_suffix(".json")
    if meta.is_file():
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
            caption, licence = data.get("caption"), data.get("licence") or data.get("license")
        except (OSError, ValueError, AttributeError):
            pass
    text = path.with_suffix(".txt")
    if caption is None and text.is_file():
        try:
            caption = " ".join(text.read_text(encoding="utf-8-sig").split())[:300] or None
        except (OSError, UnicodeDecodeError):
            pass
    if not caption:
        caption = " ".join(path.stem.replace("_", " ").replace("-", " ").split()) or path.stem
    return str(caption), str(licence or "unknown")


# ---- reading ------------------------------------------------------------------------------

def _cover_size(w: int, h: int, width: int, height: int) -> tuple[int, int]:
    s = max(width / w, height / h)
    return max(width, round(w * s)), max(height, round(h * s))


def _crop(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    h, w = rgb.shape[:2]
    y0, x0 = (h - height) // 2, (w - width) // 2
    return rgb[y0:y0 + height, x0:x0 + width]


def video_frames(path: Path, settings: PrepareSettings):
    """Yield (time_s, (H, W, 3) uint8) sampled at settings.fps, cover-cropped; raises av errors."""
    import av
    width, height = settings.size
    step = 1.0 / settings.fps
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        next_t, index = 0.0, 0
        scaled = None
        for frame in container.decode(stream):
            t = frame.time if frame.time is not None else index / float(stream.average_rate or settings.fps)
            index += 1
            if t > settings.max_seconds:
                break
            if t + 0.5 * step < next_t:      # between samples: not needed
                continue
            if scaled is None:
                scaled = _cover_size(frame.width, frame.height, width, height)
            rgb = _crop(frame.reformat(width=scaled[0], height=scaled[1], format="rgb24",
                                       interpolation="AREA").to_ndarray(), width, height)
            while next_t <= t + 0.5 * step:   # a source slower than fps repeats its frame
                yield next_t, rgb
                next_t += step


def _clocked(frames, clock: list[float]):
    for t, frame in frames:
        clock[0] = t
        yield t, frame


def picture_clip(path: Path, settings: PrepareSettings) -> np.ndarray:
    """A picture as one clip (T, H, W, 3): the push-in camera of `--image`, drifting right."""
    from ..scene.picture import PictureLayers, picture_camera, read_picture
    import skia
    width, height = settings.size
    layers = PictureLayers(read_picture(path), picture_camera(settings.n_frames, 1), width, height)
    pixels = np.zeros((height, width, 4), np.uint8)
    canvas = skia.Surface(pixels, skia.ColorType.kRGBA_8888_ColorType, skia.AlphaType.kPremul_AlphaType).getCanvas()
    out = np.empty((settings.n_frames, height, width, 3), np.uint8)
    for i in range(settings.n_frames):
        layers.draw(canvas, i)
        out[i] = pixels[..., :3]
    return out


def _diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b).mean()) / 255.0


def split_clips(frames, settings: PrepareSettings):
    """(time_s, frame) stream -> (start_s, end_s, clip (T, H, W, 3)) back-to-back clips that never
    span a scene change."""
    buf, times, prev = [], [], None
    for t, frame in frames:
        if prev is not None and _diff(frame, prev) > settings.cut_threshold:
            buf, times = [], []
        prev = frame
        buf.append(frame)
        times.append(t)
        if len(buf) == settings.n_frames:
            yield times[0], times[-1] + 1.0 / settings.fps, np.stack(buf)
            buf, times = [], []


def thumbnail(clip: np.ndarray) -> np.ndarray:
    """8x8 grey of the first, middle and last frames: (3, 8, 8) uint8, the duplicate signature."""
    picks = clip[[0, len(clip) // 2, -1]].astype(np.float32).mean(-1)          # (3, H, W)
    n, h, w = picks.shape
    picks = picks[:, : h - h % 8, : w - w % 8].reshape(n, 8, (h - h % 8) // 8, 8, (w - w % 8) // 8)
    return np.round(picks.mean(axis=(2, 4))).astype(np.uint8)


def drop_reason(clip: np.ndarray, still: bool, settings: PrepareSettings, seen: list[np.ndarray]) -> str | None:
    """Why a clip is dropped ("dark", "frozen", "duplicate"), or None to keep it. `seen`: the
    signatures of kept clips of other sources (a video's own clips are other moments of it)."""
    if clip.mean() / 255.0 < settings.dark_level:
        return "dark"
    if not still:
        motion = np.abs(np.diff(clip.astype(np.int16), axis=0)).mean(axis=(1, 2, 3)).max() / 255.0
        if motion < settings.frozen_level:
            return "frozen"
    sig = thumbnail(clip).astype(np.int16)
    for other in seen:
        if np.abs(sig - other).mean() / 255.0 < settings.duplicate_level:
            return "duplicate"
    return None


# ---- the command ----------------------------------------------------------------------------

def prepare(source_dir: str | os.PathLike, out_dir: str | os.PathLike,
            settings: PrepareSettings | None = None, progress: bool = True) -> PrepareResult:
    """Turn the videos and pictures under `source_dir` into shards in `out_dir` (see the module
    docstring); an earlier run's manifest there is continued."""
    import av
    from tqdm import tqdm

    settings = settings or PrepareSettings()
    settings.check()
    t0 = time.perf_counter()
    # 1. Check inputs before writing anything.
    files = find_sources(source_dir)
    check_video_streams(files)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"output {str(out)!r} is a file, not a folder")
    manifest_path = out / MANIFEST
    if manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest["settings"] != asdict(settings) | {"size": list(settings.size)}:
            raise InputError(f"{str(manifest_path)!r} was prepared with other settings "
                             f"({manifest['settings']}); prepare into another --out folder")
    else:
        manifest = {"settings": asdict(settings) | {"size": list(settings.size)}, "shards": [], "sources": {}}
    out.mkdir(parents=True, exist_ok=True)
    seen = [np.frombuffer(bytes.fromhex(c["signature"]), np.uint8).reshape(3, 8, 8).astype(np.int16)
            for s in manifest["sources"].values() for c in s["clips"]]   # of the sources before this one

    result = PrepareResult(out=out, sources=len(files), done=0, resumed=0, clips=0)
    pending: list[tuple[np.ndarray, str]] = []       # (clip, caption) not yet in a shard
    pending_sources: dict[str, dict] = {}            # their sources' manifest entries

    def save_manifest() -> None:
        write_text_atomic(manifest_path, json.dumps(manifest, ensure_ascii=False, indent=1))

    def flush() -> None:
        if not pending:
            return
        stem = out / f"shard_{len(manifest['shards']):04d}"
        n, (h, w) = len(pending), settings.size[::-1]
        f = settings.layout_factor
        clips = ClipSet(frames=np.stack([c for c, _ in pending]),
                        layout=np.zeros((n, settings.n_frames, LAYOUT_CHANNELS, h // f, w // f), np.float16),
                        captions=[cap for _, cap in pending], subjects=[[] for _ in pending])
        save_shard(stem, clips, settings.shard_settings())
        manifest["shards"].append({"name": stem.name, "clips": n})
        manifest["sources"].update(pending_sources)
        save_manifest()
        pending.clear()
        pending_sources.clear()

    clock = [0.0]                                    # seconds of the current video read so far
    bar = tqdm(files, desc="prepare", unit="file", disable=not progress)
    for path in bar:
        key = str(path.relative_to(source_dir))
        if key in manifest["sources"]:
            result.resumed += 1
            continue
        caption, licence = sidecar(path)
        entry = {"kind": "picture" if path.suffix.lower() in PICTURE_SUFFIXES else "video",
                 "status": "ok", "reason": None, "caption": caption, "licence": licence, "clips": []}
        try:
            if entry["kind"] == "picture":
                windows = [(0.0, settings.n_frames / settings.fps, picture_clip(path, settings))]
            else:
                windows = split_clips(_clocked(video_frames(path, settings), clock), settings)
            clock[0], n_seen = 0.0, len(seen)
            for start, end, clip in windows:
                reason = drop_reason(clip, entry["kind"] == "picture", settings, seen[:n_seen])
                if reason:
                    result.dropped[reason] = result.dropped.get(reason, 0) + 1
                    continue
                sig = thumbnail(clip)
                seen.append(sig.astype(np.int16))
                entry["clips"].append({"start_s": round(start, 3), "end_s": round(end, 3),
                                       "shard": len(manifest["shards"]), "index": len(pending),
                                       "signature": sig.tobytes().hex()})
                pending.append((clip, caption))
            result.footage_s += clock[0]
        except (av.FFmpegError, InputError, OSError, ValueError, RuntimeError) as e:
            # Damaged past the point read: the clips before it are kept, the reason is recorded.
            entry["status"] = "partial" if entry["clips"] else "skipped"
            entry["reason"] = f"{type(e).__name__}: {e}"
            if not entry["clips"]:
                result.skipped.append(key)
        result.done += 1
        result.clips += len(entry["clips"])
        if entry["clips"]:
            pending_sources[key] = entry
        else:
            manifest["sources"][key] = entry
            if not pending:
                save_manifest()
        bar.set_postfix(clips=result.clips)
        if len(pending) >= settings.shard_size:
            flush()
    flush()
    bar.close()
    if not manifest["shards"] and result.done:
        save_manifest()
    result.wall_s = time.perf_counter() - t0
    return result
