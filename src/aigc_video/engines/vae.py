"""Engine "vae": caption + layout -> LatentCVAE latents, a code drawn from its N(0, I) prior and
decoded once per window (models/latent_cvae.py, training/cvae_recipe.py) -> VideoVAE decode ->
upscale. Windows, decoding, upscaling, frame rate and precision: engines/latent.py.
"""
from __future__ import annotations

import os

from ..errors import InputError
from .latent import LatentEngine


class VaeEngine(LatentEngine):
    name = "vae"
    component = "cvae"
    recipe = "cvae"
    model_label = "CVAE decoder"
    flops_method = "decode"

    def __init__(self, checkpoint: str | os.PathLike | None = None, temperature: float = 1.0, **options):
        """temperature: the prior's std when drawing a code (below 1: closer to the mean clip)."""
        if not 0.0 <= temperature <= 2.0:
            raise InputError(f"temperature {temperature!r} must be in 0..2")
        self.temperature = temperature
        super().__init__(checkpoint, **options)

    def window_noise(self, generator):
        import torch
        c = self.model.config
        return torch.randn(self.model.code_shape((1, c.latent_channels, c.latent_frames, *self.latent_size)),
                           generator=generator)

    def draw_window(self, noise, text, layout, context, context_mask):
        return self.model.sample(noise * self.temperature, text.pooled, layout, context, context_mask,
                                 size=self.latent_size)
