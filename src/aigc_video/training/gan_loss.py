"""The GAN's losses, apart from the loop that plays them (training/gan_recipe.py)."""
from __future__ import annotations

import torch
import torch.nn.functional as F


def hinge_d_loss(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """The discriminator's hinge loss (Lim & Ye 2017; BigGAN): mean relu(1 - D(real)) + mean relu(1 + D(fake))."""
    return F.relu(1 - real).mean() + F.relu(1 + fake).mean()


def hinge_g_loss(fake: torch.Tensor) -> torch.Tensor:
    """The generator's side of the hinge game: -mean D(fake)."""
    return -fake.mean()


def r1_penalty(logits: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
    """R1 (Mescheder et al. 2018): the squared gradient norm of D's logits at real inputs, mean over
    the batch. It keeps D from growing sharp around the data, where plain GANs oscillate."""
    grad, = torch.autograd.grad(logits.sum(), inputs, create_graph=True)
    return grad.pow(2).flatten(1).sum(1).mean()


def weighted_mse(pred: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """sum(w (pred - target)^2) / sum(w): the distillation target, objects weighed up by `weight`."""
    weight = weight.expand_as(target)
    return ((pred.float() - target).pow(2) * weight).sum() / weight.sum().clamp(min=1e-8)
