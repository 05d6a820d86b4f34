"""Prompt suites: named lists of prompts with what a correct understanding of each must contain.

`load_suite(name)` returns the prompts of one suite. Each prompt carries its expectation (the
subjects and setting the text names), so a run measures two things apart: whether the parser
understood the text (`understood`), and whether the video shows what the storyboard says
(faithfulness, judged against the storyboard the video was made from).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from ...errors import InputError

SUITES = ("basic", "multi", "zh", "paraphrase", "held_out")


@dataclass(frozen=True)
class Expect:
    """One subject as the text names it; None leaves a field unchecked."""

    kind: str
    color: str
    motion: str | None = None
    direction: str | None = None
    count: int = 1
    size: str | None = None


@dataclass(frozen=True)
class SuitePrompt:
    id: str
    text: str
    subjects: tuple[Expect, ...] = field(default_factory=tuple)
    background: str | None = None

    def understood(self, storyboard) -> dict[str, bool]:
        """Did the parser get each named thing? Checks the first shot only (suites are one shot)."""
        if not storyboard.shots:
            return {"subjects": False}
        shot = storyboard.shots[0]
        got = {}
        got["subjects"] = len(shot.subjects) == len(self.subjects)
        pairs = list(zip(self.subjects, shot.subjects))
        got["kind"] = got["subjects"] and all(e.kind == s.kind for e, s in pairs)
        got["color"] = got["subjects"] and all(e.color == s.color for e, s in pairs)
        got["count"] = got["subjects"] and all(e.count == s.count for e, s in pairs)
        if any(e.size for e in self.subjects):
            got["size"] = got["subjects"] and all(e.size in (None, s.size) for e, s in pairs)
        if any(e.motion for e in self.subjects):
            got["motion"] = got["subjects"] and all(
                e.motion in (None, s.action.motion) and (e.direction is None or e.direction == s.action.direction)
                for e, s in pairs)
        if self.background:
            got["setting"] = shot.setting.background == self.background
        return got


def load_suite(name: str) -> tuple[SuitePrompt, ...]:
    if name not in SUITES:
        raise InputError(f"suite {name!r} is unknown; choose one of {', '.join(SUITES)}")
    return importlib.import_module(f"{__name__}.{name}").PROMPTS
