"""Held-out compositions, one prompt each, built from `aigc_video.held_out.HELD_OUT` (the single list
the training data excludes). Worded like the canonical captions the learned engines see."""
from ...vocab import BACKGROUNDS
from ...held_out import HELD_OUT
from . import Expect as E, SuitePrompt as P

_VERBS = {"move": "moves", "bounce": "bounces", "zigzag": "zigzags", "spin": "spins", "rise": "rises",
          "fall": "falls", "grow": "grows", "shrink": "shrinks", "jump": "jumps", "still": "stays still",
          "orbit": "circles around", "fade_in": "fades in", "fade_out": "fades out"}
_SETTINGS = ("plain", "day_sky", "grass", "sea", "night_sky", "desert", "city", "snow", "space", "sunset")
assert set(_SETTINGS) <= set(BACKGROUNDS)
# Settings a colour would be camouflaged in (a white fish on snow is invisible to anyone): the
# suite tests compositions, not camouflage, so such pairs are skipped.
_CAMOUFLAGE = {"white": {"snow", "plain", "day_sky"}, "black": {"night_sky", "space"},
               "orange": {"desert", "sunset"}, "yellow": {"desert"}, "brown": {"desert"},
               "green": {"grass"}, "blue": {"sea", "day_sky"}, "gray": {"city"}}


def _setting(i: int, color: str) -> str:
    """The i-th setting of the cycle, or the next one that does not camouflage the colour."""
    for k in range(len(_SETTINGS)):
        bg = _SETTINGS[(i + k) % len(_SETTINGS)]
        if bg not in _CAMOUFLAGE.get(color, ()):
            return bg
    raise AssertionError(f"no setting for {color}")


def _prompt(i: int, c) -> P:
    verb = _VERBS[c.motion] + (" " + c.direction.replace("_", " ") if c.direction else "")
    bg = _setting(i, c.color)
    place = "" if bg == "plain" else f" in a {bg.replace('_', ' ')} scene"
    article = "An" if c.color[0] in "aeiou" else "A"
    text = f"{article} {c.color} {c.kind} {verb}{place}."
    return P(f"h{i + 1:02d}", text, (E(c.kind, c.color, c.motion, c.direction),), bg if bg != "plain" else None)


PROMPTS = tuple(_prompt(i, c) for i, c in enumerate(HELD_OUT))
