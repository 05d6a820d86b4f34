"""Caches of finished work: a shot's frames, a sentence's speech, a video's music, a shot's
encoded H.264 segment (synthesis/segments.py).

Each entry is one file `<folder>/<kind>/<key[:2]>/<key>.bin`: a magic line, a JSON header (the key,
the format and package versions, dtype, shape) and the array compressed with zlib level 1 (a 640x360
shot of the flow engine, 80 MB raw, is ~3 MB and reads back in ~0.25 s; drawing it takes ~12 s).
The key is the sha256 of everything the result depends on (the shot plan JSON, the engine, a
fingerprint of its weights and sampling options and of its source code, seed, size, fps, the
package version), so an edited sentence misses only its own shot.

Nothing read back is trusted: an entry whose header, key, versions, shape or checksum do not match
is removed and counted as `removed`, and the work is redone. The folder has a size limit; the least
recently used entries (a hit touches its file's mtime) are evicted when a write goes over it. A
folder that cannot be written turns the cache off with a warning; the video is still made.

Where: `--cache DIR`, else $AIGC_VIDEO_CACHE, else $XDG_CACHE_HOME/aigc-video, else
~/.cache/aigc-video. `--no-cache` turns it off.
"""
from __future__ import annotations

import contextvars
import functools
import hashlib
import inspect
import json
import os
import tempfile
import threading
import zlib
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from . import __version__

FORMAT = 1
MAGIC = b"AIGCVCACHE\n"
DEFAULT_MAX_MB = 2048
KINDS = ("shots", "tts", "music", "segments")
# Engines whose shots are cached. The scene engine draws a 640x360 shot (116 frames) in ~0.18 s
# and reading it back costs ~0.23 s (zlib); at 1280x720 1.1 s against 0.66 s: not worth the
# disk, so its shots are always drawn. The flow engine takes seconds a shot; gan and vae, one
# network evaluation a window, about as little as the scene engine.
SHOT_ENGINES = ("flow",)


# Bytes in each cache folder this process has written to: walked once, then kept up to date.
_TOTALS: dict[str, int] = {}
_TOTALS_LOCK = threading.Lock()


def default_folder() -> Path:
    if os.environ.get("AIGC_VIDEO_CACHE"):
        return Path(os.environ["AIGC_VIDEO_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "aigc-video"


def digest(parts: object) -> str:
    """sha256 of a JSON-able description, with the package version and the cache format in it."""
    blob = json.dumps({"parts": parts, "version": __version__, "format": FORMAT},
                      sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@functools.lru_cache(maxsize=None)
def source_digest(path: str) -> str:
    """sha256 of a source file: an edited module does not read what its old code made."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
    except OSError:
        return "unknown"


class Cache:
    """One cache folder. `get(kind, key)` -> array or None; `put(kind, key, array)`."""

    def __init__(self, folder: str | os.PathLike | None = None, *, enabled: bool = True,
                 max_mb: float | None = None):
        self.folder = Path(folder) if folder is not None else default_folder()
        self.max_bytes = int((max_mb if max_mb is not None else
                              float(os.environ.get("AIGC_VIDEO_CACHE_MAX_MB", DEFAULT_MAX_MB))) * 2**20)
        self.counts = {k: {"hits": 0, "misses": 0} for k in KINDS}
        self.removed = 0            # corrupt or foreign entries deleted
        self.evicted = 0
        self.warnings: list[str] = []
        self.status = "off (--no-cache)" if not enabled else "on"
        self.enabled = enabled and self._writable()
        self._lock = threading.Lock()

    def _writable(self) -> bool:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self.folder):
                pass
            return True
        except OSError as error:
            self.status = "off (folder not writable)"
            self.warnings.append(f"cache folder {str(self.folder)!r} is not writable "
                                 f"({error.strerror or error}): nothing is cached for this video")
            return False

    def _path(self, kind: str, key: str) -> Path:
        return self.folder / kind / key[:2] / f"{key}.bin"

    def holds(self, kind: str, key: str) -> bool:
        """Whether an entry is stored (not read, not checked, not counted): for skipping work that
        `get` will most likely answer; `get` still decides."""
        return self.enabled and self._path(kind, key).is_file()

    def get(self, kind: str, key: str) -> np.ndarray | None:
        if not self.enabled:
            return None
        path = self._path(kind, key)
        try:
            data = path.read_bytes()
        except OSError:
            self._count(kind, hit=False)
            return None
        array = _decode(data, key)
        if array is None:       # never trusted: removed, redone
            path.unlink(missing_ok=True)
            with self._lock:
                self.removed += 1
            self._count(kind, hit=False)
            return None
        try:
            os.utime(path)      # least recently used = oldest mtime
        except OSError:
            pass
        self._count(kind, hit=True)
        return array

    def put(self, kind: str, key: str, array: np.ndarray) -> None:
        if not self.enabled:
            return
        path = self._path(kind, key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                data = _encode(array, key)
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                replaced = path.stat().st_size if path.exists() else 0
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as error:
            self.enabled = False
            self.status = "off (write failed)"
            self.warnings.append(f"cache folder {str(self.folder)!r} could not be written "
                                 f"({error.strerror or error}): caching stopped for this video")
            return
        with _TOTALS_LOCK:
            if str(self.folder) in _TOTALS:
                _TOTALS[str(self.folder)] += len(data) - replaced
        self.evict()

    def discard(self, kind: str, key: str) -> None:
        """An entry `get` returned that turned out unusable (synthesis/segments.py checks what it
        reads): removed, and counted as removed and as a miss instead of a hit."""
        self._path(kind, key).unlink(missing_ok=True)
        with self._lock:
            self.removed += 1
            self.counts[kind]["hits"] -= 1
            self.counts[kind]["misses"] += 1

    def memo(self, kind: str, parts: object, compute: Callable[[], np.ndarray]) -> np.ndarray:
        key = digest(parts)
        found = self.get(kind, key)
        if found is not None:
            return found
        value = compute()
        self.put(kind, key, np.asarray(value))
        return value

    def entries(self) -> list[tuple[float, int, Path]]:
        """(mtime, bytes, path) of every entry."""
        out = []
        for kind in KINDS:
            for root, _, files in os.walk(self.folder / kind):
                for name in files:
                    if name.endswith(".bin"):
                        p = Path(root) / name
                        try:
                            st = p.stat()
                        except OSError:
                            continue
                        out.append((st.st_mtime, st.st_size, p))
        return out

    def evict(self) -> None:
        """Remove the least recently used entries until the folder is under 90% of its limit. The
        folder is walked at a process's first write to it and when it goes over the limit, not on
        every write (a video writes one entry per shot segment; a full folder holds tens of
        thousands); what other processes write meanwhile is counted at the next walk."""
        with _TOTALS_LOCK:
            known = _TOTALS.get(str(self.folder))
        if known is not None and known <= self.max_bytes:
            return
        entries = self.entries()
        total = sum(size for _, size, _ in entries)
        with _TOTALS_LOCK:
            _TOTALS[str(self.folder)] = total
        if total <= self.max_bytes:
            return
        for _, size, path in sorted(entries):
            if total <= 0.9 * self.max_bytes:
                break
            try:
                path.unlink()
                total -= size
                self.evicted += 1
            except OSError:
                pass
        with _TOTALS_LOCK:
            _TOTALS[str(self.folder)] = total

    def _count(self, kind: str, hit: bool) -> None:
        with self._lock:
            self.counts.setdefault(kind, {"hits": 0, "misses": 0})["hits" if hit else "misses"] += 1

    def report(self) -> dict:
        return {"folder": str(self.folder), "status": self.status, "counts": self.counts,
                "removed_corrupt_or_foreign": self.removed, "evicted": self.evicted,
                "max_mb": round(self.max_bytes / 2**20), "shots_cached_for_engines": list(SHOT_ENGINES)}


def _encode(array: np.ndarray, key: str) -> bytes:
    array = np.ascontiguousarray(array)
    raw = array.tobytes()
    header = json.dumps({"key": key, "format": FORMAT, "version": __version__, "dtype": array.dtype.str,
                         "shape": list(array.shape), "crc32": zlib.crc32(raw)}).encode()
    return MAGIC + len(header).to_bytes(4, "big") + header + zlib.compress(raw, 1)


def _decode(data: bytes, key: str) -> np.ndarray | None:
    """The array, or None when the entry is damaged, another key's, or another version's."""
    try:
        if not data.startswith(MAGIC):
            return None
        n = int.from_bytes(data[len(MAGIC):len(MAGIC) + 4], "big")
        start = len(MAGIC) + 4
        header = json.loads(data[start:start + n])
        if header.get("key") != key or header.get("format") != FORMAT or header.get("version") != __version__:
            return None
        raw = zlib.decompress(data[start + n:])
        if zlib.crc32(raw) != header["crc32"]:
            return None
        dtype = np.dtype(header["dtype"])
        shape = tuple(int(s) for s in header["shape"])
        if dtype.hasobject or len(raw) != int(np.prod(shape)) * dtype.itemsize:
            return None
        return np.frombuffer(raw, dtype).reshape(shape).copy()   # writable, owns its memory
    except (ValueError, KeyError, TypeError, zlib.error, json.JSONDecodeError):
        return None


# The cache of the video being made (set by the pipeline around synthesis); tts and music look
# it up so that their signatures stay as they are. None: compute as before.
_ACTIVE: contextvars.ContextVar[Cache | None] = contextvars.ContextVar("aigc_video_cache", default=None)


@contextmanager
def active(cache: Cache | None):
    token = _ACTIVE.set(cache)
    try:
        yield cache
    finally:
        _ACTIVE.reset(token)


def current() -> Cache | None:
    """The cache of the video being made, or None."""
    return _ACTIVE.get()


def memo(kind: str, parts: object, compute: Callable[[], np.ndarray]) -> np.ndarray:
    """compute() through the active cache, if there is one."""
    cache = _ACTIVE.get()
    return compute() if cache is None else cache.memo(kind, parts, compute)


_FINGERPRINTS: dict[int, str] = {}


def engine_fingerprint(engine) -> str:
    """What an engine's output depends on besides the shot: its weights (sha256 over the state
    dicts of its networks), its sampling options, and the source of the code that draws: its own
    module, every module of scene/ and materials/ (the scene engine draws with them, a learned one
    moves picture shots' cameras with them) and, for a learned engine, every module of engines/,
    models/ and data/layout.py (the shared window loop, first-frame conditioning and upscaler live
    there: hashing the engine's own file alone let an upgraded latent.py reuse shots the old code
    drew)."""
    cached = getattr(engine, "_aigc_cache_fingerprint", None)
    if cached:
        return cached
    h = hashlib.sha256(engine.name.encode())
    try:
        own = Path(inspect.getfile(type(engine)))
    except TypeError:
        own = None
    if own is not None:
        h.update(source_digest(str(own)).encode())
        package = own.parents[1]
        shared = [*package.glob("scene/*.py"), *package.glob("materials/*.py")]
        if hasattr(engine, "vae"):
            shared += [*package.glob("engines/*.py"), *package.glob("models/*.py"), package / "data" / "layout.py"]
        for path in sorted(shared):
            h.update(str(path.relative_to(package)).encode() + source_digest(str(path)).encode())
    for attr in ("model", "vae", "upscaler"):
        net = getattr(engine, attr, None)
        if net is not None and hasattr(net, "state_dict"):
            import torch
            for name, tensor in sorted(net.state_dict().items()):
                h.update(name.encode())
                h.update(str(tuple(tensor.shape)).encode())
                h.update(tensor.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy().tobytes())
    options = {k: v for k, v in vars(engine).items()
               if isinstance(v, (bool, int, float, str)) and not k.startswith("_")}
    h.update(json.dumps(options, sort_keys=True).encode())
    value = h.hexdigest()
    try:
        engine._aigc_cache_fingerprint = value
    except AttributeError:
        pass
    return value


def drawn_key(shot, engine, width: int, height: int, fps: int) -> str:
    """What one shot's frames drawn by `engine` depend on, as a key (whether or not the engine's
    shots are cached: encoded segments are keyed by it too)."""
    return digest({"shot": shot.to_dict(), "engine": engine.name, "model": engine_fingerprint(engine),
                   "seed": shot.seed, "size": [width, height], "fps": fps})


def shot_key(shot, engine, width: int, height: int, fps: int) -> str | None:
    """The cache key of one shot drawn by `engine`, or None when its shots are not cached."""
    return drawn_key(shot, engine, width, height, fps) if engine.name in SHOT_ENGINES else None
