"""Latent-interpolation ("morph") transitions: the outgoing shot's last frames and the incoming
shot's first frames are encoded with the shipped VideoVAE, their latents slerped, decoded, and the
decoded change laid over the full-resolution crossfade.

Why not show the decoded frames themselves: the VAE works at 96x56, so its decode upsampled to the
video's size is a blur (bench/results/morph_transition.md, "upsampled decode"). What the latent
path adds over a pixel crossfade is low-frequency (where colour and light move on the way from one
shot to the other), so only that is kept:

    frame_k = crossfade_k(full res)
              + up(smooth(decode(slerp(zA, zB, a_k)) - crossfade_k(decode(zA), decode(zB))))

At a_k = 0 and 1 the correction is exactly 0, so the transition starts and ends on the shots' own
frames; every detail comes from the full-resolution frames. `smooth` removes the decoder's
period-4 stripes (one latent cell), which do not cancel in the difference and showed as horizontal
banding in skies. What the morph does that a crossfade does not: colours stay saturated half-way
(a crossfade of two unrelated shots greys out), and light moves at the pace of the latent path,
not linearly. Deterministic: the VAE's posterior mean is used, not a sample.

This module imports torch; `synthesis.transitions` imports it only when a shot asks for a morph.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..models.tensors import to_video_tensor
from ..models.vae import VideoVAE

# The shipped flow model's VAE (vae.json + vae.safetensors), the one the learned engines decode with.
VAE_CHECKPOINT = Path(__file__).resolve().parent.parent / "checkpoints" / "flow"
# |cos| of the angle between the two vectors above which slerp is replaced by lerp: the arc is
# numerically unstable there (sin(omega) -> 0; float32 arccos resolves angles down to ~3e-4 rad)
# and lerp differs from slerp by O(omega^2) relative, under 1e-3 at this threshold.
PARALLEL_COS = 0.9995


def slerp(a: torch.Tensor, b: torch.Tensor, t: float | torch.Tensor) -> torch.Tensor:
    """Spherical linear interpolation from a (t = 0) to b (t = 1) along the last dimension
    (Shoemake 1985; for generative latents, White 2016, "Sampling generative networks").

    a, b: (..., D); t: a float or a tensor broadcastable to a.shape[:-1] (one t per vector).
    Unit vectors stay unit vectors. Where a and b are (anti)parallel or one is zero the arc is
    undefined or unstable, and lerp is used instead."""
    t = torch.as_tensor(t, dtype=a.dtype, device=a.device)
    t = t.unsqueeze(-1) if t.ndim else t                        # (..., 1)
    norms = a.norm(dim=-1, keepdim=True) * b.norm(dim=-1, keepdim=True)
    cos = ((a * b).sum(-1, keepdim=True) / norms.clamp_min(1e-12)).clamp(-1.0, 1.0)
    linear = (cos.abs() > PARALLEL_COS) | (norms < 1e-12)
    omega = torch.arccos(torch.where(linear, torch.zeros_like(cos), cos))
    sin = torch.where(linear, torch.ones_like(omega), torch.sin(omega))
    wa = torch.where(linear, 1 - t, torch.sin((1 - t) * omega) / sin)
    wb = torch.where(linear, t, torch.sin(t * omega) / sin)
    return wa * a + wb * b


class Morpher:
    """`morpher(tail, head, alphas)` -> the transition's frames. The VAE sees frames at its native
    size (`size`, width x height), in groups of `time_factor` frames."""

    def __init__(self, vae: VideoVAE, size: tuple[int, int] = (96, 56), name: str = "VideoVAE"):
        c = vae.config
        if size[0] % c.space_factor or size[1] % c.space_factor:
            raise ValueError(f"morph size {size} must be a multiple of the VAE's {c.space_factor} pixels a side")
        self.vae, self.size, self.name = vae.eval(), size, name

    @classmethod
    def from_checkpoint(cls, folder: str | os.PathLike | None = None) -> "Morpher":
        """The shipped VAE (`VAE_CHECKPOINT`), or `folder`'s vae.json + vae.safetensors."""
        from ..models.io import load_component
        folder = Path(folder) if folder is not None else VAE_CHECKPOINT
        vae, meta = load_component(folder, "vae")
        data = meta.get("recipe", {}).get("data", {})
        size = tuple(data.get("size", (96, 56)))
        return cls(vae, size=size, name=f"{meta['class']} ({folder.name}/vae.safetensors)")

    @torch.inference_mode()
    def __call__(self, tail: np.ndarray, head: np.ndarray, alphas: list[float]) -> np.ndarray:
        """tail: the outgoing shot's last n frames, head: the incoming shot's first n frames, each
        (n, H, W, 3) uint8; alphas: the incoming shot's weight at each of the n frames
        -> (n, H, W, 3) uint8."""
        n, height, width, _ = tail.shape
        # 1. The morph at the VAE's size, and what it changes over a crossfade of the two ends
        #    as the VAE reconstructs them.
        morph, rec_a, rec_b = self.decoded(tail, head, alphas)
        a = torch.tensor(alphas, dtype=torch.float32).view(n, 1, 1, 1)
        change = morph - ((1 - a) * rec_a + a * rec_b)                         # (n, 3, h, w), [-1, 1] units

        # 2. Smoothed over one latent cell (the decoder's own period-4 stripes do not cancel in the
        #    difference), upsampled, over the full-resolution crossfade.
        change = _cell_smooth(change, self.vae.config.space_factor)
        change = F.interpolate(change, size=(height, width), mode="bilinear", align_corners=False)
        full = (1 - a) * _floats(tail) + a * _floats(head) + change.mul(127.5)
        return full.round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()

    @torch.inference_mode()
    def decoded(self, tail: np.ndarray, head: np.ndarray,
                alphas: list[float]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The morph at the VAE's size: (morph, tail reconstructed, head reconstructed), each
        (n, 3, h, w) in [-1, 1]; frame k of the morph is slerped at alphas[k]."""
        n = len(tail)
        if head.shape != tail.shape or len(alphas) != n:
            raise ValueError(f"tail {tail.shape}, head {head.shape} and {len(alphas)} alphas do not match")
        ft = self.vae.config.time_factor
        alpha = torch.tensor(alphas, dtype=torch.float32)                      # (n,)

        # 1. Both sides at the VAE's size, padded with their last frame to whole groups of ft frames.
        groups = -(-n // ft)
        low = [self._native(x, groups * ft) for x in (tail, head)]             # (1, 3, T, h, w) each

        # 2. Encode (posterior means: deterministic), one latent frame per group.
        za, zb = (self.vae.encode(x)[0][0].transpose(0, 1) for x in low)      # (groups, C, h', w')

        # 3. Slerp frame k's latent (its group's) towards the other shot's, decode it alone and keep
        #    frame k % ft. Each group's two end latents are decoded alone too (the same context,
        #    so the decoder's own error cancels in the difference below).
        k = torch.arange(n)
        zm = slerp(za[k // ft].flatten(1), zb[k // ft].flatten(1), alpha).view(n, *za.shape[1:])
        decoded = self.vae.decode(torch.cat([zm, za, zb]).unsqueeze(2))        # (n + 2 groups, 3, ft, h, w)
        morph = decoded[k, :, k % ft]                                          # (n, 3, h, w)
        ends = decoded[n:].transpose(1, 2).flatten(0, 1)                       # (2 groups ft, 3, h, w)
        return morph, ends[:n], ends[groups * ft:groups * ft + n]

    def _native(self, frames: np.ndarray, n_frames: int) -> torch.Tensor:
        """(n, H, W, 3) uint8 -> (1, 3, n_frames, h, w) in [-1, 1] at the VAE's size."""
        w, h = self.size
        x = F.interpolate(_floats(frames), size=(h, w), mode="bilinear", antialias=True, align_corners=False)
        x = torch.cat([x, x[-1:].expand(n_frames - len(x), -1, -1, -1)])
        x = x.round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1)        # (T, h, w, 3)
        return to_video_tensor(x.unsqueeze(0))


def _floats(frames: np.ndarray) -> torch.Tensor:
    """(n, H, W, 3) uint8 -> (n, 3, H, W) float32 in [0, 255]."""
    return torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float()


def _cell_smooth(x: torch.Tensor, cell: int) -> torch.Tensor:
    """(N, C, h, w) low-passed along each axis by a box of `cell` pixels (convolved with [1, 1] / 2
    when `cell` is even, to stay symmetric): for cell 4 the kernel [1, 2, 2, 2, 1] / 8, whose
    response is 0 at periods 4 and 2. The decoder's per-cell pattern goes; slower change stays."""
    k = np.ones(cell) / cell
    k = np.convolve(k, [0.5, 0.5]) if cell % 2 == 0 else k
    k = torch.tensor(k, dtype=x.dtype)
    c, r = x.shape[1], len(k) // 2
    x = F.pad(x, (r, r, r, r), mode="replicate")
    x = F.conv2d(x, k.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)
    return F.conv2d(x, k.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)
