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
footage has no layout and trains with the null layout. A fine-tune logs each source's validation
loss before and after, and writes a before/after sample grid of held-back captions.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import torch

from ..data.layout import decoder_layout, latent_layout
from ..models.flow_dit import FlowDiT, FlowDiTConfig
from ..errors import InputError
from ..models.io import load_component, save_component
from ..sampling import sample_latents
from .checkpoint import resume_step, save_checkpoint
from ..models.precision import autocast
from ..models.tensors import to_uint8_frames
from .common import RunLog, lr_at, make_ema, optimize, update_ema
from .data_source import Source, check_clip_size, draw_clips, load_sources
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
    clip = clip_format(sources, vae, init, init_meta)
    check_clip_size(sources + held_back, clip["size"], clip["fps"],
                    f"the model of init {config['init']!r}" if init else f"the model (sized by {sources[0].name!r})")
    latents, layouts, has_layout, text = encode_clips([s.train for s in sources], [s.layout_factor for s in sources],
                                                      [s.has_layout for s in sources], vae, device)
    sizes, weights = [len(s.train) for s in sources], [s.weight for s in sources]
    for source in sources:   # their frames (~1 GB at the default size) and pixel layouts are not needed once encoded
        source.train = None
    if init is not None:
        model = init
    else:
        model = FlowDiT(FlowDiTConfig(**{**config["model"], "latent_channels": latents.shape[1],
                                         "latent_frames": latents.shape[2], "latent_height": latents.shape[3],
                                         "latent_width": latents.shape[4]}))
    model = model.to(device)
    ema = make_ema(model)
    ddp = dist.wrap(model)    # the model itself when not distributed
    opt = torch.optim.AdamW(model.parameters(), lr=config["lr"], betas=(0.9, 0.99), weight_decay=config["weight_decay"])
    gens = {"data": torch.Generator().manual_seed(seed), "noise": torch.Generator().manual_seed(seed + 1)}
    steps, batch = int(config["steps"]), int(config["batch_size"])
    val_sets = [v for v in sources + held_back if len(v.val)]

    # 2. Resume.
    start = resume_step(run_dir, resume, model, ema, opt, gens)

    # 3. Train; a fine-tune first logs where it starts from.
    log = RunLog(run_dir, steps, start, "train flow", progress) if dist.is_main else NullLog()
    if init is not None and start == 0 and dist.is_main:
        log.scalars(0, validation_losses(ema, vae, val_sets, device))
        grid = grid_source(sources, held_back)
        if grid is not None:
            log.grid("samples/before", 0, sample_grid(ema, vae, grid, config, device))
    model.train()
    nt = latents.shape[2]
    fg_weight = float(config.get("fg_weight", 0.0))
    for step in range(start, steps):
        t0 = time.time()
        for group in opt.param_groups:
            group["lr"] = lr_at(step, config["lr"], config["warmup"], steps)
        g = gens["noise"]
        idx = draw_clips(sizes, weights, batch, gens["data"])
        x0, lay, emb = latents[idx].to(device), layouts[idx].to(device), text[idx]
        t = sample_times(batch, g, float(config.get("t_uniform", 0.0))).to(device)
        noise = torch.randn(x0.shape, generator=g).to(device)
        tt = t[:, None, None, None, None]
        xt = (1 - tt) * x0 + tt * noise
        target = noise - x0
        keep_text = torch.rand(batch, generator=g) >= config["p_drop_text"]
        # Clips without a layout (prepared footage) always get the null layout, as dropped ones do.
        keep_layout = ((torch.rand(batch, generator=g) >= config["p_drop_layout"]) & has_layout[idx]).to(device)
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
    if dist.is_main and init is not None:
        losses = validation_losses(ema, vae, val_sets, device)
        log.scalars(steps, losses)
        result["val_loss"] = losses
        grid = grid_source(sources, held_back)
        if grid is not None:
            result["grid"] = str(log.grid("samples/after", steps, sample_grid(ema, vae, grid, config, device)))
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
    """(the VAE whose latents the model learns, the model to start from or None, its metadata).
    With `init` (an engine folder: flow.* + vae.*), both come from it: its FlowDiT keeps its
    architecture, so a `model` section, if any, must agree with it, and a `vae` section is refused
    (the init's latent space is the one its weights were trained in)."""
    if not config.get("init"):
        vae, _ = load_component(config["vae"]["dir"], config["vae"]["name"])
        return vae, None, {}
    folder = Path(config["init"])
    if "vae" in config:
        raise InputError(f"init {str(folder)!r} brings its own VAE (vae.*); drop the config's vae section")
    if not (folder / "flow.json").exists():
        raise InputError(f"init {str(folder)!r} is not a flow engine folder (no flow.json); give one such as "
                         f"src/aigc_video/checkpoints/flow or a run's final/")
    model, meta = load_component(folder, "flow")
    vae, _ = load_component(folder, "vae")
    differ = {k: v for k, v in (config.get("model") or {}).items() if getattr(model.config, k, None) != v}
    if differ:
        has = ", ".join(f"{k}={getattr(model.config, k, '(no such setting)')}" for k in differ)
        raise InputError(f"the config's model section says {', '.join(f'{k}={v}' for k, v in differ.items())}, "
                         f"but init {str(folder)!r} is a FlowDiT with {has}: drop the model section to fine-tune it")
    return vae, model.train(), meta


def clip_format(sources: list[Source], vae, init: FlowDiT | None, init_meta: dict) -> dict:
    """{"size": (width, height, n_frames), "fps"} of the clips the model takes: the init's, else the
    first source's (every other source must then match it)."""
    if init is None:
        return {"size": sources[0].size, "fps": sources[0].fps}
    c, v = init.config, vae.config
    return {"size": (c.latent_width * v.space_factor, c.latent_height * v.space_factor, c.latent_frames * v.time_factor),
            "fps": init_meta.get("fps")}


def encode_clips(sets: list, layout_factors: list[int], has_layouts: list[bool], vae, device):
    """Clip sets -> (latents (N, C, t, h, w), layouts (N, 4, t, h, w), has_layout (N,) bool, text),
    laid end to end. A set without a layout gets zeros there, which `has_layout` says to ignore."""
    latents, layouts, flags = [], [], []
    for clips, factor, has in zip(sets, layout_factors, has_layouts):
        z = encode_latents(vae, clips.frames, device)                                 # (n, C, t, h, w)
        latents.append(z)
        if has:
            layouts.append(latent_layout(clips.layout, vae.config.time_factor, vae.config.space_factor // factor))
        else:
            layouts.append(torch.zeros(len(z), clips.layout.shape[2], *z.shape[2:]))
        flags.append(torch.full((len(z),), has))
    text = encode_captions([c for clips in sets for c in clips.captions])
    return torch.cat(latents), torch.cat(layouts), torch.cat(flags), text


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
        latents, layouts, _, text = encode_clips([s.val], [s.layout_factor], [s.has_layout], vae, device)
        out[f"val/loss/{Path(s.name).name}"] = validation_loss(model, latents, text, layouts if s.has_layout else None,
                                                               device)
    return out


def grid_source(sources: list[Source], held_back: list[Source]) -> Source | None:
    """Whose validation clips the before/after grid shows: held-back footage first, then the
    validation clips of a source without layouts (footage), then any."""
    for group in (held_back, [s for s in sources if not s.has_layout], sources):
        for s in group:
            if len(s.val):
                return s
    return None


@torch.no_grad()
def sample_videos(ema: FlowDiT, vae, source: Source, config: dict, device, index: list[int], seed: int = 0) -> torch.Tensor:
    """The validation captions `index` of `source` (with their layouts when it has them, else the
    null layout) sampled with `ema`: (len(index), T, H, W, 3) uint8."""
    ema.eval()
    n, clips = len(index), source.val
    text = encode_captions([clips.captions[i] for i in index])
    layout = dec_layout = None
    if source.has_layout:
        factor, per_frame = source.layout_factor, clips.layout[index]
        layout = latent_layout(per_frame, vae.config.time_factor, vae.config.space_factor // factor).to(device)
        dec_layout = decoder_layout(vae, per_frame, device, factor)
    c = ema.config
    noise = torch.randn((n, c.latent_channels, c.latent_frames, c.latent_height, c.latent_width),
                        generator=torch.Generator().manual_seed(seed)).to(device)
    z = sample_latents(ema, text.to(device), layout, noise, config["sample_steps"], guidance=config["guidance"],
                       guidance_rescale=float(config.get("guidance_rescale", 0.0)))
    return to_uint8_frames(vae.decode(z / vae.config.scaling, dec_layout)).cpu()


def grid_rows(captions: list[str], rows: int = 4) -> list[int]:
    """Which validation clips the grid shows: the first clip of each caption, then the rest, in order
    (a video cut into several clips would otherwise fill the grid with one caption)."""
    seen, first, rest = set(), [], []
    for i, caption in enumerate(captions):
        (rest if caption in seen else first).append(i)
        seen.add(caption)
    return (first + rest)[:rows]


def sample_grid(ema: FlowDiT, vae, source: Source, config: dict, device, rows: int = 4) -> torch.Tensor:
    """A 4 x 4 grid's images: per validation caption of `source` (`grid_rows`), its real clip's middle
    frame, then the first, middle and last frames generated for the caption. (rows * 4, H, W, 3) uint8."""
    index = grid_rows(list(source.val.captions), rows)
    made = sample_videos(ema, vae, source, config, device, index)
    real = torch.as_tensor(source.val.frames[index])
    t = made.shape[1]
    picks = [real[:, t // 2], made[:, 0], made[:, t // 2], made[:, -1]]
    return torch.stack(picks, dim=1).reshape(-1, *made.shape[2:])
