"""Recipe: train LatentCVAE, the `vae` engine's generator, by maximising the ELBO on latent clips.

Per clip, with the video VAE's latent z and conditions c (pooled caption, layout, context):
    -ELBO = E_q[-log p(z | w, c)] + KL(q(w | z, c) || N(0, I))
The likelihood is Gaussian with one learned std per latent channel, its NLL weighed up where
objects are (1 + fg_weight x coverage, as in the other recipes: objects are a few percent of the
latent and most of what the caption says). `kl_weight` scales the KL (1 = the true ELBO); both
terms are logged in nats per latent element. Condition dropout as in the flow recipe: the layout
dropped at `p_drop_layout`, the first latent frames given clean at `p_context` (continuation).

As the flow recipe does, it starts from an engine folder's cvae.* (and its VAE) with `init`, and
reads a data section that mixes sources by weight (training/data_source.py); prepared footage has
no layout and always trains without one. With `init` or `data.held_back`, a before/after grid of
held-back captions is written (training/finetune.py).
"""
from __future__ import annotations

import json
import math
import time
from pathlib import Path

import torch

from ..errors import InputError
from ..models.io import load_component, save_component
from ..models.latent_cvae import LatentCVAE, LatentCVAEConfig
from ..models.precision import autocast, pick_device
from ..models.vae import kl_divergence
from .checkpoint import resume_step, save_checkpoint
from .common import RunLog, lr_at, make_ema, optimize, set_threads, update_ema
from .data_source import check_clip_size, load_sources
from .finetune import clip_format, fine_tune_marks, is_fine_tune, load_init
from .gan_recipe import context_masks
from .latent_data import encode_sources, log_minutes, preview_frames


def gaussian_nll(z: torch.Tensor, mean: torch.Tensor, log_sigma: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Weighted mean over elements of -log N(z; mean, sigma^2), sigma per channel (C,)."""
    ls = log_sigma.view(1, -1, 1, 1, 1)
    nll = 0.5 * ((z - mean) / ls.exp()).pow(2) + ls + 0.5 * math.log(2 * math.pi)
    weight = weight.expand_as(nll)
    return (nll * weight).sum() / weight.sum().clamp(min=1e-8)


def cvae_sampler(model: LatentCVAE, device, seed: int = 0):
    """(latent_shape, text, layout) -> latents decoded from a seeded code of the prior: what the
    sample grids show."""
    def sample(shape, text, layout):
        noise = torch.randn(model.code_shape(shape), generator=torch.Generator().manual_seed(seed)).to(device)
        return model.sample(noise, text.pooled, layout, size=shape[-2:])
    return sample


def load_start(config: dict) -> tuple[torch.nn.Module, LatentCVAE | None, dict]:
    """(the video VAE whose latents are modelled, the model to start from or None, its metadata):
    with `init`, both from that engine folder (training/finetune.py), else the config's vae.dir."""
    if config.get("init"):
        model, meta, vae = load_init(config, "cvae", "vae")
        return vae, model, meta
    vae_dir = Path(config["vae"]["dir"])
    if not (vae_dir / "vae.json").exists():
        raise InputError(f"vae.dir {str(vae_dir)!r} has no vae.json: the CVAE models a trained video VAE's latents")
    return load_component(vae_dir, "vae")[0], None, {}


def train_cvae(config: dict, resume: str | None = None, progress: bool = True) -> dict:
    # 1. Setup: threads, device, seeds; the video VAE whose latents are modelled (and the init,
    #    if any); data -> latents.
    set_threads(int(config.get("threads", 0)))
    device = pick_device()
    run_dir = Path(config["run_dir"])
    seed = int(config["seed"])
    torch.manual_seed(seed)
    sources, held_back = load_sources(config["data"], progress)
    vae, init, init_meta = load_start(config)
    vae = vae.to(device).requires_grad_(False)
    clip = clip_format(sources, init, init_meta, vae)
    check_clip_size(sources + held_back, clip["size"], clip["fps"],
                    f"the model of init {config['init']!r}" if init else f"the model (sized by {sources[0].name!r})")
    data = encode_sources(sources, vae, device, cache=True)
    for source in sources:   # frames and pixel layouts are not needed once encoded
        source.train = None
    val_sets = [s for s in sources + held_back if len(s.val)]
    _, nc, nt, nh, nw = data.latents.shape
    if init is not None:
        model = init
    else:
        model = LatentCVAE(LatentCVAEConfig(**{**config["model"], "latent_channels": nc, "latent_frames": nt}))
    model = model.to(device)
    ema = make_ema(model)
    opt = torch.optim.AdamW(model.parameters(), lr=config["lr"], betas=(0.9, 0.99), weight_decay=0.0)
    gens = {"data": torch.Generator().manual_seed(seed), "noise": torch.Generator().manual_seed(seed + 1)}
    steps, batch = int(config["steps"]), int(config["batch_size"])

    # 2. Resume.
    start = resume_step(run_dir, resume, model, ema, opt, gens)

    # 3. Train; a fine-tune first shows where it starts.
    log = RunLog(run_dir, steps, start, "train cvae", progress)
    fine_tune = is_fine_tune(config, held_back)
    if fine_tune and start == 0:
        fine_tune_marks(log, "before", 0, cvae_sampler(ema, device), ema, vae, sources, held_back, device)
    fg_weight, kl_weight = float(config.get("fg_weight", 0.0)), float(config["kl_weight"])
    model.train()
    for step in range(start, steps):
        t0 = time.time()
        for group in opt.param_groups:
            group["lr"] = lr_at(step, config["lr"], config["warmup"], steps)
        g = gens["noise"]
        idx = data.draw(batch, gens["data"])
        z, layout, pooled = data.latents[idx].to(device), data.layouts[idx].to(device), data.text.pooled[idx].to(device)
        # Clips without a layout (prepared footage) always train without one, as dropped ones do.
        keep_layout = ((torch.rand(batch, generator=g) >= config["p_drop_layout"]) & data.has_layout[idx]).to(device)
        mask = context_masks(batch, nt, config["p_context"], config["max_context_frames"], g).to(device)
        with autocast(device):
            mean, code_mean, code_logvar = model(z, pooled, layout, z * mask[:, None, :, None, None], mask,
                                                 keep_layout, generator=g)
        weight = (~mask).float()[:, None, :, None, None] * (1.0 + fg_weight * layout[:, 3:4])
        nll = gaussian_nll(z, mean.float(), model.log_sigma, weight)
        kl = kl_divergence(code_mean.float(), code_logvar.float()) / z[0].numel()   # nats per latent element
        loss = nll + kl_weight * kl
        grad_norm = optimize(opt, loss, model, config["grad_clip"])
        update_ema(ema, model, config["ema_decay"] if step >= config["warmup"] else 0.0)
        done = step + 1
        log.step(done, {"loss": loss.item()}, batch / (time.time() - t0))
        if done % config["log_every"] == 0 or done == steps:
            mse = ((mean.float() - z).pow(2)).mean().item()
            log.scalars(done, {"loss": loss.item(), "nll": nll.item(), "kl": kl.item(), "neg_elbo": (nll + kl).item(),
                               "mse": mse, "grad_norm": float(grad_norm), "lr": opt.param_groups[0]["lr"]})
        if config["sample_every"] and (done % config["sample_every"] == 0 or done == steps) and val_sets:
            log.grid("samples/grid", done, preview_frames(cvae_sampler(ema, device), ema, vae, val_sets[0], device))
            model.train()
        if done % config["checkpoint_every"] == 0 or done == steps:
            save_checkpoint(run_dir, done, model, ema, opt, gens, config, keep_last=config["keep_last"])
    result = {"steps": steps}
    if fine_tune:
        result.update(fine_tune_marks(log, "after", steps, cvae_sampler(ema, device), ema, vae, sources, held_back,
                                      device))
    log.close()

    # 4. Export: the EMA model in float16 beside the video VAE it generates for.
    final = run_dir / "final"
    info = {"recipe": config, "steps": steps, "fps": clip["fps"], "size": list(clip["size"][:2]),
            "n_frames": clip["size"][2], "vae_scaling": vae.config.scaling}
    if config.get("init"):
        info["init"] = str(config["init"])
    result["train_minutes"] = info["train_minutes"] = round(log_minutes(run_dir), 1)
    save_component(ema.cpu(), final, "cvae", info, dtype=torch.float16)
    save_component(vae.cpu(), final, "vae", {"scaling": vae.config.scaling})
    (final / "cvae_result.json").write_text(json.dumps(result, indent=2))
    return result
