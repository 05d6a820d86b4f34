"""Motions: per-frame tracks (x, y, scale, rotation, opacity) for one object.

Geometry is done in aspect units, x in [0, aspect] and y in [0, 1] (aspect = width / height), so
that a circle is a circle: an object's bounding circle has radius scale / 2 on both axes. The
planner divides x by the aspect at the end. Every motion keeps the bounding circle inside the
`view` (the part of the frame the camera shows on every frame) for all frames; "bounce" reaches
the walls and reflects.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..vocab import DIRECTION_VECTORS

PAD = 0.01  # gap kept between a bounding circle and the frame edge


@dataclass(frozen=True)
class Region:
    """Axis-aligned region for object centres, in aspect units."""
    x0: float
    x1: float
    y0: float
    y1: float

    @property
    def w(self) -> float:
        return self.x1 - self.x0

    @property
    def h(self) -> float:
        return self.y1 - self.y0

    def shrink(self, dx: float, dy: float | None = None) -> "Region":
        """Inset by dx, dy; a side too small collapses to its midpoint (never inverted)."""
        dy = dx if dy is None else dy
        cx, cy = (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2
        x0, x1 = min(self.x0 + dx, cx), max(self.x1 - dx, cx)
        y0, y1 = min(self.y0 + dy, cy), max(self.y1 - dy, cy)
        return Region(x0, x1, y0, y1)

    def sample(self, rng: np.random.Generator) -> tuple[float, float]:
        return self.x0 + self.w * rng.random(), self.y0 + self.h * rng.random()


@dataclass
class MotionTrack:
    """Per-frame arrays in aspect units (x, y), diameters (scale), degrees, opacity."""
    x: np.ndarray
    y: np.ndarray
    scale: np.ndarray
    rotation: np.ndarray
    opacity: np.ndarray

    @property
    def start(self) -> tuple[float, float, float]:
        """(x, y, radius) of the bounding circle on the first frame."""
        return float(self.x[0]), float(self.y[0]), float(self.scale[0]) / 2


@dataclass(frozen=True)
class MotionContext:
    view: Region           # where bounding circles must stay
    scale: float           # base diameter (fraction of the frame height)
    n_frames: int
    fps: int
    speed: float           # vocab.SPEEDS multiplier
    direction: str | None
    spread: float = 0.3    # share of the free room a start may use away from its preferred edge
    rows: tuple[float, float] | None = None  # preferred centre rows (sky, ground, water), if any

    @property
    def t(self) -> np.ndarray:
        """Seconds since the shot start, per frame."""
        return np.arange(self.n_frames, dtype=np.float64) / self.fps

    @property
    def f(self) -> np.ndarray:
        """Fraction of the shot, 0 on the first frame and 1 on the last."""
        return np.arange(self.n_frames, dtype=np.float64) / max(self.n_frames - 1, 1)

    def box(self, max_scale: float | None = None) -> Region:
        """Centres whose bounding circle of diameter max_scale stays in the view."""
        r = (self.scale if max_scale is None else max_scale) / 2 + PAD
        return self.view.shrink(r)

    def start_box(self, box: Region) -> Region:
        """box narrowed to the preferred rows, while the layout is not crowded (spread < 0.65)."""
        if self.rows is None or self.spread >= 0.65:
            return box
        y0, y1 = max(box.y0, self.rows[0]), min(box.y1, self.rows[1])
        return Region(box.x0, box.x1, y0, y1) if y0 <= y1 else box

    def track(self, x, y, scale=None, rotation=None, opacity=None) -> MotionTrack:
        n = self.n_frames
        full = lambda v, d: np.broadcast_to(np.asarray(d if v is None else v, np.float64), (n,)).copy()
        return MotionTrack(full(x, 0), full(y, 0), full(scale, self.scale), full(rotation, 0.0),
                           full(opacity, 1.0))


def _fold(v: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Reflect v into [lo, hi] like a ball between two walls (a triangle wave)."""
    w = hi - lo
    if w <= 0:
        return np.full_like(v, lo)
    m = np.mod(v - lo, 2 * w)
    return lo + np.where(m <= w, m, 2 * w - m)


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def _line_start(rng, box: Region, u: tuple[float, float], length: float,
                ctx: MotionContext) -> tuple[float, float]:
    """Start of a straight path of `length` along unit vector u inside box, near the edge the
    path leaves from (so the direction reads clearly), anywhere across it (preferred rows first)."""
    start, spread, across = [], ctx.spread, ctx.start_box(box)
    for lo, hi, c, free in ((box.x0, box.x1, u[0], (across.x0, across.x1)),
                            (box.y0, box.y1, u[1], (across.y0, across.y1))):
        if abs(c) < 1e-9:
            start.append(free[0] + (free[1] - free[0]) * rng.random())
            continue
        slack = max(hi - lo - length * abs(c), 0.0)
        offset = slack * spread * rng.random()
        start.append(lo + offset if c > 0 else hi - offset)
    return start[0], start[1]


def _reach(box: Region, u: tuple[float, float]) -> float:
    """The longest straight path along u that fits in box."""
    limits = [ext / abs(c) for ext, c in ((box.w, u[0]), (box.h, u[1])) if abs(c) > 1e-9]
    return min(limits) if limits else 0.0


def _distance_fraction(speed: float, duration_s: float) -> float:
    """Share of the reach a directed move covers: 0.55 at normal speed for a 3 s shot, more for
    longer shots and faster speeds, never the whole reach (the path starts inside the frame)."""
    return float(np.clip(0.55 * speed * (duration_s / 3.0) ** 0.3, 0.12, 0.95))


def still(rng, ctx: MotionContext) -> MotionTrack:
    x, y = ctx.start_box(ctx.box()).sample(rng)
    return ctx.track(x, y)


def move(rng, ctx: MotionContext) -> MotionTrack:
    u = DIRECTION_VECTORS[ctx.direction or "right"]
    box = ctx.box()
    length = _reach(box, u) * _distance_fraction(ctx.speed, ctx.n_frames / ctx.fps)
    x0, y0 = _line_start(rng, box, u, length, ctx)
    return ctx.track(x0 + u[0] * length * ctx.f, y0 + u[1] * length * ctx.f)


def zigzag(rng, ctx: MotionContext) -> MotionTrack:
    u = DIRECTION_VECTORS[ctx.direction or "right"]
    n = (-u[1], u[0])  # perpendicular: the zig
    box = ctx.box()
    amp = min(0.1, 0.25 * _reach(box, n)) if _reach(box, n) > 0 else 0.0
    inner = box.shrink(amp * abs(n[0]), amp * abs(n[1]))
    length = _reach(inner, u) * _distance_fraction(ctx.speed, ctx.n_frames / ctx.fps)
    x0, y0 = _line_start(rng, inner, u, length, ctx)
    period = 1.2 / ctx.speed
    zig = 2 * np.abs(2 * np.mod(ctx.t / period + 0.25, 1.0) - 1) - 1  # triangle wave, 0 at t=0
    return ctx.track(x0 + u[0] * length * ctx.f + n[0] * amp * zig,
                     y0 + u[1] * length * ctx.f + n[1] * amp * zig)


def bounce(rng, ctx: MotionContext) -> MotionTrack:
    """Gravity hops along the floor; horizontal velocity flips sign at the side walls."""
    u = DIRECTION_VECTORS[ctx.direction] if ctx.direction else (0.0, 0.0)
    box = ctx.box()
    vx = math.copysign(0.45 * box.w * ctx.speed, u[0]) if abs(u[0]) > 1e-9 else 0.0
    if vx > 0:
        x0 = box.x0 + ctx.spread * box.w * rng.random()
    elif vx < 0:
        x0 = box.x1 - ctx.spread * box.w * rng.random()
    else:
        x0 = box.x0 + box.w * rng.random()
    floor = box.y1 - 0.5 * ctx.spread * box.h * rng.random()
    height = min(0.45, 0.85 * (floor - box.y0))
    period = 0.9 / ctx.speed
    phase = np.mod(ctx.t / period, 1.0)
    return ctx.track(_fold(x0 + vx * ctx.t, box.x0, box.x1), floor - height * 4 * phase * (1 - phase))


def jump(rng, ctx: MotionContext) -> MotionTrack:
    """Hops in place: a parabola for 60% of each period, then a rest on the ground."""
    box = ctx.box()
    height = min(0.22, 0.8 * box.h)
    ground = ctx.start_box(Region(box.x0, box.x1, box.y0 + height, max(box.y1, box.y0 + height)))
    x, base = ground.sample(rng)
    period = 1.0 / ctx.speed
    phase = np.mod(ctx.t / period, 1.0) / 0.6
    hop = np.where(phase < 1, 4 * phase * (1 - phase), 0.0)
    return ctx.track(x, base - height * hop)


def orbit(rng, ctx: MotionContext) -> MotionTrack:
    """A circle around the frame centre (large radius) or around the start point (small)."""
    box = ctx.box()
    around_centre = rng.random() < 0.5
    if around_centre:
        radius = 0.5 * min(box.w, box.h) * (0.6 + 0.4 * rng.random())
        cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
    else:
        radius = min(0.08 + 0.07 * rng.random(), 0.5 * min(box.w, box.h))
        cx, cy = box.shrink(radius).sample(rng)
    sign = 1 if rng.random() < 0.5 else -1
    theta = 2 * math.pi * rng.random() + sign * 2 * math.pi * 0.25 * ctx.speed * ctx.t
    return ctx.track(cx + radius * np.cos(theta), cy + radius * np.sin(theta))


def spin(rng, ctx: MotionContext) -> MotionTrack:
    x, y = ctx.start_box(ctx.box()).sample(rng)
    sign = 1 if rng.random() < 0.5 else -1
    return ctx.track(x, y, rotation=sign * 180.0 * ctx.speed * ctx.t)


def grow(rng, ctx: MotionContext) -> MotionTrack:
    factor = np.minimum(0.5 + ctx.speed * ctx.f, 1.6)
    x, y = ctx.start_box(ctx.box(ctx.scale * factor.max())).sample(rng)
    return ctx.track(x, y, scale=ctx.scale * factor)


def shrink(rng, ctx: MotionContext) -> MotionTrack:
    factor = np.maximum(1.5 - ctx.speed * ctx.f, 0.4)
    x, y = ctx.start_box(ctx.box(ctx.scale * factor.max())).sample(rng)
    return ctx.track(x, y, scale=ctx.scale * factor)


def fall(rng, ctx: MotionContext) -> MotionTrack:
    """Accelerates down from near the top; lands on the bottom edge and stays."""
    box = ctx.box()
    x = box.x0 + box.w * rng.random()
    top = box.y0 + 0.5 * ctx.spread * box.h * rng.random()
    drop = np.minimum(ctx.speed * ctx.f ** 2, 1.0)
    return ctx.track(x, top + (box.y1 - top) * drop)


def rise(rng, ctx: MotionContext) -> MotionTrack:
    """Drifts up from near the bottom at a steady rate, swaying a little."""
    sway = 0.02
    box = ctx.box().shrink(sway, 0.0)
    x = box.x0 + box.w * rng.random()
    bottom = box.y1 - 0.5 * ctx.spread * box.h * rng.random()
    length = (bottom - box.y0) * _distance_fraction(ctx.speed, ctx.n_frames / ctx.fps)
    return ctx.track(x + sway * np.sin(2 * math.pi * ctx.t / 2.5), bottom - length * ctx.f)


def fade_in(rng, ctx: MotionContext) -> MotionTrack:
    x, y = ctx.start_box(ctx.box()).sample(rng)
    span = min(1.0, 0.6 / ctx.speed)
    return ctx.track(x, y, opacity=_smoothstep(ctx.f / span))


def fade_out(rng, ctx: MotionContext) -> MotionTrack:
    x, y = ctx.start_box(ctx.box()).sample(rng)
    span = min(1.0, 0.6 / ctx.speed)
    return ctx.track(x, y, opacity=1 - _smoothstep((ctx.f - (1 - span)) / span))


MOTION_FUNCTIONS = {
    "still": still, "move": move, "bounce": bounce, "jump": jump, "spin": spin, "grow": grow,
    "shrink": shrink, "zigzag": zigzag, "orbit": orbit, "fall": fall, "rise": rise,
    "fade_in": fade_in, "fade_out": fade_out,
}


def make_track(motion: str, rng: np.random.Generator, ctx: MotionContext) -> MotionTrack:
    return MOTION_FUNCTIONS[motion](rng, ctx)


def facing(x: list[float]) -> np.ndarray:
    """+1 (facing right) or -1 per frame, from the horizontal velocity, held while the object
    stands still (so a bounce turns around exactly at the wall). Things that only sway or hop
    (x range under 5% of the width) keep facing right."""
    x = np.asarray(x, np.float64)
    out = np.ones(len(x))
    if len(x) < 2 or np.ptp(x) < 0.05:
        return out
    sign = np.sign(np.append(np.diff(x), x[-1] - x[-2]))
    last = sign[np.flatnonzero(sign)[0]]
    for i, s in enumerate(sign):
        last = s or last
        out[i] = last
    return out
