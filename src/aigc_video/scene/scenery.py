"""Drawing helpers shared by the settings beyond the first ten backgrounds (`rooms`, `outdoors`).

The habits of `backgrounds`: colours go through `_paint` (so the shot's mood grade and overcast
weather apply with no extra pass), outdoor colours through `_tint` and the `SKY` gradients (time
of day), indoor ones through `_lit` (rooms are lit at night, only dimmer and warmer); the middle
band where subjects stand is kept soft and low in saturation; every random detail comes from `rng`.
"""
from __future__ import annotations

import numpy as np
import skia

from .backgrounds import Color, _clouds, _fill, _paint, _rgb, _sky, _stars, _tint, _vgrad
from .settings import INDOOR_LIGHT

WARM_LIGHT: Color = (250, 218, 150)


def _lit(c: Color, time: str) -> Color:
    t = INDOOR_LIGHT[time]
    return tuple(int(round(min(255, v * k))) for v, k in zip(c, t))  # type: ignore[return-value]


def _shade(c: Color, k: float) -> Color:
    return tuple(int(round(min(255, max(0, v * k)))) for v in c)  # type: ignore[return-value]


def _rect(canvas, x0, y0, x1, y1, color: Color, alpha: float = 1.0) -> None:
    canvas.drawRect(skia.Rect(x0, y0, x1, y1), _paint(Color=_rgb(color, alpha), AntiAlias=True))


def _stroke(canvas, path: skia.Path, color: Color, width: float, alpha: float = 1.0) -> None:
    canvas.drawPath(path, _paint(Color=_rgb(color, alpha), AntiAlias=True, Style=skia.Paint.kStroke_Style,
                                 StrokeWidth=width))


def _glow(canvas, x, y, r, color: Color = WARM_LIGHT, alpha: float = 0.45) -> None:
    shader = skia.GradientShader.MakeRadial(skia.Point(x, y), r, [_rgb(color, alpha), _rgb(color, 0.0)])
    canvas.drawCircle(x, y, r, _paint(Shader=shader, AntiAlias=True))


def _night_sky_or_clouds(canvas, w, h, rng, time, y_max: float) -> None:
    if time == "night":
        _stars(canvas, w, h, rng, y_max)
    else:
        _clouds(canvas, w, h, rng, 0.45 if time == "day" else 0.3, y_max=min(0.3, y_max * 0.6))


def _outdoor(canvas, w, h, rng, time, horizon: float) -> None:
    """Sky down past the horizon, stars at night, wisps by day."""
    _sky(canvas, w, h, time, bottom=horizon + 0.05)
    _night_sky_or_clouds(canvas, w, h, rng, time, horizon)


def _range(canvas, w, h, rng, base: float, height: float, color: Color, peaks: int,
           snow: Color | None = None) -> None:
    """A mountain range: `peaks` jagged summits rising `height` above `base` (fractions of h)."""
    xs = np.sort(rng.random(peaks)) * w
    xs = np.concatenate([[-0.1 * w], xs, [1.1 * w]])
    tops = base - height * (0.55 + 0.45 * rng.random(len(xs)))
    path = skia.Path()
    path.moveTo(-0.1 * w, h)
    pts = []
    for i in range(len(xs) - 1):
        pts.append((xs[i], tops[i] * h))
        mid = (xs[i] + xs[i + 1]) / 2
        pts.append((mid, (base - height * 0.25 * rng.random()) * h))  # the saddle between summits
    pts.append((xs[-1], tops[-1] * h))
    for x, y in pts:
        path.lineTo(float(x), float(y))
    path.lineTo(1.1 * w, h)
    path.close()
    _fill(canvas, path, color)
    if snow is not None:
        caps = skia.Path()
        for i in range(0, len(pts) - 1, 2):
            (x, y), (xm, ym) = pts[i], pts[i + 1]
            d = 0.22 * (ym - y) if ym > y else 0
            if d < 0.01 * h:
                continue
            cap_w = (xm - x) * 0.22
            caps.moveTo(float(x), float(y))
            caps.lineTo(float(x + cap_w), float(y + d))
            caps.lineTo(float(x), float(y + 0.75 * d))
            caps.lineTo(float(x - cap_w), float(y + d))
            caps.close()
        _fill(canvas, caps, snow)


def _crowns(canvas, w, h, rng, y: float, size: float, color: Color, density: float = 1.0,
            conifer: float = 0.0, x0: float = 0.0, x1: float = 1.0) -> None:
    """A line of tree crowns along y (fraction of h) from the left to the right, one path:
    round crowns, or pointed firs with probability `conifer`."""
    path = skia.Path()
    x = (x0 - rng.random() * 0.05) * w
    s = size * h
    while x < x1 * w:
        r = s * (0.7 + 0.6 * rng.random())
        yy = y * h + 0.2 * s * rng.random()
        if rng.random() < conifer:
            path.addPoly([skia.Point(x - 0.75 * r, yy + 0.8 * r), skia.Point(x, yy - 2.2 * r),
                          skia.Point(x + 0.75 * r, yy + 0.8 * r)], True)
        else:
            path.addCircle(x, yy, r)
        path.addRect(skia.Rect(x - 0.6 * r, yy, x + 0.6 * r, h))
        x += r * 1.3 / density
    path.setFillType(skia.PathFillType.kWinding)
    _fill(canvas, path, color)


def _water(canvas, w, h, rng, y0: float, y1: float, top: Color, low: Color, time: str,
           glints: int = 14) -> None:
    """A band of still water with a few horizontal glints (moonlight at night)."""
    _vgrad(canvas, 0, y0 * h, w, y1 * h, [_tint(top, time), _tint(low, time)])
    path = skia.Path()
    for _ in range(glints):
        yy = (y0 + (y1 - y0) * rng.random() ** 1.5) * h
        xx, ll = rng.random() * w, (0.03 + 0.08 * rng.random()) * w
        path.addRect(skia.Rect(xx, yy, xx + ll, yy + max(1.0, 0.004 * h)))
    glint = (236, 232, 210) if time == "night" else (236, 244, 248)
    _fill(canvas, path, glint, 0.35 if time == "night" else 0.5)


def _lamp_post(canvas, x, base, height, time, h) -> None:
    """A street lamp, glowing at dusk and night."""
    unit = h / 360
    post = _tint((70, 74, 82), time)
    _rect(canvas, x - 1.2 * unit, base - height, x + 1.2 * unit, base, post)
    _rect(canvas, x - 5 * unit, base - height - 2 * unit, x + 5 * unit, base - height + 2 * unit, post)
    on = time in ("night", "dusk")
    canvas.drawCircle(x, base - height + 4 * unit, 3 * unit,
                      _paint(Color=_rgb(WARM_LIGHT if on else _tint((220, 222, 210), time)), AntiAlias=True))
    if on:
        _glow(canvas, x, base - height + 4 * unit, 28 * unit, alpha=0.5 if time == "night" else 0.3)


def _house(canvas, x, base, bw, bh, wall: Color, roof: Color, time, rng, unit) -> None:
    """A small house: wall, pitched roof, a door and two windows (lit at night)."""
    _rect(canvas, x, base - bh, x + bw, base, _tint(wall, time))
    roof_path = skia.Path()
    roof_path.addPoly([skia.Point(x - 0.08 * bw, base - bh), skia.Point(x + bw / 2, base - bh - 0.55 * bh),
                       skia.Point(x + 1.08 * bw, base - bh)], True)
    _fill(canvas, roof_path, _tint(roof, time))
    lit = time in ("night", "dusk") and rng.random() < 0.8
    win = WARM_LIGHT if lit else _tint(_shade(wall, 0.7), time)
    ww = 0.2 * bw
    for wx in (x + 0.12 * bw, x + 0.68 * bw):
        _rect(canvas, wx, base - 0.75 * bh, wx + ww, base - 0.75 * bh + ww, win)
    _rect(canvas, x + 0.42 * bw, base - 0.5 * bh, x + 0.58 * bw, base, _tint(_shade(roof, 0.8), time))
