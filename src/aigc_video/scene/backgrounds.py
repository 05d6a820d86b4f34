"""Backgrounds (with time of day), their animated layers (sea waves) and weather.

A background is drawn once per shot into an RGBA array (skia's gradients are slow per frame, a
numpy copy is not); only what moves is drawn per frame: waves under the camera, rain and snow in
screen space. Colours are kept soft and low in saturation where objects usually are (the middle
of the frame), so that the named colours of objects stand out for viewers and detectors.
"""
from __future__ import annotations

import contextvars
import math
from typing import Callable

import numpy as np
import skia

Color = tuple[int, int, int]

# Sky gradients (top, bottom) by time of day.
SKY: dict[str, tuple[Color, Color]] = {
    "day": ((118, 160, 208), (202, 219, 232)),
    "dawn": ((112, 124, 172), (234, 198, 182)),
    "dusk": ((66, 66, 118), (226, 162, 122)),
    "night": ((10, 14, 34), (38, 46, 80)),
}
# Multiplier on ground colours by time of day.
GROUND_TINT: dict[str, tuple[float, float, float]] = {
    "day": (1.0, 1.0, 1.0),
    "dawn": (0.9, 0.85, 0.88),
    "dusk": (0.8, 0.68, 0.64),
    "night": (0.3, 0.34, 0.48),
}
from .settings import HORIZON  # horizon height (fraction of the frame) for landscapes


# The shot's colour map (mood grade, overcast weather) as a skia colour filter, set while
# draw_static runs; a ContextVar so that threads rendering different shots do not mix.
_COLOR_MAP: contextvars.ContextVar[skia.ColorFilter | None] = contextvars.ContextVar("color_map", default=None)


def _paint(**kwargs) -> skia.Paint:
    """A paint that carries the colour map: the still comes out graded with no full-frame pass."""
    paint = skia.Paint(**kwargs)
    color_map = _COLOR_MAP.get()
    if color_map is not None:
        paint.setColorFilter(color_map)
    return paint


def _rgb(c: Color, alpha: float = 1.0) -> int:
    return skia.ColorSetARGB(int(round(255 * alpha)), int(c[0]), int(c[1]), int(c[2]))


def _tint(c: Color, time: str) -> Color:
    t = GROUND_TINT[time]
    return tuple(int(round(v * k)) for v, k in zip(c, t))  # type: ignore[return-value]


def _vgrad(canvas: skia.Canvas, x0: float, y0: float, x1: float, y1: float,
           colors: list[Color], positions: list[float] | None = None) -> None:
    """Fill a rectangle with a vertical gradient."""
    shader = skia.GradientShader.MakeLinear([skia.Point(0, y0), skia.Point(0, y1)],
                                            [_rgb(c) for c in colors], positions)
    canvas.drawRect(skia.Rect(x0, y0, x1, y1), _paint(Shader=shader, AntiAlias=False))


def _fill(canvas: skia.Canvas, path: skia.Path, color: Color, alpha: float = 1.0) -> None:
    canvas.drawPath(path, _paint(Color=_rgb(color, alpha), AntiAlias=True))


def _sky(canvas, w, h, time, bottom: float = 1.0) -> None:
    top, low = SKY[time]
    _vgrad(canvas, 0, 0, w, h * bottom, [top, low])


def _stars(canvas, w, h, rng, y_max: float, density: float = 1.0) -> None:
    """Small white dots in the top y_max of the frame, some brighter."""
    n = int(density * 160 * min(1.0, math.sqrt(w * h) / 600) + 10)
    unit = h / 720
    for _ in range(n):
        x, y = rng.random() * w, rng.random() * h * y_max
        r = max(0.5, unit * (0.7 + 1.3 * rng.random() ** 3))
        canvas.drawCircle(x, y, r, _paint(Color=_rgb((255, 250, 235), 0.35 + 0.6 * rng.random()), AntiAlias=True))


def _hill(w, h, y_base: float, amp: float, rng, waves: int = 2) -> skia.Path:
    """A gently rolling filled band from y_base (fraction of h) down to the bottom."""
    p = skia.Path()
    phase = [rng.random() * 2 * math.pi for _ in range(waves)]
    freq = [1.0 + rng.random() * 1.5 for _ in range(waves)]
    xs = np.linspace(0, w, 48)
    ys = y_base * h + amp * h * sum(np.sin(2 * math.pi * f * xs / w + ph) for f, ph in zip(freq, phase)) / waves
    p.moveTo(0, h)
    for x, y in zip(xs, ys):
        p.lineTo(float(x), float(y))
    p.lineTo(w, h)
    p.close()
    return p


def _clouds(canvas, w, h, rng, alpha: float, y_max: float = 0.3) -> None:
    """Soft, flat wisps high in the sky: unlike the puffy outlined "cloud" object."""
    paint = _paint(Color=_rgb((250, 251, 253), alpha), AntiAlias=True,
                       MaskFilter=skia.MaskFilter.MakeBlur(skia.kNormal_BlurStyle, 0.012 * h))
    for _ in range(2 + int(rng.integers(0, 3))):
        cx, cy, s = rng.random() * w, (0.05 + rng.random() * (y_max - 0.05)) * h, (0.025 + 0.02 * rng.random()) * h
        wisp = skia.Path()
        for dx, dy, rx, ry in ((0, 0, 5, 1), (-1.5, -0.6, 2.6, 0.9), (1.8, -0.4, 2.2, 0.8)):
            wisp.addOval(skia.Rect(cx + (dx - rx) * s, cy + (dy - ry) * s, cx + (dx + rx) * s, cy + (dy + ry) * s))
        wisp.setFillType(skia.PathFillType.kWinding)
        canvas.drawPath(wisp, paint)


def plain(canvas, w, h, rng, time) -> None:
    _vgrad(canvas, 0, 0, w, h, [_tint((234, 232, 228), time), _tint((206, 204, 200), time)])


def day_sky(canvas, w, h, rng, time) -> None:
    _sky(canvas, w, h, time)
    if time == "night":
        _stars(canvas, w, h, rng, 0.9)
    else:
        _clouds(canvas, w, h, rng, 0.55 if time == "day" else 0.35)


def night_sky(canvas, w, h, rng, time) -> None:
    top, low = SKY["night"]
    glow = {"dusk": (70, 54, 84), "dawn": (62, 62, 96)}.get(time, low)
    _vgrad(canvas, 0, 0, w, h, [top, low, glow], [0.0, 0.75, 1.0])
    _stars(canvas, w, h, rng, 1.0, density=1.6)


def sunset(canvas, w, h, rng, time) -> None:
    dark = 0.55 if time == "night" else 1.0
    sky = [tuple(int(v * dark) for v in c) for c in ((62, 58, 108), (176, 118, 128), (236, 172, 118))]
    _vgrad(canvas, 0, 0, w, h * 0.8, sky, [0.0, 0.55, 0.92])
    sun_x = (0.25 + 0.5 * rng.random()) * w
    canvas.drawCircle(sun_x, h * 0.74, 0.13 * h, _paint(Color=_rgb((250, 206, 136), 0.85), AntiAlias=True))
    _fill(canvas, _hill(w, h, 0.74, 0.02, rng), (int(70 * dark), int(50 * dark), int(68 * dark)))
    _fill(canvas, _hill(w, h, 0.84, 0.03, rng), (int(50 * dark), int(36 * dark), int(52 * dark)))


def sea(canvas, w, h, rng, time) -> None:
    _sky(canvas, w, h, time, bottom=0.5)
    if time == "night":
        _stars(canvas, w, h, rng, 0.45)
    else:
        _clouds(canvas, w, h, rng, 0.45, y_max=0.25)
    _vgrad(canvas, 0, h * 0.5, w, h, [_tint((96, 138, 164), time), _tint((42, 86, 120), time)])


def grass(canvas, w, h, rng, time) -> None:
    _sky(canvas, w, h, time, bottom=HORIZON + 0.04)
    if time == "night":
        _stars(canvas, w, h, rng, HORIZON)
    else:
        _clouds(canvas, w, h, rng, 0.45, y_max=0.25)
    _fill(canvas, _hill(w, h, HORIZON, 0.03, rng), _tint((150, 176, 124), time))
    _fill(canvas, _hill(w, h, HORIZON + 0.1, 0.025, rng), _tint((126, 160, 100), time))
    _fill(canvas, _hill(w, h, HORIZON + 0.28, 0.02, rng), _tint((112, 148, 90), time))


def desert(canvas, w, h, rng, time) -> None:
    _open_land(canvas, w, h, rng, time, (236, 224, 204),
               [(0.0, 0.04, (228, 204, 158)), (0.14, 0.05, (216, 190, 142)), (0.3, 0.04, (204, 176, 128))])


def snow(canvas, w, h, rng, time) -> None:
    _open_land(canvas, w, h, rng, time, (226, 232, 240),
               [(0.0, 0.03, (214, 224, 238)), (0.12, 0.04, (238, 242, 248)), (0.3, 0.03, (228, 234, 244))])


def _open_land(canvas, w, h, rng, time, haze, hills) -> None:
    """A sky fading to `haze` at the horizon, stars at night, then (offset below the horizon,
    amplitude, colour) hills from far to near: deserts and snow fields differ only in colour."""
    top, _ = SKY[time]
    _vgrad(canvas, 0, 0, w, h * (HORIZON + 0.06), [top, _tint(haze, time)])
    if time == "night":
        _stars(canvas, w, h, rng, HORIZON)
    for offset, amplitude, colour in hills:
        _fill(canvas, _hill(w, h, HORIZON + offset, amplitude, rng), _tint(colour, time))


def city(canvas, w, h, rng, time) -> None:
    _sky(canvas, w, h, time)
    if time == "night":
        _stars(canvas, w, h, rng, 0.4, density=0.6)
    lit = time in ("night", "dusk")
    unit = h / 360
    win, wx_step, wy_step = 4 * unit, 9 * unit, 11 * unit
    for layer, (base, top_lo, top_hi) in enumerate((((150, 158, 172), 0.38, 0.6), ((112, 120, 136), 0.5, 0.72))):
        body = _tint(base, time)
        # One path per colour: hundreds of windows cost one draw call each otherwise.
        blocks, windows_on, windows_off = skia.Path(), skia.Path(), skia.Path()
        x = -rng.random() * 0.05 * w
        while x < w:
            bw = (0.07 + 0.08 * rng.random()) * w
            top = (top_lo + (top_hi - top_lo) * rng.random()) * h
            blocks.addRect(skia.Rect(x, top, x + bw - 2 * unit, h))
            if (layer == 1 or lit) and win >= 1.5:  # smaller windows would be invisible specks
                xs = np.arange(x + 5 * unit, x + bw - 6 * unit - win, wx_step).tolist()
                ys = np.arange(top + 6 * unit, h * 0.93, wy_step).tolist()
                on = ((rng.random((len(ys), len(xs))) < 0.35) & lit).tolist()
                for yy, row in zip(ys, on):
                    for xx, is_on in zip(xs, row):
                        (windows_on if is_on else windows_off).addRect(skia.Rect(xx, yy, xx + win, yy + win * 1.3))
            x += bw
        _fill(canvas, blocks, body)
        _fill(canvas, windows_off, tuple(min(255, int(c * (1.15 if lit else 1.18))) for c in body))
        _fill(canvas, windows_on, (244, 210, 122))
    canvas.drawRect(skia.Rect(0, h * 0.93, w, h), _paint(Color=_rgb(_tint((84, 86, 94), time))))


def space(canvas, w, h, rng, time) -> None:
    _vgrad(canvas, 0, 0, w, h, [(6, 6, 16), (18, 14, 36)])
    glow = skia.GradientShader.MakeRadial(skia.Point(w * 0.3, h * 0.6), 0.5 * h,
                                          [_rgb((90, 60, 130), 0.22), _rgb((90, 60, 130), 0.0)])
    canvas.drawCircle(w * 0.3, h * 0.6, 0.5 * h, _paint(Shader=glow, AntiAlias=True))
    _stars(canvas, w, h, rng, 1.0, density=2.0)
    corner = int(rng.integers(0, 2))
    cx, cy, r = (0.88 if corner else 0.12) * w, 0.2 * h, 0.11 * h
    ring = _paint(Color=_rgb((196, 184, 160), 0.7), Style=skia.Paint.kStroke_Style, StrokeWidth=0.018 * h,
                  AntiAlias=True)
    canvas.save()
    canvas.translate(cx, cy)
    canvas.rotate(-18)
    canvas.drawArc(skia.Rect(-2 * r, -0.5 * r, 2 * r, 0.5 * r), 180, 180, False, ring)
    canvas.drawCircle(0, 0, r, _paint(Color=_rgb((158, 126, 110)), AntiAlias=True))
    canvas.drawRect(skia.Rect(-r, -0.18 * r, r, 0.02 * r), _paint(Color=_rgb((132, 104, 94), 0.8), AntiAlias=True))
    canvas.drawArc(skia.Rect(-2 * r, -0.5 * r, 2 * r, 0.5 * r), 0, 180, False, ring)
    canvas.restore()


DRAW: dict[str, Callable] = {
    "plain": plain, "day_sky": day_sky, "night_sky": night_sky, "sunset": sunset, "sea": sea,
    "grass": grass, "desert": desert, "snow": snow, "city": city, "space": space,
}
# The settings added later (rooms, parks, beaches...) are drawn by `rooms` and `outdoors`; imported
# here, after the helpers they use exist, so that draw_static knows them.
from . import outdoors as _outdoors, rooms as _rooms  # noqa: E402

DRAW.update(_rooms.DRAW)
DRAW.update(_outdoors.DRAW)


def draw_static(background: str, time: str, width: int, height: int, rng: np.random.Generator,
                color_map: skia.ColorFilter | None = None) -> np.ndarray:
    """The still part of a background, every colour passed through color_map:
    (height, width, 4) uint8 RGBA, opaque."""
    rgba = np.zeros((height, width, 4), np.uint8)
    surface = skia.Surface(rgba, skia.ColorType.kRGBA_8888_ColorType, skia.AlphaType.kPremul_AlphaType)
    canvas = surface.getCanvas()
    canvas.clear(skia.ColorBLACK)
    token = _COLOR_MAP.set(color_map)
    try:
        DRAW[background](canvas, width, height, rng, time)
    finally:
        _COLOR_MAP.reset(token)
    del canvas, surface
    return rgba


_RGBA = (skia.ColorType.kRGBA_8888_ColorType, skia.AlphaType.kPremul_AlphaType)


class Waves:
    """Moving crests on the sea. Each crest row is drawn once into a strip one wavelength wider
    than the frame (the water under it is horizontally uniform, so the strip is periodic) and
    slides sideways by whole pixels per frame: a copy of a few rows, no drawing per frame."""

    def __init__(self, water: np.ndarray, time: str, fps: int, color_filter: skia.ColorFilter | None = None):
        """water: the graded still background (H, W, 3) uint8, whose water rows the strips copy."""
        h, w = water.shape[:2]
        self.width = w
        stroke = max(1.0, 0.004 * h)
        paint = skia.Paint(Color=_rgb(_tint((178, 206, 222), time), 0.45), AntiAlias=True,
                           Style=skia.Paint.kStroke_Style, StrokeWidth=stroke)
        if color_filter is not None:
            paint.setColorFilter(color_filter)
        ys = [h * (0.54 + 0.075 * k * (1 + 0.15 * k)) for k in range(6)]
        # Rows a crest may touch, cut half-way to its neighbours so bands never overlap.
        edges = [0.5 * h] + [(a + b) / 2 for a, b in zip(ys, ys[1:])] + [float(h)]
        self.bands = []  # (row0, row1, wavelength px, px per frame, strip RGB, strip RGBA as uint32)
        # Nearer rows (lower) move faster; alternate rows go opposite ways.
        for k, y in enumerate(ys):
            wavelength = max(4, int(round(w * (0.06 + 0.025 * k))))
            amp = h * (0.004 + 0.0025 * k)
            r0 = max(int(edges[k]), int(y - amp - stroke) - 2)
            r1 = min(int(math.ceil(edges[k + 1])), int(y + amp + stroke) + 3, h)
            if r0 >= r1:
                continue
            strip = np.empty((r1 - r0, w + wavelength, 4), np.uint8)
            strip[..., :3], strip[..., 3] = water[r0:r1, :1], 255
            path = skia.Path()
            xs = np.arange(-wavelength, w + 2 * wavelength + 1, wavelength / 16)
            path.moveTo(float(xs[0]), y - r0)
            for x in xs[1:]:
                path.lineTo(float(x), float(y - r0 + amp * math.sin(2 * math.pi * x / wavelength)))
            canvas = skia.Surface(strip, *_RGBA).getCanvas()
            canvas.drawPath(path, paint)
            del canvas
            speed = (10 + 8 * k) * h / 360 / fps * (1 if k % 2 else -1)
            self.bands.append((r0, r1, wavelength, speed, np.ascontiguousarray(strip[..., :3]),
                               strip.view(np.uint32)[..., 0].copy()))

    def draw(self, frame: int, rgb: np.ndarray, rgba32: np.ndarray, vignette: np.ndarray | None = None) -> None:
        """Write the wave rows of this frame into rgb (H, W, 3) and rgba32 (H, W) uint32;
        vignette (H, W, 1) float32 darkens them like the rest of the background."""
        w = self.width
        for r0, r1, wavelength, speed, strip, strip32 in self.bands:
            s = int(round(frame * speed)) % wavelength
            if vignette is None:
                rgb[r0:r1] = strip[:, s:s + w]
                rgba32[r0:r1] = strip32[:, s:s + w]
            else:
                band = (strip[:, s:s + w] * vignette[r0:r1] + 0.5).astype(np.uint8)
                rgb[r0:r1] = band
                rgba32[r0:r1].view(np.uint8).reshape(r1 - r0, w, 4)[..., :3] = band

    def rows(self) -> list[tuple[int, int]]:
        return [(r0, r1) for r0, r1, *_ in self.bands]


class Weather:
    """Rain streaks or snow flakes falling over the whole frame (screen space), seeded.

    Rates are per second at `fps`; particles wrap around so the weather never runs out."""

    def __init__(self, kind: str, width: int, height: int, fps: int, rng: np.random.Generator):
        self.kind, self.w, self.h, self.fps = kind, width, height, fps
        n = int(np.clip(width * height / 8000, 40, 110))
        self.pos = rng.random((n, 2))                                  # normalized start (x, y)
        depth = 0.5 + 0.5 * rng.random(n)                              # near ones fall faster
        if kind == "rain":
            self.vel = np.stack([np.full(n, 0.12), 1.6 * depth], 1)   # frame heights per second
            self.length = 0.05 * depth * height                        # streak length, px
            self.slant = self.vel[:, 0] / self.vel[:, 1] * self.length
            self.stroke = max(1.0, 0.0028 * height)
            self.paints = [skia.Paint(Color=_rgb((205, 214, 228), 0.55), AntiAlias=True, StrokeWidth=self.stroke)]
            # Every streak fits a box of this size from (x - stroke, y - stroke), px.
            self.box = (int(self.length.max() + 2 * self.stroke) + 3, int(self.slant.max() + 2 * self.stroke) + 3)
        else:
            self.vel = np.stack([np.full(n, 0.03), 0.16 * depth], 1)
            self.sway = rng.random(n) * 2 * math.pi
            self.big = depth > 0.75
            sizes = (max(1.5, 0.008 * height), max(1.5, 0.014 * height))
            self.paints = [skia.Paint(Color=_rgb((250, 252, 255), a), AntiAlias=True, StrokeCap=skia.Paint.kRound_Cap,
                                      StrokeWidth=s) for a, s in zip((0.75, 0.9), sizes)]
            self.stroke = sizes[1] / 2
            self.box = (int(2 * self.stroke) + 3, int(2 * self.stroke) + 3)

    def positions(self, frame: int) -> tuple[np.ndarray, np.ndarray]:
        """Particle anchors (x, y) in pixels at this frame."""
        t = frame / self.fps
        # x wraps over the width, y over 1.1 heights so particles enter from above the frame.
        x = np.mod(self.pos[:, 0] + self.vel[:, 0] * t * self.h / self.w, 1.0) * self.w
        y = (np.mod(self.pos[:, 1] + self.vel[:, 1] * t, 1.1) - 0.05) * self.h
        if self.kind == "snow":
            x = x + 0.012 * self.h * np.sin(2 * math.pi * 0.4 * t + self.sway)
        return x, y

    def pixels(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Flat indices (into height * width) of every pixel the particles may touch; pixels
        shared by two particles appear twice."""
        bh, bw = self.box
        x0 = np.floor(x - (self.stroke + 1)).astype(np.intp)
        y0 = np.floor(y - (self.stroke + 1)).astype(np.intp)
        yy = np.clip(y0[:, None, None] + np.arange(bh)[None, :, None], 0, self.h - 1)
        xx = np.clip(x0[:, None, None] + np.arange(bw)[None, None, :], 0, self.w - 1)
        return (yy * self.w + xx).reshape(-1)

    def draw(self, canvas: skia.Canvas, x: np.ndarray, y: np.ndarray) -> None:
        if self.kind == "rain":
            seg = np.empty((2 * len(x), 2), np.float32)
            seg[0::2, 0], seg[0::2, 1] = x, y
            seg[1::2, 0], seg[1::2, 1] = x + self.slant, y + self.length
            canvas.drawPoints(skia.Canvas.kLines_PointMode, [skia.Point(a, b) for a, b in seg.tolist()], self.paints[0])
        else:
            for big, paint in ((False, self.paints[0]), (True, self.paints[1])):
                sel = self.big == big
                canvas.drawPoints(skia.Canvas.kPoints_PointMode,
                                  [skia.Point(a, b) for a, b in zip(x[sel].tolist(), y[sel].tolist())], paint)
