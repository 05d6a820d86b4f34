"""LayoutUpscaler: the learned engines' super-resolution stage, from their native 96 x 56 frames to
`scale` x that size, reading the plan's layout at the output size.

The learned engines' pictures are soft because everything is drawn at 96 x 56: a bicubic upscale
spreads each silhouette over 7 output pixels at 640 x 360, and leaves the generator's faint copies
of objects and background bands as they are. The plan knows exactly where every object is, at any
size (data/layout.py), so the sharp edges need not be invented, only composited. The network
(a learned matting, in two parts):
1. native branch, at 96 x 56: the frame and the layout averaged to that size -> `features`
   channels per native pixel (3 x 3 convolutions: a receptive field of `2 * depth + 1` native
   pixels, enough to tell an object's colour from its background's on both sides of an edge);
2. output branch, per output pixel: the bicubic upscale of the frame, the layout at the output
   size and the native features upsampled bilinearly -> a residual over the bicubic frame
   (1 x 1 convolutions only: a 3 x 3 at 384 x 224 over a 4.8 s shot costs more than the whole
   generator). The sharp edges come from the layout's coverage, read per output pixel.
The residual's last layer starts at zero, so the untrained network is the bicubic upscale.

Cost: a 4.8 s shot (58 native frames) to 384 x 224 is about 0.9 GFLOP per frame in the output
branch's 1 x 1 layers (hidden 16) and 0.05 in the native branch.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class UpscalerConfig:
    scale: int = 4              # output size = scale x the native size (then resampled to the requested size)
    layout_channels: int = 4
    width: int = 32             # native branch
    depth: int = 3              # 3 x 3 convolutions in the native branch
    features: int = 8           # native features upsampled to the output size
    hidden: int = 16            # the output branch's 1 x 1 layer


class LayoutUpscaler(nn.Module):
    def __init__(self, config: UpscalerConfig):
        super().__init__()
        self.config = c = config
        layers: list[nn.Module] = []
        channels = 3 + c.layout_channels
        for _ in range(c.depth):
            layers += [nn.Conv2d(channels, c.width, 3, padding=1), nn.SiLU()]
            channels = c.width
        layers.append(nn.Conv2d(channels, c.features, 1))
        self.native = nn.Sequential(*layers)
        self.mix = nn.Conv2d(3 + c.features + c.layout_channels, c.hidden, 1)
        self.out = nn.Conv2d(c.hidden, 3, 1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, frames: torch.Tensor, layout: torch.Tensor) -> torch.Tensor:
        """frames (B, 3, h, w) in [-1, 1], layout (B, 4, scale h, scale w) in [0, 1]
        -> (B, 3, scale h, scale w), about [-1, 1] (not clamped)."""
        s = self.config.scale
        h, w = frames.shape[-2:]
        if layout.shape[-2:] != (s * h, s * w):
            raise ValueError(f"layout {tuple(layout.shape[-2:])} must be {s} x the frames' size {(h, w)}")
        # 1. Native branch: the frame beside its layout, averaged to the frame's size.
        feats = self.native(torch.cat([frames, F.avg_pool2d(layout, s)], 1))            # (B, features, h, w)
        # 2. Output branch: per output pixel, a residual over the bilinear frame (frame and features
        # upsampled in one call: bicubic would cost as much again, and the residual sharpens anyway).
        up = F.interpolate(torch.cat([frames, feats.to(frames.dtype)], 1), size=(s * h, s * w), mode="bilinear",
                           align_corners=False)
        hidden = F.relu(self.mix(torch.cat([up, layout.to(up.dtype)], 1)))   # ReLU: SiLU costs 4x at this size
        return up[:, :3] + self.out(hidden)


def colour_code(masks: torch.Tensor, colors: torch.Tensor) -> torch.Tensor:
    """data.layout.colour_code in torch, in place on one output: masks (T, n, H, W) in [0, 1] in
    drawing order, colors (n, 3) in [0, 1] -> (T, 4, H, W). At 384 x 224 over a 4.8 s shot the
    numpy version takes 0.4 s (a temporary per operation), this one about 0.05 s."""
    t, n, h, w = masks.shape
    out = torch.zeros(t, 4, h, w)
    rgb, cover = out[:, :3], out[:, 3:]
    for i in range(n):
        m = masks[:, i:i + 1]
        rgb.mul_(1 - m).add_(colors[i].view(1, 3, 1, 1) * m)     # later objects cover earlier ones
        torch.maximum(cover, m, out=cover)
    return out


def shot_masks(shot, width: int, height: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The plan's objects at width x height: masks (T, n, height, width) in [0, 1] in drawing order
    and their colours (n, 3) in [0, 1]; colour_code(masks, colors) is then
    data.layout.rasterize_layout(shot, width, height, 1)."""
    from ..scene.render import render_masks
    from ..vocab import COLORS
    masks = torch.from_numpy(render_masks(shot, width, height))
    colors = torch.tensor([COLORS[o.color] for o in shot.objects], dtype=torch.float32).view(-1, 3) / 255.0
    return masks, colors


@torch.no_grad()
def upscale_frames(model: LayoutUpscaler, frames: torch.Tensor, masks: torch.Tensor, colors: torch.Tensor,
                   height: int, width: int, chunk: int = 4) -> torch.Tensor:
    """frames (T, 3, h, w) in [-1, 1] and their objects' masks (T, n, scale h, scale w) and colours
    (shot_masks) -> uint8 (T, height, width, 3): the network at scale x the native size, then bicubic
    (antialiased when it shrinks) in uint8 to the requested size. Runs in float32 (bf16 rounds
    [-1, 1] to steps of 1/128: visible bands), `chunk` frames at a time: the layout and the
    activations at the output size then stay small (the whole shot's layout at once is 3x slower)."""
    from .tensors import to_uint8
    out = []
    for i in range(0, len(frames), chunk):
        layout = colour_code(masks[i:i + chunk], colors)
        with torch.autocast("cpu", enabled=False):
            # channels-last: uint8 bicubic 2.7x faster on it, same values (engines/latent.upscale)
            big = to_uint8(model(frames[i:i + chunk].float(), layout)).contiguous(memory_format=torch.channels_last)
        if big.shape[-2:] != (height, width):
            shrink = height < big.shape[-2] or width < big.shape[-1]
            big = F.interpolate(big, size=(height, width), mode="bicubic", align_corners=False, antialias=shrink)
        out.append(big.permute(0, 2, 3, 1))
    return torch.cat(out)
