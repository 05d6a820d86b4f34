"""Prompt faithfulness: does a video show what its storyboard says? One verdict per claim.

The storyboard's claims are hypotheses to verify, never hints for finding things: objects are
found by segmentation against the claimed setting's empty background, then each detected object
is classified over the *whole* vocabulary (kind, colour, motion, size class) and a claim is
correct only when the classification agrees with it. So a video of a red circle judged against
"a blue circle" fails on colour, because the judge sees red, not because it failed to find blue.

Attributes (a shot is "fully correct" when every judged attribute is):
  kind, color, size, motion   every claimed object (each copy) shows the claimed value
  direction                   for directed motions with a claimed direction
  count                       the number of objects of each subject, and nothing extra
  setting                     the background looks like the claimed one more than like any other
  position                    (2+ subjects) the subjects' left/right or above/below order follows
                              the scene plan's layout, the layout the engine was given

What the judge uses from the ShotPlan: the setting, mood, camera and seed (to render the claimed
background with no objects, and to undo the camera's zoom in sizes; the same background with other
seeds is accepted too, since the text does not fix its seeded details), and for `position` only
the order of the subjects' mean planned positions. It never uses the planned tracks to find objects.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from ..errors import InputError
from ..scene.sceneplan import ShotPlan
from ..storyboard import Shot
from ..vocab import BACKGROUNDS, COLORS, DIRECTED_MOTIONS, DIRECTION_VECTORS, SIZES, SPEEDS
from .detector import Blob, Palette, find_blobs, judge_size
from .imageops import rgb_to_lab, resize
from .judge_model import Judge, default_judge, track_features
from .rotation import turn_measures
from .tracking import ObjectTrack, attach_partners, link, main_tracks

ATTRIBUTES = ("kind", "color", "count", "size", "motion", "direction", "setting", "position")
# Kinds whose outline looks the same at every rotation at the judge's resolution: their spin
# cannot be seen (a circle; the sun's thin rays blur into a disc). Measured on renders.
ROTATION_INVISIBLE = frozenset({"circle", "sun"})
# Patches per track given to the kind classifier (evenly spaced sightings).
KIND_SAMPLES = 12
# The judge reads at most this many frames of a shot, evenly spread.
MAX_JUDGED_FRAMES = 24
# Other seeded renders of the claimed setting whose details also count as background.
ALTERNATIVE_BACKGROUNDS = 8
# Subjects closer than this (fraction of the frame) in the plan have no order to check.
POSITION_MARGIN = 0.12


@dataclass
class TrackReading:
    """What the judge reads off one track."""

    track: ObjectTrack
    color_probs: np.ndarray     # (n_colours,) over vocab.COLORS
    kind_probs: np.ndarray      # (n_kinds,) over the judge's kinds
    motion_probs: np.ndarray    # (n_motions,)
    scale: float                # estimated diameter / frame height, camera zoom undone
    net: np.ndarray             # (2,) displacement first -> last sighting, frame heights
    early_dx: float             # horizontal displacement over the first third (bounce direction)
    mean_xy: np.ndarray         # (2,) mean centroid, fractions of the frame

    def best(self, names: tuple[str, ...], probs: np.ndarray) -> str:
        return names[int(np.argmax(probs))]


@dataclass
class ShotVerdict:
    verdicts: dict[str, bool]
    readings: list[TrackReading] = field(repr=False)
    details: dict = field(default_factory=dict)   # what was seen, per attribute (for reports)

    @property
    def fully_correct(self) -> bool:
        return all(self.verdicts.values())


# ------------------------------------------------------------------ references

def _render(shot_plan: ShotPlan, width: int, height: int) -> np.ndarray:
    from ..scene.render import render_shot  # the scene engine; imported late (skia)

    return render_shot(shot_plan, width, height)


def empty_plan(shot_plan: ShotPlan, background: str | None = None, frames: list[int] | None = None) -> ShotPlan:
    """The same shot with no objects (optionally another background, and only some frames)."""
    cam = shot_plan.camera
    if frames is not None:
        cam = dataclasses.replace(cam, pan_x=[cam.pan_x[i] for i in frames] if cam.pan_x else [],
                                  zoom=[cam.zoom[i] for i in frames] if cam.zoom else [])
    return dataclasses.replace(shot_plan, objects=[], camera=cam,
                               background=background or shot_plan.background,
                               n_frames=len(frames) if frames is not None else shot_plan.n_frames,
                               transition="cut", transition_frames=0)


def reference_background(shot_plan: ShotPlan, height: int, width: int) -> np.ndarray:
    """The claimed setting with no objects at (height, width): (T, h, w, 3) uint8 when the camera
    moves (one per frame), else (1, h, w, 3)."""
    moving = shot_plan.camera.kind != "static" and shot_plan.n_frames > 1
    frames = list(range(shot_plan.n_frames)) if moving else [0]
    return _render(empty_plan(shot_plan, frames=frames), width, height)


def alternative_seeds(shot_plan: ShotPlan) -> list[int]:
    """Seeds of the other renders of the claimed setting the detector accepts as background: the
    plan's seed fixes only seeded details (building heights, hills, clouds, stars), which the text
    does not say, so a video may show any of them (bench/judge_background_swap.py)."""
    return [shot_plan.seed + 7919 * (i + 1) for i in range(ALTERNATIVE_BACKGROUNDS)]


def palette_for(shot_plan: ShotPlan) -> Palette:
    """The vocabulary colours as the renderer shows objects under this shot's mood grade."""
    return _palette(shot_plan.mood.label)


@lru_cache(maxsize=None)
def _palette(mood: str) -> Palette:
    try:
        from ..scene.grading import OBJECT_STRENGTH, grade_for
    except ImportError:  # no grading: the plain colours
        return Palette.plain()
    names = tuple(COLORS)
    rgb = np.array([[COLORS[n] for n in names]], np.uint8)
    graded = grade_for(mood).apply(rgb, OBJECT_STRENGTH)[0]
    return Palette(names, rgb_to_lab(graded.astype(np.float32)))


# ------------------------------------------------------------------ reading tracks

def _shape_change(blobs: list[Blob]) -> np.ndarray:
    """Per sighting: how much the centred mask changed since the previous sighting (0 = same)."""
    out = np.zeros(len(blobs), np.float32)
    for i in range(1, len(blobs)):
        a, b = blobs[i - 1].patch[..., 3], blobs[i].patch[..., 3]
        out[i] = np.abs(a - b).mean() / (0.5 * (a.mean() + b.mean()) + 1e-6)
    out[0] = out[1] if len(blobs) > 1 else 0.0
    return out


def motion_table(track: ObjectTrack, aspect: float) -> np.ndarray:
    """(n, 8) per sighting, what motion is read from: frame, x, y (frame heights), area,
    contrast, shape change since the previous sighting, and the turn change and its residual
    against the partner one video frame away (NaN without a partner; see rotation.py)."""
    partners = track.partners if len(track.partners) == len(track) else [None] * len(track)
    return np.concatenate([
        np.stack([track.frames, track.xy[:, 0] * aspect, track.xy[:, 1], [b.area for b in track.blobs],
                  [b.contrast for b in track.blobs], _shape_change(track.blobs)], 1),
        turn_measures(track.blobs, partners)], 1).astype(np.float32)


def motion_features(table: np.ndarray, n_frames: int) -> np.ndarray:
    """The motion classifier's input from a `motion_table`."""
    t = table
    return track_features(t[:, 0], t[:, 1:3], t[:, 3], t[:, 4], t[:, 5], n_frames, turn=t[:, 6:8])


def looks_like(kind: str, motion: str, direction: str | None) -> str:
    """What a motion looks like on screen: claims a viewer cannot tell apart map to one look.

    "Moves up" and "rises" are the same thing to a viewer, as are "moves down" and "falls"; a
    circle's spin is invisible, so it looks still."""
    if motion == "move" and direction == "up":
        return "rise"
    if motion == "move" and direction == "down":
        return "fall"
    if motion == "spin" and kind in ROTATION_INVISIBLE:
        return "still"
    return motion


def read_track(track: ObjectTrack, judge: Judge, n_frames: int, aspect: float, zoom: float,
               claimed_kind: str | None = None, claimed_motion: str | None = None,
               claimed_speed: str = "normal") -> TrackReading:
    blobs = track.blobs
    frames = track.frames
    table = motion_table(track, aspect)
    xy, area, contrast = table[:, 1:3].astype(float), table[:, 3].astype(float), table[:, 4].astype(float)
    pick = np.unique(np.linspace(0, len(blobs) - 1, KIND_SAMPLES).round().astype(int))
    patches = np.stack([blobs[i].patch for i in pick])
    # Mirrored too: things that face a way are drawn mirrored when they go left.
    kind_probs = judge.kind_probs(np.concatenate([patches, patches[:, :, ::-1]])).mean(0)
    feats = motion_features(table, n_frames)
    motion_probs = judge.motion_probs(feats[None])[0]
    # Size: area -> diameter through the kind's measured area ratio, on the clearest sightings
    # (a fading object shows a shrunken mask); grow/shrink are judged at their mid size.
    kind = claimed_kind or judge.config.kinds[int(np.argmax(kind_probs))]
    ratio = judge.config.area_ratio.get(kind, np.pi / 4)
    diam = np.sqrt(area / ratio)
    nominal = _nominal_sightings(frames, n_frames, claimed_motion, claimed_speed)
    if nominal is not None:
        scale = float(np.median(diam[nominal]))
    else:
        clear = contrast >= np.quantile(contrast, 0.5)
        scale = float(np.median(diam[clear]))
    third = frames <= frames[0] + max(2, (frames[-1] - frames[0]) // 3)
    return TrackReading(
        track=track, color_probs=track.color_votes, kind_probs=kind_probs, motion_probs=motion_probs,
        scale=scale / zoom, net=xy[-1] - xy[0], early_dx=float(xy[third][-1, 0] - xy[0, 0]),
        mean_xy=track.xy.mean(0),
    )


def _nominal_sightings(frames: np.ndarray, n_frames: int, motion: str | None, speed: str) -> np.ndarray | None:
    """For a growing or shrinking object, the sightings around the moment it has its named size.

    The scene engine scales a grower from 0.5x to 1.6x at `speed` shot-lengths per unit (a
    shrinker from 1.5x down), so it passes its named size at 0.5 / speed of the shot; "a small
    flower grows" is small at that moment. None for other motions (judge every sighting)."""
    if motion not in ("grow", "shrink"):
        return None
    at = min(0.5 / SPEEDS.get(speed, 1.0), 1.0) * (n_frames - 1)
    near = np.abs(frames - at) <= max(1.0, 0.08 * n_frames)
    return near if near.any() else None


def size_class(scale: float) -> str:
    """Nearest size class on a log scale."""
    return min(SIZES, key=lambda s: abs(np.log(scale / SIZES[s])))


def direction_of(vector: np.ndarray) -> str:
    """Nearest of the 8 named directions (image coordinates, y down)."""
    v = vector / (np.linalg.norm(vector) + 1e-9)
    return max(DIRECTION_VECTORS, key=lambda d: v @ np.array(DIRECTION_VECTORS[d]))


# ------------------------------------------------------------------ the verdicts

def _assign(readings: list[TrackReading], copies: list[tuple[int, str, str]], judge: Judge,
            colours: tuple[str, ...]) -> dict[int, int]:
    """Greedy assignment of tracks to claimed copies (subject index, kind, colour), cheapest
    first, cost = -log p(colour) - log p(kind). Returns copy index -> track index."""
    pairs = []
    for ci, (_, kind, colour) in enumerate(copies):
        for ti, r in enumerate(readings):
            pc = r.color_probs[colours.index(colour)]
            pk = r.kind_probs[judge.config.kinds.index(kind)]
            pairs.append((-np.log(pc + 1e-3) - np.log(pk + 1e-3), ci, ti))
    out, used = {}, set()
    for _, ci, ti in sorted(pairs):
        if ci in out or ti in used:
            continue
        out[ci] = ti
        used.add(ti)
    return out


def judge_setting(frames_small: np.ndarray, shot_plan: ShotPlan, height: int, width: int) -> tuple[str, dict]:
    """The background among all vocabulary backgrounds (same time, weather, mood and camera) whose
    empty render is nearest the video's own background (its temporal median), compared coarsely
    (a 12-row grid, blurred) so that blur and small colour errors do not matter. The worst 30%
    of grid cells are ignored: that is where the objects are."""
    gh, gw = 12, max(4, int(round(12 * width / height)))
    video = rgb_to_lab(resize(np.median(frames_small, axis=0)[None], gh, gw))[0]
    dists = {}
    for bg in BACKGROUNDS:
        ref = _render(empty_plan(shot_plan, background=bg, frames=[shot_plan.n_frames // 2]), width, height)
        ref = rgb_to_lab(resize(ref, gh, gw))[0]
        d = np.sort(np.linalg.norm(video - ref, axis=-1).reshape(-1))
        dists[bg] = float(d[: int(0.7 * len(d))].mean())
    return min(dists, key=dists.get), dists


@dataclass
class Observation:
    """What the judge sees in a video before reading any claim about objects: the tracks found
    against the plan's background, and how near the video's background is to each setting."""

    n_frames: int
    height: int              # judge size
    width: int
    zoom: float              # the camera's mean zoom (sizes are divided by it)
    tracks: list[ObjectTrack]
    setting_distances: dict[str, float]

    @property
    def aspect(self) -> float:
        return self.width / self.height


def judged_frames(n_frames: int) -> np.ndarray:
    """Indices of the frames the judge looks at: all of them up to MAX_JUDGED_FRAMES, else that
    many evenly spread (motion is read over the whole shot, so 24 instants are plenty)."""
    return np.unique(np.linspace(0, n_frames - 1, min(n_frames, MAX_JUDGED_FRAMES)).round().astype(int))


def partner_frames(judged: np.ndarray, n_frames: int) -> dict[int, int]:
    """For each judged frame, the adjacent video frame its objects' outlines are compared with
    to see a spin (the next one; the previous one for the last frame). Empty for one frame."""
    if n_frames < 2:
        return {}
    return {int(f): int(f + 1 if f + 1 < n_frames else f - 1) for f in judged}


def observe(frames: np.ndarray, shot_plan: ShotPlan) -> Observation:
    """Detect and track objects against the plan's (claimed) empty background; rank settings."""
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or len(frames) == 0:
        raise InputError(f"frames must be (T, H, W, 3) with T >= 1, got shape {frames.shape}")
    h, w = judge_size(frames.shape[1], frames.shape[2])
    zoom = float(np.mean(shot_plan.camera.zoom)) if shot_plan.camera.zoom else 1.0
    idx = judged_frames(len(frames))
    partner_of = partner_frames(idx, len(frames))
    # Detect on the judged frames and their partners together; track on the judged ones only.
    seen = np.unique(np.concatenate([idx, list(partner_of.values())]).astype(int))
    small = resize(frames[seen], h, w)
    def at_seen(ref: np.ndarray) -> np.ndarray:
        return ref[np.minimum(seen, len(ref) - 1)] if len(ref) > 1 else ref
    reference = at_seen(reference_background(shot_plan, h, w))
    alternatives = [at_seen(reference_background(dataclasses.replace(shot_plan, seed=seed), h, w))
                    for seed in alternative_seeds(shot_plan)]
    blobs = find_blobs(small, reference, palette_for(shot_plan), alternatives)
    for frame_blobs in blobs:       # back to the video's own frame numbers
        for b in frame_blobs:
            b.frame = int(seen[b.frame])
    by_frame = {int(f): fb for f, fb in zip(seen, blobs)}
    judged = set(int(f) for f in idx)
    tracks = main_tracks(link([fb for f, fb in by_frame.items() if f in judged], w / h), len(idx))
    attach_partners(tracks, by_frame, partner_of, w / h)
    _, dists = judge_setting(small[np.isin(seen, idx)], shot_plan, h, w)
    return Observation(len(frames), h, w, zoom, tracks, dists)


def judge_shot(frames: np.ndarray, shot: Shot, shot_plan: ShotPlan, judge: Judge | None = None,
               observation: Observation | None = None) -> ShotVerdict:
    """All verdicts for one shot. frames: (T, H, W, 3) uint8 as the engine made them. An
    `observation` of the same frames and plan background may be passed to judge several claims
    about one video without detecting twice."""
    judge = judge or default_judge()
    obs = observation or observe(frames, shot_plan)
    n_frames, aspect, zoom, tracks = obs.n_frames, obs.aspect, obs.zoom, obs.tracks
    colours = tuple(COLORS)

    # 1. Read every track, then match tracks to the claimed objects.
    copies = [(i, s.kind, s.color) for i, s in enumerate(shot.subjects) for _ in range(s.count)]
    readings = [read_track(t, judge, n_frames, aspect, zoom) for t in tracks]
    assigned = _assign(readings, copies, judge, colours)
    # Re-read the assigned tracks with their claimed kind and motion (size needs both).
    for ci, ti in assigned.items():
        subject = shot.subjects[copies[ci][0]]
        readings[ti] = read_track(tracks[ti], judge, n_frames, aspect, zoom,
                                  subject.kind, subject.action.motion, subject.action.speed)

    verdicts: dict[str, bool] = {}
    details: dict[str, list] = {k: [] for k in ATTRIBUTES}

    # 2. Per-object attributes: every copy must show the claim.
    per_copy = {k: [] for k in ("kind", "color", "size", "motion", "direction")}
    for ci, (si, kind, colour) in enumerate(copies):
        subject = shot.subjects[si]
        ti = assigned.get(ci)
        if ti is None:
            for k in per_copy:
                per_copy[k].append(False)
            details["kind"].append(None)
            continue
        r = readings[ti]
        seen_kind = r.best(judge.config.kinds, r.kind_probs)
        seen_colour = r.best(colours, r.color_probs)
        seen_size = size_class(r.scale)
        seen_motion = r.best(judge.config.motions, r.motion_probs)
        motion = subject.action.motion
        seen_dir = direction_of(r.net) if np.linalg.norm(r.net) >= 0.05 else None
        motion_ok = looks_like(kind, seen_motion, seen_dir) == looks_like(kind, motion, subject.action.direction)
        per_copy["kind"].append(seen_kind == kind)
        per_copy["color"].append(seen_colour == colour)
        per_copy["size"].append(seen_size == subject.size)
        per_copy["motion"].append(motion_ok)
        details["kind"].append(seen_kind)
        details["color"].append(seen_colour)
        details["size"].append(f"{seen_size} ({r.scale:.3f})")
        details["motion"].append(seen_motion)
        direction = subject.action.direction
        if motion in DIRECTED_MOTIONS and direction:
            seen_dir, ok = _direction_verdict(r, motion, direction)
            per_copy["direction"].append(ok)
            details["direction"].append(seen_dir)
    for k, oks in per_copy.items():
        if k == "direction":
            if any(s.action.motion in DIRECTED_MOTIONS and s.action.direction for s in shot.subjects):
                verdicts[k] = bool(oks) and all(oks)
        elif copies:
            verdicts[k] = all(oks)

    # 3. Count: each track's own best-matching subject, tallied, must equal the claimed counts.
    tally = [0] * len(shot.subjects)
    extra = 0
    for r in readings:
        scores = [r.color_probs[colours.index(s.color)] * r.kind_probs[judge.config.kinds.index(s.kind)]
                  for s in shot.subjects]
        best_colour = r.best(colours, r.color_probs)
        if scores and best_colour in {s.color for s in shot.subjects}:
            tally[int(np.argmax(scores))] += 1
        else:
            extra += 1
    verdicts["count"] = extra == 0 and tally == [s.count for s in shot.subjects]
    details["count"] = [f"{t}/{s.count}" for t, s in zip(tally, shot.subjects)] + ([f"+{extra} other"] if extra else [])

    # 4. Setting.
    seen_bg = min(obs.setting_distances, key=obs.setting_distances.get)
    verdicts["setting"] = seen_bg == shot.setting.background
    details["setting"] = [seen_bg]

    # 5. Relative position of subjects, against the plan's layout.
    if len(shot.subjects) >= 2:
        ok, seen = _position_verdict(shot, shot_plan, copies, assigned, readings)
        if ok is not None:
            verdicts["position"] = ok
            details["position"] = seen

    ordered = {k: verdicts[k] for k in ATTRIBUTES if k in verdicts}
    return ShotVerdict(ordered, readings, {k: v for k, v in details.items() if k in ordered})


def _direction_verdict(r: TrackReading, motion: str, direction: str) -> tuple[str, bool]:
    if motion == "bounce":
        # The planner's bounce keeps only the horizontal part of the direction (gravity owns the
        # vertical) and reflects at the walls, so judge the first third's sideways travel.
        want = np.sign(DIRECTION_VECTORS[direction][0])
        if abs(r.early_dx) < 0.03:
            return "none", want == 0
        seen = "right" if r.early_dx > 0 else "left"
        return seen, np.sign(r.early_dx) == want
    if np.linalg.norm(r.net) < 0.05:
        return "none", False
    seen = direction_of(r.net)
    return seen, seen == direction


def _position_verdict(shot: Shot, shot_plan: ShotPlan, copies, assigned, readings) -> tuple[bool | None, list]:
    """Pairs of subjects whose planned mean positions are clearly apart along x or y must keep
    that order in the video (mean positions of their tracks)."""
    planned = {}
    for obj in shot_plan.objects:
        planned.setdefault(obj.subject_index, []).append([np.mean(obj.track.x), np.mean(obj.track.y)])
    seen = {}
    for ci, (si, _, _) in enumerate(copies):
        if ci in assigned:
            seen.setdefault(si, []).append(readings[assigned[ci]].mean_xy)
    checks, notes = [], []
    n = len(shot.subjects)
    for i in range(n):
        for j in range(i + 1, n):
            if i not in planned or j not in planned:
                continue
            d_plan = np.mean(planned[j], 0) - np.mean(planned[i], 0)
            axis = int(np.argmax(np.abs(d_plan)))
            if abs(d_plan[axis]) < POSITION_MARGIN:
                continue
            if i not in seen or j not in seen:
                checks.append(False)
                notes.append(f"{i}-{j}: missing")
                continue
            d_seen = np.mean(seen[j], 0) - np.mean(seen[i], 0)
            checks.append(bool(np.sign(d_seen[axis]) == np.sign(d_plan[axis])))
            notes.append(f"{i}-{j}: {'x' if axis == 0 else 'y'} {d_seen[axis]:+.2f}")
    if not checks:
        return None, []
    return all(checks), notes


def score_shot(frames: np.ndarray, shot: Shot, shot_plan: ShotPlan) -> dict[str, bool]:
    """Per-attribute verdicts for one shot: {attribute: correct}, only for attributes the shot
    claims (see ATTRIBUTES). frames: (T, H, W, 3) uint8, any size."""
    return judge_shot(frames, shot, shot_plan).verdicts
