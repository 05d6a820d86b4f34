"""Diversity over seeds: for one prompt, how different the videos of several seeds are.

Two views: the mean pairwise distance of the encoder's clip features (layout and motion as the
encoder sees them), and the mean pairwise pixel difference of the videos at judge size. A
diversity number means little unless the videos also stay faithful, so `evaluate` reports it
beside the share of seeds judged fully correct.
"""
from __future__ import annotations

from itertools import combinations

import numpy as np

from .detector import to_judge_size


def pixel_diversity(videos: list[np.ndarray]) -> float:
    """Mean over pairs of mean |a - b| (0..255) at judge size, over their common frames."""
    if len(videos) < 2:
        return 0.0
    small = [to_judge_size(v) for v in videos]
    n = min(len(v) for v in small)
    return float(np.mean([np.abs(a[:n] - b[:n]).mean() for a, b in combinations(small, 2)]))


def feature_diversity(features: list[np.ndarray]) -> float:
    """Mean pairwise Euclidean distance between per-video feature vectors (d,)."""
    if len(features) < 2:
        return 0.0
    return float(np.mean([np.linalg.norm(a - b) for a, b in combinations(features, 2)]))
