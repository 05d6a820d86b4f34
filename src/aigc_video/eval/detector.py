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
    touching: bool = False   # borders another object's blob (split apart by colour): its outline
                             # and centroid are partly the other object's or partly hidden

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


def estimate_background(frames_lab: np.ndarray, reference_lab: np.ndarray | None,
                        alternatives_lab: list[np.ndarray] = ()) -> np.ndarray:
    """The background each frame is compared with, Lab, (1, H, W, 3) or (T, H, W, 3).

    Moving objects vanish from the per-pixel temporal median; still ones do not, so where the
    median disagrees with the reference render of the claimed setting, the reference wins. With
    no reference (unit tests, unknown settings) the median alone is used. A reference per frame
    (a moving camera) gives a background per frame. `alternatives_lab`: other valid renders of the
    same setting (other seeded details: building heights, hills, clouds); where the median agrees
    with one of them it is background too, so a video is not charged for drawing *a* city rather
    than the plan's exact one."""
    median = np.median(frames_lab, axis=0)[None]
    if reference_lab is None:
        return median
    distance = np.linalg.norm(median - reference_lab, axis=-1)
    for alternative in alternatives_lab:
        distance = np.minimum(distance, np.linalg.norm(median - alternative, axis=-1))
    agree = distance < BACKGROUND_AGREE_DELTA_E
    return np.where(agree[..., None], median, reference_lab)


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


# Two overlapping objects of different colours form one region; it is split when its second
# most common palette colour holds at least this share of its pixels. Single objects stay whole:
# their secondary parts (windows, wheels, trunks, outlines) are each well under this share.
SPLIT_SHARE = 0.25


def split_by_colour(labels: np.ndarray, n: int, lab: np.ndarray, palette: Palette,
                    min_pixels: float) -> tuple[np.ndarray, int]:
    """Split regions made of two or three large single-colour parts (overlapping objects).

    Each pixel of such a region goes to the nearest of the parts' mean colours (so blurred
    in-between pixels join a side), then each side is split into its connected pieces."""
    counts = np.bincount(labels.reshape(-1), minlength=n + 1)
    big = np.flatnonzero(counts[1:] >= 2 * min_pixels) + 1
    if not len(big):
        return labels, n
    objects = _bounding_slices(labels, big)
    for i, box in zip(big, objects):
        crop = labels[box]                       # (1, h', w') view of the region's frame
        inside = crop == i
        pix = lab[box][inside]
        near = palette.nearest(pix)
        hist = np.bincount(near, minlength=len(palette.names))
        top = [c for c in np.argsort(-hist)[:3] if hist[c] >= max(SPLIT_SHARE * len(pix), min_pixels)]
        if len(top) < 2:
            continue
        centres = np.stack([pix[near == c].mean(0) for c in top])
        side = np.linalg.norm(pix[:, None, :] - centres[None], axis=-1).argmin(1)
        # Two objects side by side have parts centred apart; a blurred object's rim of mixed
        # colours surrounds its core with the same centre, and must not be split off.
        _, yy, xx = np.nonzero(inside)
        cen = np.stack([[yy[side == k].mean(), xx[side == k].mean()] for k in range(len(top))])
        if np.linalg.norm(cen[1:] - cen[0], axis=1).max() < 0.3 * np.sqrt(len(pix)):
            continue
        sides = np.zeros(crop.shape, np.int32)
        sides[inside] = side + 1
        for k in range(2, len(top) + 1):
            sub, m = label(sides == k)
            crop[sub > 0] = sub[sub > 0] + n     # writes through the view into labels
            n += m
    return labels, n


def _bounding_slices(labels: np.ndarray, ids: np.ndarray) -> list[tuple[slice, slice, slice]]:
    """(frame, rows, cols) slices bounding each labelled region in ids."""
    try:
        from scipy import ndimage

        found = ndimage.find_objects(labels)
        return [found[i - 1] for i in ids]
    except ImportError:
        pass
    t, h, w = labels.shape
    out = []
    flat = labels.reshape(-1)
    for i in ids:
        idx = np.flatnonzero(flat == i)
        f, rem = np.divmod(idx, h * w)
        y, x = np.divmod(rem, w)
        out.append((slice(f[0], f[0] + 1), slice(y.min(), y.max() + 1), slice(x.min(), x.max() + 1)))
    return out


def find_blobs(frames: np.ndarray, reference: np.ndarray | None = None,
               palette: Palette | None = None, alternatives: list[np.ndarray] = ()) -> list[list[Blob]]:
    """The blobs of every frame.

    frames: (T, H, W, 3) uint8 video; reference: (H', W', 3) or (T, H', W', 3) uint8 render of
    the claimed background with no objects (any size; resized like the frames), or None;
    alternatives: other renders of it, shaped like the reference (see estimate_background).
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
    alt_lab = [rgb_to_lab(resize(a[None] if a.ndim == 3 else a, h, w)) for a in map(np.asarray, alternatives)]
    background = estimate_background(lab, ref_lab, alt_lab)
    mask, dist = foreground(lab, background)
    labels, n = label(mask)
    if n == 0:
        return [[] for _ in range(t)]
    labels, n = split_by_colour(labels, n, lab, palette, min_pixels=MIN_BLOB_AREA * h * h)

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
        # Work in a window around the blob (the patch reaches 0.6 x its larger side from the centre).
        m = max(3, int(np.ceil(0.2 * max(bh, bw))) + 1)
        ys_, xs_ = slice(max(y0[i] - m, 0), min(y1[i] + m + 1, h)), slice(max(x0[i] - m, 0), min(x1[i] + m + 1, w))
        by, bx = (y0[i] + y1[i] + 1) / 2 - ys_.start, (x0[i] + x1[i] + 1) / 2 - xs_.start
        win = labels[f, ys_, xs_]
        own = win == i + 1
        others = (win > 0) & ~own
        others[others] = keep[win[others] - 1]      # only objects, not specks
        d = dist[f, ys_, xs_]
        near_own = dilate(own, 1)
        # Keep only this blob's soft mask: neighbours' pixels would confuse the shape.
        own_soft = soft[f, ys_, xs_] * (near_own & grown[f, ys_, xs_])
        # Area as the integral of the difference relative to the blob's inner contrast: blur
        # spreads an object's difference over more pixels but keeps its integral, so this area
        # is about the same for crisp and blurry renders (a thresholded mask grows with blur).
        region = dilate(own, 2) & ~(grown[f, ys_, xs_] & ~near_own)
        inner = d[core[f, ys_, xs_] & own]
        level = np.median(inner) if inner.size else np.median(d[own])
        soft_area = np.minimum(d[region] / max(level, 1e-6), 1.0).sum()
        img = np.concatenate([rgb[f, ys_, xs_] / 255.0, own_soft[..., None]], -1)
        patch = sample_patch(img, by, bx, 0.6 * max(bh, bw))
        blobs[f].append(Blob(
            frame=int(f), x=float(cx[i] / w), y=float(cy[i] / h), area=float(soft_area / (h * h)),
            extent=float(max(bh, bw) / h), contrast=float(contrast[i]),
            color_votes=votes[i].astype(np.float32), patch=patch,
            touching=bool((dilate(own, 1) & others).any()),
        ))
    for frame_blobs in blobs:
        frame_blobs.sort(key=lambda b: -b.area)
    return blobs
