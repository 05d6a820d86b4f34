"""Mood grading: one mild colour grade per shot, chosen by the mood label.

A grade is an affine colour map (3x3 matrix + offset) plus a vignette. Because alpha blending is
linear, grading each drawn element with the same affine map equals grading the finished frame, so
every paint (background and objects alike) carries the map as a skia colour filter: no
full-frame pass, neither per frame nor per shot. Only the vignette is a pass over the background.

Objects take the grade at `OBJECT_STRENGTH` so that their named colours stay recognizable (a
colourist's "protected" subject); the vignette darkens the background only.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import skia

# Rec. 709 luma weights, for saturation changes.
_LUMA = np.array([0.2126, 0.7152, 0.0722])
OBJECT_STRENGTH = 0.5


@dataclass(frozen=True)
class Grade:
    gain: tuple[float, float, float] = (1.0, 1.0, 1.0)  # per channel multiplier (tint)
    saturation: float = 1.0
    contrast: float = 1.0      # around mid-gray
    lift: float = 0.0          # added to every channel, in [0, 1] units (soft blacks)
    vignette: float = 0.0      # darkening at the corners, 0..1

    def affine(self, strength: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """(A (3, 3), b (3,)) with rgb_out = A @ rgb_in + b on [0, 1] values; strength blends
        the grade with the identity."""
        sat = (1 - self.saturation) * np.outer(np.ones(3), _LUMA) + self.saturation * np.eye(3)
        a = np.diag(self.gain) @ (self.contrast * sat)
        b = np.asarray(self.gain) * (0.5 - 0.5 * self.contrast) + self.lift
        a = strength * a + (1 - strength) * np.eye(3)
        return a, strength * b

    @property
    def is_identity(self) -> bool:
        return self == Grade()

    def color_filter(self, strength: float = 1.0) -> skia.ColorFilter | None:
        """The same map as a skia colour filter, or None for the identity."""
        if self.is_identity or strength == 0:
            return None
        return affine_filter(*self.affine(strength))

    def background_filter(self, weather: str) -> skia.ColorFilter | None:
        """The grade after the weather's overcast look: the colour map of a shot's background."""
        wa, wb = overcast(weather)
        ga, gb = self.affine()
        a, b = ga @ wa, ga @ wb + gb
        if np.allclose(a, np.eye(3)) and np.allclose(b, 0):
            return None
        return affine_filter(a, b)

    def apply(self, rgb: np.ndarray, strength: float = 1.0) -> np.ndarray:
        """Grade a (..., 3) uint8 array: the same map as `color_filter`."""
        if self.is_identity:
            return rgb
        a, b = self.affine(strength)
        out = rgb.astype(np.float32) / 255.0 @ a.T.astype(np.float32) + b.astype(np.float32)
        return np.clip(out * 255 + 0.5, 0, 255).astype(np.uint8)

    def vignette_factors(self, height: int, width: int) -> np.ndarray | None:
        """(H, W, 1) float32 multipliers that darken the corners, or None without a vignette."""
        if not self.vignette:
            return None
        yy = np.linspace(-1, 1, height, dtype=np.float32)[:, None]
        xx = np.linspace(-1, 1, width, dtype=np.float32)[None, :]
        r2 = (xx * xx + yy * yy) / 2  # 0 at the centre, 1 at the corners
        return (1 - self.vignette * r2 ** 1.5)[..., None]

    def apply_vignette(self, rgb: np.ndarray) -> np.ndarray:
        """Darken the corners of a (H, W, 3) uint8 frame."""
        factors = self.vignette_factors(*rgb.shape[:2])
        if factors is None:
            return rgb
        return np.clip(rgb * factors + 0.5, 0, 255).astype(np.uint8)


def overcast(weather: str) -> tuple[np.ndarray, np.ndarray]:
    """(A, b) of the weather's look: under rain or snow colours drain toward gray; rain darkens,
    snow lightens."""
    if weather not in ("rain", "snow"):
        return np.eye(3), np.zeros(3)
    drain = 0.45 * np.eye(3) + 0.55 * np.outer(np.ones(3), _LUMA)
    if weather == "rain":
        return 0.82 * drain, np.zeros(3)
    return 0.9 * drain, np.full(3, 22 / 255)


def affine_filter(a: np.ndarray, b: np.ndarray) -> skia.ColorFilter:
    """rgb -> a @ rgb + b as a skia colour filter (skia's offsets are in 0..1 units)."""
    rows = []
    for r in range(3):
        rows += [float(a[r, 0]), float(a[r, 1]), float(a[r, 2]), 0.0, float(b[r])]
    rows += [0.0, 0.0, 0.0, 1.0, 0.0]
    return skia.ColorFilters.Matrix(rows)


GRADES: dict[str, Grade] = {
    "neutral": Grade(),
    "happy": Grade(gain=(1.05, 1.01, 0.93), saturation=1.08, contrast=1.03, lift=0.01),
    "excited": Grade(gain=(1.06, 1.0, 0.94), saturation=1.15, contrast=1.08),
    "calm": Grade(gain=(0.99, 1.01, 1.02), saturation=0.88, contrast=0.9, lift=0.03),
    "sad": Grade(gain=(0.86, 0.9, 0.98), saturation=0.75, contrast=0.95, vignette=0.2),
    "scary": Grade(gain=(0.72, 0.76, 0.9), saturation=0.65, contrast=1.06, vignette=0.45),
}


def grade_for(mood_label: str) -> Grade:
    return GRADES.get(mood_label, Grade())
