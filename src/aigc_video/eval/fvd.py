"""Fréchet distances between feature statistics: an FVD-style score for whole clips and an
FID-style score for single frames, both from our own encoder (`eval.features`).

NOT comparable to published FVD or FID numbers: those use I3D / Inception features trained on
real footage; ours come from a small encoder trained on the scene engine's renders, so they only
rank videos of this project's domain against each other, under the same encoder checkpoint, the
same clip length and the same number of samples (the Fréchet distance is biased upwards when few
samples are used, so only compare numbers computed with equal set sizes).
"""
from __future__ import annotations

import numpy as np


def _sqrt_psd(m: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh((m + m.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def statistics(features: np.ndarray, shrink: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of (n, d) features; a tiny ridge keeps small sets well conditioned."""
    f = np.asarray(features, dtype=np.float64)
    if f.ndim != 2 or len(f) < 2:
        raise ValueError(f"need at least 2 feature vectors of shape (n, d), got {f.shape}")
    mu = f.mean(0)
    cov = np.cov(f, rowvar=False) + shrink * np.eye(f.shape[1])
    return mu, cov


def frechet_distance(mu1: np.ndarray, cov1: np.ndarray, mu2: np.ndarray, cov2: np.ndarray) -> float:
    """||mu1 - mu2||^2 + tr(C1 + C2 - 2 (C1^1/2 C2 C1^1/2)^1/2), the Fréchet distance of two Gaussians."""
    s1 = _sqrt_psd(cov1)
    cross = np.linalg.eigvalsh(s1 @ cov2 @ s1)
    tr_sqrt = np.sqrt(np.clip(cross, 0, None)).sum()
    d = float(((mu1 - mu2) ** 2).sum() + np.trace(cov1) + np.trace(cov2) - 2 * tr_sqrt)
    return max(d, 0.0)


def frechet_from_features(a: np.ndarray, b: np.ndarray) -> float:
    return frechet_distance(*statistics(a), *statistics(b))


def video_distance(encoder, videos_a: list[np.ndarray], videos_b: list[np.ndarray]) -> float:
    """FVD-style: Fréchet distance of clip features of two sets of (T, H, W, 3) uint8 videos."""
    fa = np.concatenate([encoder.clip_features(v) for v in videos_a])
    fb = np.concatenate([encoder.clip_features(v) for v in videos_b])
    return frechet_from_features(fa, fb)


def frame_distance(encoder, videos_a: list[np.ndarray], videos_b: list[np.ndarray]) -> float:
    """FID-style: Fréchet distance of per-frame features (blind to motion and frame order)."""
    fa = np.concatenate([encoder.frame_features(v) for v in videos_a])
    fb = np.concatenate([encoder.frame_features(v) for v in videos_b])
    return frechet_from_features(fa, fb)
