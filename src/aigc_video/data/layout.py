"""Layout conditioning: a shot's objects rasterised per frame as colour-coded coverage maps.

Channels per cell: the visible object's R, G, B (in [0, 1]) times its coverage, and the coverage
itself. Colour, position, size, silhouette and motion of every object are thus given by the plan;
the learned model still has to draw them (texture, shading, background) and to make them move
coherently. Masks are rendered at pixel resolution and averaged over `factor` x `factor` cells, so
a small object still leaves a soft footprint.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..scene.sceneplan import ShotPlan
from ..errors import InputError
from ..vocab import COLORS

if TYPE_CHECKING:
    import torch

    from ..models.vae import VideoVAE

LAYOUT_CHANNELS = 4


def colour_code(masks: np.ndarray, colors: list[str]) -> np.ndarray:
    """masks (T, n, H, W) in [0, 1], one per object in drawing order -> (T, 4, H, W) float32.
    Later objects cover earlier ones (painter's order), as in the renderer."""
    t, n, h, w = masks.shape
    rgb = np.zeros((t, 3, h, w), np.float32)
    cover = np.zeros((t, 1, h, w), np.float32)
    for i in range(n):
        m = masks[:, i:i + 1].astype(np.float32)
        c = np.asarray(COLORS[colors[i]], np.float32)[None, :, None, None] / 255.0
        rgb = rgb * (1 - m) + c * m
        cover = np.maximum(cover, m)
    return np.concatenate([rgb, cover], axis=1)


def pool(x: np.ndarray, factor: int) -> np.ndarray:
    """Average over factor x factor cells of the last two axes (factor 1: x itself, not a copy;
    the VAE recipe pools every batch of pixel-resolution layouts this way)."""
    if factor == 1:
        return x
    *lead, h, w = x.shape
    return x.reshape(*lead, h // factor, factor, w // factor, factor).mean(axis=(-3, -1))


def rasterize_layout(shot: ShotPlan, width: int, height: int, factor: int) -> np.ndarray:
    """(shot.n_frames, 4, height/factor, width/factor) float32 layout of a planned shot."""
    from ..scene.render import render_masks
    masks = render_masks(shot, width, height)            # (T, n_objects, H, W)
    if masks.shape[1] == 0:
        return np.zeros((shot.n_frames, LAYOUT_CHANNELS, height // factor, width // factor), np.float32)
    coded = colour_code(masks, [o.color for o in shot.objects])
    return pool(coded, factor).astype(np.float32)


def latent_layout(layout, time_factor: int, cells: int = 1, chunk: int = 256) -> torch.Tensor:
    """Per-frame layout (N, T, 4, h, w) -> per-latent-frame (N, 4, T/ft, h/cells, w/cells): the mean
    over the frames a latent frame covers, so motion within it shows as a smear in its direction,
    and over `cells` x `cells` layout cells (those of one latent cell, for a finer layout). Done
    `chunk` clips at a time: a pixel-resolution layout of a whole dataset does not fit in memory as float32."""
    import torch
    out = []
    for i in range(0, len(layout), chunk):
        x = torch.as_tensor(pool(np.asarray(layout[i:i + chunk]), cells)).float()
        n, t, c, h, w = x.shape
        out.append(x.reshape(n, t // time_factor, time_factor, c, h, w).mean(2).permute(0, 2, 1, 3, 4).contiguous())
    return torch.cat(out)


def decoder_layout(vae: "VideoVAE", layouts, device, factor: int) -> torch.Tensor | None:
    """What the decoder reads, from per-frame layouts (B, T, 4, h, w) at `factor` pixels per cell
    (averaged to the decoder's coarser cells where it reads fewer): (B, 4, T, h', w'), or None for a
    decoder without."""
    from ..models.tensors import frame_layout
    c = vae.config
    if not c.layout_channels:
        return None
    if c.decoder_layout_factor % factor:
        raise InputError(f"the decoder reads a layout cell per {c.decoder_layout_factor} pixels; layouts at "
                         f"{factor} pixels per cell cannot be averaged to that (set data.layout_factor to a divisor)")
    return frame_layout(pool(np.asarray(layouts), c.decoder_layout_factor // factor)).to(device)
