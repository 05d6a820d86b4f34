"""Engine "gan": caption + layout -> VideoGAN latents in one network evaluation per window (the
flow model adversarially distilled: models/gan.py, training/gan_recipe.py) -> VideoVAE decode ->
upscale. Windows, decoding, upscaling, frame rate and precision: engines/latent.py.
"""
from __future__ import annotations

from .latent import LatentEngine


class GanEngine(LatentEngine):
    name = "gan"
    component = "gan"
    recipe = "gan"
    model_label = "GAN generator"

    def draw_window(self, noise, text, layout, context, context_mask):
        return self.model.generate(noise, text.tokens, text.mask, text.pooled, layout, context, context_mask)
