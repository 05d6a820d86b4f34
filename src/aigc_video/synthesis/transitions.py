"""The joined timeline: shots one after another, cut, crossfaded or morphed, produced frame by frame."""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator

import numpy as np

from ..errors import InputError
from ..modes import require_morph
from ..scene.sceneplan import ScenePlan


def check_clips(clips: list[np.ndarray], plan: ScenePlan) -> None:
    """Clips must match the plan: one per shot, (n_frames, H, W, 3) uint8, overlaps that fit."""
    if len(clips) != len(plan.shots):
        raise InputError(f"{len(clips)} clips were given for a plan of {len(plan.shots)} shots")
    check_transitions(plan)
    for i, clip in enumerate(clips):
        check_clip(i, clip, plan)


def check_transitions(plan: ScenePlan) -> None:
    if not plan.shots:
        raise InputError("the plan has no shots: nothing to compose")
    for i, shot in enumerate(plan.shots):
        if shot.transition_frames < 0 or (i == 0 and shot.transition_frames):
            raise InputError(f"shot {i + 1} has transition_frames {shot.transition_frames}; "
                             "the first shot must have 0 and the others 0 or more")
        # A shot's incoming and outgoing transitions must not overlap inside it (at most two shots
        # are ever on screen at once).
        outgoing = plan.shots[i + 1].transition_frames if i + 1 < len(plan.shots) else 0
        if shot.transition_frames + outgoing > shot.n_frames:
            raise InputError(f"shot {i + 1} has {shot.n_frames} frames, fewer than its transitions "
                             f"in ({shot.transition_frames}) and out ({outgoing}) together")


def check_clip(i: int, clip: np.ndarray, plan: ScenePlan) -> None:
    """Clip i must be (plan.shots[i].n_frames, H, W, 3) uint8."""
    expected = (plan.height, plan.width, 3)
    if not isinstance(clip, np.ndarray) or clip.dtype != np.uint8 or clip.ndim != 4 or clip.shape[1:] != expected:
        got = f"{clip.dtype} {clip.shape}" if isinstance(clip, np.ndarray) else type(clip).__name__
        raise InputError(f"clip {i + 1} is {got}; expected uint8 (n_frames, {plan.height}, {plan.width}, 3)")
    if len(clip) != plan.shots[i].n_frames:
        raise InputError(f"clip {i + 1} has {len(clip)} frames; its shot plans {plan.shots[i].n_frames}")


def crossfade_alpha(k: int, overlap: int) -> float:
    """Weight of the incoming shot at frame k (0-based) of an `overlap`-frame crossfade: linear,
    strictly between 0 and 1 so every frame of the overlap is a real blend."""
    return (k + 1) / (overlap + 1)


def blend(a: np.ndarray, b: np.ndarray, alpha: float) -> np.ndarray:
    """(1 - alpha) * a + alpha * b for uint8 frames, rounded, in fixed point (fast)."""
    w = int(round(alpha * 256))
    acc = a * np.uint16(256 - w)        # uint16: 255 * 256 + 128 still fits
    acc += b * np.uint16(w)
    acc += 128
    acc >>= 8
    return acc.astype(np.uint8)


# morph(tail, head, alphas) -> frames: the outgoing shot's last n frames and the incoming shot's
# first n, (n, H, W, 3) uint8 each, and the incoming shot's weight per frame -> (n, H, W, 3) uint8.
MorphFn = Callable[[np.ndarray, np.ndarray, list[float]], np.ndarray]


def uses_morph(plan: ScenePlan) -> bool:
    return any(s.transition == "morph" and s.transition_frames for s in plan.shots)


@functools.lru_cache(maxsize=1)
def default_morph() -> MorphFn:
    """The shipped VAE's morph (loaded once per process; DependencyMissing without torch)."""
    require_morph()
    from .morph import Morpher
    return Morpher.from_checkpoint()


def timeline_frames(clips: Iterable[np.ndarray], plan: ScenePlan,
                    morph: MorphFn | None = None) -> Iterator[np.ndarray]:
    """Yield the plan.total_frames frames of the joined video, (H, W, 3) uint8 each, in order.

    Shot i starts at plan.shot_start_frames()[i]; where it overlaps the previous shot (its
    transition_frames), the two are blended with a linear crossfade, or for a "morph" shot made
    by `morph` (default: the shipped VAE's, `synthesis.morph`). `clips` may be a lazy iterator:
    each clip is taken (and checked) only when the timeline reaches it, so an engine can make
    shot i + 1 while shot i is being encoded.
    """
    n_shots = len(plan.shots)
    prev = None
    count = 0
    for i, clip in enumerate(clips):
        if i >= n_shots:
            raise InputError(f"more clips were given than the plan's {n_shots} shots")
        check_clip(i, clip, plan)
        overlap_in = plan.shots[i].transition_frames
        overlap_out = plan.shots[i + 1].transition_frames if i + 1 < n_shots else 0
        alphas = [crossfade_alpha(k, overlap_in) for k in range(overlap_in)]
        morphed = None
        if overlap_in and plan.shots[i].transition == "morph":
            morph = morph or default_morph()
            morphed = morph(prev[len(prev) - overlap_in:], clip[:overlap_in], alphas)
        for k in range(len(clip) - overlap_out):
            if k < overlap_in:   # the previous shot's last frames fade out under this one
                yield morphed[k] if morphed is not None else blend(prev[len(prev) - overlap_in + k], clip[k], alphas[k])
            else:
                yield clip[k]
        prev = clip
        count += 1
    if count != n_shots:
        raise InputError(f"{count} clips were given for a plan of {n_shots} shots")
