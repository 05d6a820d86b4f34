"""How each object of the vocabulary is drawn: vector parts in unit coordinates.

A drawing is centred on (0, 0) with diameter 1 (it fits the circle of radius 0.5), x right and
y down, facing right where it has a front. Parts are filled in order, each with a role that picks
its paint: "body" is the object's named colour, "shade" the same hue a little darker, "dark" and
"light" small neutral details (eyes, windows, wheels) so that the named colour dominates.
The silhouette (union of all parts) gives the ground-truth mask and the outline.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import skia

from ..vocab import COLORS

# Things with a front: drawn mirrored when they move left.
FACING = frozenset({"car", "bird", "fish", "dog"})
OUTLINE_WIDTH = 0.035  # in units of the diameter; half of it shows outside the silhouette


@dataclass(frozen=True)
class Drawing:
    parts: tuple[tuple[skia.Path, str], ...]  # (path, role), filled in order
    silhouette: skia.Path                     # union of the parts: the mask
    outline: skia.Path                        # the silhouette's edge as a filled ring, drawn first


def _poly(*pts: tuple[float, float]) -> skia.Path:
    p = skia.Path()
    p.addPoly([skia.Point(x, y) for x, y in pts], True)
    return p


def _circle(x: float, y: float, r: float) -> skia.Path:
    p = skia.Path()
    p.addCircle(x, y, r)
    return p


def _oval(x0: float, y0: float, x1: float, y1: float) -> skia.Path:
    p = skia.Path()
    p.addOval(skia.Rect(x0, y0, x1, y1))
    return p


def _rrect(x0: float, y0: float, x1: float, y1: float, r: float) -> skia.Path:
    p = skia.Path()
    p.addRRect(skia.RRect.MakeRectXY(skia.Rect(x0, y0, x1, y1), r, r))
    return p


def _union(*paths: skia.Path) -> skia.Path:
    out = paths[0]
    for p in paths[1:]:
        out = skia.Op(out, p, skia.PathOp.kUnion_PathOp)
    return out


def _regular(n: int, r: float, start_deg: float, dy: float = 0.0) -> skia.Path:
    a0 = math.radians(start_deg)
    return _poly(*[(r * math.cos(a0 + 2 * math.pi * k / n), dy + r * math.sin(a0 + 2 * math.pi * k / n))
                   for k in range(n)])


def _star(points: int, outer: float, inner: float, dy: float = 0.0) -> skia.Path:
    pts = []
    for k in range(2 * points):
        r = outer if k % 2 == 0 else inner
        a = -math.pi / 2 + math.pi * k / points
        pts.append((r * math.cos(a), dy + r * math.sin(a)))
    return _poly(*pts)


def _heart() -> skia.Path:
    p = skia.Path()
    p.moveTo(0, 0.44)
    p.cubicTo(-0.2, 0.28, -0.52, 0.06, -0.48, -0.2)
    p.cubicTo(-0.45, -0.42, -0.12, -0.5, 0, -0.26)
    p.cubicTo(0.12, -0.5, 0.45, -0.42, 0.48, -0.2)
    p.cubicTo(0.52, 0.06, 0.2, 0.28, 0, 0.44)
    p.close()
    return p


def _sun() -> list[tuple[skia.Path, str]]:
    rays = skia.Path()
    for k in range(12):
        a = 2 * math.pi * k / 12
        half = math.radians(8)
        pts = [(0.34 * math.cos(a - half), 0.34 * math.sin(a - half)), (0.5 * math.cos(a), 0.5 * math.sin(a)),
               (0.34 * math.cos(a + half), 0.34 * math.sin(a + half))]
        rays.addPoly([skia.Point(x, y) for x, y in pts], True)
    return [(rays, "body"), (_circle(0, 0, 0.3), "body")]


def _moon() -> list[tuple[skia.Path, str]]:
    crescent = skia.Op(_circle(0, 0, 0.46), _circle(0.2, -0.12, 0.38), skia.PathOp.kDifference_PathOp)
    return [(crescent, "body")]


def _cloud() -> list[tuple[skia.Path, str]]:
    puff = _union(_circle(-0.24, 0.04, 0.2), _circle(0.02, -0.07, 0.27), _circle(0.25, 0.04, 0.19),
                  _rrect(-0.46, 0.0, 0.46, 0.22, 0.11))
    return [(puff, "body")]


def _tree() -> list[tuple[skia.Path, str]]:
    crown = _union(_circle(0, -0.2, 0.28), _circle(-0.2, -0.02, 0.22), _circle(0.2, -0.02, 0.22),
                   _circle(0, 0.06, 0.2))
    return [(_rrect(-0.065, 0.1, 0.065, 0.5, 0.02), "trunk"), (crown, "body")]


def _house() -> list[tuple[skia.Path, str]]:
    return [
        (_poly((-0.34, 0.42), (-0.34, -0.04), (0.34, -0.04), (0.34, 0.42)), "body"),
        (_poly((-0.45, -0.02), (0, -0.44), (0.45, -0.02)), "shade"),
        (_rrect(-0.07, 0.18, 0.07, 0.42, 0.02), "dark"),
        (_rrect(-0.26, 0.05, -0.13, 0.17, 0.015), "light"),
        (_rrect(0.13, 0.05, 0.26, 0.17, 0.015), "light"),
    ]


def _car() -> list[tuple[skia.Path, str]]:
    dy = -0.06
    return [
        (_rrect(-0.5, -0.04 + dy, 0.5, 0.24 + dy, 0.08), "body"),
        (_poly((-0.3, 0.0 + dy), (-0.18, -0.26 + dy), (0.14, -0.26 + dy), (0.32, 0.0 + dy)), "body"),
        (_poly((-0.23, -0.03 + dy), (-0.15, -0.21 + dy), (-0.03, -0.21 + dy), (-0.03, -0.03 + dy)), "light"),
        (_poly((0.02, -0.03 + dy), (0.02, -0.21 + dy), (0.12, -0.21 + dy), (0.24, -0.03 + dy)), "light"),
        (_circle(-0.27, 0.24 + dy, 0.11), "dark"),
        (_circle(0.27, 0.24 + dy, 0.11), "dark"),
        (_circle(-0.27, 0.24 + dy, 0.04), "light"),
        (_circle(0.27, 0.24 + dy, 0.04), "light"),
    ]


def _bird() -> list[tuple[skia.Path, str]]:
    return [
        (_poly((-0.22, 0.0), (-0.5, -0.14), (-0.46, 0.12)), "body"),            # tail
        (_oval(-0.32, -0.16, 0.26, 0.2), "body"),                                # body
        (_circle(0.24, -0.1, 0.15), "body"),                                     # head
        (_poly((0.36, -0.15), (0.5, -0.08), (0.36, -0.03)), "dark"),             # beak
        (_poly((-0.16, -0.02), (0.1, -0.02), (-0.2, -0.44)), "shade"),           # wing
        (_circle(0.28, -0.13, 0.032), "dark"),                                   # eye
    ]


def _fish() -> list[tuple[skia.Path, str]]:
    return [
        (_poly((-0.2, 0.0), (-0.5, -0.24), (-0.5, 0.24)), "body"),
        (_poly((-0.08, -0.16), (0.1, -0.34), (0.16, -0.14)), "shade"),
        (_oval(-0.32, -0.22, 0.46, 0.22), "body"),
        (_circle(0.24, -0.05, 0.055), "light"),
        (_circle(0.25, -0.05, 0.03), "dark"),
    ]


def _boat() -> list[tuple[skia.Path, str]]:
    return [
        (_rrect(-0.015, -0.46, 0.015, 0.14, 0.005), "dark"),                     # mast
        (_poly((0.04, -0.44), (0.04, 0.08), (0.4, 0.08)), "body"),               # main sail
        (_poly((-0.04, -0.32), (-0.04, 0.08), (-0.3, 0.08)), "shade"),           # fore sail
        (_poly((-0.5, 0.13), (0.5, 0.13), (0.36, 0.36), (-0.36, 0.36)), "body"),  # hull
    ]


def _flower() -> list[tuple[skia.Path, str]]:
    cy = -0.14
    petals = _union(*[_circle(0.19 * math.cos(2 * math.pi * k / 6), cy + 0.19 * math.sin(2 * math.pi * k / 6), 0.14)
                      for k in range(6)])
    leaf = _oval(0.02, 0.2, 0.26, 0.3)
    return [(_rrect(-0.025, 0.05, 0.025, 0.5, 0.01), "stem"), (leaf, "stem"), (petals, "body"),
            (_circle(0, cy, 0.1), "center")]


def _dog() -> list[tuple[skia.Path, str]]:
    dy = 0.04
    legs = [_rrect(x, 0.12 + dy, x + 0.085, 0.42 + dy, 0.03) for x in (-0.3, -0.16, 0.04, 0.16)]
    tail = _poly((-0.3, -0.02 + dy), (-0.48, -0.26 + dy), (-0.42, -0.28 + dy), (-0.26, -0.08 + dy))
    return [
        *[(leg, "body") for leg in legs],
        (tail, "body"),
        (_rrect(-0.34, -0.1 + dy, 0.26, 0.2 + dy, 0.12), "body"),                # torso
        (_circle(0.27, -0.2 + dy, 0.15), "body"),                                # head
        (_rrect(0.3, -0.2 + dy, 0.5, -0.06 + dy, 0.06), "body"),                 # snout
        (_oval(0.1, -0.34 + dy, 0.22, -0.08 + dy), "shade"),                     # ear
        (_circle(0.48, -0.15 + dy, 0.035), "dark"),                              # nose
        (_circle(0.3, -0.24 + dy, 0.028), "dark"),                               # eye
    ]


def _balloon() -> list[tuple[skia.Path, str]]:
    string = skia.Path()
    string.moveTo(0, 0.3)
    string.cubicTo(0.06, 0.37, -0.05, 0.43, 0.02, 0.5)
    filled = skia.Path()
    # resScale: the path is in unit coordinates but drawn ~100x larger, so flatten finely.
    skia.Paint(Style=skia.Paint.kStroke_Style, StrokeWidth=0.014).getFillPath(string, filled, None, 100.0)
    string = filled
    return [
        (string, "dark"),
        (_poly((-0.05, 0.31), (0.05, 0.31), (0, 0.24)), "body"),
        (_oval(-0.3, -0.46, 0.3, 0.28), "body"),
        (_oval(-0.19, -0.34, -0.09, -0.16), "light"),
    ]


_BUILDERS = {
    "circle": lambda: [(_circle(0, 0, 0.5), "body")],
    "square": lambda: [(_rrect(-0.37, -0.37, 0.37, 0.37, 0.05), "body")],
    "triangle": lambda: [(_regular(3, 0.48, -90, dy=0.07), "body")],
    "star": lambda: [(_star(5, 0.5, 0.22, dy=0.04), "body")],
    "heart": lambda: [(_heart(), "body")],
    "hexagon": lambda: [(_regular(6, 0.48, 0), "body")],
    "diamond": lambda: [(_poly((0, -0.5), (0.35, 0), (0, 0.5), (-0.35, 0)), "body")],
    "sun": _sun, "moon": _moon, "cloud": _cloud, "tree": _tree, "house": _house, "car": _car,
    "bird": _bird, "fish": _fish, "boat": _boat, "flower": _flower, "dog": _dog, "balloon": _balloon,
}


@lru_cache(maxsize=None)
def drawing(kind: str) -> Drawing:
    parts = tuple(_BUILDERS[kind]())
    silhouette = _union(*[p for p, _ in parts])
    # Stroked once here rather than by skia on every frame; resScale: drawn ~100x larger.
    outline = skia.Path()
    stroke = skia.Paint(Style=skia.Paint.kStroke_Style, StrokeWidth=2 * OUTLINE_WIDTH,
                        StrokeJoin=skia.Paint.kRound_Join)
    stroke.getFillPath(silhouette, outline, None, 100.0)
    return Drawing(parts=parts, silhouette=silhouette, outline=outline)


def role_colors(color: str) -> dict[str, tuple[int, int, int]]:
    """RGB per role for an object of the named colour."""
    r, g, b = COLORS[color]
    luma = 0.2126 * r + 0.7152 * g + 0.0722 * b
    dark_object = luma < 70
    shade = 0.84 if not dark_object else 1.0
    # The outline: a darker edge on light objects, a lighter one on dark objects (visible at night).
    outline = (tuple(int(c * 0.55) for c in (r, g, b)) if not dark_object
               else tuple(min(255, int(c + 90)) for c in (r, g, b)))
    return {
        "body": (r, g, b),
        "shade": (int(r * shade), int(g * shade), int(b * shade)) if not dark_object else (60, 60, 62),
        "dark": (40, 40, 46) if not dark_object else (150, 150, 155),
        "light": (226, 232, 238),
        "trunk": (96, 68, 44),
        "stem": (58, 130, 60),
        "center": (110, 72, 30),
        "outline": outline,
    }
