"""Seeing a spin: how much of the change in an object's outline between two adjacent video
frames a rotation explains.

Comparing sightings far apart in time cannot see every spin: the judge samples a long shot
sparsely, and a hexagon turned by 60 degrees (or a square by 90) between samples looks unmoved.
So each sighting is compared with the same object one video frame later (its "partner"), where
even a fast spin has turned well under a symmetry period (the scene engine's fastest spin is
30 degrees a frame at 12 fps). The partner's outline is rotated about its centroid over a range
of angles; a spin is change that some rotation takes away, while a still object's noise is
change that no rotation takes away.
"""
from __future__ import annotations

import numpy as np

from .detector import PATCH, Blob

# Angles tried between adjacent frames (a normal spin turns 15 degrees a frame, a fast one 30).
TURN_ANGLES = np.deg2rad(np.arange(-40.0, 40.1, 5.0))


def _centroid(mask: np.ndarray) -> np.ndarray:
    """(row, col) centre of mass of a (P, P) soft mask, in patch pixels."""
    total = mask.sum() + 1e-6
    yy, xx = np.mgrid[0:mask.shape[0], 0:mask.shape[1]] + 0.5
    return np.array([(yy * mask).sum() / total, (xx * mask).sum() / total])


def _sample(mask: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Bilinear samples of a (P, P) mask at fractional pixel centres; 0 outside."""
    p = mask.shape[0]
    padded = np.pad(mask, 1)
    r = np.clip(rows - 0.5 + 1, 0, p + 1 - 1e-6)
    c = np.clip(cols - 0.5 + 1, 0, p + 1 - 1e-6)
    r0, c0 = np.floor(r).astype(int), np.floor(c).astype(int)
    r1, c1 = np.minimum(r0 + 1, p + 1), np.minimum(c0 + 1, p + 1)
    wr, wc = r - r0, c - c0
    top = padded[r0, c0] * (1 - wc) + padded[r0, c1] * wc
    bottom = padded[r1, c0] * (1 - wc) + padded[r1, c1] * wc
    return top * (1 - wr) + bottom * wr


def turn_change(a: Blob, b: Blob) -> tuple[float, float]:
    """(change, residual) between the outlines of two sightings of one object.

    change: mismatch of the masks laid on each other centroid to centroid, at their true sizes
    (0 = same outline); residual: the least mismatch left after rotating b by any of
    TURN_ANGLES. Both are |A - B| summed over the mean mask sum. A spin shows as change much
    larger than residual; a still or translating object has both near 0 (or both at the noise)."""
    ma, mb = a.patch[..., 3], b.patch[..., 3]
    if ma.sum() < 1e-3 or mb.sum() < 1e-3:
        return 0.0, 0.0
    ca, cb = _centroid(ma), _centroid(mb)
    scale = max(a.extent, 1e-6) / max(b.extent, 1e-6)   # b's patch pixels per a's patch pixel
    yy, xx = np.mgrid[0:PATCH, 0:PATCH] + 0.5
    dy, dx = (yy - ca[0]) * scale, (xx - ca[1]) * scale
    cos, sin = np.cos(TURN_ANGLES)[:, None, None], np.sin(TURN_ANGLES)[:, None, None]
    rows = cb[0] + cos * dy - sin * dx                    # (n_angles, P, P)
    cols = cb[1] + sin * dy + cos * dx
    warped = _sample(mb, rows, cols)                      # b's mask seen on a's pixel grid
    mism = np.abs(warped - ma).sum(axis=(1, 2)) / (0.5 * (ma.sum() + warped.sum(axis=(1, 2))) + 1e-6)
    zero = int(np.argmin(np.abs(TURN_ANGLES)))
    return float(mism[zero]), float(mism.min())


def turn_measures(blobs: list[Blob], partners: list[Blob | None]) -> np.ndarray:
    """(n, 2) per sighting: turn_change against its partner one frame away; NaN where the
    object has no partner sighting (it left the frame, merged, or the shot has one frame)."""
    out = np.full((len(blobs), 2), np.nan, np.float32)
    for i, (a, b) in enumerate(zip(blobs, partners)):
        if b is not None:
            out[i] = turn_change(a, b)
    return out
