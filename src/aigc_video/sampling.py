"""Samplers for rectified-flow models, as plain functions over (velocity_fn, x, timesteps).

Convention (rectified flow, Liu et al. 2022; SD3, Esser et al. 2024): x_t = (1 - t) * x_0 + t * noise,
t = 1 is pure noise and t = 0 is data; the model predicts the velocity v = noise - x_0 = dx_t/dt.
Sampling integrates dx/dt = v from t = 1 down to t = 0.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import torch

from .errors import InputError

if TYPE_CHECKING:
    from .models.flow_dit import FlowDiT
    from .models.text_encoder import TextEmbedding

# velocity_fn(x, t) -> v with x of any shape (B, ...) and t a (B,) tensor in [0, 1].
VelocityFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def timesteps(steps: int, shift: float = 1.0) -> torch.Tensor:
    """steps + 1 times from 1 to 0. shift > 1 spends more steps near the noise end (SD3's time shift),
    where the coarse layout of a sample is decided."""
    if not isinstance(steps, int) or steps < 1:
        raise InputError(f"sampling steps {steps!r} must be an integer >= 1")
    if shift <= 0:
        raise InputError(f"time shift {shift!r} must be > 0")
    t = torch.linspace(1.0, 0.0, steps + 1, dtype=torch.float64)
    t = shift * t / (1 + (shift - 1) * t)
    return t.float()


def sample_euler(velocity_fn: VelocityFn, x: torch.Tensor, ts: torch.Tensor) -> torch.Tensor:
    """First-order: one velocity evaluation per step."""
    for t, t_next in zip(ts[:-1], ts[1:]):
        v = velocity_fn(x, t.expand(x.shape[0]).to(x))
        x = x + (t_next - t).to(x) * v
    return x


def sample_heun(velocity_fn: VelocityFn, x: torch.Tensor, ts: torch.Tensor) -> torch.Tensor:
    """Second-order (Karras et al. 2022, Alg. 1): an Euler step corrected by the velocity at its end;
    the last step, ending at t = 0, stays Euler so the model is never asked about t = 0 twice."""
    for t, t_next in zip(ts[:-1], ts[1:]):
        dt = (t_next - t).to(x)
        v = velocity_fn(x, t.expand(x.shape[0]).to(x))
        x_euler = x + dt * v
        if float(t_next) == 0.0:
            x = x_euler
            continue
        v_next = velocity_fn(x_euler, t_next.expand(x.shape[0]).to(x))
        x = x + dt * 0.5 * (v + v_next)
    return x


def combine_guided(v_cond: torch.Tensor, v_uncond: torch.Tensor, scale: float, rescale: float = 0.0) -> torch.Tensor:
    """Classifier-free guidance (Ho & Salimans 2022): v = v_u + scale * (v_c - v_u).

    rescale in [0, 1] pulls each sample's guided velocity back toward the conditional one's standard
    deviation (Lin et al. 2024, "Common diffusion noise schedules and sample steps are flawed", 3.4):
    v <- rescale * v * std(v_c) / std(v) + (1 - rescale) * v. Guidance inflates v, and a few-step
    sampler carries that into over-saturated samples; rescale 0 is plain guidance."""
    v = v_uncond + scale * (v_cond - v_uncond)
    if rescale:
        dims = tuple(range(1, v.dim()))
        ratio = v_cond.float().std(dims, keepdim=True) / v.float().std(dims, keepdim=True).clamp(min=1e-6)
        v = v * (rescale * ratio + (1 - rescale)).to(v.dtype)
    return v


def guided(cond_fn: VelocityFn, uncond_fn: VelocityFn, scale: float, rescale: float = 0.0) -> VelocityFn:
    """Classifier-free guidance over two velocity functions. scale = 1 is the conditional model
    alone and skips the unconditional pass."""
    if scale == 1.0:
        return cond_fn
    return lambda x, t: combine_guided(cond_fn(x, t), uncond_fn(x, t), scale, rescale)


SAMPLERS: dict[str, Callable[[VelocityFn, torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "euler": sample_euler,
    "heun": sample_heun,
}


def get_sampler(name: str):
    if name not in SAMPLERS:
        raise InputError(f"sampler {name!r} is unknown; choose one of {', '.join(SAMPLERS)}")
    return SAMPLERS[name]


def make_velocity_fn(model: "FlowDiT", text: "TextEmbedding", layout: torch.Tensor | None,
                     context: torch.Tensor | None = None, context_mask: torch.Tensor | None = None,
                     guidance: float = 1.0, guidance_rescale: float = 0.0):
    """Close over the conditions: (x, t) -> v, as the samplers want. With guidance != 1 the
    conditional and the text-dropped pass run as one batch of 2B (one model call per step, which
    is cheaper than two on a CPU); guidance_rescale as in `sampling.combine_guided`."""
    tokens, mask, pooled = text.tokens, text.mask, text.pooled
    if guidance == 1.0:
        return lambda x, t: model(x, t, tokens, mask, pooled, layout, None, context, context_mask)

    def twice(v):
        return None if v is None else torch.cat([v, v])
    tokens2, layout2, context2, context_mask2 = twice(tokens), twice(layout), twice(context), twice(context_mask)
    mask2 = torch.cat([mask, torch.zeros_like(mask)])
    pooled2 = torch.cat([pooled, torch.zeros_like(pooled)])

    def velocity(x, t):
        v_c, v_u = model(twice(x), twice(t), tokens2, mask2, pooled2, layout2, None, context2, context_mask2).chunk(2)
        return combine_guided(v_c, v_u, guidance, guidance_rescale)
    return velocity


@torch.no_grad()
def sample_latents(model: "FlowDiT", text: "TextEmbedding", layout: torch.Tensor | None, noise: torch.Tensor,
                   steps: int, sampler: str = "euler", guidance: float = 1.0, shift: float = 1.0,
                   context: torch.Tensor | None = None, context_mask: torch.Tensor | None = None,
                   guidance_rescale: float = 0.0) -> torch.Tensor:
    """Latents (B, C, t, h, w) from noise; context frames, when given, are pasted back clean."""
    velocity = make_velocity_fn(model, text, layout, context, context_mask, guidance, guidance_rescale)
    z = get_sampler(sampler)(velocity, noise, timesteps(steps, shift))
    if context is not None:
        keep = context_mask[:, None, :, None, None]
        z = torch.where(keep, context, z)
    return z
