"""LatentCVAE: a conditional VAE over the video VAE's latent clips, the `vae` engine's generator.

The video VAE (models/vae.py) maps clips to latents and back; this model generates those latents
from a caption and a layout in one pass (Sohn et al. 2015, "Learning Structured Output
Representation using Deep Conditional Generative Models"):
- encoder q(w | z, c): a latent clip and its conditions -> a small code w (half the latent grid's
  side), Gaussian;
- decoder p(z | w, c): the code, upsampled, beside the layout per latent frame (and, for a
  continued clip, its clean context frames) -> the latent clip's mean, with one learned
  log-variance per channel (the Gaussian likelihood of the ELBO);
- prior p(w) = N(0, I): a sample is w ~ N(0, I) decoded once.
The caption reaches every block as FiLM from its pooled vector; a frame-index embedding lets
frames differ. Conditions: c = (pooled caption, layout, context), the layout dropped at random in
training so a caption alone is enough. The ELBO (reconstruction NLL + KL) lives in the recipe.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class LatentCVAEConfig:
    latent_channels: int = 16
    latent_frames: int = 4
    layout_channels: int = 4
    text_dim: int = 384
    code_channels: int = 8     # channels of w, on a grid half the latent's height and width
    width: int = 96
    n_blocks: int = 3          # FiLM residual blocks in the decoder


class FiLMBlock(nn.Module):
    """GroupNorm, then the condition's scale and shift, SiLU, Conv(3x3x3); twice, residual."""

    def __init__(self, width: int, cond_dim: int):
        super().__init__()
        self.norm1 = nn.GroupNorm(8, width)
        self.conv1 = nn.Conv3d(width, width, 3, padding=1)
        self.norm2 = nn.GroupNorm(8, width)
        self.conv2 = nn.Conv3d(width, width, (1, 3, 3), padding=(0, 1, 1))
        self.film = nn.Linear(cond_dim, 4 * width)
        nn.init.zeros_(self.film.weight)
        nn.init.zeros_(self.film.bias)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        s1, b1, s2, b2 = (v[:, :, None, None, None] for v in self.film(cond).chunk(4, 1))
        h = self.conv1(F.silu(self.norm1(x) * (1 + s1) + b1))
        return x + self.conv2(F.silu(self.norm2(h) * (1 + s2) + b2))


class LatentCVAE(nn.Module):
    def __init__(self, config: LatentCVAEConfig):
        super().__init__()
        self.config = c = config
        w = c.width
        cond_in = c.layout_channels + 1          # layout + "layout given" flag
        self.enc = nn.Sequential(nn.Conv3d(c.latent_channels + cond_in, w, 3, padding=1), nn.SiLU(),
                                 nn.Conv3d(w, w, 3, stride=(1, 2, 2), padding=1), nn.SiLU(),
                                 nn.Conv3d(w, 2 * c.code_channels, 3, padding=1))
        self.enc_text = nn.Linear(c.text_dim, w)
        # decoder input per latent cell: code (upsampled), layout + flag, context latent + flag
        self.dec_in = nn.Conv3d(c.code_channels + cond_in + c.latent_channels + 1, w, 3, padding=1)
        self.frame_embed = nn.Parameter(torch.zeros(c.latent_frames, w))
        self.cond = nn.Sequential(nn.Linear(c.text_dim, w), nn.SiLU(), nn.Linear(w, w))
        self.blocks = nn.ModuleList([FiLMBlock(w, w) for _ in range(c.n_blocks)])
        self.dec_norm = nn.GroupNorm(8, w)
        self.dec_out = nn.Conv3d(w, c.latent_channels, 3, padding=1)
        self.log_sigma = nn.Parameter(torch.zeros(c.latent_channels))   # the likelihood's per-channel std

    def _conditions(self, shape, layout: torch.Tensor | None, like: torch.Tensor,
                    keep: torch.Tensor | None = None) -> torch.Tensor:
        """(B, layout_channels + 1, T, H, W): the layout and a channel of 1 where it is given;
        keep (B,) bool: False = this clip's layout is dropped (zeros, flag 0)."""
        b, _, t, h, w = shape
        if layout is None:
            return like.new_zeros(b, self.config.layout_channels + 1, t, h, w)
        flag = like.new_ones(b, 1, t, h, w)
        if keep is not None:
            flag = flag * keep.to(like.dtype)[:, None, None, None, None]
        return torch.cat([layout.to(like.dtype) * flag, flag], 1)

    def encode(self, z: torch.Tensor, text_pooled: torch.Tensor, layout: torch.Tensor | None = None,
               layout_keep: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """z (B, C, T, H, W) -> mean, logvar of w, each (B, code_channels, T, H/2, W/2)."""
        h = self.enc[0](torch.cat([z, self._conditions(z.shape, layout, z, layout_keep)], 1))
        h = h + self.enc_text(text_pooled)[:, :, None, None, None]
        mean, logvar = self.enc[1:](h).chunk(2, 1)
        return mean, logvar.clamp(-20.0, 10.0)

    def decode(self, w: torch.Tensor, text_pooled: torch.Tensor, layout: torch.Tensor | None = None,
               context: torch.Tensor | None = None, context_mask: torch.Tensor | None = None,
               size: tuple[int, int] | None = None, layout_keep: torch.Tensor | None = None) -> torch.Tensor:
        """w (B, code, T, h, w) -> latent mean (B, C, T, H, W); H, W = `size` or twice w's grid.
        context (B, C, T, H, W) with context_mask (B, T): clean frames to continue from, kept as given."""
        c = self.config
        b, _, t = w.shape[:3]
        size = size or (2 * w.shape[3], 2 * w.shape[4])
        up = F.interpolate(w, size=(t, *size), mode="nearest")
        shape = (b, c.latent_channels, t, *size)
        if context is None:
            context = up.new_zeros(shape)
            context_mask = torch.zeros(b, t, dtype=torch.bool, device=w.device)
        flag = context_mask.to(up.dtype)[:, None, :, None, None].expand(b, 1, t, *size)
        x = torch.cat([up, self._conditions(shape, layout, up, layout_keep), context * flag, flag], 1)
        h = self.dec_in(x) + self.frame_embed[:t].T[None, :, :, None, None]
        cond = self.cond(text_pooled)
        for block in self.blocks:
            h = block(h, cond)
        z = self.dec_out(F.silu(self.dec_norm(h)))
        return torch.where(context_mask[:, None, :, None, None], context, z)

    def forward(self, z: torch.Tensor, text_pooled: torch.Tensor, layout: torch.Tensor | None = None,
                context: torch.Tensor | None = None, context_mask: torch.Tensor | None = None,
                layout_keep: torch.Tensor | None = None, generator: torch.Generator | None = None):
        """Reconstruction through a reparameterised code: (z mean, code mean, code logvar)."""
        mean, logvar = self.encode(z, text_pooled, layout, layout_keep)
        noise = torch.randn(mean.shape, generator=generator, dtype=mean.dtype, device=mean.device)
        w = mean + torch.exp(0.5 * logvar) * noise
        return self.decode(w, text_pooled, layout, context, context_mask, z.shape[-2:], layout_keep), mean, logvar

    def sample(self, noise: torch.Tensor, text_pooled: torch.Tensor, layout: torch.Tensor | None = None,
               context: torch.Tensor | None = None, context_mask: torch.Tensor | None = None,
               size: tuple[int, int] | None = None) -> torch.Tensor:
        """A latent clip from the prior: noise (B, code, T, h, w) ~ N(0, I) is the code."""
        return self.decode(noise, text_pooled, layout, context, context_mask, size)

    def code_shape(self, latent_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The code's shape for a latent clip of (B, C, T, H, W): H and W halved, rounded up."""
        b, _, t, h, w = latent_shape
        return b, self.config.code_channels, t, -(-h // 2), -(-w // 2)
