"""FlowDiT: a diffusion transformer over video latents, trained with flow matching (rectified flow).

Tokens are (1 x p x p) patches of the latent, one set per latent frame, with full spatio-temporal
self-attention (256 tokens at the default size: full attention is cheaper than factorising it at
this length). Conditioning, after DiT (Peebles & Xie 2023) and PixArt-alpha:
- timestep + pooled text -> adaLN-Zero modulation of every block;
- text tokens -> cross-attention (a learned null token is always present, so a dropped caption is
  simply an all-False mask);
- layout (object masks x colours, rasterised at latent resolution per latent frame) -> added to the
  patch embedding; a dropped layout is replaced by a learned null embedding;
- context latents (for video continuation) -> clean latent frames given with a flag channel.
The network maps tensors to tensors; the objective and condition dropout live in the recipe.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class FlowDiTConfig:
    latent_channels: int = 8
    latent_frames: int = 4
    latent_height: int = 16
    latent_width: int = 16
    patch: int = 2             # spatial patch side; one latent frame per token in time
    layout_channels: int = 4   # R*mask, G*mask, B*mask, occupancy
    text_dim: int = 384
    width: int = 192
    depth: int = 4
    heads: int = 4
    mlp_ratio: float = 4.0

    @property
    def grid(self) -> tuple[int, int, int]:
        return self.latent_frames, self.latent_height // self.patch, self.latent_width // self.patch

    @property
    def n_tokens(self) -> int:
        t, h, w = self.grid
        return t * h * w


def patchify(x: torch.Tensor, p: int) -> torch.Tensor:
    """(B, C, T, H, W) -> (B, T*(H/p)*(W/p), C*p*p)."""
    b, c, t, h, w = x.shape
    x = x.reshape(b, c, t, h // p, p, w // p, p).permute(0, 2, 3, 5, 1, 4, 6)
    return x.reshape(b, t * (h // p) * (w // p), c * p * p)


def unpatchify(x: torch.Tensor, c: int, t: int, h: int, w: int, p: int) -> torch.Tensor:
    """Inverse of `patchify` for a (B, C, t, h, w) latent."""
    b = x.shape[0]
    x = x.reshape(b, t, h // p, w // p, c, p, p).permute(0, 4, 1, 2, 5, 3, 6)
    return x.reshape(b, c, t, h, w)


def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """Sinusoidal features of t in [0, 1] (scaled by 1000 as in DDPM-style models): (B,) -> (B, dim)."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = 1000.0 * t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


def modulate(x: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    return x * (1 + scale[:, None]) + shift[:, None]


class Attention(nn.Module):
    def __init__(self, width: int, heads: int, kv_dim: int | None = None):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(width, width)
        self.kv = nn.Linear(kv_dim or width, 2 * width)
        self.out = nn.Linear(width, width)

    def forward(self, x: torch.Tensor, context: torch.Tensor | None = None,
                mask: torch.Tensor | None = None) -> torch.Tensor:
        b, n, d = x.shape
        ctx = x if context is None else context
        q = self.q(x).reshape(b, n, self.heads, -1).transpose(1, 2)
        k, v = self.kv(ctx).reshape(b, ctx.shape[1], 2, self.heads, -1).permute(2, 0, 3, 1, 4)
        attn_mask = None if mask is None else mask[:, None, None, :]   # (B, 1, 1, L) True = attend
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
        return self.out(y.transpose(1, 2).reshape(b, n, d))


class DiTBlock(nn.Module):
    """Self-attention and MLP under adaLN-Zero; cross-attention to text in between."""

    def __init__(self, width: int, heads: int, mlp_ratio: float):
        super().__init__()
        self.norm1 = nn.LayerNorm(width, elementwise_affine=False, eps=1e-6)
        self.attn = Attention(width, heads)
        self.norm_cross = nn.LayerNorm(width, eps=1e-6)
        self.cross = Attention(width, heads)
        self.norm2 = nn.LayerNorm(width, elementwise_affine=False, eps=1e-6)
        hidden = int(width * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(width, hidden), nn.GELU(approximate="tanh"), nn.Linear(hidden, width))
        self.ada = nn.Linear(width, 6 * width)
        nn.init.zeros_(self.ada.weight)
        nn.init.zeros_(self.ada.bias)
        nn.init.zeros_(self.cross.out.weight)   # cross-attention starts as a no-op
        nn.init.zeros_(self.cross.out.bias)

    def forward(self, x, cond, text, text_mask):
        shift1, scale1, gate1, shift2, scale2, gate2 = self.ada(F.silu(cond)).chunk(6, dim=-1)
        x = x + gate1[:, None] * self.attn(modulate(self.norm1(x), shift1, scale1))
        x = x + self.cross(self.norm_cross(x), text, text_mask)
        x = x + gate2[:, None] * self.mlp(modulate(self.norm2(x), shift2, scale2))
        return x


class FlowDiT(nn.Module):
    def __init__(self, config: FlowDiTConfig):
        super().__init__()
        self.config = c = config
        p2 = c.patch * c.patch
        t, h, w = c.grid
        # Per token input: noisy latent, context latent, context flag.
        self.x_embed = nn.Linear((2 * c.latent_channels + 1) * p2, c.width)
        self.layout_embed = nn.Linear(c.layout_channels * p2, c.width)
        self.null_layout = nn.Parameter(torch.zeros(c.width))
        self.pos_time = nn.Parameter(torch.randn(t, 1, 1, c.width) * 0.02)
        self.pos_space = nn.Parameter(torch.randn(1, h, w, c.width) * 0.02)
        self.t_embed = nn.Sequential(nn.Linear(256, c.width), nn.SiLU(), nn.Linear(c.width, c.width))
        self.pooled_embed = nn.Linear(c.text_dim, c.width)
        self.text_proj = nn.Linear(c.text_dim, c.width)
        self.null_text = nn.Parameter(torch.randn(1, 1, c.width) * 0.02)
        self.blocks = nn.ModuleList([DiTBlock(c.width, c.heads, c.mlp_ratio) for _ in range(c.depth)])
        self.final_norm = nn.LayerNorm(c.width, elementwise_affine=False, eps=1e-6)
        self.final_ada = nn.Linear(c.width, 2 * c.width)
        self.final = nn.Linear(c.width, c.latent_channels * p2)
        for layer in (self.final_ada, self.final):
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(self, x: torch.Tensor, t: torch.Tensor, text_tokens: torch.Tensor, text_mask: torch.Tensor,
                text_pooled: torch.Tensor, layout: torch.Tensor | None = None, layout_keep: torch.Tensor | None = None,
                context: torch.Tensor | None = None, context_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Velocity for x_t.

        x, context: (B, C, T, H, W) latents; t: (B,) in [0, 1];
        text_tokens (B, L, text_dim), text_mask (B, L) bool, text_pooled (B, text_dim) (zeros when dropped);
        layout: (B, layout_channels, T, H, W) or None; layout_keep: (B,) bool, False = use the null layout;
        context_mask: (B, T) bool, True on latent frames given clean in `context`.
        Returns (B, C, T, H, W).
        """
        c = self.config
        b, _, nt, nh, nw = x.shape
        if context is None:
            context = torch.zeros_like(x)
            context_mask = torch.zeros(b, nt, dtype=torch.bool, device=x.device)
        flag = context_mask.to(x.dtype)[:, None, :, None, None].expand(b, 1, nt, nh, nw)
        tokens = self.x_embed(patchify(torch.cat([x, context * flag, flag], dim=1), c.patch))
        if layout is not None:
            lay = self.layout_embed(patchify(layout, c.patch))
            keep = torch.ones(b, dtype=torch.bool, device=x.device) if layout_keep is None else layout_keep
            tokens = tokens + torch.where(keep[:, None, None], lay, self.null_layout)
        else:
            tokens = tokens + self.null_layout
        gt, gh, gw = nt, nh // c.patch, nw // c.patch
        pos = (self.pos_time[:gt] + self.pos_space[:, :gh, :gw]).reshape(1, gt * gh * gw, c.width)
        tokens = tokens + pos

        cond = self.t_embed(timestep_embedding(t, 256)) + self.pooled_embed(text_pooled)
        text = torch.cat([self.null_text.expand(b, -1, -1), self.text_proj(text_tokens)], dim=1)
        mask = torch.cat([torch.ones(b, 1, dtype=torch.bool, device=x.device), text_mask.bool()], dim=1)
        for block in self.blocks:
            tokens = block(tokens, cond, text, mask)
        shift, scale = self.final_ada(F.silu(cond)).chunk(2, dim=-1)
        out = self.final(modulate(self.final_norm(tokens), shift, scale))
        return unpatchify(out, c.latent_channels, nt, nh, nw, c.patch)
