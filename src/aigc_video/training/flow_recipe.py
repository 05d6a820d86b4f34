"""Recipe: train FlowDiT with the rectified-flow objective on VAE latents of synthetic clips.

Objective (Liu et al. 2022): x_t = (1 - t) x_0 + t n, the model predicts v = n - x_0; t is drawn
logit-normal (Esser et al. 2024), which spends the training signal on mid-range times, or, for a
share `t_uniform` of the batch, uniformly, which also trains the noisy end (see `sample_times`).
Condition dropout makes one network three: text dropped (p_drop_text) for classifier-free
guidance, layout dropped (p_drop_layout) so text alone works, and with p_context the first latent
frames are given clean (video continuation); their loss is masked out. The loss is weighted up
where objects are (1 + fg_weight x layout coverage): they are a few percent of the latent, yet
they carry most of what the text says.

Fine-tuning (`init: ENGINE_FOLDER`, configs/flow_finetune_cpu.yaml): the model starts from the
folder's flow.* weights and its latents come from the folder's vae.*, so the result is a drop-in
engine folder. The data section may mix sources by weight (training/data_source.py): prepared
footage has no layout and trains with the null layout. A fine-tune (`init` or `data.held_back`)
logs each source's validation loss before and after, and writes a before/after sample grid of
held-back captions (training/finetune.py, shared with the gan and cvae recipes).
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import torch

from ..models.flow_dit import FlowDiT, FlowDiTConfig
from ..models.io import load_component, save_component
from ..sampling import sample_latents
from .checkpoint import resume_step, save_checkpoint
from ..models.precision import autocast
from .common import RunLog, lr_at, make_ema, optimize, update_ema
from .data_source import Source, check_clip_size, load_sources
from .finetune import clip_format, is_fine_tune, load_init, write_grid
from .latent_data import encode_sources, generate_clips
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
    #    (latents, text embeddings, layouts) of every training source, end to end.
    dist = setup_distributed(int(config.get("threads", 0)))
    device = dist.device
    run_dir = Path(config["run_dir"])
    seed = int(config["seed"])
    torch.manual_seed(seed)
    with dist.main_first():   # rank 0 renders missing shards, the others then read them
        sources, held_back = load_sources(config["data"], progress=progress and dist.is_main)
    vae, init, init_meta = load_start(config)
    vae = vae.to(device).requires_grad_(False)
    clip = clip_format(sources, init, init_meta, vae)
    check_clip_size(sources + held_back, clip["size"], clip["fps"],
                    f"the model of init {config['init']!r}" if init else f"the model (sized by {sources[0].name!r})")
    data = encode_sources(sources, vae, device)
    for source in sources:   # their frames (~1 GB at the default size) and pixel layouts are not needed once encoded
        source.train = None
    if init is not None:
        model = init
    else:
        _, nc, nt, nh, nw = data.latents.shape
        model = FlowDiT(FlowDiTConfig(**{**config["model"], "latent_channels": nc, "latent_frames": nt,
                                         "latent_height": nh, "latent_width": nw}))
    model = model.to(device)
    ema = make_ema(model)
    ddp = dist.wrap(model)    # the model itself when not distributed
    opt = torch.optim.AdamW(model.parameters(), lr=config["lr"], betas=(0.9, 0.99), weight_decay=config["weight_decay"])
    gens = {"data": torch.Generator().manual_seed(seed), "noise": torch.Generator().manual_seed(seed + 1)}
    steps, batch = int(config["steps"]), int(config["batch_size"])
    val_sets = [v for v in sources + held_back if len(v.val)]
    fine_tune = is_fine_tune(config, held_back)

    # 2. Resume.
    start = resume_step(run_dir, resume, model, ema, opt, gens)

    # 3. Train; a fine-tune first logs where it starts from.
    log = RunLog(run_dir, steps, start, "train flow", progress) if dist.is_main else NullLog()
    if fine_tune and start == 0 and dist.is_main:
        log.scalars(0, validation_losses(ema, vae, val_sets, device))
        write_grid(log, "before", 0, flow_sampler(ema, config, device), ema, vae, sources, held_back, device)
    model.train()
    nt = data.latents.shape[2]
    fg_weight = float(config.get("fg_weight", 0.0))
    for step in range(start, steps):
        t0 = time.time()
        for group in opt.param_groups:
            group["lr"] = lr_at(step, config["lr"], config["warmup"], steps)
        g = gens["noise"]
        idx = data.draw(batch, gens["data"])
        x0, lay, emb = data.latents[idx].to(device), data.layouts[idx].to(device), data.text[idx]
        t = sample_times(batch, g, float(config.get("t_uniform", 0.0))).to(device)
        noise = torch.randn(x0.shape, generator=g).to(device)
        tt = t[:, None, None, None, None]
        xt = (1 - tt) * x0 + tt * noise
        target = noise - x0
        keep_text = torch.rand(batch, generator=g) >= config["p_drop_text"]
        # Clips without a layout (prepared footage) always get the null layout, as dropped ones do.
        keep_layout = ((torch.rand(batch, generator=g) >= config["p_drop_layout"]) & data.has_layout[idx]).to(device)
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
        grad_norm = optimize(opt, loss, model, config["grad_clip"])
        update_ema(ema, model, config["ema_decay"] if step >= config["warmup"] else 0.0)
        done = step + 1
        loss_value = float(dist.sum(loss.detach())) / dist.world   # the global batch's loss
        log.step(done, {"loss": loss_value}, batch / (time.time() - t0))
        if done % config["log_every"] == 0 or done == steps:
            log.scalars(done, {"loss": loss_value, "grad_norm": float(grad_norm), "lr": opt.param_groups[0]["lr"]})
        if config["sample_every"] and done % config["sample_every"] == 0 and val_sets and dist.is_main:
            log.scalars(done, validation_losses(ema, vae, val_sets, device))
            first = list(range(min(2, len(val_sets[0].val))))
            log.frames("val/samples", done, sample_videos(ema, vae, val_sets[0], config, device, first))
            model.train()
        if done % config["checkpoint_every"] == 0 or done == steps:
            if dist.is_main:
                save_checkpoint(run_dir, done, model, ema, opt, gens, config, keep_last=config["keep_last"])
            dist.barrier()
    result = {"steps": steps}
    if dist.is_main and fine_tune:
        losses = validation_losses(ema, vae, val_sets, device)
        log.scalars(steps, losses)
        result["val_loss"] = losses
        grid = write_grid(log, "after", steps, flow_sampler(ema, config, device), ema, vae, sources, held_back, device)
        if grid is not None:
            result["grid"] = str(grid)
    log.close()
    if not dist.is_main:
        dist.close()
        return {"steps": steps, "rank": dist.rank}

    # 4. Export: EMA weights beside a copy of the VAE, ready for the engine.
    final = run_dir / "final"
    info = {"recipe": config, "steps": steps, "fps": clip["fps"], "size": list(clip["size"][:2]),
            "n_frames": clip["size"][2]}
    if config.get("init"):
        info["init"] = str(config["init"])
    save_component(ema.cpu(), final, "flow", info)
    save_component(vae.cpu(), final, "vae", {"scaling": vae.config.scaling})
    (final / "flow_result.json").write_text(json.dumps(result, indent=2))
    dist.close()
    return result


def load_start(config: dict) -> tuple[torch.nn.Module, FlowDiT | None, dict]:
    """(the VAE whose latents the model learns, the model to start from or None, its metadata):
    with `init`, both from that engine folder (training/finetune.py), else the config's vae."""
    if not config.get("init"):
        vae, _ = load_component(config["vae"]["dir"], config["vae"]["name"])
        return vae, None, {}
    model, meta, vae = load_init(config, "flow", "flow")
    return vae, model, meta


VAL_TIMES = (0.1, 0.3, 0.5, 0.7, 0.9)


@torch.no_grad()
def validation_loss(model: FlowDiT, latents: torch.Tensor, text, layouts: torch.Tensor | None, device,
                    seed: int = 0, times=VAL_TIMES, batch: int = 16) -> float:
    """Rectified-flow MSE on clips the model did not train on, at fixed times and fixed noise (seed):
    mean over clips and times of |v(x_t, t) - (n - x_0)|^2, text kept, no context, unweighted;
    layouts None: the null layout. Comparable across checkpoints on the same clips."""
    model.eval()
    g = torch.Generator().manual_seed(seed)
    total, count = 0.0, 0
    for t in times:
        noise = torch.randn(latents.shape, generator=g)
        for i in range(0, len(latents), batch):
            x0, n = latents[i:i + batch].to(device), noise[i:i + batch].to(device)
            tt = torch.full((len(x0),), float(t), device=device)
            xt = (1 - t) * x0 + t * n
            emb = text[i:i + batch].to(device)
            lay = None if layouts is None else layouts[i:i + batch].to(device)
            with autocast(device):
                pred = model(xt, tt, emb.tokens, emb.mask, emb.pooled, lay)
            total += float((pred.float() - (n - x0)).pow(2).mean(dim=(1, 2, 3, 4)).sum())
            count += len(x0)
    return total / count


def validation_losses(model: FlowDiT, vae, val_sets: list[Source], device) -> dict[str, float]:
    """{"val/loss/<source folder name>": validation_loss} for every source with validation clips."""
    out = {}
    for s in val_sets:
        val = encode_sources([s], vae, device, part="val")
        out[f"val/loss/{Path(s.name).name}"] = validation_loss(model, val.latents, val.text,
                                                               val.layouts if s.has_layout else None, device)
    return out


def flow_sampler(ema: FlowDiT, config: dict, device, seed: int = 0):
    """(latent_shape, text, layout) -> latents, as the engine samples (the config's sample_steps,
    guidance and guidance_rescale) from seeded noise: what the sample grids show."""
    def sample(shape, text, layout):
        noise = torch.randn(shape, generator=torch.Generator().manual_seed(seed)).to(device)
        return sample_latents(ema, text, layout, noise, config["sample_steps"], guidance=config["guidance"],
                              guidance_rescale=float(config.get("guidance_rescale", 0.0)))
    return sample


def sample_videos(ema: FlowDiT, vae, source: Source, config: dict, device, index: list[int], seed: int = 0) -> torch.Tensor:
    """The validation captions `index` of `source` (with their layouts when it has them, else the
    null layout) sampled with `ema`: (len(index), T, H, W, 3) uint8."""
    return generate_clips(flow_sampler(ema, config, device, seed), ema, vae, source, index, device)
