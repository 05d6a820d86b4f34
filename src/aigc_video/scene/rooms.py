"""Rooms: living room, kitchen, bedroom, classroom, office, restaurant, library, stage.

A back wall (wainscot, stripes or dots) meets a floor (planks, tiles or carpet) at the
setting's horizon; a window shows the sky at the shot's time; doors, shelves, pictures and
lamps are simple shapes. Furniture that subjects sit on comes from the material library as
props (`settings.SETTING_SPECS`). Habits: see `scenery`.
"""
from __future__ import annotations

import numpy as np
import skia

from .backgrounds import Color, _clouds, _fill, _hill, _paint, _rgb, _sky, _stars, _tint, _vgrad
from .scenery import _glow, _lit, _rect, _shade, _stroke
from .settings import SETTING_SPECS


def _room(canvas, w, h, rng, time, wall: Color, floor: Color, horizon: float, pattern: str = "plain",
          floor_kind: str = "wood", wainscot: Color | None = None) -> None:
    """Back wall down to `horizon`, a floor below it, a skirting board on the line between."""
    fy = horizon * h
    unit = h / 360
    _vgrad(canvas, 0, 0, w, fy, [_lit(_shade(wall, 1.03), time), _lit(_shade(wall, 0.95), time)])
    if pattern == "stripes":
        path, step = skia.Path(), 0.05 * w
        for k in range(0, int(w / step) + 1, 2):
            path.addRect(skia.Rect(k * step, 0, k * step + step, fy))
        _fill(canvas, path, _lit(_shade(wall, 0.96), time))
    elif pattern == "dots":
        path, step = skia.Path(), 0.06 * h
        for j, yy in enumerate(np.arange(step / 2, fy, step)):
            for xx in np.arange((j % 2) * step / 2, w, step):
                path.addCircle(float(xx), float(yy), 0.006 * h)
        _fill(canvas, path, _lit(_shade(wall, 0.9), time))
    if wainscot is not None:
        top = fy - 0.2 * h
        _rect(canvas, 0, top, w, fy, _lit(wainscot, time))
        _rect(canvas, 0, top - 1.5 * unit, w, top + 1.5 * unit, _lit(_shade(wainscot, 0.82), time))
        panels, step = skia.Path(), 0.12 * w
        for xx in np.arange(0.02 * w, w, step):
            panels.addRect(skia.Rect(float(xx), top + 0.035 * h, float(xx + step - 0.03 * w), fy - 0.035 * h))
        _stroke(canvas, panels, _lit(_shade(wainscot, 0.88), time), max(1.0, 1.2 * unit))
    _vgrad(canvas, 0, fy, w, h, [_lit(_shade(floor, 0.86), time), _lit(floor, time)])
    lines = skia.Path()
    rows = 7
    ys = [fy + (h - fy) * (k / rows) ** 1.5 for k in range(1, rows + 1)]
    if floor_kind == "wood":
        prev = fy
        for yy in ys:
            lines.moveTo(0, yy)
            lines.lineTo(w, yy)
            plank = (0.18 + 0.25 * (yy - fy) / (h - fy)) * w
            for xx in np.arange(-rng.random() * plank, w, plank):
                lines.moveTo(float(xx), prev)
                lines.lineTo(float(xx), yy)
            prev = yy
    elif floor_kind == "tiles":
        for yy in ys:
            lines.moveTo(0, yy)
            lines.lineTo(w, yy)
        vx, spread = w / 2, 2.2
        for xx in np.linspace(-w, 2 * w, 25):
            lines.moveTo(float(xx), fy)
            lines.lineTo(float(vx + (xx - vx) * spread), h)
    if floor_kind != "carpet":
        _stroke(canvas, lines, _lit(_shade(floor, 0.8), time), max(1.0, 1.1 * unit), 0.8)
    _rect(canvas, 0, fy - 3 * unit, w, fy + 1 * unit, _lit(_shade(wall, 0.78), time))


def _window(canvas, rng, time, x0, y0, x1, y1, frame: Color, h, curtains: Color | None = None) -> None:
    """A window onto the sky of the shot's time of day (stars at night), with a cross frame."""
    ww, wh = x1 - x0, y1 - y0
    canvas.save()
    canvas.clipRect(skia.Rect(x0, y0, x1, y1))
    canvas.translate(x0, y0)
    _sky(canvas, ww, wh, time)
    if time == "night":
        _stars(canvas, ww, wh, rng, 0.9, density=1.5)
    else:
        _clouds(canvas, ww, wh, rng, 0.5, y_max=0.5)
    _fill(canvas, _hill(ww, wh, 0.82, 0.05, rng), _tint((150, 172, 130), time))
    canvas.restore()
    unit = h / 360
    fw = 3.5 * unit
    bars = skia.Path()
    bars.addRect(skia.Rect(x0, y0, x1, y1))
    bars.moveTo((x0 + x1) / 2, y0)
    bars.lineTo((x0 + x1) / 2, y1)
    bars.moveTo(x0, (y0 + y1) / 2)
    bars.lineTo(x1, (y0 + y1) / 2)
    _stroke(canvas, bars, _lit(frame, time), fw)
    _rect(canvas, x0 - 3 * unit, y1, x1 + 3 * unit, y1 + 4 * unit, _lit(_shade(frame, 0.9), time))
    if curtains is not None:
        cw = 0.22 * ww
        for cx0 in (x0 - 0.5 * cw, x1 - 0.5 * cw):
            _rect(canvas, cx0, y0 - 4 * unit, cx0 + cw, y1 + 10 * unit, _lit(curtains, time))
            folds = skia.Path()
            for k in (0.33, 0.66):
                folds.moveTo(cx0 + k * cw, y0)
                folds.lineTo(cx0 + k * cw, y1 + 8 * unit)
            _stroke(canvas, folds, _lit(_shade(curtains, 0.85), time), max(1.0, unit))
        _rect(canvas, x0 - 0.6 * cw, y0 - 6 * unit, x1 + 0.6 * cw, y0 - 3 * unit, _lit(_shade(frame, 0.7), time))


def _door(canvas, x0, y0, x1, y1, color: Color, time, h) -> None:
    unit = h / 360
    _rect(canvas, x0 - 3 * unit, y0 - 3 * unit, x1 + 3 * unit, y1, _lit(_shade(color, 0.8), time))
    _rect(canvas, x0, y0, x1, y1, _lit(color, time))
    panels = skia.Path()
    dw, dh = x1 - x0, y1 - y0
    panels.addRect(skia.Rect(x0 + 0.15 * dw, y0 + 0.08 * dh, x1 - 0.15 * dw, y0 + 0.42 * dh))
    panels.addRect(skia.Rect(x0 + 0.15 * dw, y0 + 0.52 * dh, x1 - 0.15 * dw, y1 - 0.08 * dh))
    _stroke(canvas, panels, _lit(_shade(color, 0.85), time), max(1.0, unit))
    canvas.drawCircle(x1 - 0.14 * dw, y0 + 0.5 * dh, 2.2 * unit, _paint(Color=_rgb(_lit((200, 180, 120), time)),
                                                                        AntiAlias=True))


BOOK_COLORS: tuple[Color, ...] = ((150, 92, 84), (92, 112, 140), (120, 140, 104), (176, 156, 112),
                                  (128, 100, 130), (190, 180, 160))


def _shelf(canvas, rng, time, x0, y0, x1, y1, wood: Color, rows: int, h) -> None:
    """A bookcase: a frame, `rows` boards and muted book spines, one path per colour."""
    unit = h / 360
    _rect(canvas, x0, y0, x1, y1, _lit(_shade(wood, 0.7), time))
    books = [skia.Path() for _ in BOOK_COLORS]
    row_h = (y1 - y0) / rows
    for r in range(rows):
        bot = y0 + (r + 1) * row_h
        x = x0 + 3 * unit
        while x < x1 - 6 * unit:
            bw = (3 + 4 * rng.random()) * unit
            if rng.random() < 0.08:
                x += 3 * bw  # a gap
                continue
            bh = (0.6 + 0.3 * rng.random()) * row_h
            spine = skia.Rect(x, bot - bh, min(x + bw, x1 - 3 * unit), bot)
            books[int(rng.integers(0, len(BOOK_COLORS)))].addRect(spine)
            x += bw + 0.5 * unit
        _rect(canvas, x0, bot - 2 * unit, x1, bot, _lit(wood, time))
    for path, color in zip(books, BOOK_COLORS):
        _fill(canvas, path, _lit(color, time))
    frame = skia.Path()
    frame.addRect(skia.Rect(x0, y0, x1, y1))
    _stroke(canvas, frame, _lit(wood, time), 3 * unit)


def _picture(canvas, rng, time, x0, y0, x1, y1, frame: Color, h) -> None:
    unit = h / 360
    _rect(canvas, x0, y0, x1, y1, _lit(frame, time))
    m = 4 * unit
    _rect(canvas, x0 + m, y0 + m, x1 - m, y1 - m, _lit((206, 214, 222), time))
    land = skia.Path()
    pw, ph = x1 - x0 - 2 * m, y1 - y0 - 2 * m
    land.addPoly([skia.Point(x0 + m, y1 - m), skia.Point(x0 + m + 0.35 * pw, y0 + m + 0.35 * ph),
                  skia.Point(x0 + m + 0.6 * pw, y0 + m + 0.6 * ph), skia.Point(x0 + m + 0.8 * pw, y0 + m + 0.45 * ph),
                  skia.Point(x1 - m, y1 - m)], True)
    _fill(canvas, land, _lit((140, 160, 130), time))


def _pendant(canvas, x, y, time, h, shade: Color = (80, 74, 66)) -> None:
    """A hanging lamp from the ceiling, glowing when the room is dim."""
    unit = h / 360
    _rect(canvas, x - 0.6 * unit, 0, x + 0.6 * unit, y, _lit((70, 66, 60), time))
    lamp = skia.Path()
    lamp.addPoly([skia.Point(x - 5 * unit, y), skia.Point(x + 5 * unit, y), skia.Point(x + 12 * unit, y + 12 * unit),
                  skia.Point(x - 12 * unit, y + 12 * unit)], True)
    _fill(canvas, lamp, _lit(shade, time))
    _glow(canvas, x, y + 14 * unit, 30 * unit, alpha=0.55 if time in ("night", "dusk") else 0.25)


def living_room(canvas, w, h, rng, time) -> None:
    hz = SETTING_SPECS["living_room"].horizon
    _room(canvas, w, h, rng, time, (218, 206, 190), (172, 136, 102), hz, wainscot=(200, 188, 168))
    _window(canvas, rng, time, 0.1 * w, 0.12 * h, 0.3 * w, 0.42 * h, (236, 232, 224), h, curtains=(176, 160, 150))
    _picture(canvas, rng, time, 0.7 * w, 0.16 * h, 0.86 * w, 0.32 * h, (150, 120, 90), h)
    rug = skia.Rect(0.3 * w, hz * h + 0.1 * h, 0.7 * w, hz * h + 0.28 * h)
    canvas.drawOval(rug, _paint(Color=_rgb(_lit((176, 150, 140), time)), AntiAlias=True))


def kitchen(canvas, w, h, rng, time) -> None:
    hz = SETTING_SPECS["kitchen"].horizon
    unit = h / 360
    _room(canvas, w, h, rng, time, (224, 222, 212), (200, 200, 196), hz, floor_kind="tiles")
    top = (hz - 0.19) * h
    # Backsplash tiles between the upper cabinets and the counter.
    tiles = skia.Path()
    for yy in np.arange(0.28 * h, top, 0.035 * h):
        tiles.moveTo(0, float(yy))
        tiles.lineTo(w, float(yy))
    for xx in np.arange(0, w, 0.035 * h):
        tiles.moveTo(float(xx), 0.28 * h)
        tiles.lineTo(float(xx), top)
    _rect(canvas, 0, 0.28 * h, w, top, _lit((214, 220, 218), time))
    _stroke(canvas, tiles, _lit((196, 202, 200), time), max(1.0, 0.8 * unit))
    cab, wood = (196, 184, 164), (168, 150, 126)
    _window(canvas, rng, time, 0.4 * w, 0.08 * h, 0.6 * w, top - 0.05 * h, (236, 232, 224), h)
    for x0, x1 in ((0.0, 0.36), (0.64, 1.0)):  # upper cabinets either side of the window
        _rect(canvas, x0 * w, 0.04 * h, x1 * w, 0.26 * h, _lit(cab, time))
        doors = skia.Path()
        for xx in np.arange(x0 * w + 0.01 * w, x1 * w - 0.02 * w, 0.09 * w):
            doors.addRect(skia.Rect(float(xx), 0.055 * h, float(xx + 0.08 * w), 0.245 * h))
        _stroke(canvas, doors, _lit(_shade(cab, 0.85), time), max(1.0, unit))
    # Counter with cabinet doors along the back wall.
    _rect(canvas, 0, top, w, hz * h, _lit(cab, time))
    doors = skia.Path()
    for xx in np.arange(0.01 * w, w, 0.1 * w):
        doors.addRect(skia.Rect(float(xx), top + 0.04 * h, float(xx + 0.09 * w), hz * h - 0.02 * h))
    _stroke(canvas, doors, _lit(_shade(cab, 0.85), time), max(1.0, unit))
    _rect(canvas, -1, top - 0.02 * h, w + 1, top + 0.01 * h, _lit(wood, time))
    # The hob: two rings on the counter top, left of the sink window.
    _rect(canvas, 0.44 * w, top - 0.02 * h, 0.56 * w, top - 0.012 * h, _lit((150, 156, 160), time))


def bedroom(canvas, w, h, rng, time) -> None:
    hz = SETTING_SPECS["bedroom"].horizon
    _room(canvas, w, h, rng, time, (200, 208, 218), (178, 168, 174), hz, pattern="dots", floor_kind="carpet")
    _window(canvas, rng, time, 0.38 * w, 0.1 * h, 0.56 * w, 0.4 * h, (238, 236, 232), h, curtains=(170, 176, 200))
    _picture(canvas, rng, time, 0.74 * w, 0.14 * h, 0.88 * w, 0.3 * h, (140, 120, 104), h)
    _door(canvas, 0.04 * w, 0.18 * h, 0.17 * w, hz * h - 0.01 * h, (196, 180, 160), time, h)


def classroom(canvas, w, h, rng, time) -> None:
    hz = SETTING_SPECS["classroom"].horizon
    unit = h / 360
    _room(canvas, w, h, rng, time, (214, 218, 204), (176, 144, 110), hz, wainscot=(188, 176, 150))
    x0, y0, x1, y1 = 0.22 * w, 0.1 * h, 0.72 * w, 0.4 * h
    _rect(canvas, x0 - 4 * unit, y0 - 4 * unit, x1 + 4 * unit, y1 + 4 * unit, _lit((150, 120, 90), time))
    _rect(canvas, x0, y0, x1, y1, _lit((58, 84, 72), time))
    chalk = skia.Path()
    for k in range(3):  # a few faint lines of "writing"
        yy = y0 + (0.25 + 0.2 * k) * (y1 - y0)
        xx = x0 + 0.08 * (x1 - x0)
        chalk.moveTo(xx, yy)
        for _ in range(10):
            xx += (0.05 + 0.03 * rng.random()) * (x1 - x0) * 0.6
            chalk.lineTo(xx, yy + (rng.random() - 0.5) * 4 * unit)
    _stroke(canvas, chalk, _lit((222, 226, 220), time), max(1.0, 1.2 * unit), 0.55)
    _rect(canvas, x0, y1, x1, y1 + 3 * unit, _lit((150, 120, 90), time))
    cx, cy, r = 0.86 * w, 0.16 * h, 0.05 * h
    canvas.drawCircle(cx, cy, r, _paint(Color=_rgb(_lit((244, 242, 236), time)), AntiAlias=True))
    hands = skia.Path()
    hands.moveTo(cx, cy - 0.7 * r)
    hands.lineTo(cx, cy)
    hands.lineTo(cx + 0.5 * r, cy + 0.2 * r)
    hands.addCircle(cx, cy, r)
    _stroke(canvas, hands, _lit((70, 70, 74), time), max(1.0, 1.5 * unit))
    _window(canvas, rng, time, 0.03 * w, 0.12 * h, 0.15 * w, 0.4 * h, (232, 230, 222), h)


def office(canvas, w, h, rng, time) -> None:
    hz = SETTING_SPECS["office"].horizon
    unit = h / 360
    _room(canvas, w, h, rng, time, (210, 212, 214), (150, 158, 170), hz, floor_kind="carpet")
    x0, y0, x1, y1 = 0.36 * w, 0.08 * h, 0.94 * w, 0.46 * h
    _window(canvas, rng, time, x0, y0, x1, y1, (220, 222, 226), h)
    blinds = skia.Path()
    for yy in np.arange(y0 + 0.02 * h, y0 + 0.14 * h, 0.012 * h):
        blinds.addRect(skia.Rect(x0, float(yy), x1, float(yy) + 0.6 * 0.012 * h))
    _fill(canvas, blinds, _lit((226, 226, 222), time))
    # A desk on the left, where the computer prop stands.
    desk = (150, 128, 104)
    top = SETTING_SPECS["office"].props[0].bottom * h
    _rect(canvas, 0.0, top, 0.3 * w, top + 0.025 * h, _lit(desk, time))
    _rect(canvas, 0.02 * w, top + 0.025 * h, 0.04 * w, hz * h + 0.12 * h, _lit(_shade(desk, 0.8), time))
    _rect(canvas, 0.26 * w, top + 0.025 * h, 0.28 * w, hz * h + 0.12 * h, _lit(_shade(desk, 0.8), time))
    _rect(canvas, 0.0, hz * h - 3 * unit, 0.01 * w, hz * h, _lit(desk, time))


def restaurant(canvas, w, h, rng, time) -> None:
    hz = SETTING_SPECS["restaurant"].horizon
    _room(canvas, w, h, rng, time, (214, 194, 172), (190, 176, 160), hz, pattern="stripes", floor_kind="tiles",
          wainscot=(140, 108, 84))
    for x in (0.2, 0.5, 0.8):
        _pendant(canvas, x * w, 0.14 * h, time, h)
    _picture(canvas, rng, time, 0.32 * w, 0.22 * h, 0.44 * w, 0.34 * h, (120, 92, 70), h)
    _picture(canvas, rng, time, 0.56 * w, 0.22 * h, 0.68 * w, 0.34 * h, (120, 92, 70), h)
    # Two small tables with white cloths against the wall, where the plate props sit.
    for x in (0.14, 0.86):
        top = SETTING_SPECS["restaurant"].props[0].bottom * h
        cloth = skia.Path()
        cloth.addRect(skia.Rect((x - 0.09) * w, top, (x + 0.09) * w, top + 0.16 * h))
        _fill(canvas, cloth, _lit((236, 232, 226), time))
        _rect(canvas, (x - 0.09) * w, top, (x + 0.09) * w, top + 0.015 * h, _lit((214, 208, 200), time))


def library(canvas, w, h, rng, time) -> None:
    hz = SETTING_SPECS["library"].horizon
    _room(canvas, w, h, rng, time, (206, 192, 170), (160, 124, 92), hz)
    wood = (126, 92, 64)
    for x0, x1 in ((0.0, 0.3), (0.7, 1.0)):
        _shelf(canvas, rng, time, x0 * w, 0.04 * h, x1 * w, hz * h, wood, 5, h)
    _window(canvas, rng, time, 0.4 * w, 0.1 * h, 0.6 * w, 0.44 * h, (214, 200, 176), h)
    for x in (0.35, 0.65):
        _pendant(canvas, x * w, 0.08 * h, time, h, shade=(96, 120, 96))


def stage(canvas, w, h, rng, time) -> None:
    hz = SETTING_SPECS["stage"].horizon
    unit = h / 360
    dim = {"day": 1.0, "dawn": 0.92, "dusk": 0.85, "night": 0.62}[time]
    _vgrad(canvas, 0, 0, w, hz * h, [_shade((58, 46, 60), dim), _shade((92, 74, 84), dim)])
    # Stage boards, then the dark apron edge.
    _vgrad(canvas, 0, hz * h, w, 0.9 * h, [_shade((150, 116, 84), dim), _shade((176, 138, 100), dim)])
    boards = skia.Path()
    for xx in np.linspace(-w, 2 * w, 31):
        boards.moveTo(float(xx), hz * h)
        boards.lineTo(float(w / 2 + (xx - w / 2) * 1.4), 0.9 * h)
    _stroke(canvas, boards, _shade((130, 100, 72), dim), max(1.0, unit), 0.7)
    _vgrad(canvas, 0, 0.9 * h, w, h, [_shade((60, 40, 36), dim), _shade((36, 26, 24), dim)])
    # Spotlight pool in the middle.
    canvas.save()
    canvas.translate(w / 2, 0.8 * h)
    canvas.scale(1.0, 0.3)
    pool = skia.GradientShader.MakeRadial(skia.Point(0, 0), 0.36 * w,
                                          [_rgb((255, 236, 190), 0.4 * dim), _rgb((255, 236, 190), 0.0)])
    canvas.drawCircle(0, 0, 0.36 * w, _paint(Shader=pool, AntiAlias=True))
    canvas.restore()
    cone = skia.Path()
    cone.addPoly([skia.Point(0.46 * w, 0), skia.Point(0.54 * w, 0), skia.Point(0.7 * w, 0.86 * h),
                  skia.Point(0.3 * w, 0.86 * h)], True)
    _fill(canvas, cone, (255, 240, 210), 0.07)
    curtain = (150, 48, 56)
    for side in (0, 1):
        path = skia.Path()
        x_out, x_in = (0.0, 0.16) if side == 0 else (1.0, 0.84)
        path.moveTo(x_out * w, 0)
        path.lineTo(x_in * w, 0)
        path.quadTo((x_in + (0.04 if side == 0 else -0.04)) * w, 0.5 * h, (x_in - (0.05 if side == 0 else -0.05)) * w,
                    0.9 * h)
        path.lineTo(x_out * w, 0.9 * h)
        path.close()
        _fill(canvas, path, _shade(curtain, dim))
        folds = skia.Path()
        for k in range(1, 4):
            xx = (x_out + (x_in - x_out) * k / 4) * w
            folds.moveTo(xx, 0)
            folds.lineTo(xx - (0.02 if side == 0 else -0.02) * w * k / 4, 0.9 * h)
        _stroke(canvas, folds, _shade(curtain, 0.75 * dim), 2 * unit)
    valance = skia.Path()
    valance.moveTo(0, 0)
    valance.lineTo(w, 0)
    valance.lineTo(w, 0.1 * h)
    for k in range(8, -1, -1):
        valance.quadTo((k + 0.5) / 8 * w, 0.15 * h, k / 8 * w, 0.1 * h)
    valance.close()
    _fill(canvas, valance, _shade(_shade(curtain, 0.9), dim))


DRAW = {
    "living_room": living_room,
    "kitchen": kitchen,
    "bedroom": bedroom,
    "classroom": classroom,
    "office": office,
    "restaurant": restaurant,
    "library": library,
    "stage": stage,
}
