"""Find the objects in every frame: colour segmentation against a background, then blobs.

The judge never sees the answer. It is given the frames, plus a background to segment against
(a render of the *claimed* setting with no objects, which the claim is entitled to: it says which
background) and a palette (the vocabulary colours as they look under the claimed setting and
mood). Everything else (where the objects are, how many, what colour) comes from the pixels.

Working resolution: frames are resized to JUDGE_HEIGHT rows (width keeps the aspect), which both
bounds the cost and puts crisp renders and blurry 64x64-upscaled learned output on equal terms.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..vocab import COLORS
from .imageops import blur, dilate, erode, label, open_mask, resize, rgb_to_lab

JUDGE_HEIGHT = 96
# Lab distance above which a pixel differs from the background (sRGB noise of sigma 8 gives ~5).
FOREGROUND_DELTA_E = 18.0
# Where the video's own temporal median is this close to the reference background, trust the
# video's median as the background (absorbs a learned model's small colour errors).
BACKGROUND_AGREE_DELTA_E = 14.0
# Blobs smaller than this (fraction of frame height squared) are noise: rain, snow, stars, specks.
# The smallest object ("small", 0.14 of the height) covers at least ~0.006 even as a thin star.
MIN_BLOB_AREA = 0.0025
PATCH = 24  # side of the square crop handed to the kind classifier


@dataclass
class Blob:
    """One connected foreground region in one frame (coordinates normalized to the frame)."""

    frame: int
    x: float                 # centroid, fraction of the width
    y: float                 # centroid, fraction of the height
    area: float              # pixels / height^2 (so a disc of diameter d*H has area pi/4 d^2)
    extent: float            # max(bbox height, bbox width) / height
    contrast: float          # mean Lab distance to the background under it (fades lower it)
    color_votes: np.ndarray  # (n_colours,) weighted share of core pixels nearest each palette colour
    patch: np.ndarray = field(repr=False)  # (PATCH, PATCH, 4) float32: RGB 0..1 + foreground 0..1

    @property
    def position(self) -> tuple[float, float]:
        return self.x, self.y


@dataclass
class Palette:
    """The vocabulary colours as they appear on screen (Lab), in vocab.COLORS order."""

    names: tuple[str, ...]
    lab: np.ndarray          # (n_colours, 3)

    @classmethod
    def plain(cls) -> "Palette":
        names = tuple(COLORS)
        return cls(names, rgb_to_lab(np.array([COLORS[n] for n in names], np.float32)))

    def nearest(self, lab: np.ndarray) -> np.ndarray:
        """Index of the nearest palette colour for each Lab value (..., 3)."""
        d = np.linalg.norm(lab[..., None, :] - self.lab, axis=-1)
        return d.argmin(-1)


def judge_size(height: int, width: int) -> tuple[int, int]:
    """The working (height, width) for frames of the given size."""
    return JUDGE_HEIGHT, max(16, int(round(JUDGE_HEIGHT * width / height)))


def to_judge_size(frames: np.ndarray) -> np.ndarray:
    """(T, H, W, 3) uint8/float -> (T, JUDGE_HEIGHT, W', 3) float32 in 0..255."""
    h, w = judge_size(frames.shape[1], frames.shape[2])
    return resize(frames, h, w)


def estimate_background(frames_lab: np.ndarray, reference_lab: np.ndarray | None) -> np.ndarray:
    """The background each frame is compared with, (T, H, W, 3) Lab.

    Moving objects vanish from the per-pixel temporal median; still ones do not, so where the
    median disagrees with the reference render of the claimed setting, the reference wins. With
    no reference (unit tests, unknown settings) the median alone is used."""
    median = np.median(frames_lab, axis=0)
    if reference_lab is None:
        return np.broadcast_to(median, frames_lab.shape)
    ref = reference_lab
    if ref.shape != frames_lab.shape:
        ref = np.broadcast_to(ref, frames_lab.shape)
    agree = np.linalg.norm(median - ref, axis=-1) < BACKGROUND_AGREE_DELTA_E
    # A panning camera makes the median meaningless: compare frame by frame with the reference.
    return np.where(agree[..., None], median, ref)


def foreground(frames_lab: np.ndarray, background_lab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(T, H, W) bool mask of pixels unlike the background, and the (T, H, W) distance itself."""
    # A slight blur on both sides: compares colours, not single-pixel noise or anti-aliasing.
    dist = np.linalg.norm(blur(frames_lab, 0.7) - blur(background_lab, 0.7), axis=-1)
    mask = open_mask(dist > FOREGROUND_DELTA_E, 1)
    return mask, dist


def sample_patch(image: np.ndarray, cy: float, cx: float, half: float, size: int = PATCH) -> np.ndarray:
    """Bilinear crop of the square [cy-half, cy+half] x [cx-half, cx+half] (pixels) of (H, W, C)
    resampled to (size, size, C); outside the image reads as the nearest edge."""
    h, w = image.shape[:2]
    t = (np.arange(size) + 0.5) / size * 2 - 1
    ys = np.clip(cy + t * half - 0.5, 0, h - 1)
    xs = np.clip(cx + t * half - 0.5, 0, w - 1)
    y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
    y1, x1 = np.minimum(y0 + 1, h - 1), np.minimum(x0 + 1, w - 1)
    wy, wx = (ys - y0)[:, None, None], (xs - x0)[None, :, None]
    a = image[y0][:, x0] * (1 - wx) + image[y0][:, x1] * wx
    b = image[y1][:, x0] * (1 - wx) + image[y1][:, x1] * wx
    return (a * (1 - wy) + b * wy).astype(np.float32)


def find_blobs(frames: np.ndarray, reference: np.ndarray | None = None,
               palette: Palette | None = None) -> list[list[Blob]]:
    """The blobs of every frame.

    frames: (T, H, W, 3) uint8 video; reference: (H', W', 3) or (T, H', W', 3) uint8 render of
    the claimed background with no objects (any size; resized like the frames), or None.
    Returns one list of blobs per frame, largest first."""
    palette = palette or Palette.plain()
    rgb = to_judge_size(frames)                                   # (T, h, w, 3) 0..255
    t, h, w = rgb.shape[:3]
    lab = rgb_to_lab(rgb)
    ref_lab = None
    if reference is not None:
        ref = np.asarray(reference)
        ref = ref[None] if ref.ndim == 3 else ref
        ref_lab = rgb_to_lab(resize(ref, h, w))
    background = estimate_background(lab, ref_lab)
    mask, dist = foreground(lab, background)
    labels, n = label(mask)
    if n == 0:
        return [[] for _ in range(t)]

    # Per-label statistics in one pass over the flat arrays.
    flat = labels.reshape(-1)
    on = flat > 0
    ids = flat[on] - 1
    frame_of = np.repeat(np.arange(t), h * w)[on]
    yy, xx = np.mgrid[0:h, 0:w]
    ys = np.tile(yy.reshape(-1), t)[on]
    xs = np.tile(xx.reshape(-1), t)[on]
    counts = np.bincount(ids, minlength=n).astype(np.float64)
    keep = counts / (h * h) >= MIN_BLOB_AREA
    cy = np.bincount(ids, ys, n) / np.maximum(counts, 1) + 0.5
    cx = np.bincount(ids, xs, n) / np.maximum(counts, 1) + 0.5
    contrast = np.bincount(ids, np.minimum(dist.reshape(-1)[on], 100.0), n) / np.maximum(counts, 1)
    lbl_frame = np.zeros(n, int)
    lbl_frame[ids] = frame_of
    y0 = np.full(n, h); y1 = np.zeros(n, int); x0 = np.full(n, w); x1 = np.zeros(n, int)
    np.minimum.at(y0, ids, ys); np.maximum.at(y1, ids, ys)
    np.minimum.at(x0, ids, xs); np.maximum.at(x1, ids, xs)

    # Colour votes from the core of each blob (edges mix with the background when blurred),
    # weighted by how far each pixel is from the background.
    core = erode(mask, 1)
    core_flat = core.reshape(-1)[on]
    nearest = palette.nearest(lab.reshape(-1, 3)[on])
    weight = np.clip(dist.reshape(-1)[on] / 50.0, 0.1, 1.0)
    n_col = len(palette.names)
    votes_core = np.zeros((n, n_col))
    votes_all = np.zeros((n, n_col))
    np.add.at(votes_all, (ids, nearest), weight)
    np.add.at(votes_core, (ids[core_flat], nearest[core_flat]), weight[core_flat])
    # Small blurred blobs may have no core: fall back to all their pixels.
    has_core = votes_core.sum(1) > 0.25 * votes_all.sum(1)
    votes = np.where(has_core[:, None], votes_core, votes_all)
    votes = votes / np.maximum(votes.sum(1, keepdims=True), 1e-9)

    # Soft foreground (0 at half the threshold, 1 at 1.5x) for the shape patch.
    soft = np.clip((dist - 0.5 * FOREGROUND_DELTA_E) / FOREGROUND_DELTA_E, 0, 1)
    grown = dilate(labels > 0, 1)
    blobs: list[list[Blob]] = [[] for _ in range(t)]
    for i in np.flatnonzero(keep):
        f = lbl_frame[i]
        bh, bw = y1[i] - y0[i] + 1, x1[i] - x0[i] + 1
        by, bx = (y0[i] + y1[i] + 1) / 2, (x0[i] + x1[i] + 1) / 2
        own = (labels[f] == i + 1)
        # Keep only this blob's soft mask: neighbours' pixels would confuse the shape.
        own_soft = soft[f] * (dilate(own, 1) & grown[f])
        # Area as the integral of the difference relative to the blob's inner contrast: blur
        # spreads an object's difference over more pixels but keeps its integral, so this area
        # is about the same for crisp and blurry renders (a thresholded mask grows with blur).
        region = dilate(own, 2) & ~(grown[f] & ~dilate(own, 1))
        inner = dist[f][core[f] & own]
        level = np.median(inner) if inner.size else np.median(dist[f][own])
        soft_area = np.minimum(dist[f][region] / max(level, 1e-6), 1.0).sum()
        img = np.concatenate([rgb[f] / 255.0, own_soft[..., None]], -1)
        patch = sample_patch(img, by, bx, 0.6 * max(bh, bw))
        blobs[f].append(Blob(
            frame=int(f), x=float(cx[i] / w), y=float(cy[i] / h), area=float(soft_area / (h * h)),
            extent=float(max(bh, bw) / h), contrast=float(contrast[i]),
            color_votes=votes[i].astype(np.float32), patch=patch,
        ))
    for frame_blobs in blobs:
        frame_blobs.sort(key=lambda b: -b.area)
    return blobs
