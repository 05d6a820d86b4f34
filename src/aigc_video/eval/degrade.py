"""Controlled damage to videos, for validating the metrics: each function takes a strength and a
seed, and strength 0 returns the video unchanged.

`learned_like` imitates a small learned model's output: made at 64x64, upscaled to the output
size, soft and noisy. The others are the classic FVD sanity checks (blur, noise, shuffled
frames, frozen frames).
"""
from __future__ import annotations

import numpy as np

from .imageops import blur as gaussian_blur
from .imageops import resize


def _to_uint8(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x), 0, 255).astype(np.uint8)


def blur(frames: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of sigma pixels (at the frames' own size)."""
    return frames if sigma <= 0 else _to_uint8(gaussian_blur(frames, sigma))


def noise(frames: np.ndarray, sigma: float, seed: int = 0) -> np.ndarray:
    """Additive Gaussian noise of sigma (0..255 units), independent per pixel and frame."""
    if sigma <= 0:
        return frames
    rng = np.random.default_rng(seed)
    return _to_uint8(frames.astype(np.float32) + np.float32(sigma) * rng.standard_normal(frames.shape, dtype=np.float32))


def shuffle(frames: np.ndarray, fraction: float, seed: int = 0) -> np.ndarray:
    """Permute a random `fraction` of the frames among their own positions (1 = fully shuffled)."""
    n = len(frames)
    k = int(round(fraction * n))
    if k < 2:
        return frames
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(n, size=k, replace=False))
    order = np.arange(n)
    # A cycle through the chosen positions in random order, so that every chosen frame moves.
    cycle = rng.permutation(chosen)
    order[cycle] = cycle[np.r_[1:k, 0]]
    return frames[order]


def freeze(frames: np.ndarray, hold: int) -> np.ndarray:
    """Show every `hold`-th frame `hold` times (a stuttering, partly frozen video); hold >= the
    length freezes the whole video on its first frame."""
    if hold <= 1:
        return frames
    idx = (np.arange(len(frames)) // hold) * hold
    return frames[idx]


def freeze_tail(frames: np.ndarray, fraction: float) -> np.ndarray:
    """Freeze the last `fraction` of the video on the frame where the freeze starts (1 = the
    whole video shows its first frame)."""
    n = len(frames)
    k = int(round(fraction * n))
    if k < 1:
        return frames
    start = max(n - k, 0)
    idx = np.arange(n)
    idx[start:] = start if start < n else n - 1
    return frames[idx]


def learned_like(frames: np.ndarray, strength: float, seed: int = 0, side: int = 64) -> np.ndarray:
    """Downscale to side x side, blur (up to 1.5 px there), upscale back, add noise (up to sigma 12).

    strength in [0, 1]: 0 unchanged; any positive strength includes the 64x64 round trip."""
    if strength <= 0:
        return frames
    t, h, w, _ = frames.shape
    small = resize(frames, side, side)
    small = gaussian_blur(small, 1.5 * strength)
    big = resize(small, h, w)
    out = _to_uint8(big)
    return noise(out, 12.0 * strength, seed)
