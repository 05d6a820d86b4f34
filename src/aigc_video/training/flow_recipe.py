"""Recipe: train FlowDiT with the rectified-flow objective on VAE latents of synthetic clips.

Objective (Liu et al. 2022): x_t = (1 - t) x_0 + t n, the model predicts v = n - x_0; t is drawn
logit-normal (Esser et al. 2024), which spends the training signal on mid-range times, or, for a
share `t_uniform` of the batch, uniformly, which also trains the noisy end (see `sample_times`).
Condition dropout makes one network three: text dropped (p_drop_text) for classifier-free
guidance, layout dropped (p_drop_layout) so text alone works, and with p_context the first latent
frames are given clean (video continuation); their loss is masked out. The loss is weighted up
where objects are (1 + fg_weight x layout coverage): they are a few percent of the latent, yet
they carry most of what the text says.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import torch

from ..data.layout import decoder_layout, latent_layout
from ..models.flow_dit import FlowDiT, FlowDiTConfig
from ..models.io import load_component, save_component
from ..sampling import sample_latents
from .checkpoint import resume_step, save_checkpoint
from ..models.precision import autocast
from ..models.tensors import to_uint8_frames
from .common import RunLog, lr_at, make_ema, update_ema
from .data_source import prepare_clips
from .latent_data import encode_captions, encode_latents
from .distributed import NullLog
from .distributed import setup as setup_distributed


def sample_times(n: int, generator: torch.Generator, uniform_share: float = 0.0) -> torch.Tensor:
    """n training times in (0, 1): logit-normal, except a share drawn uniformly. Logit-normal
    rarely draws t near 1, where a sample's background and layout are decided from the caption
    alone; a small model trained briefly then samples washed-out, low-contrast videos."""
    t = torch.sigmoid(torch.randn(n, generator=generator))
    pick = torch.rand(n, generator=generator) < uniform_share
    return torch.where(pick, torch.rand(n, generator=generator), t)


def train_flow(config: dict, resume: str | None = None, progress: bool = True) -> dict:
    # 1. Setup: processes (torchrun: training/distributed.py), threads, device, seeds, data ->
    #    (latents, text embeddings, layouts).
    dist = setup_distributed(int(config.get("threads", 0)))
    device = dist.device
    run_dir = Path(config["run_dir"])
    seed = int(config["seed"])
    torch.manual_seed(seed)
    with dist.main_first():   # rank 0 renders missing shards, the others then read them
        train, val = prepare_clips(config["data"], progress=progress and dist.is_main)
    vae, _ = load_component(config["vae"]["dir"], config["vae"]["name"])
    vae = vae.to(device).requires_grad_(False)
    ft, layout_factor = vae.config.time_factor, int(config["data"].get("layout_factor", 4))
    latents = encode_latents(vae, train.frames, device)                      # (N, C, t, h, w)
    layouts = latent_layout(train.layout, ft, vae.config.space_factor // layout_factor)   # (N, 4, t, h, w)
    text = encode_captions(train.captions)
    del train  # the frames (~1 GB at the default size) are not needed once encoded
    mcfg = FlowDiTConfig(**{**config["model"], "latent_channels": latents.shape[1], "latent_frames": latents.shape[2],
                            "latent_height": latents.shape[3], "latent_width": latents.shape[4]})
    model = FlowDiT(mcfg).to(device)
    ema = make_ema(model)
    ddp = dist.wrap(model)    # the model itself when not distributed
    opt = torch.optim.AdamW(model.parameters(), lr=config["lr"], betas=(0.9, 0.99), weight_decay=config["weight_decay"])
    gens = {"data": torch.Generator().manual_seed(seed), "noise": torch.Generator().manual_seed(seed + 1)}
    steps, batch = int(config["steps"]), int(config["batch_size"])

    # 2. Resume.
    start = resume_step(run_dir, resume, model, ema, opt, gens)

    # 3. Train.
    log = RunLog(run_dir, steps, start, "train flow", progress) if dist.is_main else NullLog()
    model.train()
    nt = latents.shape[2]
    fg_weight = float(config.get("fg_weight", 0.0))
    for step in range(start, steps):
        t0 = time.time()
        for group in opt.param_groups:
            group["lr"] = lr_at(step, config["lr"], config["warmup"], steps)
        g = gens["noise"]
        idx = torch.randint(len(latents), (batch,), generator=gens["data"])
        x0, lay, emb = latents[idx].to(device), layouts[idx].to(device), text[idx]
        t = sample_times(batch, g, float(config.get("t_uniform", 0.0))).to(device)
        noise = torch.randn(x0.shape, generator=g).to(device)
        tt = t[:, None, None, None, None]
        xt = (1 - tt) * x0 + tt * noise
        target = noise - x0
        keep_text = torch.rand(batch, generator=g) >= config["p_drop_text"]
        keep_layout = (torch.rand(batch, generator=g) >= config["p_drop_layout"]).to(device)
        use_context = torch.rand(batch, generator=g) < config["p_context"]
        n_context = torch.randint(1, config["max_context_frames"] + 1, (batch,), generator=g)
        context_mask = (torch.arange(nt)[None] < n_context[:, None]) & use_context[:, None]
        mask = (emb.mask & keep_text[:, None]).to(device)
        pooled = (emb.pooled * keep_text[:, None]).to(device)
        context_mask = context_mask.to(device)
        # Every rank drew the same global batch above; it trains on its slice (all of it alone).
        s = dist.shard(batch)
        with autocast(device):
            pred = ddp(xt[s], t[s], emb.tokens[s].to(device), mask[s], pooled[s], lay[s], keep_layout[s], x0[s],
                       context_mask[s])
        weight = (~context_mask[s]).float()[:, None, :, None, None] * (1.0 + fg_weight * lay[s, 3:4])
        weight = weight.expand_as(target[s])
        # Normalised by the global batch's weight, x world size since DDP averages the gradients.
        loss = ((pred.float() - target[s]).pow(2) * weight).sum() / dist.sum(weight.sum()).clamp(min=1) * dist.world
        opt.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), config["grad_clip"])
        opt.step()
        update_ema(ema, model, config["ema_decay"] if step >= config["warmup"] else 0.0)
        done = step + 1
        loss_value = float(dist.sum(loss.detach())) / dist.world   # the global batch's loss
        log.step(done, {"loss": loss_value}, batch / (time.time() - t0))
        if done % config["log_every"] == 0 or done == steps:
            log.scalars(done, {"loss": loss_value, "grad_norm": float(grad_norm), "lr": opt.param_groups[0]["lr"]})
        if config["sample_every"] and done % config["sample_every"] == 0 and len(val) and dist.is_main:
            log.frames("val/samples", done, preview(ema, vae, val, config, device))
            model.train()
        if done % config["checkpoint_every"] == 0 or done == steps:
            if dist.is_main:
                save_checkpoint(run_dir, done, model, ema, opt, gens, config, keep_last=config["keep_last"])
            dist.barrier()
    log.close()
    if not dist.is_main:
        dist.close()
        return {"steps": steps, "rank": dist.rank}

    # 4. Export: EMA weights beside a copy of the VAE, ready for the engine.
    final = run_dir / "final"
    info = {"recipe": config, "steps": steps, "fps": config["data"]["fps"],
            "size": config["data"]["size"], "n_frames": config["data"]["n_frames"]}
    save_component(ema.cpu(), final, "flow", info)
    save_component(vae.cpu(), final, "vae", {"scaling": vae.config.scaling})
    (final / "flow_result.json").write_text(json.dumps({"steps": steps}, indent=2))
    dist.close()
    return {"steps": steps}


@torch.no_grad()
def preview(ema: FlowDiT, vae, val, config: dict, device, n: int = 2) -> torch.Tensor:
    """A few validation captions + layouts sampled with the EMA weights: (n, T, H, W, 3) uint8."""
    ema.eval()
    text = encode_captions(val.captions[:n])
    layout_factor = int(config["data"].get("layout_factor", 4))
    layout = latent_layout(val.layout[:n], vae.config.time_factor, vae.config.space_factor // layout_factor).to(device)
    c = ema.config
    noise = torch.randn((n, c.latent_channels, c.latent_frames, c.latent_height, c.latent_width),
                        generator=torch.Generator().manual_seed(0)).to(device)
    z = sample_latents(ema, text, layout, noise, config["sample_steps"], guidance=config["guidance"])
    return to_uint8_frames(vae.decode(z / vae.config.scaling, decoder_layout(vae, val.layout[:n], device, layout_factor))).cpu()
