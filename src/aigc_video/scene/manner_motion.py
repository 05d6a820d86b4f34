"""Manners as secondary motion: what a verb adds on top of a subject's path.

A walker bobs and sways at its step rate, a runner bobs higher and faster, a flier rides a slow
wave, a swimmer undulates, a sleeper breathes (a slow 3% swell), an eater nods, a waver rocks, a
dancer sways and bobs. Amplitudes are fractions of the subject's own size, so they read the same
at any size, and small enough that the path (what the evaluation judges) stays what it was.
Applied to material subjects only: the vocabulary's own kinds keep the motions the learned
engines and the judge were built on.
"""
from __future__ import annotations

import math

import numpy as np

from .motions import MotionContext, MotionTrack, Region

# manner -> (bob amplitude in sizes, bob rate in Hz, sway in degrees, sway rate in Hz)
_BOB_SWAY: dict[str, tuple[float, float, float, float]] = {
    "walk": (0.04, 2.0, 3.0, 1.0),
    "run": (0.08, 3.2, 5.0, 1.6),
    "drive": (0.012, 6.0, 0.0, 0.0),
    "bike": (0.02, 2.0, 2.0, 1.0),
    "dance": (0.05, 2.0, 12.0, 1.0),
    "wave": (0.0, 0.0, 8.0, 1.5),
    "hop": (0.0, 0.0, 4.0, 1.0),
}


def apply_manner(track: MotionTrack, manner: str | None, ctx: MotionContext) -> MotionTrack:
    """The track with the manner's secondary motion added, kept inside ctx.view."""
    if manner is None:
        return track
    t, size = ctx.t, track.scale
    speed = ctx.speed
    if manner in _BOB_SWAY:
        bob, bob_hz, sway, sway_hz = _BOB_SWAY[manner]
        # A step lifts and lands: |sin| stays on or above the ground line, never below it.
        track.y = track.y - bob * size * np.abs(np.sin(math.pi * bob_hz * speed * t))
        track.rotation = track.rotation + sway * np.sin(2 * math.pi * sway_hz * speed * t)
    elif manner == "fly":
        track.y = track.y + 0.06 * size * np.sin(2 * math.pi * 1.2 * speed * t)
        track.rotation = track.rotation + 4.0 * np.sin(2 * math.pi * 1.2 * speed * t + 1.0)
    elif manner == "swim":
        track.y = track.y + 0.05 * size * np.sin(2 * math.pi * 0.8 * speed * t)
        track.rotation = track.rotation + 7.0 * np.sin(2 * math.pi * 0.8 * speed * t + 1.2)
    elif manner == "sleep":
        # Breathing: a slow swell, about 15 breaths a minute.
        track.scale = size * (1 + 0.03 * np.sin(2 * math.pi * 0.25 * t))
    elif manner == "eat":
        # Nodding down to the food and back, twice a second.
        track.rotation = track.rotation + 7.0 * np.maximum(0.0, np.sin(2 * math.pi * 1.5 * t))
    _keep_in(track, ctx.view)
    return track


def _keep_in(track: MotionTrack, view: Region) -> None:
    """Clamp centres so that each bounding circle stays inside the view."""
    r = track.scale / 2
    track.x = np.clip(track.x, view.x0 + r, np.maximum(view.x1 - r, view.x0 + r))
    track.y = np.clip(track.y, view.y0 + r, np.maximum(view.y1 - r, view.y0 + r))
