"""VideoGAN: a one-step conditional generator of video latents, and the discriminator it is trained against.

Generator. The FlowDiT network read at t = 1, used once: z = noise - net(noise, 1, text, layout,
context). A rectified-flow model's one Euler step from pure noise has exactly this form, so the
generator starts from the shipped flow model's weights (a blurry but well-conditioned picture:
the mean of what the caption and layout allow) and adversarial distillation (Sauer et al. 2023,
"Adversarial Diffusion Distillation") teaches it to land where the flow model's multi-step
sampler lands, with the discriminator pushing its samples toward real clips' latents. One
network evaluation per clip, against the flow engine's 4 guided steps (8 evaluations).

Discriminator. Two heads over the same latent clip and its conditions, both with spectral norm
(Miyato et al. 2018) and a projection of the pooled caption (Miyato & Koyama 2018):
- the frame head judges every latent frame alone (2D convolutions): does it look like a real
  frame of this caption and layout;
- the video head judges the clip (3D convolutions across latent frames): does it move like one.
The layout (object coverage per latent frame) is given to both as input channels, so a sample
that ignores where the plan puts the objects is easy to tell apart.
The losses (hinge, R1) live in training/gan_loss.py and the game in training/gan_recipe.py; these
classes map tensors to tensors.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from .flow_dit import FlowDiT


class VideoGAN(FlowDiT):
    """The generator: the FlowDiT network (its config, FlowDiTConfig) used as a one-step map."""

    def generate(self, noise: torch.Tensor, text_tokens: torch.Tensor, text_mask: torch.Tensor,
                 text_pooled: torch.Tensor, layout: torch.Tensor | None = None,
                 context: torch.Tensor | None = None, context_mask: torch.Tensor | None = None) -> torch.Tensor:
        """noise (B, C, T, H, W) -> latent clip (B, C, T, H, W); context frames, when given, are kept."""
        t = torch.ones(noise.shape[0], device=noise.device, dtype=noise.dtype)
        z = noise - self(noise, t, text_tokens, text_mask, text_pooled, layout, None, context, context_mask)
        if context is not None:
            z = torch.where(context_mask[:, None, :, None, None], context, z)
        return z


@dataclass
class DiscriminatorConfig:
    latent_channels: int = 16
    layout_channels: int = 4
    text_dim: int = 384
    width: int = 96


def _conv2d(cin: int, cout: int, stride: int = 1) -> nn.Module:
    return spectral_norm(nn.Conv2d(cin, cout, 3, stride=stride, padding=1))


def _conv3d(cin: int, cout: int, stride: tuple[int, int, int] = (1, 1, 1)) -> nn.Module:
    return spectral_norm(nn.Conv3d(cin, cout, 3, stride=stride, padding=1))


class VideoDiscriminator(nn.Module):
    def __init__(self, config: DiscriminatorConfig):
        super().__init__()
        self.config = c = config
        cin, w = c.latent_channels + c.layout_channels, c.width
        self.frame_net = nn.Sequential(_conv2d(cin, w), nn.LeakyReLU(0.2), _conv2d(w, w, 2), nn.LeakyReLU(0.2),
                                       _conv2d(w, 2 * w, 2), nn.LeakyReLU(0.2))
        self.video_net = nn.Sequential(_conv3d(cin, w), nn.LeakyReLU(0.2), _conv3d(w, w, (1, 2, 2)), nn.LeakyReLU(0.2),
                                       _conv3d(w, 2 * w, (2, 2, 2)), nn.LeakyReLU(0.2))
        self.frame_out = spectral_norm(nn.Linear(2 * w, 1))
        self.video_out = spectral_norm(nn.Linear(2 * w, 1))
        # the caption's projection, one per head
        self.frame_text = spectral_norm(nn.Linear(c.text_dim, 2 * w))
        self.video_text = spectral_norm(nn.Linear(c.text_dim, 2 * w))

    def forward(self, z: torch.Tensor, layout: torch.Tensor, text_pooled: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """z (B, C, T, H, W) latents, layout (B, L, T, H, W), text_pooled (B, text_dim)
        -> (frame logits (B, T), video logits (B,)): higher = judged real."""
        b, _, t, h, w = z.shape
        x = torch.cat([z, layout.to(z.dtype)], 1)                           # (B, C + L, T, H, W)
        frames = x.transpose(1, 2).reshape(b * t, -1, h, w)
        f = self.frame_net(frames).sum((2, 3))                              # (B*T, 2w): sum pooling
        f_text = self.frame_text(text_pooled).repeat_interleave(t, 0)
        frame_logits = (self.frame_out(f).squeeze(1) + (f * f_text).sum(1)).view(b, t)
        v = self.video_net(x).sum((2, 3, 4))                                # (B, 2w)
        video_logits = self.video_out(v).squeeze(1) + (v * self.video_text(text_pooled)).sum(1)
        return frame_logits, video_logits

