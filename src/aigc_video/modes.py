"""How a video may be voiced, subtitled and joined. A light module: the pipeline checks these
before any work starts, without importing the synthesis stage (PyAV) or torch."""
from __future__ import annotations

import importlib.util

from .errors import DependencyMissing, InputError
from .vocab import TRANSITIONS

NARRATION_MODES = ("auto", "require", "off")
SUBTITLE_MODES = ("srt", "burn", "none")
# What the morph transition imports (synthesis/morph.py): the VAE runs on torch, its weights are
# safetensors. Both come with the ml extra.
MORPH_NEEDS = ("torch", "safetensors")


def check_modes(narration: str, subtitles: str) -> None:
    if narration not in NARRATION_MODES:
        raise InputError(f"narration {narration!r} is unknown; choose one of {', '.join(NARRATION_MODES)}")
    if subtitles not in SUBTITLE_MODES:
        raise InputError(f"subtitles {subtitles!r} is unknown; choose one of {', '.join(SUBTITLE_MODES)}")


def check_transition(transition: str) -> None:
    """The default transition between shots: one of vocab.TRANSITIONS; "morph" also needs torch."""
    if transition not in TRANSITIONS:
        raise InputError(f"transition {transition!r} is unknown; choose one of {', '.join(TRANSITIONS)}")
    if transition == "morph":
        require_morph()


def require_morph() -> None:
    """DependencyMissing naming the ml extra when the morph transition cannot run here."""
    missing = [m for m in MORPH_NEEDS if importlib.util.find_spec(m) is None]
    if missing:
        raise DependencyMissing(f"the morph transition needs {', '.join(missing)}, from the ml extra "
                                f"(pip install torch==2.13.0 'aigc-video[ml]'); cut and crossfade "
                                f"([cut], [crossfade], --transition cut|crossfade) need none of them")
