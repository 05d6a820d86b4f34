"""Conversions between the pipeline's uint8 frames (T, H, W, 3) and the models' float video tensors
(B, 3, T, H, W) in [-1, 1]; per-frame layouts to the models' channel-first order."""
from __future__ import annotations

import torch


def to_video_tensor(frames) -> torch.Tensor:
    """uint8 (B, T, H, W, 3) numpy/torch -> float (B, 3, T, H, W) in [-1, 1]."""
    x = torch.as_tensor(frames)
    return x.permute(0, 4, 1, 2, 3).float().div(127.5).sub(1.0)


def frame_layout(layout) -> torch.Tensor:
    """Per-frame layouts (B, T, 4, h, w), numpy float16/32 or torch -> float (B, 4, T, h, w)."""
    return torch.as_tensor(layout).float().permute(0, 2, 1, 3, 4).contiguous()


def to_uint8(x: torch.Tensor) -> torch.Tensor:
    """float in [-1, 1] -> uint8 in [0, 255], same shape."""
    return x.detach().float().add(1).mul(127.5).round().clamp(0, 255).to(torch.uint8)


def to_uint8_frames(video: torch.Tensor) -> torch.Tensor:
    """float (B, 3, T, H, W) in [-1, 1] -> uint8 (B, T, H, W, 3)."""
    return to_uint8(video).permute(0, 2, 3, 4, 1)
