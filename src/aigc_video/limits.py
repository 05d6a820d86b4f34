"""Explicit limits on what one request may ask for, checked at the edges."""
from __future__ import annotations

from .errors import InputError

MAX_TEXT_CHARS = 2000
MAX_SHOTS = 20
MIN_SHOT_SECONDS = 1.5
MAX_SHOT_SECONDS = 12.0
MAX_VIDEO_SECONDS = 120.0
MIN_SIDE, MAX_SIDE = 64, 3840  # pixels per side
MAX_PIXELS = 1920 * 1080
MIN_FPS, MAX_FPS = 4, 60
MAX_SUBJECTS = 3
MAX_SEED = 2**31 - 1
MAX_PROJECT_CHARS = 100


def check_size(width: int, height: int) -> tuple[int, int]:
    """Validate an output size; H.264 yuv420p needs even sides, so odd sides are refused."""
    for name, v in (("width", width), ("height", height)):
        if not isinstance(v, int) or not MIN_SIDE <= v <= MAX_SIDE:
            raise InputError(f"{name} {v!r} is outside the limit {MIN_SIDE}..{MAX_SIDE} pixels")
        if v % 2:
            raise InputError(f"{name} {v} must be even (H.264 yuv420p needs even dimensions)")
    if width * height > MAX_PIXELS:
        raise InputError(f"size {width}x{height} has {width * height} pixels, over the limit {MAX_PIXELS} (1920x1080)")
    return width, height


def parse_size(text: str) -> tuple[int, int]:
    """'1280x720' -> (1280, 720), validated."""
    parts = str(text).lower().replace("×", "x").split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise InputError(f"size {text!r} is not of the form WIDTHxHEIGHT, e.g. 1280x720")
    return check_size(int(parts[0]), int(parts[1]))


def check_fps(fps: int) -> int:
    if not isinstance(fps, int) or not MIN_FPS <= fps <= MAX_FPS:
        raise InputError(f"fps {fps!r} is outside the limit {MIN_FPS}..{MAX_FPS}")
    return fps


def check_seed(seed: int) -> int:
    if not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise InputError(f"seed {seed!r} is outside the limit 0..{MAX_SEED}")
    return seed


def check_project(name: str | None) -> str | None:
    """A project name: 1..MAX_PROJECT_CHARS printable characters, or None."""
    if name is None:
        return None
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_PROJECT_CHARS or not name.isprintable() or not name.strip():
        shown = f"of {len(name)} characters" if isinstance(name, str) and len(name) > 40 else repr(name)
        raise InputError(f"project name {shown} must be 1 to {MAX_PROJECT_CHARS} printable characters")
    return name


def check_text(text: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InputError("text is empty: give a prompt or a script of 1 to 2000 characters")
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(f"text has {len(text)} characters, over the limit {MAX_TEXT_CHARS}")
    return text
