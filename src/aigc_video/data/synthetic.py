"""Synthetic captioned video: random storyboards rendered by the scene engine, with their layouts.

Every example is a pure function of (seed, index): the same pair always gives the same clip,
caption and layout. The evaluation suite's held-out compositions never appear (imported from
`aigc_video.held_out`, the single list).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..held_out import is_held_out
from ..storyboard import Action, Mood, Setting, Shot, Storyboard, Subject
from ..vocab import (BACKGROUND_TIME, BACKGROUNDS, COLORS, DIRECTED_MOTIONS, DIRECTIONS, MOODS, MOTIONS,
                     OBJECTS, SIZES, SPEEDS, TIMES, WEATHERS)
from .layout import rasterize_layout


@dataclass
class Example:
    frames: np.ndarray        # (T, H, W, 3) uint8
    layout: np.ndarray        # (T, 4, H/g, W/g) float32: R,G,B of the visible object x coverage, coverage
    caption: str
    subjects: list[dict]      # per subject: kind, color, motion, direction


def _choice(rng: np.random.Generator, items, p=None):
    items = list(items)
    return items[int(rng.choice(len(items), p=p))]


def random_subject(rng: np.random.Generator) -> Subject:
    """One subject, redrawn until it is not a held-out composition."""
    while True:
        kind = _choice(rng, OBJECTS)
        color = OBJECTS[kind] if rng.random() < 0.2 else _choice(rng, COLORS)
        motion = _choice(rng, MOTIONS)
        direction = _choice(rng, DIRECTIONS) if motion in DIRECTED_MOTIONS else None
        if not is_held_out(color, kind, motion, direction):
            break
    speed = _choice(rng, SPEEDS, p=[0.2, 0.6, 0.2]) if motion != "still" else "normal"
    count = 1 if rng.random() < 0.85 else int(rng.integers(2, 4))
    return Subject(kind=kind, color=color, size=_choice(rng, SIZES), count=count,
                   action=Action(motion=motion, direction=direction, speed=speed))


def random_shot(rng: np.random.Generator, duration_s: float) -> Shot:
    n_subjects = int(rng.choice([1, 2, 3], p=[0.6, 0.3, 0.1]))
    subjects = [random_subject(rng) for _ in range(n_subjects)]
    background = _choice(rng, BACKGROUNDS)
    time = BACKGROUND_TIME[background] if rng.random() < 0.75 else _choice(rng, TIMES)
    weather = "clear" if rng.random() < 0.7 else _choice(rng, WEATHERS)
    label = _choice(rng, MOODS)
    valence, arousal = MOODS[label]
    shot = Shot(text="", subjects=subjects, setting=Setting(background, time, weather),
                mood=Mood(label, valence, arousal), duration_s=duration_s, transition="cut")
    shot.text = shot.narration = shot.caption()
    return shot


# Caption variation: synonyms for the canonical verbs, and other word orders.
_VERB_SYNONYMS = {
    "moves": ["moves", "goes", "travels", "slides", "drifts", "glides"],
    "bounces": ["bounces", "hops"],
    "jumps": ["jumps", "leaps"],
    "spins": ["spins", "rotates", "turns around"],
    "grows": ["grows", "gets bigger", "expands"],
    "shrinks": ["shrinks", "gets smaller"],
    "zigzags": ["zigzags"],
    "circles around": ["circles around", "orbits", "goes round in circles"],
    "falls": ["falls", "drops", "falls down"],
    "rises": ["rises", "floats up", "goes up"],
    "fades in": ["fades in", "appears"],
    "fades out": ["fades out", "disappears"],
    "stays still": ["stays still", "sits still", "rests"],
}


def varied_caption(shot: Shot, rng: np.random.Generator) -> str:
    """The canonical caption (40%) or a paraphrase with synonyms and another word order."""
    canonical = shot.caption()
    if rng.random() < 0.4:
        return canonical
    head, _, scene = canonical.partition(" in a ")
    for canon, options in _VERB_SYNONYMS.items():
        if f" {canon}" in head:
            head = head.replace(f" {canon}", " " + _choice(rng, options))
    head = head.replace("up left", "up and to the left").replace("up right", "up and to the right") \
               .replace("down left", "down and to the left").replace("down right", "down and to the right")
    if rng.random() < 0.5:
        head = head.replace(" left", " to the left").replace(" right", " to the right") \
                   .replace("the to the", "the")
    form = rng.random()
    if not scene or form < 0.15:
        return head
    if form < 0.55:
        return f"in a {scene}, {head}"
    if form < 0.75:
        return f"{head} in the {scene}"
    return f"{head} in a {scene}"


class SyntheticClips:
    """examples[i] for any integer i: a random one-shot storyboard, planned and rendered.

    size: (width, height) of the clip; n_frames: frames per clip, cut from a random window of a
    shot of 1.5 to 3 s at `fps` (so motions are seen starting, midway and ending);
    layout_factor: pixels per layout cell (1 for the pixel-resolution layout the VAE decoder reads;
    the flow model averages it per latent cell).
    """

    def __init__(self, seed: int = 0, size: tuple[int, int] = (64, 64), n_frames: int = 16, fps: int = 12,
                 layout_factor: int = 4):
        if n_frames < 1 or n_frames > int(1.5 * fps):
            raise InputError(f"n_frames {n_frames} must be in 1..{int(1.5 * fps)} (1.5 s at {fps} fps)")
        w, h = size
        if w % layout_factor or h % layout_factor:
            raise InputError(f"size {w}x{h} must be divisible by the layout factor {layout_factor}")
        self.seed, self.size, self.n_frames, self.fps, self.layout_factor = seed, size, n_frames, fps, layout_factor

    def shot(self, index: int) -> tuple[Shot, np.random.Generator]:
        rng = np.random.default_rng([self.seed, index])
        duration = float(rng.uniform(1.5, 3.0))
        return random_shot(rng, duration), rng

    def __getitem__(self, index: int) -> Example:
        from ..scene import plan
        from ..scene.render import render_shot
        shot, rng = self.shot(index)
        w, h = self.size
        # The plan only uses the aspect ratio; plan at a multiple of the size that passes the
        # pipeline's minimum side (64), render at the training size.
        k = -(-64 // min(w, h))
        shot_plan = plan(Storyboard(shots=[shot]), size=(2 * k * w // 2, 2 * k * h // 2), fps=self.fps,
                         seed=int(rng.integers(0, 2**31 - 1))).shots[0]
        frames = render_shot(shot_plan, w, h)
        layout = rasterize_layout(shot_plan, w, h, self.layout_factor)
        start = int(rng.integers(0, shot_plan.n_frames - self.n_frames + 1))
        window = slice(start, start + self.n_frames)
        subjects = [{"kind": s.kind, "color": s.color, "motion": s.action.motion, "direction": s.action.direction}
                    for s in shot.subjects]
        return Example(frames[window], layout[window], varied_caption(shot, rng), subjects)
