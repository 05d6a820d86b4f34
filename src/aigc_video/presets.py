"""Quality presets: `--quality draft|standard|high` sets size, fps, the learned engine's steps and
the encoder's x264 preset and CRF in one word. Anything given explicitly (--size, --fps,
engine_options["steps"]) wins over the preset.

The trade-off each preset makes is measured in bench/results/presets_pareto.md (time against the
evaluation's fully-correct share and frame FD).
"""
from __future__ import annotations

from dataclasses import dataclass

from .errors import InputError


@dataclass(frozen=True)
class Preset:
    size: tuple[int, int]
    fps: int
    flow_steps: int            # Euler steps of the learned engine (4 is its default)
    x264_preset: str
    crf: int


PRESETS = {
    # draft: a quick look: quarter-HD-ish, 12 fps (the learned engine's native rate: every frame
    # is a sampled one), 2 flow steps, x264 ultrafast at a higher CRF.
    "draft": Preset(size=(480, 270), fps=12, flow_steps=2, x264_preset="ultrafast", crf=28),
    # standard: the defaults of `generate` (640x360, 24 fps, 4 steps, superfast, CRF 22).
    "standard": Preset(size=(640, 360), fps=24, flow_steps=4, x264_preset="superfast", crf=22),
    # high: 720p, 8 steps, x264 veryfast at CRF 20 (smaller files for the same look, slower).
    "high": Preset(size=(1280, 720), fps=24, flow_steps=8, x264_preset="veryfast", crf=20),
}
QUALITIES = tuple(PRESETS)


def get_preset(name: str) -> Preset:
    if name not in PRESETS:
        raise InputError(f"quality {name!r} is unknown; choose one of {', '.join(QUALITIES)}")
    return PRESETS[name]


def encoder_options(quality: str | None) -> dict:
    """Keyword arguments for synthesis.encode.encode: {} (its defaults) without a preset."""
    if quality is None:
        return {}
    p = get_preset(quality)
    return {"preset": p.x264_preset, "crf": p.crf}


def engine_options(quality: str | None, engine: str, given: dict) -> dict:
    """The engine's options with the preset's step count, unless steps were given."""
    if quality is None or engine != "flow" or "steps" in given:
        return dict(given)
    return {**given, "steps": get_preset(quality).flow_steps}
