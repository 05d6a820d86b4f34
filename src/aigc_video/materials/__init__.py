"""The material library: vector subjects (Fluent Emoji, MIT) named in English and Chinese, found
by open-world retrieval (exact name, then synonym, then embedding), plus the user's own folder.

    from aigc_video import materials
    m = materials.library().lookup("kittens")        # Match(asset_id='fluent-emoji-flat:cat', ...)
    rgba = materials.render_rgba(m.asset_id, 256, color=(40, 90, 220))

Importing this package is cheap: the index is read on the first `library()`, skia on the first
render, torch on the first embedding lookup. Install the data with
`python -m aigc_video.materials install`.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .install import MaterialsNotInstalled, data_dir, install, is_installed
from .library import Library, Match, library

__all__ = ["Library", "Match", "library", "install", "data_dir", "is_installed", "render_rgba",
           "alpha_bbox", "MaterialsNotInstalled"]


def render_rgba(asset_id: str, px: int, color: tuple[int, int, int] | None = None, frame: int = 0,
                user_dir: str | Path | None = None) -> np.ndarray:
    """(px, px, 4) uint8 premultiplied RGBA, read-only: `library(user_dir).render_rgba(...)`."""
    return library(user_dir).render_rgba(asset_id, px, color=color, frame=frame)


def alpha_bbox(asset_id: str, user_dir: str | Path | None = None) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) in [0, 1]: the visible part of the asset's square."""
    return library(user_dir).alpha_bbox(asset_id)
