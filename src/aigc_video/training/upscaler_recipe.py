"""Recipe: the learned upscaler (models/upscaler.py), from a learned engine's native frames to the
scene engine's render of the same plan at `scale` x the native size.

1. Pairs, once (cached in the run folder): for random synthetic shots (data/synthetic.py's
   `random_shot`, every shot a pure function of (seed, index)), planned at the pipeline's 640 x 360
   and 12 fps, the input is what the shipped engine (`data.engine`, default gan) draws for the plan
   at its native size: its own latents, decoded by the VAE, before any upscaling, so the input
   carries the real generator's faults (soft edges, faint copies, bands). The target is the scene
   engine's render of the same plan at the upscaler's size; the layout is the plan's at that size.
   `frames_per_shot` frames of each shot are kept (neighbouring frames teach little more).
2. Training: random crops (the native crop plus a margin of the native branch's reach, so that the
   loss never sees zero padding the full frame would not have), L1 + `edge_weight` x L1 of the
   horizontal and vertical differences (edges are what bicubic loses), AdamW, cosine schedule,
   EMA (shipped).
3. Every `sample_every` steps: validation PSNR against the render for the engine's old upscale
   (unsharp mask + bicubic) and for the network, and a 4 x 4 grid (a row per validation shot:
   old upscale, learned, render, layout) to TensorBoard and samples/.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..models.io import save_component
from ..models.upscaler import LayoutUpscaler, UpscalerConfig, colour_code, shot_masks
from .checkpoint import resume_step, save_checkpoint
from .common import RunLog, lr_at, make_ema, optimize, set_threads, update_ema
from .latent_data import log_minutes


def make_pairs(config: dict, progress: bool = True) -> dict[str, torch.Tensor]:
    """{native (N, 3, h, w) float16 in [-1, 1], layout (N, 4, sh, sw) uint8 (x 255), target
    (N, 3, sh, sw) uint8, shot (N,) int}: first the training shots' frames, then the validation
    shots' (indices n_shots .. n_shots + val_shots - 1)."""
    from tqdm import tqdm

    from ..data.synthetic import random_shot
    from ..engines import get_engine
    from ..scene import plan
    from ..scene.render import render_shot
    from ..storyboard import Storyboard
    d = config["data"]
    engine = get_engine(d["engine"], **({"checkpoint": d["checkpoint"]} if d.get("checkpoint") else {}))
    scale = int(config["model"]["scale"])
    width, height = scale * engine.native_w, scale * engine.native_h
    fps, per_shot = int(d["fps"]), int(d["frames_per_shot"])
    out: dict[str, list] = {"native": [], "layout": [], "target": [], "shot": []}
    total = int(d["n_shots"]) + int(d["val_shots"])
    for i in tqdm(range(total), desc="upscaler pairs", unit="shot", disable=not progress):
        rng = np.random.default_rng([int(config["seed"]), i])
        shot = random_shot(rng, float(rng.uniform(*d["seconds"])))
        shot_plan = plan(Storyboard(shots=[shot]), size=tuple(d["plan_size"]), fps=fps,
                         seed=int(rng.integers(0, 2**31 - 1))).shots[0]
        video, _ = engine.native_frames(shot_plan, fps)                       # (T, 3, h, w) in [-1, 1]
        keep = np.sort(rng.choice(len(video), min(per_shot, len(video)), replace=False))
        masks, colors = shot_masks(shot_plan, width, height)
        out["native"].append(video[keep].half())
        out["layout"].append(colour_code(masks[keep], colors).mul(255).round().to(torch.uint8))
        target = render_shot(shot_plan, width, height)[keep]                  # (k, H, W, 3) uint8
        out["target"].append(torch.from_numpy(target).permute(0, 3, 1, 2).contiguous())
        out["shot"].append(torch.full((len(keep),), i))
    return {k: torch.cat(v) for k, v in out.items()}


def cached_pairs(run_dir: Path, config: dict, progress: bool) -> dict[str, torch.Tensor]:
    """make_pairs, read from the run folder when the same data settings made them before."""
    from safetensors.torch import load_file, save_file
    key = json.dumps({"seed": config["seed"], "scale": config["model"]["scale"], "data": config["data"]}, sort_keys=True)
    path, meta_path = run_dir / "pairs.safetensors", run_dir / "pairs.json"
    if path.exists() and meta_path.exists() and meta_path.read_text() == key:
        return load_file(str(path))
    pairs = make_pairs(config, progress)
    run_dir.mkdir(parents=True, exist_ok=True)
    save_file(pairs, str(path))
    meta_path.write_text(key)
    return pairs


def crops(pairs: dict, index: torch.Tensor, size: tuple[int, int], margin: int, scale: int,
          generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Random native crops of `size` + `margin` on each side (clamped inside the frame) and the
    matching layout and target crops: (B, 3, ch, cw) float, (B, 4, s ch, s cw) in [0, 1],
    (B, 3, s ch, s cw) in [-1, 1]."""
    h, w = pairs["native"].shape[-2:]
    ch, cw = min(h, size[0] + 2 * margin), min(w, size[1] + 2 * margin)
    ys = torch.randint(0, h - ch + 1, (len(index),), generator=generator).tolist()
    xs = torch.randint(0, w - cw + 1, (len(index),), generator=generator).tolist()
    native = torch.stack([pairs["native"][i, :, y:y + ch, x:x + cw] for i, y, x in zip(index.tolist(), ys, xs)])
    big = [(slice(scale * y, scale * (y + ch)), slice(scale * x, scale * (x + cw))) for y, x in zip(ys, xs)]
    layout = torch.stack([pairs["layout"][i, :, sy, sx] for i, (sy, sx) in zip(index.tolist(), big)])
    target = torch.stack([pairs["target"][i, :, sy, sx] for i, (sy, sx) in zip(index.tolist(), big)])
    return native.float(), layout.float() / 255, target.float() / 127.5 - 1


def upscale_loss(out: torch.Tensor, target: torch.Tensor, edge_weight: float, trim: int) -> torch.Tensor:
    """L1 + edge_weight x L1 of the horizontal and vertical differences, `trim` pixels in from each side."""
    if trim:
        out, target = out[..., trim:-trim, trim:-trim], target[..., trim:-trim, trim:-trim]
    loss = F.l1_loss(out, target)
    if edge_weight:
        for dim in (-1, -2):
            loss = loss + edge_weight * F.l1_loss(out.diff(dim=dim), target.diff(dim=dim))
    return loss


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    """uint8 tensors of one shape -> PSNR in dB."""
    mse = (a.float() - b.float()).pow(2).mean().item()
    return 10 * float(np.log10(255.0 ** 2 / max(mse, 1e-10)))


@torch.no_grad()
def validate(model: LayoutUpscaler, pairs: dict, val: torch.Tensor, sharpen: float) -> tuple[dict, torch.Tensor]:
    """PSNR against the render of the engine's old upscale and of the model over the validation
    frames, and the grid's images (a row for each of the first 4 validation shots: old upscale,
    learned, render, layout)."""
    from ..engines.latent import upscale
    from ..models.tensors import to_uint8
    native = pairs["native"][val].float()
    target = pairs["target"][val]
    layout = pairs["layout"][val].float() / 255
    height, width = target.shape[-2:]
    old = upscale(native, height, width, sharpen).permute(0, 3, 1, 2)
    new = torch.cat([to_uint8(model(native[i:i + 4], layout[i:i + 4])) for i in range(0, len(val), 4)])
    scores = {"val_psnr_bicubic": psnr(old, target), "val_psnr_learned": psnr(new, target)}
    cover = (layout[:, :3] * 255 + (1 - layout[:, 3:]) * 64).round().clamp(0, 255).to(torch.uint8)
    shots = pairs["shot"][val]
    firsts = [i for i in range(len(val)) if i == 0 or shots[i] != shots[i - 1]][:4]   # a row per shot
    rows = [torch.stack([old[i], new[i], target[i], cover[i]]) for i in firsts]
    return scores, torch.cat(rows).permute(0, 2, 3, 1).contiguous()


def train_upscaler(config: dict, resume: str | None = None, progress: bool = True) -> dict:
    # 1. Setup: threads, seeds, the pairs (made once and cached in the run folder).
    set_threads(int(config.get("threads", 0)))
    run_dir = Path(config["run_dir"])
    seed = int(config["seed"])
    torch.manual_seed(seed)
    t0 = time.time()
    pairs = cached_pairs(run_dir, config, progress)
    pair_minutes = (time.time() - t0) / 60
    n_train = int((pairs["shot"] < int(config["data"]["n_shots"])).sum())
    val = torch.arange(n_train, len(pairs["shot"]))

    # 2. Network, EMA, optimizer.
    model = LayoutUpscaler(UpscalerConfig(**config["model"]))
    ema = make_ema(model)
    opt = torch.optim.AdamW(model.parameters(), lr=config["lr"], weight_decay=float(config.get("weight_decay", 0.0)))
    gens = {"data": torch.Generator().manual_seed(seed)}
    steps, batch = int(config["steps"]), int(config["batch_size"])
    scale, margin = model.config.scale, model.config.depth

    # 3. Resume.
    start = resume_step(run_dir, resume, model, ema, opt, gens)

    # 4. Train on random crops.
    log = RunLog(run_dir, steps, start, "train upscaler", progress)
    model.train()
    for step in range(start, steps):
        t = time.time()
        for group in opt.param_groups:
            group["lr"] = lr_at(step, config["lr"], config["warmup"], steps)
        index = torch.randint(n_train, (batch,), generator=gens["data"])
        native, layout, target = crops(pairs, index, tuple(config["crop"]), margin, scale, gens["data"])
        loss = upscale_loss(model(native, layout), target, float(config["edge_weight"]), scale * margin)
        grad_norm = optimize(opt, loss, model, config["grad_clip"])
        update_ema(ema, model, config["ema_decay"] if step >= config["warmup"] else 0.0)
        done = step + 1
        log.step(done, {"loss": loss.item()}, batch / (time.time() - t))
        scalars = {}
        if config["sample_every"] and (done % config["sample_every"] == 0 or done == steps) and len(val):
            scalars, images = validate(ema, pairs, val, float(config["sharpen"]))
            log.grid("samples/grid", done, images)
        if done % config["log_every"] == 0 or done == steps or scalars:
            log.scalars(done, {"loss": loss.item(), "grad_norm": float(grad_norm), "lr": opt.param_groups[0]["lr"],
                               **scalars})
        if done % config["checkpoint_every"] == 0 or done == steps:
            save_checkpoint(run_dir, done, model, ema, opt, gens, config, keep_last=config["keep_last"])
    log.close()

    # 5. Export: the EMA network (float32: it is small), with its provenance.
    scores, _ = validate(ema, pairs, val, float(config["sharpen"])) if len(val) else ({}, None)
    result = {"steps": steps, "train_minutes": round(log_minutes(run_dir), 1),
              "pair_minutes": round(pair_minutes, 1), "pairs": n_train, "val_frames": len(val),
              **{k: round(v, 2) for k, v in scores.items()}}
    info = {"recipe": config, **result, "licence": "Apache-2.0",
            "provenance": "trained from scratch by training/upscaler_recipe.py on this project's own synthetic "
                          "shots: inputs drawn by the shipped engine named in recipe.data.engine, targets rendered "
                          "by the scene engine; no outside data or weights"}
    final = run_dir / "final"
    save_component(ema, final, "upscaler", info)
    (final / "upscaler_result.json").write_text(json.dumps(result, indent=2))
    return result
