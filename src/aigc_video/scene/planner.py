"""Storyboard -> ScenePlan: the camera and per-frame object tracks of every shot.

Per shot: 1. derive the shot seed, 2. choose a camera from the mood (most shots keep it still),
3. lay the objects out so that no two bounding circles overlap on the first frame and give each its
motion track, 4. set the transition. Every random choice comes from the shot's seed.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from .. import limits, vocab
from ..errors import InputError
from ..storyboard import Shot, Storyboard
from ..understand.manners import MANNERS
from .manner_motion import apply_manner
from .motions import PAD, MotionContext, MotionTrack, Region, make_track
from .picture import drift_sign, picture_camera
from .sceneplan import Camera, PictureRef, PlannedObject, PlannedProp, ScenePlan, ShotPlan, Track
from .settings import SETTING_SPECS
from .staging import feet_offset, ground_rows, plan_props, rests_on_prop, seat_of

CROSSFADE_SECONDS = 0.5
ZOOM_END = 1.08        # a slow zoom ends 8% in: subtle, objects stay in frame
PAN_ZOOM = 1.1         # a pan is done zoomed in, so the view never leaves the frame
PAN_OFFSET = 0.04      # view centre offset at the ends of a pan (< (1 - 1/PAN_ZOOM) / 2)
MAX_COUNT = 3          # copies of one subject
TRIES = 40             # placements tried per object before a layout restarts
# Where things belong in landscapes: centre rows (fractions of the frame height) per kind and
# background, preferred while the layout has room. Shapes and open skies have no preference.
_SKY = (0.08, 0.42)
_LAND = {"grass": (0.64, 0.95), "desert": (0.64, 0.95), "snow": (0.64, 0.95), "city": (0.72, 0.95),
         "sunset": (0.78, 0.95)}
_WATER = {"boat": (0.5, 0.72), "fish": (0.64, 0.95)}
_LANDSCAPES = set(_LAND) | {"sea"}
_GROUND_KINDS = ("car", "dog", "house", "tree", "flower")
# Materials are drawn this much larger than vocabulary kinds of the same size word: an emoji
# fills less of its square than a drawing fills its circle, and a cat must read next to a sofa.
MATERIAL_SCALE = 1.4
# Motions that move the object sideways: a pan would blur which way they go.
_SIDEWAYS = {"move", "bounce", "zigzag", "orbit"}


def plan(storyboard: Storyboard, size: tuple[int, int] = (640, 360), fps: int = 24,
         seed: int = 0, assets: str | None = None, picture: PictureRef | None = None) -> ScenePlan:
    """Plan every shot of `storyboard` for a video of `size` (width, height) at `fps`;
    `assets` is the user's material folder its subjects may come from; `picture` (from
    `scene.picture.read_picture`) replaces every shot's setting as its background plate."""
    width, height = limits.check_size(*size)
    limits.check_fps(fps)
    limits.check_seed(seed)
    if len(storyboard.shots) > limits.MAX_SHOTS:
        raise InputError(f"storyboard has {len(storyboard.shots)} shots, over the limit {limits.MAX_SHOTS}")
    shots: list[ShotPlan] = []
    for index, shot in enumerate(storyboard.shots):
        _check_shot(shot, index)
        shots.append(plan_shot(shot, index, width / height, fps, shot_seed(seed, index), assets, picture))
    for index, sp in enumerate(shots):
        if index == 0 or sp.transition == "cut":
            sp.transition, sp.transition_frames = "cut", 0
        else:
            a_third = min(sp.n_frames, shots[index - 1].n_frames) // 3  # of the shorter shot
            sp.transition_frames = min(round(CROSSFADE_SECONDS * fps), a_third)
    return ScenePlan(width=width, height=height, fps=fps, seed=seed, shots=shots)


def shot_seed(seed: int, index: int) -> int:
    """A shot's own seed, fixed by (plan seed, shot index)."""
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0]) & limits.MAX_SEED


def _check_shot(shot: Shot, index: int) -> None:
    def check(value, allowed, what):
        if value not in allowed:
            raise InputError(f"shot {index + 1}: {what} {value!r} is not one of {sorted(allowed)}")

    if not 0 < shot.duration_s <= limits.MAX_SHOT_SECONDS:
        raise InputError(f"shot {index + 1}: duration {shot.duration_s!r} s is outside the limit "
                         f"0..{limits.MAX_SHOT_SECONDS} s")
    if len(shot.subjects) > limits.MAX_SUBJECTS:
        raise InputError(f"shot {index + 1} has {len(shot.subjects)} subjects, over the limit {limits.MAX_SUBJECTS}")
    for s in shot.subjects:
        if s.asset is None:
            check(s.kind, vocab.OBJECTS, "object")
            check(s.color, vocab.COLORS, "colour")
        else:
            check(s.color, {*vocab.COLORS, vocab.NATURAL}, "colour")
        if s.action.manner is not None:
            check(s.action.manner, MANNERS, "manner")
        check(s.size, vocab.SIZES, "size")
        check(s.action.motion, vocab.MOTIONS, "motion")
        check(s.action.speed, vocab.SPEEDS, "speed")
        if s.action.direction is not None:
            check(s.action.direction, vocab.DIRECTIONS, "direction")
        if not isinstance(s.count, int) or not 1 <= s.count <= MAX_COUNT:
            raise InputError(f"shot {index + 1}: count {s.count!r} of {s.kind} is outside the limit 1..{MAX_COUNT}")
    check(shot.setting.background, vocab.ALL_BACKGROUNDS, "background")
    check(shot.setting.time, vocab.TIMES, "time")
    check(shot.setting.weather, vocab.WEATHERS, "weather")
    check(shot.mood.label, vocab.MOODS, "mood")
    check(shot.transition, vocab.TRANSITIONS, "transition")


def plan_shot(shot: Shot, index: int, aspect: float, fps: int, seed: int,
              assets: str | None = None, picture: PictureRef | None = None) -> ShotPlan:
    """One shot's plan; `aspect` is width / height of the frame. A shot over a `picture` gets
    the picture's push-in camera and none of its setting's props (the picture is the setting)."""
    rng = np.random.default_rng(seed)
    n_frames = max(1, int(round(shot.duration_s * fps)))
    # Resolve undirected "move"/"zigzag" once per subject, so copies go the same way.
    directions = [s.action.direction if s.action.direction or s.action.motion not in ("move", "zigzag")
                  else str(rng.choice(["left", "right"])) for s in shot.subjects]
    camera = choose_camera(shot, rng, n_frames, directions)
    if picture is not None:
        camera = picture_camera(n_frames, drift_sign(directions, seed))
    view = visible_region(camera, aspect)
    props = plan_props(shot.setting, assets, tuple(shot.subjects)) if picture is None else []
    tracks = layout(shot, directions, rng, view, n_frames, fps, assets)
    _seat(shot, tracks, seat_of(shot.setting, props), aspect, view, assets)
    objects = []
    for (subject_index, subject), track in zip(_copies(shot), tracks):
        if subject.asset is not None:
            ctx = MotionContext(view=view, scale=float(track.scale[0]), n_frames=n_frames, fps=fps,
                                speed=vocab.SPEEDS[subject.action.speed], direction=None)
            track = apply_manner(track, subject.action.manner, ctx)
        objects.append(PlannedObject(
            kind=subject.kind, color=subject.color, size=subject.size, subject_index=subject_index,
            track=Track(x=_floats(track.x / aspect), y=_floats(track.y), scale=_floats(track.scale),
                        rotation=_floats(track.rotation), opacity=_floats(track.opacity)),
            asset=subject.asset))
    return ShotPlan(index=index, n_frames=n_frames, background=shot.setting.background,
                    time=shot.setting.time, weather=shot.setting.weather, mood=shot.mood,
                    objects=objects, camera=camera, seed=seed, caption=shot.caption(),
                    transition=shot.transition, props=props, assets=assets, picture=picture)


def _seat(shot: Shot, tracks: list[MotionTrack], seat: PlannedProp | None, aspect: float,
          view: Region, assets: str | None) -> None:
    """Put the resting material subjects on the prop the text named, side by side."""
    if seat is None:
        return
    resting = [(s, t) for s, t in zip((s for _, s in _copies(shot)), tracks)
               if s.asset is not None and rests_on_prop(s)]
    width = sum(float(t.scale[0]) for _, t in resting)
    x = seat.x * aspect - width / 2
    for subject, track in resting:
        side = float(track.scale[0])
        cx = float(np.clip(x + side / 2, view.x0 + side / 2, view.x1 - side / 2))
        cy = float(np.clip(seat.seat - feet_offset(subject, side, assets),
                           view.y0 + side / 2, view.y1 - side / 2))
        track.x = track.x - track.x[0] + cx
        track.y = track.y - track.y[0] + cy
        x += side


def _floats(a: np.ndarray) -> list[float]:
    # Rounded so the JSON plan stays readable; 1e-6 of a frame is far below a pixel.
    return [round(float(v), 6) for v in a]


def _copies(shot: Shot):
    for subject_index, subject in enumerate(shot.subjects):
        for _ in range(subject.count):
            yield subject_index, subject


def choose_camera(shot: Shot, rng: np.random.Generator, n_frames: int,
                  directions: list[str | None]) -> Camera:
    """Static for most shots; a slow zoom for calm, sad and scary moods, now and then a pan for
    happy ones (never while something moves sideways, which a pan would muddle)."""
    mood = shot.mood.label
    sideways = any(s.action.motion in _SIDEWAYS and (d is None or d not in ("up", "down"))
                   for s, d in zip(shot.subjects, directions))
    roll = rng.random()
    kind = "static"
    if (mood in ("calm", "scary") and roll < 0.5) or (mood == "sad" and roll < 0.4):
        kind = "zoom"
    elif mood in ("happy", "excited") and roll < 0.3:
        kind = "zoom" if sideways else "pan"
    elif mood == "neutral" and roll < 0.1:
        kind = "zoom"
    ease = 0.5 - 0.5 * np.cos(np.pi * np.arange(n_frames) / max(n_frames - 1, 1))  # 0 -> 1
    if kind == "zoom":
        zoom_in = not (mood == "sad" and rng.random() < 0.5)  # sad sometimes pulls back
        zoom = 1 + (ZOOM_END - 1) * (ease if zoom_in else 1 - ease)
        return Camera(kind="zoom", pan_x=[0.0] * n_frames, zoom=_floats(zoom))
    if kind == "pan":
        sign = 1 if rng.random() < 0.5 else -1
        return Camera(kind="pan", pan_x=_floats(sign * PAN_OFFSET * (2 * ease - 1)),
                      zoom=[PAN_ZOOM] * n_frames)
    return Camera(kind="static", pan_x=[0.0] * n_frames, zoom=[1.0] * n_frames)


def visible_region(camera: Camera, aspect: float) -> Region:
    """The part of the frame (aspect units) that the camera shows on every frame of the shot."""
    pan = np.asarray(camera.pan_x or [0.0], np.float64)
    zoom = np.asarray(camera.zoom or [1.0], np.float64)
    x0 = float(np.max(0.5 + pan - 0.5 / zoom))
    x1 = float(np.min(0.5 + pan + 0.5 / zoom))
    y0, y1 = float(np.max(0.5 - 0.5 / zoom)), float(np.min(0.5 + 0.5 / zoom))
    return Region(x0 * aspect, x1 * aspect, y0, y1)


def preferred_rows(kind: str, background: str, scale: float = 0.22) -> tuple[float, float] | None:
    """Centre rows where a thing sits naturally: birds and suns in the sky, cars on the ground,
    boats on the water. In the settings beyond the first ten, things of the ground stand on the
    setting's ground line."""
    if background in vocab.SETTINGS and kind in _GROUND_KINDS:
        ground = SETTING_SPECS[background].ground
        return (ground - 0.5 * scale, ground - 0.4 * scale)
    if background not in _LANDSCAPES:
        return None
    if kind in ("sun", "moon", "cloud", "bird", "balloon"):
        return _SKY
    if background == "sea":
        return _WATER.get(kind)
    if kind in _GROUND_KINDS:
        return _LAND[background]
    return None


def layout(shot: Shot, directions: list[str | None], rng: np.random.Generator, view: Region,
           n_frames: int, fps: int, assets: str | None = None) -> list[MotionTrack]:
    """A track per object such that no two bounding circles overlap on the first frame.

    Rejection sampling; when the objects do not fit (nine large ones), all shrink by 8% and try
    again, so a layout is always found."""
    specs = [(s, directions[i]) for i, s in enumerate(shot.subjects) for _ in range(s.count)]
    shrink = 1.0
    for attempt in range(200):
        if attempt and attempt % 10 == 0:
            shrink *= 0.92
        placed: list[MotionTrack] = []
        for subject, direction in specs:
            scale = vocab.SIZES[subject.size] * shrink
            if subject.asset is not None:
                scale *= MATERIAL_SCALE
            rows = (ground_rows(subject, shot.setting.background, scale, assets)
                    or preferred_rows(subject.kind, shot.setting.background, scale))
            ctx = MotionContext(view=view, scale=scale, n_frames=n_frames, fps=fps,
                                speed=vocab.SPEEDS[subject.action.speed], direction=direction,
                                rows=rows)
            for k in range(TRIES):
                # Starts near the preferred edge first; widen the room when that is crowded.
                ctx = dataclasses.replace(ctx, spread=0.3 + 0.7 * k / (TRIES - 1))
                track = make_track(subject.action.motion, rng, ctx)
                if all(_apart(track, other) for other in placed):
                    placed.append(track)
                    break
            else:
                break
        if len(placed) == len(specs):
            return placed
    raise RuntimeError(f"no layout found for {len(specs)} objects")  # unreachable in practice


def _apart(a: MotionTrack, b: MotionTrack) -> bool:
    ax, ay, ar = a.start
    bx, by, br = b.start
    return math.hypot(ax - bx, ay - by) > ar + br + PAD
