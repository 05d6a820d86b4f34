"""The user's own materials: a folder of PNG / JPG (alpha kept) / SVG pictures and short MP4
clips, named by file stem ('my_dog.png' -> 'my dog') and optional sidecars:
  <stem>.txt   more names or tags, separated by commas or new lines
  <stem>.json  {"names": [...], "tags": [...], "licence": "..."}
Ids are 'user:<file name>'. Bad files never stop the run: they are skipped with a warning that
names the file (and the limit, for files over MAX_FILE_BYTES / MAX_IMAGE_SIDE).
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import numpy as np

from ..errors import InputError
from .index import Entry, clean_label, embed_texts, norm_text

MAX_FILE_BYTES = 20 * 2**20      # a larger file is refused
MAX_IMAGE_SIDE = 8192            # pixels, either side, for PNG / JPG / SVG
MAX_CLIP_SECONDS = 8.0           # a clip is cut to its first 8 s ...
MAX_CLIP_FRAMES = 240            # ... and 240 frames; it cycles when drawn for longer
MAX_CLIP_SIDE = 512              # decoded clip frames are scaled down to this (memory)
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}
SUFFIXES = IMAGE_SUFFIXES | {".svg", ".mp4"}
SOURCE = "user"
_CJK = re.compile(r"[\u3400-\u9fff]")


class UserFolder:
    """The assets of one folder: their catalogue, plus what is needed to draw them."""

    def __init__(self, folder: Path):
        from .library import Catalogue

        self.folder = folder
        self.warnings: list[str] = []
        self.files: dict[str, Path] = {}           # asset id -> file
        self._images: dict[str, object] = {}       # asset id -> decoded skia.Image
        self._clips: dict[str, list[np.ndarray]] = {}
        entries = [e for f in sorted(folder.iterdir()) if f.suffix.lower() in SUFFIXES
                   for e in [self._read(f)] if e is not None]
        exact, tags = {"en": defaultdict(list), "zh": defaultdict(list)}, {"en": defaultdict(list), "zh": defaultdict(list)}
        for i, e in enumerate(entries):
            for lang, names, words in (("en", e.names_en, e.keywords_en), ("zh", e.names_zh, e.keywords_zh)):
                for n in names:
                    exact[lang][n].append(i)
                for t in words:
                    tags[lang][t].append(i)
        self.catalogue = Catalogue(entries, {k: dict(v) for k, v in exact.items()},
                                   {k: dict(v) for k, v in tags.items()}, None)

    @classmethod
    def scan(cls, folder: str | Path) -> "UserFolder":
        folder = Path(folder).expanduser()
        if not folder.is_dir():
            raise InputError(f"asset folder {folder} does not exist or is not a folder")
        try:
            next(folder.iterdir(), None)
        except OSError as e:
            raise InputError(f"asset folder {folder} cannot be read: {e.strerror}") from e
        return cls(folder)

    # -- reading ----------------------------------------------------------------------------
    def _warn(self, path: Path, why: str) -> None:
        self.warnings.append(f"asset {path.name}: {why}; skipped")

    def _read(self, path: Path) -> Entry | None:
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                self._warn(path, f"{size / 2**20:.1f} MB is over the limit of {MAX_FILE_BYTES // 2**20} MB")
                return None
            data = path.read_bytes()
            suffix = path.suffix.lower()
            asset_id = f"{SOURCE}:{path.name}"
            if suffix == ".mp4":
                ok = self._probe_clip(path)
                if ok:
                    self._clips[asset_id] = None      # decoded on first use
            else:
                ok = self._probe_picture(path, data, asset_id, suffix)
            if not ok:
                return None
        except OSError as e:
            self._warn(path, f"cannot be read ({e.strerror})")
            return None
        self.files[asset_id] = path
        return self._entry(path, asset_id)

    def _probe_picture(self, path: Path, data: bytes, asset_id: str, suffix: str) -> bool:
        import skia

        if suffix == ".svg":
            dom = skia.SVGDOM.MakeFromStream(skia.MemoryStream(data, True))
            if dom is None or b"<svg" not in data[:4096]:
                self._warn(path, "is not a readable SVG file")
                return False
            size = dom.containerSize()
            w, h = size.width(), size.height()
        else:
            image = skia.Image.MakeFromEncoded(skia.Data.MakeWithCopy(data))
            if image is None:
                self._warn(path, f"is not a readable {suffix[1:].upper()} image")
                return False
            w, h = image.width(), image.height()
        if max(w, h) > MAX_IMAGE_SIDE:
            self._warn(path, f"{w:.0f}x{h:.0f} pixels is over the limit of {MAX_IMAGE_SIDE} per side")
            return False
        if suffix != ".svg":
            raster = image.makeRasterImage()             # decode now: a truncated file fails here
            if raster is None:
                self._warn(path, f"is not a readable {suffix[1:].upper()} image")
                return False
            self._images[asset_id] = raster
        return True

    def _probe_clip(self, path: Path) -> bool:
        import av

        try:
            with av.open(str(path)) as container:
                stream = container.streams.video[0]
                w, h = stream.codec_context.width, stream.codec_context.height
                next(container.decode(stream))
        except (av.FFmpegError, IndexError, StopIteration, OSError, ValueError):
            self._warn(path, "is not a readable MP4 video")
            return False
        if max(w, h) > MAX_IMAGE_SIDE:
            self._warn(path, f"{w}x{h} pixels is over the limit of {MAX_IMAGE_SIDE} per side")
            return False
        return True

    def _entry(self, path: Path, asset_id: str) -> Entry:
        names = [norm_text(re.sub(r"[_\-]+", " ", path.stem))]
        tags: list[str] = []
        licence = "user-supplied"
        txt, js = path.with_suffix(".txt"), path.with_suffix(".json")
        if txt.is_file():
            tags += [t for t in re.split(r"[,，\n]", txt.read_text(encoding="utf-8", errors="replace"))]
        if js.is_file():
            try:
                meta = json.loads(js.read_text(encoding="utf-8"))
                names += [str(n) for n in meta.get("names", [])]
                tags += [str(t) for t in meta.get("tags", [])]
                licence = str(meta.get("licence", meta.get("license", licence)))
            except (ValueError, AttributeError, UnicodeDecodeError):
                self.warnings.append(f"asset {js.name}: not a JSON object with names/tags/licence; ignored")
        names = [n for n in dict.fromkeys(norm_text(n) for n in names) if n]
        tags = [t for t in dict.fromkeys(norm_text(t) for t in tags) if t and t not in names]
        split = lambda words, zh: [w for w in words if bool(_CJK.search(w)) == zh]  # noqa: E731
        return Entry(id=asset_id, name=path.name, label=names[0], source=SOURCE, licence=licence,
                     names_en=split(names, False), names_zh=split(names, True),
                     keywords_en=split(tags, False), keywords_zh=split(tags, True))

    def ensure_vectors(self) -> None:
        """Embed the English names on the first embedding lookup (torch only then)."""
        cat = self.catalogue
        if cat.vectors is None and cat.entries:
            texts = [clean_label(e.names_en[0]) if e.names_en else e.label for e in cat.entries]
            cat.vectors = embed_texts(texts)

    # -- drawing ----------------------------------------------------------------------------
    def _clip_frames(self, asset_id: str) -> list[np.ndarray]:
        import av

        if self._clips.get(asset_id) is None:
            frames = []
            with av.open(str(self.files[asset_id])) as container:
                stream = container.streams.video[0]
                for frame in container.decode(stream):
                    if frame.time is not None and frame.time > MAX_CLIP_SECONDS or len(frames) >= MAX_CLIP_FRAMES:
                        break
                    scale = min(1.0, MAX_CLIP_SIDE / max(frame.width, frame.height))
                    w, h = max(2, round(frame.width * scale)), max(2, round(frame.height * scale))
                    rgb = frame.reformat(width=w, height=h, format="rgb24").to_ndarray()
                    frames.append(np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)]))
            self._clips[asset_id] = frames
        return self._clips[asset_id]

    def frame_count(self, asset_id: str) -> int:
        return len(self._clip_frames(asset_id)) if asset_id in self._clips else 1

    def render(self, asset_id: str, px: int, color, frame: int = 0) -> np.ndarray:
        import skia

        from .raster import recolor_pixels, recolor_svg, render_svg

        path = self.files[asset_id]
        if path.suffix.lower() == ".svg":
            svg = path.read_text(encoding="utf-8", errors="replace")
            return render_svg(recolor_svg(svg, color) if color is not None else svg, px)
        if asset_id in self._clips:
            arr = self._clip_frames(asset_id)[frame]
            image = skia.Image.fromarray(arr, colorType=skia.kRGBA_8888_ColorType)
        else:
            image = self._images[asset_id]
        out = np.zeros((px, px, 4), np.uint8)
        scale = px / max(image.width(), image.height())
        w, h = image.width() * scale, image.height() * scale
        with skia.Surface(out, skia.ColorType.kRGBA_8888_ColorType, skia.AlphaType.kPremul_AlphaType) as canvas:
            canvas.drawImageRect(image, skia.Rect.MakeXYWH((px - w) / 2, (px - h) / 2, w, h),
                                 skia.SamplingOptions(skia.FilterMode.kLinear, skia.MipmapMode.kLinear))
        return recolor_pixels(out, color) if color is not None else out
