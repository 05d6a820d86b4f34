"""Which language a sentence is in, and how long it takes to say."""
from __future__ import annotations

import re

from .. import limits
from .tokens import HAN

_HAN_RE = re.compile(f"[{HAN}]")
_WORD_RE = re.compile(r"[^\W\d_]+|\d+")

EN_WORDS_PER_S = 2.6
ZH_CHARS_PER_S = 4.5
PADDING_S = 0.6


def detect_language(text: str) -> str:
    """"zh" when the text has at least as many Chinese characters as other words, else "en"
    (text with no Chinese at all, however unusual its script, is "en")."""
    han = len(_HAN_RE.findall(text))
    if not han:
        return "en"
    other_words = len(_WORD_RE.findall(_HAN_RE.sub(" ", text)))
    return "zh" if han >= other_words else "en"


def spoken_seconds(text: str) -> float:
    """Seconds to say the text: Chinese characters at 4.5/s, other words at 2.6/s, plus 0.6 s,
    clamped to the shot limits."""
    han = len(_HAN_RE.findall(text))
    words = len(_WORD_RE.findall(_HAN_RE.sub(" ", text)))
    seconds = han / ZH_CHARS_PER_S + words / EN_WORDS_PER_S + PADDING_S
    return round(min(limits.MAX_SHOT_SECONDS, max(limits.MIN_SHOT_SECONDS, seconds)), 2)
