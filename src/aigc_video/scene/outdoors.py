"""Outdoor settings: streets and towns, parks and gardens, water, mountains, forests, farms,
stadiums, underwater, caves. Sky and ground by the time of day (`backgrounds.SKY`,
`GROUND_TINT`); at night windows light up and lamps glow. Habits: see `scenery`.
"""
from __future__ import annotations

import math

import numpy as np
import skia

from .backgrounds import SKY, _fill, _hill, _paint, _rgb, _sky, _stars, _tint, _vgrad
from .scenery import (_crowns, _glow, _house, _lamp_post, _night_sky_or_clouds, _outdoor, _range,
                      _rect, _shade, _stroke, _water)
from .settings import SETTING_SPECS


def street(canvas, w, h, rng, time) -> None:
    hz = SETTING_SPECS["street"].horizon
    unit = h / 360
    _outdoor(canvas, w, h, rng, time, 0.3)
    lit = time in ("night", "dusk")
    facades = ((200, 190, 176), (176, 184, 192), (190, 170, 160), (212, 204, 190), (168, 176, 168))
    walls = [skia.Path() for _ in facades]
    win_on, win_off, doors = skia.Path(), skia.Path(), skia.Path()
    x = -rng.random() * 0.1 * w
    while x < w:
        bw = (0.16 + 0.1 * rng.random()) * w
        top = (0.06 + 0.22 * rng.random()) * h
        k = int(rng.integers(0, len(facades)))
        walls[k].addRect(skia.Rect(x, top, x + bw, hz * h))
        cols = max(2, int(bw / (0.05 * w)))
        ww, wh = 0.025 * w, 0.05 * h
        for yy in np.arange(top + 0.04 * h, hz * h - 0.17 * h, 0.1 * h):
            for c in range(cols):
                xx = x + (c + 0.5) * bw / cols - ww / 2
                (win_on if lit and rng.random() < 0.45 else win_off).addRect(skia.Rect(xx, yy, xx + ww, yy + wh))
        doors.addRect(skia.Rect(x + 0.3 * bw, hz * h - 0.12 * h, x + 0.55 * bw, hz * h))
        x += bw
    for path, color in zip(walls, facades):
        _fill(canvas, path, _tint(color, time))
    _fill(canvas, win_off, _tint((132, 146, 160), time))
    _fill(canvas, win_on, (244, 210, 122))
    _fill(canvas, doors, _tint((110, 96, 86), time))
    # Sidewalk, kerb, road with a dashed centre line.
    _rect(canvas, 0, hz * h, w, 0.84 * h, _tint((196, 194, 188), time))
    joints = skia.Path()
    for xx in np.arange(0, w, 0.08 * w):
        joints.moveTo(float(xx), hz * h)
        joints.lineTo(float(xx - 0.02 * w), 0.84 * h)
    _stroke(canvas, joints, _tint((170, 168, 162), time), max(1.0, unit))
    _rect(canvas, 0, 0.84 * h, w, 0.86 * h, _tint((150, 150, 148), time))
    _rect(canvas, 0, 0.86 * h, w, h, _tint((92, 94, 100), time))
    dashes = skia.Path()
    for xx in np.arange(0.02 * w, w, 0.12 * w):
        dashes.addRect(skia.Rect(float(xx), 0.925 * h, float(xx + 0.06 * w), 0.935 * h))
    _fill(canvas, dashes, _tint((230, 226, 210), time))
    for x in (0.2, 0.8):
        _lamp_post(canvas, x * w, hz * h + 0.02 * h, 0.36 * h, time, h)


def park(canvas, w, h, rng, time) -> None:
    hz = SETTING_SPECS["park"].horizon
    _outdoor(canvas, w, h, rng, time, hz)
    _crowns(canvas, w, h, rng, hz - 0.06, 0.06, _tint((120, 150, 112), time), conifer=0.2)
    _fill(canvas, _hill(w, h, hz, 0.01, rng), _tint((150, 178, 124), time))
    _fill(canvas, _hill(w, h, hz + 0.14, 0.015, rng), _tint((136, 168, 110), time))
    path = skia.Path()  # a gravel path curving from the front into the distance
    path.moveTo(0.3 * w, h)
    path.cubicTo(0.4 * w, 0.8 * h, 0.62 * w, 0.72 * h, 0.52 * w, hz * h + 0.01 * h)
    path.lineTo(0.56 * w, hz * h + 0.01 * h)
    path.cubicTo(0.7 * w, 0.72 * h, 0.56 * w, 0.82 * h, 0.62 * w, h)
    path.close()
    _fill(canvas, path, _tint((216, 204, 176), time))
    for x in (0.3, 0.72):
        _lamp_post(canvas, x * w, (hz + 0.06) * h, 0.28 * h, time, h)


def garden(canvas, w, h, rng, time) -> None:
    hz = SETTING_SPECS["garden"].horizon
    unit = h / 360
    _outdoor(canvas, w, h, rng, time, hz)
    # Hedge along the back, a picket fence in front of it.
    hedge = skia.Path()
    for xx in np.arange(0, w + 0.05 * w, 0.05 * w):
        hedge.addCircle(float(xx), (hz - 0.14) * h, 0.045 * h)
    hedge.addRect(skia.Rect(0, (hz - 0.14) * h, w, hz * h + 0.01 * h))
    hedge.setFillType(skia.PathFillType.kWinding)
    _fill(canvas, hedge, _tint((104, 138, 96), time))
    _fill(canvas, _hill(w, h, hz, 0.004, rng), _tint((148, 178, 122), time))
    fence = skia.Path()
    for xx in np.arange(0.01 * w, w, 0.035 * w):
        fence.addPoly([skia.Point(float(xx), hz * h + 0.02 * h), skia.Point(float(xx), (hz - 0.1) * h),
                       skia.Point(float(xx) + 0.01 * w, (hz - 0.12) * h),
                       skia.Point(float(xx) + 0.02 * w, (hz - 0.1) * h),
                       skia.Point(float(xx) + 0.02 * w, hz * h + 0.02 * h)], True)
    fence.addRect(skia.Rect(0, (hz - 0.075) * h, w, (hz - 0.06) * h))
    fence.addRect(skia.Rect(0, (hz - 0.025) * h, w, (hz - 0.01) * h))
    fence.setFillType(skia.PathFillType.kWinding)
    _fill(canvas, fence, _tint((232, 228, 218), time))
    # Flower beds at both sides, muted dots on dark soil; stepping stones in the middle.
    blooms = ((214, 150, 160), (226, 206, 140), (186, 160, 206), (236, 232, 226))
    for x0, x1 in ((0.0, 0.3), (0.7, 1.0)):
        bed = skia.Rect(x0 * w, (hz + 0.05) * h, x1 * w, (hz + 0.13) * h)
        canvas.drawRoundRect(bed, 8 * unit, 8 * unit, _paint(Color=_rgb(_tint((122, 100, 80), time)), AntiAlias=True))
        dots = [skia.Path() for _ in blooms]
        for _ in range(40):
            k = int(rng.integers(0, len(blooms)))
            dots[k].addCircle(float((x0 + (x1 - x0) * rng.random()) * w),
                              float((hz + 0.06 + 0.06 * rng.random()) * h), 2.5 * unit)
        for path, color in zip(dots, blooms):
            _fill(canvas, path, _tint(color, time))
    stones = skia.Path()
    for k, yy in enumerate(np.linspace(hz + 0.06, 0.96, 5)):
        s = 0.02 + 0.02 * k / 4
        stones.addOval(skia.Rect((0.5 - 1.6 * s) * w * 1.0 + (k % 2 - 0.5) * 0.03 * w, (yy - s / 2) * h,
                                 (0.5 + 1.6 * s) * w + (k % 2 - 0.5) * 0.03 * w, (yy + s / 2) * h))
    _fill(canvas, stones, _tint((200, 196, 186), time))


def playground(canvas, w, h, rng, time) -> None:
    hz = SETTING_SPECS["playground"].horizon
    unit = h / 360
    _outdoor(canvas, w, h, rng, time, hz)
    _crowns(canvas, w, h, rng, hz - 0.05, 0.055, _tint((124, 152, 114), time))
    _rect(canvas, 0, hz * h, w, h, _tint((214, 196, 164), time))
    _fill(canvas, _hill(w, h, hz + 0.25, 0.01, rng), _tint((204, 184, 150), time))
    # A swing set on the left: an A-frame, a top bar and two swings.
    frame = skia.Path()
    base, top = (hz + 0.1) * h, (hz - 0.22) * h
    for x in (0.04, 0.28):
        frame.moveTo((x - 0.025) * w, base)
        frame.lineTo(x * w, top)
        frame.lineTo((x + 0.025) * w, base)
    frame.moveTo(0.04 * w, top)
    frame.lineTo(0.28 * w, top)
    _stroke(canvas, frame, _tint((120, 130, 150), time), 3 * unit)
    ropes = skia.Path()
    for x in (0.1, 0.16, 0.2, 0.24):
        ropes.moveTo(x * w, top)
        ropes.lineTo(x * w, base - 0.1 * h)
    ropes.moveTo(0.095 * w, base - 0.1 * h)
    ropes.lineTo(0.165 * w, base - 0.1 * h)
    ropes.moveTo(0.195 * w, base - 0.1 * h)
    ropes.lineTo(0.245 * w, base - 0.1 * h)
    _stroke(canvas, ropes, _tint((110, 100, 94), time), 1.5 * unit)
    # A low fence along the back.
    rail = skia.Path()
    rail.addRect(skia.Rect(0, (hz - 0.05) * h, w, (hz - 0.04) * h))
    for xx in np.arange(0, w, 0.03 * w):
        rail.addRect(skia.Rect(float(xx), (hz - 0.06) * h, float(xx) + 1.5 * unit, hz * h))
    _fill(canvas, rail, _tint((170, 164, 150), time))


def beach(canvas, w, h, rng, time) -> None:
    spec = SETTING_SPECS["beach"]
    _outdoor(canvas, w, h, rng, time, 0.46)
    _water(canvas, w, h, rng, 0.46, spec.horizon + 0.02, (110, 152, 178), (90, 146, 170), time)
    _fill(canvas, _hill(w, h, spec.horizon, 0.008, rng), _tint((224, 230, 228), time))   # foam
    _fill(canvas, _hill(w, h, spec.horizon + 0.015, 0.008, rng), _tint((200, 184, 154), time))  # wet sand
    _fill(canvas, _hill(w, h, spec.horizon + 0.06, 0.012, rng), _tint((232, 216, 182), time))
    _fill(canvas, _hill(w, h, spec.horizon + 0.3, 0.015, rng), _tint((224, 206, 170), time))


def lake(canvas, w, h, rng, time) -> None:
    spec = SETTING_SPECS["lake"]
    hz = spec.surface
    _outdoor(canvas, w, h, rng, time, hz)
    # Far mountains, then their reflection flipped under the waterline.
    canvas.save()
    _range(canvas, w, h, np.random.default_rng(int(rng.integers(1 << 30))), hz, 0.22, _tint((150, 160, 182), time), 4,
           snow=_tint((236, 238, 242), time))
    _crowns(canvas, w, h, rng, hz - 0.02, 0.025, _tint((104, 132, 108), time), conifer=0.8)
    canvas.restore()
    _water(canvas, w, h, rng, hz, spec.horizon, (150, 170, 188), (110, 146, 170), time, glints=18)
    canvas.save()
    canvas.clipRect(skia.Rect(0, hz * h, w, spec.horizon * h))
    canvas.translate(0, 2 * hz * h)
    canvas.scale(1, -1)
    _crowns(canvas, w, h, np.random.default_rng(3), hz - 0.02, 0.025, _tint((104, 132, 108), time), conifer=0.8)
    canvas.restore()
    _rect(canvas, 0, hz * h, w, spec.horizon * h, _tint((130, 160, 180), time), 0.35)
    _fill(canvas, _hill(w, h, spec.horizon, 0.01, rng), _tint((150, 174, 124), time))
    _fill(canvas, _hill(w, h, spec.horizon + 0.12, 0.015, rng), _tint((136, 166, 112), time))


def river(canvas, w, h, rng, time) -> None:
    hz = SETTING_SPECS["river"].horizon
    _outdoor(canvas, w, h, rng, time, hz)
    _range(canvas, w, h, rng, hz + 0.01, 0.1, _tint((160, 170, 180), time), 5)
    _crowns(canvas, w, h, rng, hz - 0.02, 0.03, _tint((116, 144, 110), time))
    _fill(canvas, _hill(w, h, hz, 0.006, rng), _tint((150, 178, 124), time))
    water = skia.Path()  # winding from the distance to the front, widening
    water.moveTo(0.46 * w, hz * h + 0.01 * h)
    water.cubicTo(0.3 * w, 0.7 * h, 0.75 * w, 0.78 * h, 0.5 * w, h)
    water.lineTo(0.98 * w, h)
    water.cubicTo(1.0 * w, 0.78 * h, 0.4 * w, 0.7 * h, 0.52 * w, hz * h + 0.01 * h)
    water.close()
    shader = skia.GradientShader.MakeLinear([skia.Point(0, hz * h), skia.Point(0, h)],
                                            [_rgb(_tint((168, 190, 206), time)), _rgb(_tint((104, 144, 170), time))])
    canvas.drawPath(water, _paint(Shader=shader, AntiAlias=True))
    canvas.save()
    canvas.clipPath(water, doAntiAlias=True)
    _water(canvas, w, h, rng, hz + 0.05, 1.0, (120, 156, 180), (104, 144, 170), time, glints=20)
    canvas.restore()
    bank = skia.Path()
    bank.addPath(water)
    _stroke(canvas, bank, _tint((130, 150, 110), time), max(1.0, 0.006 * h))


def mountains(canvas, w, h, rng, time) -> None:
    hz = SETTING_SPECS["mountains"].horizon
    _outdoor(canvas, w, h, rng, time, hz)
    _range(canvas, w, h, rng, hz, 0.38, _tint((158, 168, 192), time), 4, snow=_tint((240, 242, 246), time))
    _range(canvas, w, h, rng, hz + 0.04, 0.24, _tint((124, 140, 160), time), 5, snow=_tint((226, 230, 236), time))
    _crowns(canvas, w, h, rng, hz + 0.02, 0.025, _tint((96, 124, 104), time), conifer=0.9)
    _fill(canvas, _hill(w, h, hz + 0.04, 0.012, rng), _tint((146, 170, 120), time))
    _fill(canvas, _hill(w, h, hz + 0.2, 0.02, rng), _tint((132, 160, 106), time))


def forest(canvas, w, h, rng, time) -> None:
    hz = SETTING_SPECS["forest"].horizon
    _outdoor(canvas, w, h, rng, time, 0.3)
    _crowns(canvas, w, h, rng, 0.3, 0.08, _tint((138, 164, 140), time), density=1.3, conifer=0.6)
    _crowns(canvas, w, h, rng, 0.4, 0.1, _tint((110, 140, 112), time), density=1.2, conifer=0.5)
    _fill(canvas, _hill(w, h, hz - 0.02, 0.01, rng), _tint((136, 150, 108), time))
    # Trunks at the sides, crowns above them; the middle stays open.
    trunks, leaves = skia.Path(), skia.Path()
    for x in (0.02, 0.1, 0.2, 0.8, 0.9, 0.98):
        xx = (x + 0.02 * (rng.random() - 0.5)) * w
        tw = (0.012 + 0.01 * rng.random()) * w
        trunks.addRect(skia.Rect(xx - tw, 0, xx + tw, (hz + 0.05 * rng.random()) * h))
        leaves.addCircle(xx, (0.05 + 0.1 * rng.random()) * h, (0.12 + 0.05 * rng.random()) * h)
    _fill(canvas, trunks, _tint((110, 88, 72), time))
    _fill(canvas, leaves, _tint((92, 122, 90), time))
    _fill(canvas, _hill(w, h, hz + 0.12, 0.015, rng), _tint((126, 138, 98), time))


def bamboo_forest(canvas, w, h, rng, time) -> None:
    hz = SETTING_SPECS["bamboo_forest"].horizon
    unit = h / 360
    top = SKY[time][0]
    mist = _tint((214, 226, 204), time)
    _vgrad(canvas, 0, 0, w, hz * h, [_tint((190, 210, 186), time) if time != "night" else top, mist])
    if time == "night":
        _stars(canvas, w, h, rng, 0.25, density=0.6)
    _rect(canvas, 0, hz * h, w, h, _tint((170, 176, 136), time))
    _fill(canvas, _hill(w, h, hz + 0.14, 0.01, rng), _tint((156, 164, 124), time))
    # Three depths of stalks: pale and thin far away, greener and thicker near; the nearest
    # only at the sides so the middle stays free.
    for depth, (color, thick, count) in enumerate((((176, 196, 164), 0.006, 26), ((142, 172, 126), 0.01, 16),
                                                   ((108, 146, 96), 0.02, 7))):
        stalks, nodes, leaves = skia.Path(), skia.Path(), skia.Path()
        for _ in range(count):
            x = rng.random() * w
            if depth == 2 and 0.28 * w < x < 0.72 * w:
                x = x * 0.4 if x < w / 2 else w - (w - x) * 0.4
            sw = thick * w * (0.8 + 0.4 * rng.random())
            base = (hz + 0.02 * depth + 0.02 * rng.random()) * h
            stalks.addRect(skia.Rect(x - sw / 2, 0, x + sw / 2, base))
            for yy in np.arange(base - (0.06 + 0.04 * rng.random()) * h, 0, -0.09 * h):
                nodes.addRect(skia.Rect(x - sw / 2 - 0.5 * unit, float(yy),
                                        x + sw / 2 + 0.5 * unit, float(yy) + 1.5 * unit))
                if rng.random() < 0.35:
                    side = 1 if rng.random() < 0.5 else -1
                    lx, ly, ll = x + side * sw / 2, float(yy), (0.03 + 0.02 * depth) * h
                    leaves.addPoly([skia.Point(lx, ly), skia.Point(lx + side * ll, ly - 0.2 * ll),
                                    skia.Point(lx + side * 1.5 * ll, ly + 0.2 * ll),
                                    skia.Point(lx + side * ll, ly + 0.2 * ll)],
                                   True)
        c = _tint(color, time)
        _fill(canvas, stalks, c)
        _fill(canvas, nodes, _shade(c, 0.85))
        _fill(canvas, leaves, _shade(c, 0.92))


def jungle(canvas, w, h, rng, time) -> None:
    hz = SETTING_SPECS["jungle"].horizon
    unit = h / 360
    _vgrad(canvas, 0, 0, w, hz * h, [_tint((120, 150, 120), time), _tint((176, 196, 164), time)])
    if time == "night":
        _stars(canvas, w, h, rng, 0.15, density=0.4)
    _crowns(canvas, w, h, rng, 0.42, 0.09, _tint((118, 150, 108), time), density=1.4)
    _rect(canvas, 0, hz * h, w, h, _tint((118, 128, 86), time))
    _fill(canvas, _hill(w, h, hz + 0.13, 0.012, rng), _tint((104, 118, 78), time))
    canopy = skia.Path()
    for xx in np.arange(0, w + 0.06 * w, 0.06 * w):
        canopy.addCircle(float(xx), (0.02 + 0.04 * rng.random()) * h, (0.08 + 0.04 * rng.random()) * h)
    _fill(canvas, canopy, _tint((76, 112, 72), time))
    vines = skia.Path()
    for _ in range(9):
        x = rng.random() * w
        length = (0.15 + 0.3 * rng.random()) * h
        vines.moveTo(x, 0)
        vines.quadTo(x + (rng.random() - 0.5) * 0.06 * w, length / 2, x + (rng.random() - 0.5) * 0.03 * w, length)
    _stroke(canvas, vines, _tint((86, 116, 72), time), 2 * unit)
    # Big leaves fanning out of the bottom corners.
    leaves = skia.Path()
    for cx, sign in ((0.0, 1), (1.0, -1)):
        for k in range(5):
            ang = math.radians(-80 + 18 * k)
            ll = (0.3 + 0.1 * rng.random()) * h
            bx, by = cx * w, h
            tx, ty = bx + sign * ll * math.cos(ang) * 1.1, by + ll * math.sin(ang)
            nx, ny = -(ty - by) * 0.22, (tx - bx) * 0.22
            mx, my = (bx + tx) / 2, (by + ty) / 2
            leaves.moveTo(bx, by)
            leaves.quadTo(mx + nx, my + ny, tx, ty)
            leaves.quadTo(mx - nx, my - ny, bx, by)
    _fill(canvas, leaves, _tint((90, 134, 84), time))


def farm(canvas, w, h, rng, time) -> None:
    hz = SETTING_SPECS["farm"].horizon
    unit = h / 360
    _outdoor(canvas, w, h, rng, time, hz)
    _fill(canvas, _hill(w, h, hz - 0.03, 0.02, rng), _tint((150, 172, 130), time))
    # Barn and silo at the back right.
    bx, bw, bh = 0.7 * w, 0.16 * w, 0.14 * h
    base = (hz + 0.01) * h
    barn = (176, 96, 84)
    _rect(canvas, bx, base - bh, bx + bw, base, _tint(barn, time))
    roof = skia.Path()
    roof.addPoly([skia.Point(bx - 0.01 * w, base - bh), skia.Point(bx + 0.2 * bw, base - 1.45 * bh),
                  skia.Point(bx + 0.8 * bw, base - 1.45 * bh), skia.Point(bx + bw + 0.01 * w, base - bh)], True)
    _fill(canvas, roof, _tint((118, 86, 80), time))
    _rect(canvas, bx + 0.35 * bw, base - 0.6 * bh, bx + 0.65 * bw, base, _tint((232, 224, 212), time))
    _rect(canvas, bx + 0.38 * bw, base - 0.57 * bh, bx + 0.62 * bw, base, _tint((140, 76, 68), time))
    _rect(canvas, bx + bw + 0.01 * w, base - 1.8 * bh, bx + bw + 0.06 * w, base, _tint((190, 190, 186), time))
    canvas.drawCircle(bx + bw + 0.035 * w, base - 1.8 * bh, 0.025 * w, _paint(Color=_rgb(_tint((170, 170, 168), time)),
                                                                             AntiAlias=True))
    # Ploughed field rows converging to the horizon, then a wooden fence.
    _rect(canvas, 0, base, w, h, _tint((168, 176, 120), time))
    rows = skia.Path()
    for xx in np.linspace(-1.5 * w, 2.5 * w, 40):
        rows.moveTo(float(w / 2 + (xx - w / 2) * 0.25), base)
        rows.lineTo(float(xx), h)
    _stroke(canvas, rows, _tint((140, 150, 98), time), 2 * unit)
    fence = skia.Path()
    fy = (hz + 0.1) * h
    fence.addRect(skia.Rect(0, fy - 0.05 * h, w, fy - 0.042 * h))
    fence.addRect(skia.Rect(0, fy - 0.025 * h, w, fy - 0.017 * h))
    for xx in np.arange(0.01 * w, w, 0.08 * w):
        fence.addRect(skia.Rect(float(xx), fy - 0.07 * h, float(xx) + 3 * unit, fy))
    _fill(canvas, fence, _tint((150, 120, 92), time))


def wheat_field(canvas, w, h, rng, time) -> None:
    hz = SETTING_SPECS["wheat_field"].horizon
    unit = h / 360
    _outdoor(canvas, w, h, rng, time, hz)
    _crowns(canvas, w, h, rng, hz - 0.02, 0.03, _tint((128, 150, 112), time))
    _vgrad(canvas, 0, hz * h, w, h, [_tint((226, 200, 140), time), _tint((214, 176, 104), time)])
    bands = skia.Path()
    for k in range(1, 9):
        yy = (hz + (1 - hz) * (k / 9) ** 1.6) * h
        bands.addRect(skia.Rect(0, yy, w, yy + (1.5 + k) * unit))
    _fill(canvas, bands, _tint((200, 166, 100), time), 0.7)
    # Ears of wheat along the front edge.
    ears = skia.Path()
    for xx in np.arange(0, w, 0.012 * w):
        x = float(xx + 0.01 * w * rng.random())
        top = (0.9 + 0.05 * rng.random()) * h
        ears.moveTo(x, h)
        ears.lineTo(x + 0.005 * w, top)
    _stroke(canvas, ears, _tint((190, 150, 86), time), 1.5 * unit)


def stadium(canvas, w, h, rng, time) -> None:
    hz = SETTING_SPECS["stadium"].horizon
    unit = h / 360
    _sky(canvas, w, h, time, bottom=0.3)
    if time == "night":
        _stars(canvas, w, h, rng, 0.15, density=0.5)
    # Tiers of stands: a muted band each, with specks of crowd.
    tiers = ((150, 156, 168), (134, 140, 156), (120, 126, 142))
    y = 0.16 * h
    for k, color in enumerate(tiers):
        y1 = y + (0.12 + 0.02 * k) * h
        _rect(canvas, 0, y, w, y1, _tint(color, time))
        crowd = skia.Path()
        for yy in np.arange(y + 0.015 * h, y1 - 0.01 * h, 0.028 * h):
            for xx in np.arange(rng.random() * 0.01 * w, w, 0.012 * w):
                if rng.random() < 0.7:
                    crowd.addCircle(float(xx), float(yy), 1.6 * unit)
        _fill(canvas, crowd, _tint(_shade(color, 1.25), time), 0.8)
        _rect(canvas, 0, y1 - 1 * unit, w, y1 + 1 * unit, _tint(_shade(color, 0.8), time))
        y = y1
    _rect(canvas, 0, 0.13 * h, w, 0.16 * h, _tint((96, 100, 112), time))  # roof edge
    for x in (0.08, 0.92):  # floodlights
        _rect(canvas, x * w - 1.5 * unit, 0.0, x * w + 1.5 * unit, 0.14 * h, _tint((90, 94, 104), time))
        _rect(canvas, x * w - 0.04 * w, 0.02 * h, x * w + 0.04 * w, 0.07 * h,
              (250, 246, 226) if time in ("night", "dusk") else _tint((220, 222, 226), time))
        if time in ("night", "dusk"):
            _glow(canvas, x * w, 0.045 * h, 0.2 * h, (255, 250, 230), 0.45)
    _rect(canvas, 0, y, w, hz * h, _tint((120, 120, 124), time))  # the wall in front of the stands
    # The pitch, mown in stripes, with white lines.
    _rect(canvas, 0, hz * h, w, h, _tint((132, 170, 112), time))
    stripes = skia.Path()
    for xx in np.linspace(-1.5 * w, 2.5 * w, 17)[::2]:
        dx = 4 * w / 16
        stripes.addPoly([skia.Point(float(w / 2 + (xx - w / 2) * 0.4), hz * h),
                         skia.Point(float(w / 2 + (xx + dx - w / 2) * 0.4), hz * h),
                         skia.Point(float(xx + dx), h), skia.Point(float(xx), h)], True)
    _fill(canvas, stripes, _tint((146, 182, 124), time))
    lines = skia.Path()
    lines.moveTo(0, (hz + 0.04) * h)
    lines.lineTo(w, (hz + 0.04) * h)
    lines.addOval(skia.Rect(0.36 * w, (hz + 0.14) * h, 0.64 * w, (hz + 0.32) * h))
    lines.moveTo(0.5 * w, (hz + 0.04) * h)
    lines.lineTo(0.5 * w, h)
    _stroke(canvas, lines, _tint((236, 240, 232), time), 2 * unit, 0.85)


def underwater(canvas, w, h, rng, time) -> None:
    hz = SETTING_SPECS["underwater"].horizon
    unit = h / 360
    _vgrad(canvas, 0, 0, w, h, [_tint((124, 186, 204), time), _tint((66, 124, 156), time),
                                _tint((46, 96, 130), time)], [0.0, 0.55, 1.0])
    rays = skia.Path()
    for _ in range(5):
        x = rng.random() * w
        rays.addPoly([skia.Point(x, 0), skia.Point(x + 0.04 * w, 0), skia.Point(x + 0.18 * w, 0.8 * h),
                      skia.Point(x + 0.08 * w, 0.8 * h)], True)
    _fill(canvas, rays, (236, 248, 250), 0.08 if time != "night" else 0.03)
    _fill(canvas, _hill(w, h, hz, 0.015, rng), _tint((196, 184, 150), time))
    _fill(canvas, _hill(w, h, hz + 0.1, 0.01, rng), _tint((182, 170, 138), time))
    weed = skia.Path()
    for x in list(rng.random(4) * 0.25) + list(0.75 + rng.random(4) * 0.25):
        xx, length = x * w, (0.2 + 0.25 * rng.random()) * h
        weed.moveTo(xx, hz * h + 0.03 * h)
        for k in range(1, 7):
            weed.lineTo(xx + 0.015 * w * math.sin(k * 1.3 + x * 9), hz * h + 0.03 * h - length * k / 6)
    _stroke(canvas, weed, _tint((96, 146, 112), time), 4 * unit)
    bubbles = skia.Path()
    for _ in range(14):
        bubbles.addCircle(float(rng.random() * w), float(rng.random() * 0.7 * h), (1.5 + 3 * rng.random()) * unit)
    _stroke(canvas, bubbles, _tint((226, 242, 246), time), max(1.0, unit), 0.6)


def cave(canvas, w, h, rng, time) -> None:
    hz = SETTING_SPECS["cave"].horizon
    unit = h / 360
    rock = (122, 110, 100)
    _vgrad(canvas, 0, 0, w, h, [_tint(_shade(rock, 0.7), time), _tint(rock, time)])
    # The mouth of the cave at the back, showing the sky.
    mouth = skia.Path()
    mouth.moveTo(0.3 * w, hz * h)
    mouth.cubicTo(0.28 * w, 0.18 * h, 0.72 * w, 0.14 * h, 0.7 * w, hz * h)
    mouth.close()
    canvas.save()
    canvas.clipPath(mouth, doAntiAlias=True)
    _sky(canvas, w, h, time, bottom=hz)
    _night_sky_or_clouds(canvas, w, h, rng, time, hz)
    _fill(canvas, _hill(w, h, hz - 0.05, 0.02, rng), _tint((150, 172, 130), time))
    canvas.restore()
    _stroke(canvas, mouth, _tint(_shade(rock, 0.6), time), 3 * unit)
    # Stalactites from the ceiling, a rough floor.
    drips = skia.Path()
    for xx in np.arange(0, w, 0.045 * w):
        x = float(xx + 0.02 * w * rng.random())
        drips.addPoly([skia.Point(x - 0.015 * w, 0), skia.Point(x + 0.015 * w, 0),
                       skia.Point(x + 0.002 * w, (0.05 + 0.12 * rng.random()) * h)], True)
    _fill(canvas, drips, _tint(_shade(rock, 0.62), time))
    _fill(canvas, _hill(w, h, hz, 0.012, rng), _tint((140, 128, 114), time))
    _fill(canvas, _hill(w, h, hz + 0.16, 0.02, rng), _tint((128, 116, 104), time))
    rocks = skia.Path()
    for x in (0.04, 0.12, 0.88, 0.96):
        rocks.addPoly([skia.Point((x - 0.04) * w, (hz + 0.06) * h),
                       skia.Point(x * w, (hz - 0.1 - 0.08 * rng.random()) * h),
                       skia.Point((x + 0.04) * w, (hz + 0.06) * h)], True)
    _fill(canvas, rocks, _tint(_shade(rock, 0.8), time))


def village(canvas, w, h, rng, time) -> None:
    hz = SETTING_SPECS["village"].horizon
    unit = h / 360
    _outdoor(canvas, w, h, rng, time, hz)
    _fill(canvas, _hill(w, h, hz - 0.06, 0.03, rng), _tint((152, 174, 132), time))
    walls = ((226, 218, 200), (214, 206, 196), (232, 226, 214))
    roofs = ((168, 110, 96), (132, 110, 100), (120, 124, 140))
    for row, (y, size) in enumerate(((hz - 0.03, 0.06), (hz + 0.02, 0.09))):
        x = -rng.random() * 0.08 * w
        while x < w:
            bw = size * h * (1.0 + 0.4 * rng.random())
            if not (row == 1 and 0.3 * w < x + bw / 2 < 0.7 * w):   # keep the middle of the front row open
                k = int(rng.integers(0, 3))
                _house(canvas, x, y * h, bw, 0.8 * bw, walls[k], roofs[int(rng.integers(0, 3))], time, rng, unit)
            x += bw * (1.35 + 0.5 * rng.random())
        if row == 0:
            _crowns(canvas, w, h, rng, hz + 0.015, 0.02, _tint((116, 148, 106), time), density=0.4)
    _fill(canvas, _hill(w, h, hz + 0.03, 0.008, rng), _tint((146, 174, 118), time))
    path = skia.Path()
    path.addPoly([skia.Point(0.44 * w, (hz + 0.03) * h), skia.Point(0.56 * w, (hz + 0.03) * h),
                  skia.Point(0.7 * w, h), skia.Point(0.3 * w, h)], True)
    _fill(canvas, path, _tint((206, 192, 164), time))


def road(canvas, w, h, rng, time) -> None:
    hz = SETTING_SPECS["road"].horizon
    unit = h / 360
    _outdoor(canvas, w, h, rng, time, hz)
    _range(canvas, w, h, rng, hz, 0.1, _tint((164, 172, 186), time), 5)
    _fill(canvas, _hill(w, h, hz, 0.004, rng), _tint((150, 176, 124), time))
    vx = 0.5 * w
    asphalt = skia.Path()
    asphalt.addPoly([skia.Point(vx - 0.01 * w, hz * h), skia.Point(vx + 0.01 * w, hz * h),
                     skia.Point(1.1 * w, h), skia.Point(-0.1 * w, h)], True)
    _fill(canvas, asphalt, _tint((120, 122, 128), time))
    marks = skia.Path()
    for k in range(8):  # dashes growing toward the viewer
        t0, t1 = (k / 8) ** 2, ((k + 0.5) / 8) ** 2
        y0, y1 = hz * h + (h - hz * h) * t0, hz * h + (h - hz * h) * t1
        hw0, hw1 = 0.002 * w + 0.01 * w * t0, 0.002 * w + 0.01 * w * t1
        marks.addPoly([skia.Point(vx - hw0, y0), skia.Point(vx + hw0, y0), skia.Point(vx + hw1, y1),
                       skia.Point(vx - hw1, y1)], True)
    for side in (-1, 1):  # edge lines
        marks.addPoly([skia.Point(vx + side * 0.009 * w, hz * h), skia.Point(vx + side * 0.011 * w, hz * h),
                       skia.Point(vx + side * 0.52 * w, h), skia.Point(vx + side * 0.5 * w, h)], True)
    _fill(canvas, marks, _tint((232, 230, 220), time))
    for k in range(4):  # poles along the road
        t = ((k + 1) / 5) ** 2
        y = hz * h + (h - hz * h) * t
        for side in (-1, 1):
            x = vx + side * (0.02 + 0.62 * t) * w
            ph = (0.03 + 0.3 * t) * h
            _rect(canvas, x - (0.5 + 2 * t) * unit, y - ph, x + (0.5 + 2 * t) * unit, y, _tint((120, 110, 100), time))


def airport(canvas, w, h, rng, time) -> None:
    hz = SETTING_SPECS["airport"].horizon
    unit = h / 360
    _outdoor(canvas, w, h, rng, time, hz)
    lit = time in ("night", "dusk")
    # Terminal with a glass front and the control tower.
    base = (hz - 0.02) * h
    _rect(canvas, 0.05 * w, base - 0.1 * h, 0.62 * w, base, _tint((190, 194, 200), time))
    glass = skia.Path()
    for xx in np.arange(0.06 * w, 0.61 * w, 0.03 * w):
        glass.addRect(skia.Rect(float(xx), base - 0.085 * h, float(xx) + 0.025 * w, base - 0.02 * h))
    _fill(canvas, glass, (236, 214, 150) if lit else _tint((150, 176, 196), time))
    roof = skia.Path()
    roof.moveTo(0.03 * w, base - 0.1 * h)
    roof.quadTo(0.335 * w, base - 0.16 * h, 0.64 * w, base - 0.1 * h)
    roof.close()
    _fill(canvas, roof, _tint((170, 176, 186), time))
    tx = 0.8 * w
    _rect(canvas, tx - 0.012 * w, base - 0.3 * h, tx + 0.012 * w, base, _tint((184, 186, 190), time))
    cab = skia.Path()
    cab.addPoly([skia.Point(tx - 0.04 * w, base - 0.34 * h), skia.Point(tx + 0.04 * w, base - 0.34 * h),
                 skia.Point(tx + 0.03 * w, base - 0.28 * h), skia.Point(tx - 0.03 * w, base - 0.28 * h)], True)
    _fill(canvas, cab, (236, 214, 150) if lit else _tint((140, 164, 184), time))
    _rect(canvas, tx - 0.042 * w, base - 0.36 * h, tx + 0.042 * w, base - 0.34 * h, _tint((150, 154, 160), time))
    # Grass verge, then the apron and the runway with its markings.
    _rect(canvas, 0, base, w, hz * h + 0.04 * h, _tint((150, 172, 128), time))
    _vgrad(canvas, 0, hz * h + 0.04 * h, w, h, [_tint((150, 152, 156), time), _tint((124, 126, 132), time)])
    marks = skia.Path()
    for xx in np.arange(0.02 * w, w, 0.1 * w):
        marks.addRect(skia.Rect(float(xx), 0.82 * h, float(xx) + 0.05 * w, 0.83 * h))
    marks.addRect(skia.Rect(0, 0.72 * h, w, 0.726 * h))
    marks.addRect(skia.Rect(0, 0.92 * h, w, 0.926 * h))
    _fill(canvas, marks, _tint((236, 234, 226), time))
    edge = skia.Path()
    for xx in np.arange(0.03 * w, w, 0.08 * w):
        edge.addCircle(float(xx), 0.715 * h, 1.8 * unit)
    _fill(canvas, edge, (250, 226, 150) if lit else _tint((200, 200, 196), time))


def train_station(canvas, w, h, rng, time) -> None:
    hz = SETTING_SPECS["train_station"].horizon
    unit = h / 360
    _outdoor(canvas, w, h, rng, time, 0.5)
    _crowns(canvas, w, h, rng, 0.5, 0.05, _tint((140, 160, 140), time))
    # Back wall of the platform building, a canopy on pillars, the clock.
    _rect(canvas, 0, 0.22 * h, w, hz * h, _tint((204, 196, 184), time))
    bricks = skia.Path()
    for yy in np.arange(0.24 * h, hz * h, 0.03 * h):
        bricks.moveTo(0, float(yy))
        bricks.lineTo(w, float(yy))
    _stroke(canvas, bricks, _tint((190, 180, 168), time), max(1.0, unit))
    lit = time in ("night", "dusk")
    wins = skia.Path()
    for xx in np.arange(0.05 * w, w, 0.16 * w):
        wins.addRect(skia.Rect(float(xx), 0.3 * h, float(xx) + 0.08 * w, 0.46 * h))
    _fill(canvas, wins, (240, 212, 140) if lit else _tint((150, 170, 186), time))
    _rect(canvas, 0, 0.1 * h, w, 0.15 * h, _tint((110, 120, 132), time))
    pillars = skia.Path()
    for xx in np.arange(0.12 * w, w, 0.25 * w):
        pillars.addRect(skia.Rect(float(xx) - 2 * unit, 0.15 * h, float(xx) + 2 * unit, hz * h + 0.12 * h))
    _fill(canvas, pillars, _tint((96, 104, 116), time))
    sign = skia.Rect(0.42 * w, 0.16 * h, 0.58 * w, 0.21 * h)
    canvas.drawRect(sign, _paint(Color=_rgb(_tint((60, 86, 130), time)), AntiAlias=True))
    _rect(canvas, 0.45 * w, 0.18 * h, 0.55 * w, 0.19 * h, _tint((230, 232, 236), time))
    # Platform, its yellow safety line, then the tracks in front.
    _rect(canvas, 0, hz * h, w, 0.86 * h, _tint((184, 182, 178), time))
    _rect(canvas, 0, 0.83 * h, w, 0.845 * h, _tint((222, 196, 96), time))
    _rect(canvas, 0, 0.86 * h, w, h, _tint((110, 100, 94), time))
    ties = skia.Path()
    for xx in np.arange(0, w, 0.03 * w):
        ties.addRect(skia.Rect(float(xx), 0.9 * h, float(xx) + 0.012 * w, 0.98 * h))
    _fill(canvas, ties, _tint((130, 112, 96), time))
    _rect(canvas, 0, 0.91 * h, w, 0.918 * h, _tint((168, 170, 176), time))
    _rect(canvas, 0, 0.96 * h, w, 0.968 * h, _tint((168, 170, 176), time))
    if lit:
        for xx in np.arange(0.12 * w, w, 0.25 * w):
            _glow(canvas, float(xx) + 0.12 * w, 0.16 * h, 0.12 * h, alpha=0.4)


def harbor(canvas, w, h, rng, time) -> None:
    spec = SETTING_SPECS["harbor"]
    unit = h / 360
    _outdoor(canvas, w, h, rng, time, 0.5)
    lit = time in ("night", "dusk")
    # Warehouses and cranes on the far quay.
    sheds = skia.Path()
    lights = skia.Path()
    x = 0.0
    while x < w:
        bw = (0.08 + 0.08 * rng.random()) * w
        bh = (0.04 + 0.05 * rng.random()) * h
        sheds.addRect(skia.Rect(x, 0.5 * h - bh, x + bw - 2 * unit, 0.5 * h))
        if lit:
            for xx in np.arange(x + 0.01 * w, x + bw - 0.02 * w, 0.025 * w):
                if rng.random() < 0.5:
                    y = 0.5 * h - 0.6 * bh
                    lights.addRect(skia.Rect(float(xx), y, float(xx) + 2 * unit, y + 2 * unit))
        x += bw
    _fill(canvas, sheds, _tint((150, 156, 166), time))
    _fill(canvas, lights, (246, 214, 140))
    cranes = skia.Path()
    for cx in (0.2, 0.62):
        cx *= w
        cranes.moveTo(cx, 0.5 * h)
        cranes.lineTo(cx, 0.24 * h)
        cranes.moveTo(cx - 0.04 * w, 0.26 * h)
        cranes.lineTo(cx + 0.14 * w, 0.26 * h)
        cranes.moveTo(cx + 0.1 * w, 0.26 * h)
        cranes.lineTo(cx + 0.1 * w, 0.36 * h)
        cranes.moveTo(cx, 0.24 * h)
        cranes.lineTo(cx + 0.12 * w, 0.26 * h)
    _stroke(canvas, cranes, _tint((176, 120, 100), time), 2.5 * unit)
    _water(canvas, w, h, rng, 0.5, spec.horizon, (120, 150, 170), (82, 122, 150), time, glints=18)
    # The pier in front: planks and bollards.
    _rect(canvas, 0, spec.horizon * h, w, h, _tint((160, 132, 104), time))
    planks = skia.Path()
    for xx in np.arange(0, w, 0.06 * w):
        planks.moveTo(float(xx), spec.horizon * h)
        planks.lineTo(float(xx), h)
    _stroke(canvas, planks, _tint((134, 108, 84), time), 1.5 * unit)
    _rect(canvas, 0, spec.horizon * h, w, spec.horizon * h + 0.02 * h, _tint((120, 98, 78), time))
    for x in (0.3, 0.7):
        _rect(canvas, x * w - 0.012 * w, (spec.horizon - 0.03) * h, x * w + 0.012 * w, spec.horizon * h + 0.01 * h,
              _tint((70, 72, 78), time))


def swimming_pool(canvas, w, h, rng, time) -> None:
    spec = SETTING_SPECS["swimming_pool"]
    unit = h / 360
    hz = spec.horizon
    _outdoor(canvas, w, h, rng, time, 0.3)
    _crowns(canvas, w, h, rng, 0.3, 0.05, _tint((124, 154, 116), time))
    _rect(canvas, 0, 0.3 * h, w, hz * h, _tint((222, 220, 212), time))   # wall behind the deck
    tiles = skia.Path()
    for xx in np.arange(0, w, 0.03 * h):
        tiles.moveTo(float(xx), 0.3 * h)
        tiles.lineTo(float(xx), hz * h)
    _stroke(canvas, tiles, _tint((206, 204, 196), time), max(1.0, unit))
    # Deck, then the pool with lane ropes and a light pattern.
    _rect(canvas, 0, hz * h, w, h, _tint((226, 222, 210), time))
    py0 = spec.surface * h
    _vgrad(canvas, 0, py0, w, 0.96 * h, [_tint((140, 200, 210), time), _tint((92, 170, 190), time)])
    caustics = skia.Path()
    for _ in range(30):
        x, y = rng.random() * w, py0 + rng.random() * (0.96 * h - py0)
        caustics.moveTo(x, y)
        caustics.quadTo(x + 0.02 * w, y - 0.01 * h, x + 0.04 * w, y)
    _stroke(canvas, caustics, (236, 250, 250), max(1.0, unit), 0.35)
    ropes = skia.Path()
    for k in range(1, 4):
        y = py0 + (0.96 * h - py0) * k / 4
        for xx in np.arange(0, w, 0.02 * w):
            ropes.addCircle(float(xx), float(y), 1.6 * unit)
    _fill(canvas, ropes, _tint((220, 120, 110), time), 0.8)
    _rect(canvas, 0, py0 - 0.015 * h, w, py0, _tint((200, 196, 188), time))  # coping stones
    ladder = skia.Path()
    for xx in (0.86 * w, 0.9 * w):
        ladder.moveTo(xx, py0 + 0.06 * h)
        ladder.lineTo(xx, py0 - 0.05 * h)
        ladder.quadTo(xx, py0 - 0.08 * h, xx - 0.02 * w, py0 - 0.07 * h)
    _stroke(canvas, ladder, _tint((200, 204, 210), time), 2.2 * unit)


def castle(canvas, w, h, rng, time) -> None:
    hz = SETTING_SPECS["castle"].horizon
    _outdoor(canvas, w, h, rng, time, hz)
    _fill(canvas, _hill(w, h, hz - 0.04, 0.02, rng), _tint((150, 172, 130), time))
    stone = _tint((186, 180, 172), time)
    dark = _tint((150, 144, 138), time)
    base = (hz - 0.02) * h
    cx = 0.5 * w
    body = skia.Path()
    body.addRect(skia.Rect(cx - 0.16 * w, base - 0.2 * h, cx + 0.16 * w, base))
    for k in range(9):  # crenellations
        xx = cx - 0.16 * w + k * 0.04 * w
        body.addRect(skia.Rect(xx, base - 0.23 * h, xx + 0.02 * w, base - 0.2 * h))
    towers = skia.Path()
    roofs = skia.Path()
    for tx, th in ((-0.19, 0.34), (0.19, 0.34), (-0.06, 0.4)):
        x = cx + tx * w
        towers.addRect(skia.Rect(x - 0.035 * w, base - th * h, x + 0.035 * w, base))
        roofs.addPoly([skia.Point(x - 0.045 * w, base - th * h), skia.Point(x, base - (th + 0.12) * h),
                       skia.Point(x + 0.045 * w, base - th * h)], True)
    _fill(canvas, body, stone)
    _fill(canvas, towers, stone)
    _fill(canvas, roofs, _tint((120, 104, 130), time))
    gate = skia.Path()
    gate.moveTo(cx + 0.02 * w, base)
    gate.lineTo(cx + 0.02 * w, base - 0.07 * h)
    gate.quadTo(cx + 0.05 * w, base - 0.11 * h, cx + 0.08 * w, base - 0.07 * h)
    gate.lineTo(cx + 0.08 * w, base)
    gate.close()
    _fill(canvas, gate, dark)
    lit = time in ("night", "dusk")
    wins = skia.Path()
    for tx, th in ((-0.19, 0.34), (0.19, 0.34), (-0.06, 0.4)):
        x = cx + tx * w
        wins.addRect(skia.Rect(x - 0.006 * w, base - (th - 0.06) * h, x + 0.006 * w, base - (th - 0.1) * h))
    _fill(canvas, wins, (244, 210, 122) if lit else dark)
    flag = skia.Path()
    fx, fy = cx - 0.06 * w, base - 0.52 * h
    flag.addPoly([skia.Point(fx, fy), skia.Point(fx + 0.04 * w, fy + 0.015 * h), skia.Point(fx, fy + 0.03 * h)], True)
    _fill(canvas, flag, _tint((190, 110, 110), time))
    _fill(canvas, _hill(w, h, hz, 0.012, rng), _tint((146, 172, 118), time))
    _fill(canvas, _hill(w, h, hz + 0.18, 0.02, rng), _tint((132, 162, 106), time))


DRAW = {
    "street": street,
    "park": park,
    "garden": garden,
    "playground": playground,
    "beach": beach,
    "lake": lake,
    "river": river,
    "mountains": mountains,
    "forest": forest,
    "bamboo_forest": bamboo_forest,
    "jungle": jungle,
    "farm": farm,
    "wheat_field": wheat_field,
    "stadium": stadium,
    "underwater": underwater,
    "cave": cave,
    "village": village,
    "road": road,
    "airport": airport,
    "train_station": train_station,
    "harbor": harbor,
    "swimming_pool": swimming_pool,
    "castle": castle,
}
