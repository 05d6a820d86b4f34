"""Held-out compositions: colour x object x motion combinations that no training clip may contain.

This list is the single source: the evaluation suite's `held_out` prompts are built from it and the
synthetic training data (`aigc_video.data.synthetic`) imports it to exclude these combinations.
Every colour, object and motion here appears in training on its own and in other combinations,
so the suite measures compositional generalization, not unseen words.
"""
from __future__ import annotations

from typing import NamedTuple


class Composition(NamedTuple):
    color: str
    kind: str
    motion: str
    direction: str | None = None


HELD_OUT: tuple[Composition, ...] = (
    Composition("red", "star", "move", "left"),
    Composition("blue", "heart", "move", "right"),
    Composition("green", "circle", "bounce", "right"),
    Composition("yellow", "square", "move", "up"),
    Composition("purple", "triangle", "move", "down"),
    Composition("orange", "hexagon", "spin", None),
    Composition("pink", "car", "move", "left"),
    Composition("white", "fish", "move", "right"),
    Composition("brown", "balloon", "rise", None),
    Composition("gray", "bird", "move", "up_right"),
    Composition("black", "diamond", "fall", None),
    Composition("blue", "flower", "grow", None),
)


def is_held_out(color: str, kind: str, motion: str, direction: str | None) -> bool:
    """True when a subject with these attributes is one of the held-out compositions."""
    return Composition(color, kind, motion, direction if motion in _DIRECTED else None) in _HELD_OUT_SET


_DIRECTED = {"move", "bounce", "zigzag"}
_HELD_OUT_SET = frozenset(HELD_OUT)
