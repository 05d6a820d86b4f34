"""Temporal quality: flicker, track smoothness, and detectors for frozen and shuffled videos.

All measured at the judge's working size on luminance (0..255), so numbers from different
output sizes are comparable.
"""
from __future__ import annotations

import numpy as np

from .detector import to_judge_size
from .imageops import dilate
from .tracking import ObjectTrack

# Two frames show the same picture when fewer than this share of pixels changed by more than
# CHANGED_LEVELS luminance levels (encoder noise on a repeated frame stays under it).
SAME_FRAME_SHARE = 0.002
CHANGED_LEVELS = 6.0
# Adjacent frames of a real clip differ much less than frames 4 apart; in a shuffled clip the two
# are alike. Above this ratio the order is judged broken.
SHUFFLED_RATIO = 0.75
ORDER_LAG = 4


def luminance(frames: np.ndarray) -> np.ndarray:
    """(T, H, W, 3) -> (T, h, w) luminance at judge size."""
    rgb = to_judge_size(frames)
    return rgb @ np.array([0.299, 0.587, 0.114], np.float32)


def _mean_abs_diff(y: np.ndarray, lag: int) -> np.ndarray:
    return np.abs(y[lag:] - y[:-lag]).mean(axis=(1, 2)) if len(y) > lag else np.zeros(0)


def flicker(frames: np.ndarray, object_mask: np.ndarray | None = None) -> float:
    """Mean |second temporal difference| of luminance outside the objects.

    The second difference Y[t+1] - 2Y[t] + Y[t-1] is ~0 for steady change (a constant camera
    pan, a slow fade) and large for brightness that jumps up and down, which is what a viewer
    sees as flicker. object_mask: (T, h, w) bool foreground at judge size, dilated here so that
    object edges do not count; None uses every pixel."""
    y = luminance(frames)
    if len(y) < 3:
        return 0.0
    d2 = np.abs(y[2:] - 2 * y[1:-1] + y[:-2])
    if object_mask is None:
        return float(d2.mean())
    m = dilate(object_mask, 2)
    outside = ~(m[2:] | m[1:-1] | m[:-2])
    return float(d2[outside].mean()) if outside.any() else 0.0


def track_jerk(track: ObjectTrack, aspect: float) -> float:
    """Median |second difference| of a track's centroid between consecutive frames, in frame
    heights per frame^2: 0 for steady motion, large for a jittering or jumping detection."""
    f = track.frames
    xy = track.xy * np.array([aspect, 1.0])
    ok = (f[2:] - f[:-2]) == 2  # only where three consecutive frames were seen
    if not ok.any():
        return 0.0
    acc = xy[2:] - 2 * xy[1:-1] + xy[:-2]
    return float(np.median(np.linalg.norm(acc[ok], axis=1)))


def frame_order(frames: np.ndarray) -> dict[str, float | bool]:
    """Frozen and shuffled checks from frame differences.

    repeated_share: share of consecutive pairs showing the same picture (1 = frozen video; also
    what a shot of things standing still looks like, so read it against the claims);
    order_ratio: mean |Y[t+1] - Y[t]| / mean |Y[t+ORDER_LAG] - Y[t]| (small for a coherent clip,
    near 1 or above when frames are out of order). A clip with almost no change is not judged
    for order (any order of identical frames is correct)."""
    y = luminance(frames)
    d1 = _mean_abs_diff(y, 1)
    d_lag = _mean_abs_diff(y, ORDER_LAG)
    changed = (np.abs(y[1:] - y[:-1]) > CHANGED_LEVELS).mean(axis=(1, 2))
    repeated = float((changed < SAME_FRAME_SHARE).mean()) if len(changed) else 1.0
    moving = len(d_lag) > 0 and d_lag.mean() > 0.5
    ratio = float(d1.mean() / d_lag.mean()) if moving else 0.0
    return {
        "repeated_share": repeated,
        "frozen": repeated > 0.95,
        "order_ratio": ratio,
        "shuffled": bool(moving and ratio > SHUFFLED_RATIO),
    }
