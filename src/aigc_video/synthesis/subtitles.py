"""Subtitles: cues timed to the narration, written as SRT, and optionally burned into the frames."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..atomic import write_text_atomic

MAX_LINE_CHARS = {"en": 42, "zh": 18}     # broadcast conventions for a line of subtitles
MAX_LINES = 2
MIN_CUE_S = 1.0
CJK_PUNCTUATION = "，。！？、；：,.!?;:）》」』"
FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")   # Debian fonts-wqy-microhei: has CJK


@dataclass
class Cue:
    index: int               # 1-based, as in SRT
    start_s: float
    end_s: float
    text: str                # one or two lines joined by "\n"


def wrap(text: str, language: str) -> list[str]:
    """Lines of at most MAX_LINE_CHARS[language] characters: by words in English, by characters
    in Chinese (breaking after punctuation where one is near the end of a line, never before it)."""
    limit = MAX_LINE_CHARS.get(language, MAX_LINE_CHARS["en"])
    text = " ".join(text.split())
    if language == "zh":
        lines, rest = [], text
        while len(rest) > limit:
            cut = limit
            for k in range(limit, limit // 2, -1):      # prefer a break just after punctuation
                if rest[k - 1] in CJK_PUNCTUATION:
                    cut = k
                    break
            while cut < len(rest) and rest[cut] in CJK_PUNCTUATION and cut > 1:
                cut -= 1                                 # a line never starts with punctuation
            lines.append(rest[:cut].strip())
            rest = rest[cut:].strip()
        return [line for line in lines + [rest] if line]
    lines, line = [], ""
    for word in text.split(" "):
        while len(word) > limit:                         # a word longer than a line is cut hard
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:limit])
            word = word[limit:]
        if line and len(line) + 1 + len(word) > limit:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return [x for x in lines + [line] if x]


def make_cues(spans: list[tuple[float, float, str, str]], total_s: float) -> list[Cue]:
    """Cues from (start_s, end_s, text, language) spans, one span per spoken sentence, in order.

    A span of more than MAX_LINES lines is split into several cues, its time shared in proportion to
    their characters. Each cue stays at least MIN_CUE_S on screen, but never past the next cue's
    start nor past the end of the video.
    """
    timed: list[tuple[float, float, str]] = []
    for start, end, text, language in spans:
        lines = wrap(text, language)
        chunks = ["\n".join(lines[k:k + MAX_LINES]) for k in range(0, len(lines), MAX_LINES)]
        weights = np.array([len(c) for c in chunks], np.float64)
        bounds = start + (end - start) * np.concatenate([[0.0], np.cumsum(weights) / weights.sum()])
        timed += [(float(a), float(b), c) for a, b, c in zip(bounds[:-1], bounds[1:], chunks)]
    cues = []
    for k, (start, end, text) in enumerate(timed):
        limit = timed[k + 1][0] if k + 1 < len(timed) else total_s
        end = min(max(end, start + MIN_CUE_S), limit)
        if end > start:
            cues.append(Cue(len(cues) + 1, start, end, text))
    return cues


def srt_time(seconds: float) -> str:
    ms = int(round(max(0.0, seconds) * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def format_srt(cues: list[Cue]) -> str:
    return "".join(f"{c.index}\n{srt_time(c.start_s)} --> {srt_time(c.end_s)}\n{c.text}\n\n" for c in cues)


def write_srt(cues: list[Cue], path: Path) -> None:
    """Write UTF-8 SRT atomically: a temp file beside it, renamed when complete."""
    write_text_atomic(path, format_srt(cues))


def load_typeface(warnings: list[str]):
    """The CJK-capable typeface for burned subtitles, or skia's default (with a warning)."""
    import skia
    if FONT_PATH.exists():
        face = skia.Typeface.MakeFromFile(str(FONT_PATH))
        if face is not None:
            return face
    warnings.append(f"subtitle font {FONT_PATH} not found (apt-get install fonts-wqy-microhei): "
                    "burned subtitles use the default font, which may lack Chinese glyphs")
    return skia.Typeface()


@dataclass
class Overlay:
    """A cue's text drawn once: composited onto a frame's rows y0:y0+h, columns x0:x0+w.

    Alpha is kept in 1/256 steps so compositing is multiply, add and shift (no division):
    out = (frame * (256 - a) + colour * a + 128) >> 8, which fits uint16 (255 * 256 + 128 < 2**16).
    """
    y0: int
    x0: int
    premul: np.ndarray         # (h, w, 3) uint16: colour * a
    inverse_alpha: np.ndarray  # (h, w, 3) uint16: 256 - a, a = alpha in 0..256

    def apply(self, frame: np.ndarray) -> np.ndarray:
        """frame (H, W, 3) uint8 -> a copy with the text composited on (the input is left as it is)."""
        out = frame.copy()
        h, w = self.inverse_alpha.shape[:2]
        region = out[self.y0:self.y0 + h, self.x0:self.x0 + w]
        acc = region * self.inverse_alpha                 # uint16
        acc += self.premul
        acc += 128
        acc >>= 8
        region[:] = acc
        return out


def render_overlay(text: str, width: int, height: int, typeface) -> Overlay:
    """White text with a dark outline over a translucent dark box, bottom centre, sized to the frame."""
    import skia
    size = max(10.0, round(height * 0.055))
    font = skia.Font(typeface, size)
    lines = text.split("\n")
    metrics = font.getMetrics()
    line_h = (metrics.fDescent - metrics.fAscent) * 1.15
    pad = size * 0.35
    text_w = max(font.measureText(line) for line in lines)
    box_w = int(min(width, np.ceil(text_w + 2 * pad)))
    box_h = int(min(height, np.ceil(line_h * len(lines) + 2 * pad)))
    x0 = (width - box_w) // 2
    y0 = max(0, height - box_h - int(height * 0.05))
    rgba = np.zeros((box_h, box_w, 4), np.uint8)
    surface = skia.Surface(rgba)                          # draws straight into the array (unpremul RGBA)
    canvas = surface.getCanvas()
    canvas.drawRoundRect(skia.Rect.MakeWH(box_w, box_h), pad, pad,
                         skia.Paint(AntiAlias=True, Color=skia.Color(0, 0, 0, 140)))
    outline = skia.Paint(AntiAlias=True, Color=skia.Color(0, 0, 0, 255), Style=skia.Paint.kStroke_Style,
                         StrokeWidth=max(1.5, size * 0.12), StrokeJoin=skia.Paint.kRound_Join)
    fill = skia.Paint(AntiAlias=True, Color=skia.ColorWHITE)
    for k, line in enumerate(lines):
        x = (box_w - font.measureText(line)) / 2
        y = pad + k * line_h - metrics.fAscent
        canvas.drawString(line, x, y, font, outline)
        canvas.drawString(line, x, y, font, fill)
    del canvas, surface
    alpha = (rgba[..., 3:4].astype(np.uint16) * 256 + 127) // 255     # 0..255 -> 0..256
    # Alpha repeated over the 3 channels: numpy's inner loops then run along whole rows, not over 3.
    inverse = np.ascontiguousarray(np.repeat(256 - alpha, 3, axis=2))
    return Overlay(y0, x0, rgba[..., :3].astype(np.uint16) * alpha, inverse)


def render_overlays(cues: list[Cue], width: int, height: int, warnings: list[str]) -> list[Overlay]:
    """One overlay per cue, in cue order (each distinct text is drawn once)."""
    typeface = load_typeface(warnings)
    drawn: dict[str, Overlay] = {}
    for cue in cues:
        if cue.text not in drawn:
            drawn[cue.text] = render_overlay(cue.text, width, height, typeface)
    return [drawn[c.text] for c in cues]


def cue_per_frame(cues: list[Cue], n_frames: int, fps: int) -> np.ndarray:
    """(n_frames,) int: the index into `cues` on screen at each frame, -1 for none.

    A frame shows a cue when the frame's start time falls in [start_s, end_s)."""
    which = np.full(n_frames, -1, np.int64)
    t = np.arange(n_frames) / fps
    for k, cue in enumerate(cues):
        which[(t >= cue.start_s) & (t < cue.end_s)] = k
    return which
