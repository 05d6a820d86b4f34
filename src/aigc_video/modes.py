"""How a video may be voiced and subtitled. A light module: the pipeline checks these before any
work starts, without importing the synthesis stage (PyAV)."""
from __future__ import annotations

from .errors import InputError

NARRATION_MODES = ("auto", "require", "off")
SUBTITLE_MODES = ("srt", "burn", "none")


def check_modes(narration: str, subtitles: str) -> None:
    if narration not in NARRATION_MODES:
        raise InputError(f"narration {narration!r} is unknown; choose one of {', '.join(NARRATION_MODES)}")
    if subtitles not in SUBTITLE_MODES:
        raise InputError(f"subtitles {subtitles!r} is unknown; choose one of {', '.join(SUBTITLE_MODES)}")
