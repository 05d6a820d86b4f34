"""The open-world judge: is every planned thing visible at its planned place and scale, and is the
setting the claimed one? For the shots the vocabulary judge (faithfulness.py) cannot read:
material subjects, props, and settings outside vocab.BACKGROUNDS (`needs_open_world`).

A material may be any of ~1,500 icons (or the user's own), so there is no classifier to read it
with. Each claim is checked against its own picture instead, drawn by the scene engine from the
same ShotPlan. For an item (a subject's object, or a prop) at each of SAMPLES frames:

1. Render the frame as planned (E) and the same frame without the item (W), at the judge's size.
   Where they differ is the item's footprint M: what of it the plan leaves visible (anything in
   front of it is accounted for).
2. Bring the video frame V to the judge's size and match the plan's look to it on the
   background, away from every footprint: E (and W) are blurred, down and across apart, until
   their edges are as sharp as V's (a learned model's output is soft), and V's channels get the
   gain and offset that fit E there (a model's colours drift), within MAX_GAIN and MAX_OFFSET.
3. similarity = 1 - sum_M |V - E| / sum_M |W - E| in Lab, after a common blur of BLUR (noise
   averages out): 1 when the video shows the item as planned, 0 when it shows the place empty,
   at or below 0 for something else there. The frame passes at similarity >= SIMILAR. Per
   pixel, |V - E| is the nearest of E and E drawn with SETTING_SEEDS - 1 other seeds: the text
   does not fix seeded details (bamboo stalks, clouds, rain), and a thin item shows them through.
4. The item is visible when it passes in more than half of its judged frames: sampled where the
   plan draws it at opacity >= 0.5 and leaves at least MIN_VISIBLE of its area, and MIN_PIXELS,
   in view (counted on the crisp renders, where it differs from the background). An item that
   the plan itself hides, or draws too small to tell, in every sampled frame fails ("too small
   or hidden in the plan").

The check is positional: an item drawn elsewhere, at another size or facing the other way fails,
so the sampled frames also check that it moves as planned.

Setting: the video's background (its temporal median over the judged frames, where the plan's own
median shows background) against the same shot planned in each of vocab.ALL_BACKGROUNDS (its own
props, the shot's time, weather, mood and camera), on a coarse grid (blur and colour drift do
not matter there), ignoring the worst 30% of cells; each setting is drawn with SETTING_SEEDS
seeds and its nearest counts, so a video that draws *a* park rather than the plan's exact one
(other trees, clouds) is not charged for it. Correct when the nearest is the claimed one.

    judge_shot(frames, shot, shot_plan, fps) -> OpenWorldVerdict (.verdicts, .items, .details)
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from ..scene.sceneplan import ShotPlan
from ..storyboard import Setting, Shot
from ..vocab import ALL_BACKGROUNDS, BACKGROUNDS
from .imageops import blur, dilate, resize, rgb_to_lab

# Verdicts, in report order ("setting" means what it means for the vocabulary judge).
ATTRIBUTES = ("material", "object", "prop", "setting")
JUDGE_HEIGHT = 72          # rows the judge works at (a medium subject is 16 px high)
SAMPLES = 6                # judged frames per item
BLUR = 1.0                 # common blur (judge pixels at JUDGE_HEIGHT) before comparing
SOFTEN = (0.0, 0.7, 1.4, 2.1, 2.8, 3.5)  # extra blur of the plan's frames tried to fit the video's
FOOTPRINT_LAB = 8.0        # |E - W| above this (Lab units) is the item's footprint
SIMILAR = 0.5              # a frame passes when the video is twice as near E as W is
MIN_VISIBLE = 0.3          # of the item's planned area that must be in view for a frame to count
MIN_PIXELS = 16            # ... and at least this many pixels (at JUDGE_HEIGHT; 0.2% of the frame)
VISIBLE_OPACITY = 0.5
MAX_GAIN, MAX_OFFSET = (0.8, 1.25), 30.0   # the colour drift forgiven (per channel, 0..255 units)
MIN_EDGE_ENERGY = 1.0      # mean squared gradient (RGB, after blur) under which sharpness is not measured
SETTING_SEEDS = 3          # draws of each candidate setting (the plan's seed and others)
SETTING_GRID_ROWS = 12
SETTING_TRIM = 0.7         # share of grid cells kept (the nearest) in a setting distance
VOCAB_FILL = 0.5           # share of its square a vocabulary drawing covers (for MIN_VISIBLE)


def needs_open_world(shot_plan: ShotPlan) -> bool:
    """Does this shot hold anything the vocabulary judge was not built for: a material subject,
    a prop, or a setting outside vocab.BACKGROUNDS?"""
    return (any(o.asset is not None for o in shot_plan.objects) or bool(shot_plan.props)
            or shot_plan.background not in BACKGROUNDS)


@dataclass
class ItemVerdict:
    """One planned thing: what it is, the frames it was judged on and how similar each was."""

    role: str                  # "material" | "object" (a vocabulary drawing) | "prop"
    name: str                  # the object's kind or the prop's name
    asset_id: str | None
    index: int                 # in shot_plan.objects or shot_plan.props
    frames: list[int] = field(default_factory=list)        # judged (planned visible) frames
    similarity: list[float] = field(default_factory=list)  # per judged frame
    visible: bool = False
    note: str = ""

    def summary(self) -> str:
        sims = ",".join(f"{s:.2f}" for s in self.similarity)
        return f"{self.name}: {'seen' if self.visible else 'NOT seen'} ({self.note or sims})"


@dataclass
class OpenWorldVerdict:
    verdicts: dict[str, bool]
    items: list[ItemVerdict]
    setting_distances: dict[str, float]
    details: dict = field(default_factory=dict)    # what was seen, per attribute (for reports)
    readings: list = field(default_factory=list)   # no tracks: kept for evaluate's temporal code

    @property
    def fully_correct(self) -> bool:
        return all(self.verdicts.values())


# ------------------------------------------------------------------ rendering the plan

def judge_size(height: int, width: int) -> tuple[int, int]:
    h = min(JUDGE_HEIGHT, height)
    return h, max(8, int(round(h * width / height)))


def render_frames(shot_plan: ShotPlan, frames: list[int], height: int, width: int, fps: int) -> np.ndarray:
    """Frames `frames` of a plan as the scene engine draws them: (len(frames), h, w, 3) uint8.
    The shot's other frames are not drawn (weather and waves depend on the frame index only)."""
    from ..scene.render import ShotRenderer  # skia; imported late

    r = ShotRenderer(shot_plan, width, height, fps)
    out = np.empty((len(frames), height, width, 3), np.uint8)
    for k, f in enumerate(frames):
        r.frame_into(int(f), out[k])
    return out


def without_object(shot_plan: ShotPlan, j: int) -> ShotPlan:
    return dataclasses.replace(shot_plan, objects=[o for i, o in enumerate(shot_plan.objects) if i != j])


def without_prop(shot_plan: ShotPlan, j: int) -> ShotPlan:
    return dataclasses.replace(shot_plan, props=[p for i, p in enumerate(shot_plan.props) if i != j])


def without_item(shot_plan: ShotPlan, item: "ItemVerdict") -> ShotPlan:
    return without_prop(shot_plan, item.index) if item.role == "prop" else without_object(shot_plan, item.index)


def _spread(candidates: np.ndarray, k: int) -> list[int]:
    if len(candidates) == 0:
        return []
    pick = np.unique(np.linspace(0, len(candidates) - 1, min(k, len(candidates))).round().astype(int))
    return [int(candidates[i]) for i in pick]


def object_frames(obj, n_frames: int, k: int = SAMPLES) -> list[int]:
    """Up to k frames, evenly spread, where the plan draws the object at opacity >= 0.5 with its
    centre inside the frame."""
    tr = obj.track
    x, y, op = (np.asarray(v, np.float64)[:n_frames] for v in (tr.x, tr.y, tr.opacity))
    ok = (op >= VISIBLE_OPACITY) & (x >= 0) & (x <= 1) & (y >= 0) & (y <= 1)
    return _spread(np.flatnonzero(ok), k)


def _fill(asset_id: str, assets: str | None) -> float:
    """Share of its square a material covers (alpha), for the visible-area rule."""
    from .. import materials

    rgba = materials.render_rgba(asset_id, 64, user_dir=assets)
    return float(rgba[..., 3].mean() / 255.0)


def _to_lab(x: np.ndarray) -> np.ndarray:
    return rgb_to_lab(np.clip(x, 0, 255))


# ------------------------------------------------------------------ matching the video's look

def _blur2(x: np.ndarray, sy: float, sx: float) -> np.ndarray:
    """Gaussian blur of (..., H, W, C) with its own sigma along rows and columns."""
    from .imageops import _blur_matrix, _separable

    x = np.asarray(x, np.float32)
    if sy <= 0 and sx <= 0:
        return x
    my = _blur_matrix(x.shape[-3], sy) if sy > 0 else np.eye(x.shape[-3], dtype=np.float32)
    mx = _blur_matrix(x.shape[-2], sx) if sx > 0 else np.eye(x.shape[-2], dtype=np.float32)
    return _separable(x, my, mx)


def _energy(x: np.ndarray, region: np.ndarray, unit: float) -> np.ndarray:
    """(2,) mean squared gradient down and across (F, h, w, 3) frames over `region` ((F, h, w)
    bool), after a blur of 2 judge pixels that takes most of the noise away."""
    b = blur(x, 2.0 * unit)
    gy, gx = b[:, 1:, :-1] - b[:, :-1, :-1], b[:, :-1, 1:] - b[:, :-1, :-1]
    r = region[:, :-1, :-1]
    return np.array([float((gy ** 2).sum(-1)[r].mean()), float((gx ** 2).sum(-1)[r].mean())])


def _soften(video: np.ndarray, expected: np.ndarray, background: np.ndarray, unit: float) -> tuple[float, float]:
    """The extra blur (judge pixels, down and across) of the plan's frames whose edges are as
    sharp as the video's: per axis, the one of SOFTEN whose gradient energy is nearest the
    video's (a learned model working at 64x64 is softer across a wide frame than down it).
    Measured on the background where it has edges enough (another seed's details have the same
    sharpness even where they are elsewhere), else on the whole frame; an axis with too few
    edges either way takes the other's."""
    out = [None, None]
    for region in (background, np.ones_like(background)):
        if region.mean() < 0.2:
            continue
        base = _energy(expected, region, unit)
        target = _energy(video, region, unit)
        for axis in (0, 1):
            if out[axis] is not None or base[axis] < MIN_EDGE_ENERGY:
                continue
            errs = []
            for s in SOFTEN:
                sig = (s * unit, 0.0) if axis == 0 else (0.0, s * unit)
                e = _energy(_blur2(expected, *sig), region, unit)[axis]
                errs.append(abs(np.log(e + 1e-6) - np.log(target[axis] + 1e-6)))
            out[axis] = SOFTEN[int(np.argmin(errs))] * unit
    if out[0] is None and out[1] is None:
        return 0.0, 0.0
    return (out[0] if out[0] is not None else out[1]), (out[1] if out[1] is not None else out[0])


def _match_colour(video: np.ndarray, expected: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Per frame and channel, the video mapped by the gain and offset that best fit the plan's
    frame on the background (a gain only where the background has contrast to fit it on)."""
    out = video.copy()
    for k, (v, e, b) in enumerate(zip(video, expected, background)):
        if b.sum() < 50:
            continue
        for c in range(3):
            vv, ee = v[..., c][b], e[..., c][b]
            var = float(vv.var())
            gain = float(np.clip(np.cov(vv, ee)[0, 1] / var, *MAX_GAIN)) if var > 25 else 1.0
            offset = float(np.clip(ee.mean() - gain * vv.mean(), -MAX_OFFSET, MAX_OFFSET))
            out[k, ..., c] = gain * v[..., c] + offset
    return out


# ------------------------------------------------------------------ the verdicts

def _items(shot_plan: ShotPlan) -> list[ItemVerdict]:
    items = [ItemVerdict("material" if o.asset is not None else "object", o.kind,
                         o.asset.asset_id if o.asset is not None else None, j)
             for j, o in enumerate(shot_plan.objects)]
    items += [ItemVerdict("prop", p.name, p.asset.asset_id, j) for j, p in enumerate(shot_plan.props)]
    return items


def judge_shot(frames: np.ndarray, shot: Shot | None, shot_plan: ShotPlan, fps: int = 12) -> OpenWorldVerdict:
    """All open-world verdicts for one shot. frames: (T, H, W, 3) uint8 as the engine made them,
    T = shot_plan.n_frames; fps: the video's (paces the plan's weather and waves). `shot` (the
    storyboard's) names a prop the subjects sit on, so each candidate setting is planned with it;
    None plans the candidates without."""
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or len(frames) == 0:
        raise InputError(f"frames must be (T, H, W, 3) with T >= 1, got shape {frames.shape}")
    if len(frames) != shot_plan.n_frames:
        raise InputError(f"{len(frames)} frames given for a shot of {shot_plan.n_frames}")
    n = shot_plan.n_frames
    h, w = judge_size(frames.shape[1], frames.shape[2])
    unit = h / JUDGE_HEIGHT
    items = _items(shot_plan)

    # 1. Which frames each item is judged on, and the plan's frames there.
    shot_frames = _spread(np.arange(n), SAMPLES)
    per_item = [shot_frames if it.role == "prop" else object_frames(shot_plan.objects[it.index], n) for it in items]
    used = sorted(set(shot_frames).union(*per_item))
    row = {f: k for k, f in enumerate(used)}
    raw = resize(frames[used], h, w)                                       # (F, h, w, 3) float
    expected = render_frames(shot_plan, used, h, w, fps).astype(np.float32)
    empty = render_frames(dataclasses.replace(shot_plan, objects=[]), used, h, w, fps).astype(np.float32)
    # The plan drawn with other seeded details (bamboo stalks, clouds, rain): where a thin item
    # lets the background through, the video may show any of them.
    others = [render_frames(dataclasses.replace(shot_plan, seed=seed), used, h, w, fps).astype(np.float32)
              for seed in setting_seeds(shot_plan)[1:]]
    without = [render_frames(without_item(shot_plan, it), fs, h, w, fps).astype(np.float32) if fs else None
               for it, fs in zip(items, per_item)]

    # 2. Footprints (on the crisp renders, blurred as everything is compared), then the background
    #    away from all of them, where the video's softness and colour are fitted.
    #    How much of each item the plan shows is counted on the crisp renders.
    lab_e = _to_lab(blur(expected, BLUR * unit))
    crisp_e = _to_lab(expected)
    foot, shown = [], []
    covered = np.zeros((len(used), h, w), bool)
    for it, fs, wo in zip(items, per_item, without):
        if wo is None:
            foot.append(None)
            shown.append(None)
            continue
        rows = [row[f] for f in fs]
        m = np.linalg.norm(lab_e[rows] - _to_lab(blur(wo, BLUR * unit)), axis=-1) > FOOTPRINT_LAB
        foot.append(m)
        shown.append((np.linalg.norm(crisp_e[rows] - _to_lab(wo), axis=-1) > FOOTPRINT_LAB).sum((1, 2)))
        covered[rows] |= m
    lab_empty = _to_lab(blur(empty, BLUR * unit))
    objects_drawn = np.linalg.norm(lab_e - lab_empty, axis=-1) > FOOTPRINT_LAB / 2
    # Where the plan's own median shows background: the setting is compared there.
    keep = np.linalg.norm(np.median(lab_e, 0) - np.median(lab_empty, 0), axis=-1) < FOOTPRINT_LAB / 2
    background = ~dilate(covered | objects_drawn, max(1, int(round(2 * unit))))
    sy, sx = _soften(raw, expected, background, unit)
    b = BLUR * unit
    soft = (np.hypot(sy, b), np.hypot(sx, b))       # the plan's frames: the video's softness, then BLUR
    video = _match_colour(raw, _blur2(expected, sy, sx), background)
    lab_v = _to_lab(blur(video, b))
    lab_e = _to_lab(_blur2(expected, *soft))
    lab_others = [_to_lab(_blur2(o, *soft)) for o in others]

    # 3. Each item: similarity in its footprint, frame by frame.
    zoom = np.asarray(shot_plan.camera.zoom or [1.0] * n, np.float64)
    for it, fs, wo, m, area in zip(items, per_item, without, foot, shown):
        if wo is None:
            it.note = "not drawn in any frame of the plan"
            continue
        lab_w = _to_lab(_blur2(wo, *soft))
        if it.role == "prop":
            p = shot_plan.props[it.index]
            fill, scales = _fill(p.asset.asset_id, shot_plan.assets), [p.scale] * len(fs)
        else:
            o = shot_plan.objects[it.index]
            fill = _fill(o.asset.asset_id, shot_plan.assets) if o.asset is not None else VOCAB_FILL
            scales = [o.track.scale[f] for f in fs]
        hidden = 0
        for k, f in enumerate(fs):
            mk = m[k]
            planned_area = fill * (scales[k] * zoom[min(f, len(zoom) - 1)] * h) ** 2
            if area[k] < max(MIN_PIXELS * unit ** 2, MIN_VISIBLE * planned_area):
                hidden += 1
                continue
            e, v = lab_e[row[f]][mk], lab_v[row[f]][mk]
            den = float(np.linalg.norm(lab_w[k][mk] - e, axis=-1).sum())
            near = np.linalg.norm(v - e, axis=-1)
            for o in lab_others:
                near = np.minimum(near, np.linalg.norm(v - o[row[f]][mk], axis=-1))
            num = float(near.sum())
            it.frames.append(f)
            it.similarity.append(round(1.0 - num / max(den, 1e-6), 3))
        passed = sum(s >= SIMILAR for s in it.similarity)
        it.visible = bool(it.similarity) and 2 * passed > len(it.similarity)
        if not it.similarity:
            it.note = f"too small or hidden in the plan ({hidden} frames)"

    # 4. The setting.
    # (On the video's own colours: a colour fit to the claimed setting would pull any other
    # setting towards it.)
    dists = setting_distances(np.median(raw, 0), keep, shot, shot_plan, fps)
    seen = min(dists, key=dists.get)

    verdicts: dict[str, bool] = {}
    details: dict[str, list] = {}
    for role in ("material", "object", "prop"):
        mine = [it for it in items if it.role == role]
        if mine:
            verdicts[role] = all(it.visible for it in mine)
            details[role] = [it.summary() for it in mine]
    verdicts["setting"] = seen == shot_plan.background
    details["setting"] = [seen]
    return OpenWorldVerdict(verdicts, items, dists, details)


# ------------------------------------------------------------------ the setting

def candidate_plan(shot_plan: ShotPlan, background: str, seed: int, on=None) -> ShotPlan:
    """The shot's middle frame, with no objects, planned in `background`: that setting's own
    props (and the prop the subjects sit on, `on`), the shot's time, weather, mood and camera."""
    from .faithfulness import empty_plan

    mid = shot_plan.n_frames // 2
    plan = empty_plan(shot_plan, background=background, frames=[mid])
    if background == shot_plan.background:
        props = shot_plan.props
    else:
        from ..scene.staging import plan_props

        props = plan_props(Setting(background, shot_plan.time, shot_plan.weather, on), shot_plan.assets)
    return dataclasses.replace(plan, props=props, seed=seed)


def setting_seeds(shot_plan: ShotPlan) -> list[int]:
    return [shot_plan.seed + 7919 * i for i in range(SETTING_SEEDS)]


def setting_distances(still: np.ndarray, keep: np.ndarray, shot: Shot | None, shot_plan: ShotPlan,
                      fps: int = 12) -> dict[str, float]:
    """For each of vocab.ALL_BACKGROUNDS, how far the video's background `still` ((h, w, 3), the
    judged frames' median) is from that setting, on a SETTING_GRID_ROWS grid over the cells
    where `keep` ((h, w) bool: the plan shows background there) holds, the nearest SETTING_TRIM
    of them; the nearest of SETTING_SEEDS draws."""
    h, w = still.shape[:2]
    gh, gw = SETTING_GRID_ROWS, max(4, int(round(SETTING_GRID_ROWS * w / h)))
    video = _to_lab(resize(still[None], gh, gw))[0].reshape(-1, 3)
    cells = resize(keep[None, ..., None].astype(np.float32), gh, gw)[0, ..., 0].reshape(-1) >= 0.7
    if cells.sum() < 0.25 * cells.size:   # objects cover most of the frame: use every cell
        cells[:] = True
    rh, rw = 2 * gh, 2 * gw   # drawn a little finer than the grid, then averaged down
    on = shot.setting.on if shot is not None else None
    out = {}
    for bg in ALL_BACKGROUNDS:
        best = np.inf
        for seed in setting_seeds(shot_plan):
            ref = render_frames(candidate_plan(shot_plan, bg, seed, on), [0], rh, rw, fps)
            ref = _to_lab(resize(ref.astype(np.float32), gh, gw))[0].reshape(-1, 3)
            d = np.sort(np.linalg.norm(video - ref, axis=-1)[cells])
            best = min(best, float(d[: max(1, int(SETTING_TRIM * len(d)))].mean()))
        out[bg] = round(best, 3)
    return out
