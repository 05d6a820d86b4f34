"""Prompt suites: named lists of prompts with what a correct understanding of each must contain.

`load_suite(name)` returns the prompts of one suite. Each prompt carries its expectation (the
subjects and setting the text names), so a run measures two things apart: whether the parser
understood the text (`understood`), and whether the video shows what the storyboard says
(faithfulness, judged against the storyboard the video was made from).
"""
from __future__ import annotations

import importlib
import itertools
from dataclasses import dataclass, field

from ...errors import InputError

SUITES = ("basic", "multi", "zh", "paraphrase", "held_out", "everyday")


@dataclass(frozen=True)
class Expect:
    """One subject as the text names it; None leaves a field unchecked. `kind` is a vocabulary
    kind or a material's icon name ("cat", "teddy bear"); color "natural" is vocab.NATURAL."""

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
        pairs = _pair(self.subjects, shot.subjects)
        got["kind"] = got["subjects"] and all(kind_matches(e.kind, s) for e, s in pairs)
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


def icon_name(asset_id: str) -> str:
    """'fluent-emoji-flat:man-biking' -> 'man biking'."""
    return asset_id.split(":", 1)[-1].replace("-", " ")


def kind_matches(kind: str, subject) -> bool:
    """Does a storyboard subject show the expected kind? Its own kind, or its material's icon
    name, equal to it or starting with it and a space (an action icon such as "man biking"
    shows a "man")."""
    if subject.kind == kind:
        return True
    if getattr(subject, "asset", None) is None:
        return False
    icon = icon_name(subject.asset.asset_id)
    return icon == kind or icon.startswith(kind + " ") or _library_names(kind, subject.asset.asset_id)


def _library_names(kind: str, asset_id: str) -> bool:
    """Whether the material library, asked for the expected word by name or synonym, gives this
    very material ("bamboo" and "竹子" both give the pine decoration, "coffee" the hot beverage)."""
    from ... import materials

    if not materials.is_installed():
        return False
    match = materials.library().lookup(kind, "en", by_meaning=False)
    return match is not None and match.asset_id == asset_id


def _pair(expected, subjects) -> list[tuple]:
    """Expected subjects paired with the storyboard's: in order, unless another order matches
    more kinds (the text's order need not be the storyboard's: "a panda eats bamboo")."""
    best, best_hits = list(zip(expected, subjects)), -1
    for order in itertools.permutations(subjects, min(len(subjects), len(expected))):
        pairs = list(zip(expected, order))
        hits = sum(kind_matches(e.kind, s) for e, s in pairs)
        if hits > best_hits:
            best, best_hits = pairs, hits
    return best


def load_suite(name: str) -> tuple[SuitePrompt, ...]:
    if name not in SUITES:
        raise InputError(f"suite {name!r} is unknown; choose one of {', '.join(SUITES)}")
    return importlib.import_module(f"{__name__}.{name}").PROMPTS
