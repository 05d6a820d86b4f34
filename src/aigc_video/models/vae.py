"""VideoVAE: a 3D-convolutional autoencoder with a KL-regularised (Gaussian) latent.

Compression is done first by folding time x space blocks into channels (space-to-depth, as in
sub-pixel convolution, Shi et al. 2016), then a few residual 3D convolutions mix neighbouring
blocks. Doing the heavy convolutions on the small grid is what makes training fit a 2-core CPU:
a (16, 64, 64) clip becomes a (4, 16, 16) grid before any 3x3x3 convolution runs.

The decoder can also read the scene plan's layout (`layout_channels` > 0): every frame's
colour-coded object coverage, one cell per `layout_factor` pixels (latent resolution by default,
down to pixel resolution), folded like the pixels and given at its input and again just before
the output. On the latent grid a moving object's place in each of the frames a latent frame covers
is otherwise a fine, nonlinear detail the small decoder smears away, and at latent resolution so
is its silhouette (a 4 x 4 cell holds a few pixels of a small object); with the layout at pixel
resolution the output convolution sees each pixel's planned colour and coverage beside the
features of its cell, and the latent carries what the layout does not say (shading, texture, the
background). Training drops the layout at random (`p_drop_layout` in the recipe), so a latent
decodes without one too.

Everything above works on the latent grid, and its output convolution is linear in the layout: it
cannot say "this pixel is the object's colour if covered, else the background", so silhouettes come
out soft (a circle read as a tree, a spinning hexagon as a disc). `refine_width` > 0 adds a small
per-frame convolutional head at pixel resolution (`PixelRefiner`) that reads the decoded frame and
the frame's layout and adds a correction: the nonlinear, per-pixel compositing step. It needs the
layout at pixel resolution (`layout_factor: 1`). `refine_hints` more channels per pixel, made by a
1x1 convolution beside the output one, tell it more than the RGB does (what the latent says an
object's inside looks like: a bird's wing, a car's wheels).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import InputError


@dataclass
class VideoVAEConfig:
    in_channels: int = 3
    latent_channels: int = 8
    time_factor: int = 4       # frames per latent frame
    space_factor: int = 4      # pixels per latent cell, each side
    width: int = 96            # channels of the residual trunk
    n_res_blocks: int = 2      # per encoder and per decoder
    scaling: float = 1.0       # latents are multiplied by this before the flow model sees them
    layout_channels: int = 0   # per-frame layout channels the decoder reads (0 = none)
    layout_factor: int = 0     # pixels per layout cell, each side; 0 = space_factor (latent resolution)
    refine_width: int = 0      # channels of the pixel-resolution head (PixelRefiner); 0 = none
    refine_hints: int = 0      # per-pixel feature channels the decoder hands the refiner, beside RGB

    @property
    def patch_channels(self) -> int:
        return self.in_channels * self.time_factor * self.space_factor ** 2

    @property
    def decoder_layout_factor(self) -> int:
        return self.layout_factor or self.space_factor

    @property
    def layout_fold(self) -> int:
        """Layout cells per latent cell, each side."""
        return self.space_factor // self.decoder_layout_factor


def fold(x: torch.Tensor, ft: int, fs: int) -> torch.Tensor:
    """(B, C, T, H, W) -> (B, C*ft*fs*fs, T/ft, H/fs, W/fs)."""
    b, c, t, h, w = x.shape
    x = x.reshape(b, c, t // ft, ft, h // fs, fs, w // fs, fs)
    x = x.permute(0, 1, 3, 5, 7, 2, 4, 6)
    return x.reshape(b, c * ft * fs * fs, t // ft, h // fs, w // fs)


def unfold(x: torch.Tensor, ft: int, fs: int) -> torch.Tensor:
    """Inverse of `fold`."""
    b, cf, t, h, w = x.shape
    c = cf // (ft * fs * fs)
    x = x.reshape(b, c, ft, fs, fs, t, h, w).permute(0, 1, 5, 2, 6, 3, 7, 4)
    return x.reshape(b, c, t * ft, h * fs, w * fs)


class ResBlock3d(nn.Module):
    """GroupNorm-SiLU-Conv(3x3x3) then GroupNorm-SiLU-Conv(1x3x3): one temporal mix per block
    keeps the cost of a full 3x3x3 pair while still seeing neighbouring latent frames."""

    def __init__(self, width: int):
        super().__init__()
        self.norm1 = nn.GroupNorm(8, width)
        self.conv1 = nn.Conv3d(width, width, (3, 3, 3), padding=1)
        self.norm2 = nn.GroupNorm(8, width)
        self.conv2 = nn.Conv3d(width, width, (1, 3, 3), padding=(0, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        return x + self.conv2(F.silu(self.norm2(h)))


class PixelRefiner(nn.Module):
    """Three 3x3 convolutions per frame over (decoded RGB, hints, layout) at pixel resolution, added
    to the decoded RGB. The last one starts at zero, so a refiner added to a trained decoder changes
    nothing until it is trained."""

    def __init__(self, layout_channels: int, width: int, hints: int = 0):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(3 + hints + layout_channels, width, 3, padding=1), nn.SiLU(),
                                 nn.Conv2d(width, width, 3, padding=1), nn.SiLU(),
                                 nn.Conv2d(width, 3, 3, padding=1))
        nn.init.zeros_(self.net[-1].weight)
        nn.init.zeros_(self.net[-1].bias)

    def forward(self, video: torch.Tensor, layout: torch.Tensor) -> torch.Tensor:
        """video (B, 3 + hints, T, H, W): RGB first; layout (B, L, T, H, W) -> RGB (B, 3, T, H, W)."""
        b, _, t, h, w = video.shape
        # frames as a batch of images, channels last in memory: about twice as fast on CPU
        x = torch.cat([video, layout.to(video.dtype)], 1).permute(0, 2, 3, 4, 1).reshape(b * t, h, w, -1)
        delta = self.net(x.permute(0, 3, 1, 2))
        return video[:, :3] + delta.permute(0, 2, 3, 1).reshape(b, t, h, w, 3).permute(0, 4, 1, 2, 3)


class VideoVAE(nn.Module):
    def __init__(self, config: VideoVAEConfig):
        super().__init__()
        self.config = c = config
        if c.space_factor % c.decoder_layout_factor:
            raise InputError(f"model.layout_factor {c.layout_factor} must divide model.space_factor {c.space_factor}")
        if c.refine_width and (not c.layout_channels or c.decoder_layout_factor != 1):
            raise InputError(f"model.refine_width {c.refine_width} needs a layout at pixel resolution "
                             f"(layout_channels > 0 and layout_factor 1; got {c.layout_channels} and {c.layout_factor})")
        self.enc_in = nn.Conv3d(c.patch_channels, c.width, (1, 3, 3), padding=(0, 1, 1))
        self.enc_blocks = nn.Sequential(*[ResBlock3d(c.width) for _ in range(c.n_res_blocks)])
        self.enc_norm = nn.GroupNorm(8, c.width)
        self.enc_out = nn.Conv3d(c.width, 2 * c.latent_channels, 1)
        # the layout of every frame (and every layout cell) a latent cell covers
        lay = c.layout_channels * c.time_factor * c.layout_fold ** 2
        self.dec_in = nn.Conv3d(c.latent_channels + lay, c.width, (1, 3, 3), padding=(0, 1, 1))
        self.dec_blocks = nn.Sequential(*[ResBlock3d(c.width) for _ in range(c.n_res_blocks)])
        self.dec_norm = nn.GroupNorm(8, c.width)
        self.dec_out = nn.Conv3d(c.width + lay, c.patch_channels, (1, 3, 3), padding=(0, 1, 1))
        self.refine = PixelRefiner(c.layout_channels, c.refine_width, c.refine_hints) if c.refine_width else None
        self.dec_hints = (nn.Conv3d(c.width + lay, c.refine_hints * c.time_factor * c.space_factor ** 2, 1)
                          if c.refine_width and c.refine_hints else None)

    def encoder_parameters(self) -> list[nn.Parameter]:
        """What makes the latent space: frozen when only the decoder is fine-tuned."""
        return [p for m in (self.enc_in, self.enc_blocks, self.enc_norm, self.enc_out) for p in m.parameters()]

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x (B, 3, T, H, W) in [-1, 1], T divisible by time_factor, H and W by space_factor
        -> mean, logvar, each (B, latent_channels, T/ft, H/fs, W/fs)."""
        c = self.config
        h = self.enc_in(fold(x, c.time_factor, c.space_factor))
        h = self.enc_out(F.silu(self.enc_norm(self.enc_blocks(h))))
        mean, logvar = h.chunk(2, dim=1)
        return mean, logvar.clamp(-20.0, 10.0)

    def decode(self, z: torch.Tensor, layout: torch.Tensor | None = None) -> torch.Tensor:
        """z (B, latent_channels, t, h, w) -> video (B, 3, t*ft, h*fs, w*fs), roughly in [-1, 1].
        layout: (B, layout_channels, t*ft, h*k, w*k) per frame, k = layout_fold (cells per latent
        cell), or None (decoded as "no layout given", all zeros, which training also shows the decoder)."""
        c = self.config
        if c.layout_channels:
            if layout is None:
                b, _, t, h, w = z.shape
                k = c.layout_fold
                layout = z.new_zeros(b, c.layout_channels, t * c.time_factor, h * k, w * k)
            lay = fold(layout.to(z.dtype), c.time_factor, c.layout_fold)
            h = self.dec_blocks(self.dec_in(torch.cat([z, lay], 1)))
            h = torch.cat([F.silu(self.dec_norm(h)), lay], 1)
            out = self.dec_out(h)
            if self.refine is None:
                return unfold(out, c.time_factor, c.space_factor)
            if self.dec_hints is not None:
                out = torch.cat([out, self.dec_hints(h)], 1)   # unfolds to RGB, then the hints, per pixel
            return self.refine(unfold(out, c.time_factor, c.space_factor), layout)
        else:
            h = self.dec_out(F.silu(self.dec_norm(self.dec_blocks(self.dec_in(z)))))
        return unfold(h, c.time_factor, c.space_factor)

    def forward(self, x: torch.Tensor, layout: torch.Tensor | None = None,
                generator: torch.Generator | None = None, extra_std: torch.Tensor | None = None):
        """Reconstruction with a reparameterised sample: (recon, mean, logvar). extra_std (B,):
        more Gaussian noise on each clip's latent, in latent units (decoder robustness training)."""
        mean, logvar = self.encode(x)
        noise = torch.randn(mean.shape, generator=generator, dtype=mean.dtype, device=mean.device)
        std = torch.exp(0.5 * logvar)
        if extra_std is not None:
            std = torch.sqrt(std ** 2 + extra_std.view(-1, 1, 1, 1, 1) ** 2)
        z = mean + std * noise
        return self.decode(z, layout), mean, logvar


def kl_divergence(mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mean, exp(logvar)) || N(0, 1)), summed over latent elements, averaged over the batch."""
    kl = 0.5 * (mean.pow(2) + logvar.exp() - 1.0 - logvar)
    return kl.flatten(1).sum(1).mean()
