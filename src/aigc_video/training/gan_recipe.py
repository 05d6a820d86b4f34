"""Recipe: adversarial distillation of the flow model into VideoGAN, a one-step generator.

The game (Sauer et al. 2023, "Adversarial Diffusion Distillation", in the flow model's latent space):
- teacher targets: for a fixed set of training conditions (caption, layout, and for a share
  `p_context` the first latent frame(s) given clean, as in video continuation) and seeded noise,
  the flow model's own sampler, at the engine's settings (4 guided steps), gives the latent clip
  the generator should land on from that noise. Computed once (about 4 minutes on 2 cores) and
  cached in the run folder;
- the generator starts as the flow network (models/gan.py) and is trained on
  distill x weighted MSE to the teacher's target (objects weighed up, as in the flow recipe)
  + adv_weight x the hinge generator loss, once the discriminator has had `adv_start` steps;
- the discriminator (frame head + video head, spectral norm, caption projection) sees real
  training clips' latents with their own conditions against the generator's samples, hinge loss,
  plus an R1 penalty on the real ones every `r1_every` steps (lazy regularisation, StyleGAN2);
- the EMA generator is what ships, stored in float16.
Every `sample_every` steps a 4 x 4 grid of generated frames (16 validation captions and layouts,
each clip's middle frame) goes to TensorBoard and to samples/ in the run folder.

Fine-tuning (configs/gan_finetune_cpu.yaml): `init: ENGINE_FOLDER` starts the generator from the
folder's gan.* instead of the teacher (the discriminator, which no engine folder holds, starts
afresh: `adv_start` lets it catch up first), and the data section may mix prepared footage with
synthetic clips by weight, as the flow recipe's does (training/data_source.py). The teacher
targets are then computed on the mixed data, so `teacher.dir` may name a flow model fine-tuned on
the same footage. Footage has no layout: the teacher and the generator read the null layout for
it, the discriminator zeros (no null layout of its own; real and generated footage alike). With
`init` or `data.held_back`, a before/after grid of held-back captions is written
(training/finetune.py).
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import torch

from ..errors import InputError
from ..models.gan import DiscriminatorConfig, VideoDiscriminator, VideoGAN
from ..models.io import load_component, save_component
from ..models.precision import autocast, pick_device
from ..sampling import sample_latents
from .checkpoint import resume_step, save_checkpoint
from .common import RunLog, lr_at, make_ema, optimize, set_threads, update_ema
from .data_source import Source, check_clip_size, load_sources
from .finetune import clip_format, fine_tune_marks, is_fine_tune, load_init
from .gan_loss import hinge_d_loss, hinge_g_loss, r1_penalty, weighted_mse
from .latent_data import LatentSet, encode_sources, log_minutes, preview_frames, vae_fingerprint


def context_masks(n: int, frames: int, p_context: float, max_frames: int, generator: torch.Generator) -> torch.Tensor:
    """(n, frames) bool: for a share p_context of the n clips, the first 1..max_frames latent frames."""
    use = torch.rand(n, generator=generator) < p_context
    count = torch.randint(1, max_frames + 1, (n,), generator=generator)
    return (torch.arange(frames)[None] < count[:, None]) & use[:, None]


def by_layout(run, has_layout: torch.Tensor, layout: torch.Tensor) -> torch.Tensor:
    """run(rows, layout) -> (len(rows), ...) over a batch of clips, those without a layout (footage)
    given None, the null layout: the sampler and VideoGAN.generate take one layout, or none, for a
    whole batch, so a mixed batch runs as two, put back in order."""
    if bool(has_layout.all()):
        return run(slice(None), layout)
    if not bool(has_layout.any()):
        return run(slice(None), None)
    rows = torch.cat([has_layout.nonzero()[:, 0], (~has_layout).nonzero()[:, 0]])
    n = int(has_layout.sum())
    out = torch.cat([run(rows[:n], layout[rows[:n]]), run(rows[n:], None)])
    return out[torch.argsort(rows)]


def generate(gen: VideoGAN, noise, text, layout, has_layout, context=None, context_mask=None) -> torch.Tensor:
    """gen.generate over a batch whose clips without a layout (has_layout False) get the null layout."""
    def run(rows, lay):
        pick = (lambda x: None if x is None else x[rows])
        return gen.generate(noise[rows], text.tokens[rows], text.mask[rows], text.pooled[rows], lay, pick(context),
                            pick(context_mask))
    return by_layout(run, has_layout, layout)


def gan_sampler(gen: VideoGAN, device, seed: int = 0):
    """(latent_shape, text, layout) -> latents from seeded noise, one network evaluation: what the
    sample grids show."""
    def sample(shape, text, layout):
        noise = torch.randn(shape, generator=torch.Generator().manual_seed(seed)).to(device)
        return gen.generate(noise, text.tokens, text.mask, text.pooled, layout)
    return sample


@torch.no_grad()
def teacher_targets(teacher, data: LatentSet, config: dict, device, progress: bool = True) -> dict[str, torch.Tensor]:
    """{index, noise, context_mask, target} for `n_pairs` training clips picked by the seed (from a
    mix, each clip's source by weight, as training batches are); the targets are the teacher's
    samples from that noise under the clip's conditions."""
    from tqdm import tqdm
    t = config["teacher"]
    g = torch.Generator().manual_seed(int(config["seed"]) + 2)
    n = min(int(config["n_pairs"]), len(data))
    index = torch.randperm(len(data), generator=g)[:n] if len(data.sizes) == 1 else data.draw(n, g)
    noise = torch.randn((n, *data.latents.shape[1:]), generator=g)
    mask = context_masks(n, data.latents.shape[2], config["p_context"], config["max_context_frames"], g)
    target = torch.empty_like(noise)
    batch = int(t.get("batch", 32))
    for start in tqdm(range(0, n, batch), desc="teacher", unit="batch", disable=not progress):
        sl = slice(start, start + batch)
        idx = index[sl]
        m = mask[sl].to(device)
        context = data.latents[idx].to(device) * m[:, None, :, None, None]
        text, start_noise = data.text[idx].to(device), noise[sl].to(device)

        def teach(rows, layout):
            return sample_latents(teacher, text[rows], layout, start_noise[rows], int(t["steps"]),
                                  guidance=float(t["guidance"]), context=context[rows], context_mask=m[rows],
                                  guidance_rescale=float(t.get("guidance_rescale", 0.0)))
        with autocast(device):
            z = by_layout(teach, data.has_layout[idx], data.layouts[idx].to(device))
        target[sl] = z.float().cpu()
    return {"index": index, "noise": noise, "context_mask": mask, "target": target}


def cached_teacher_targets(run_dir: Path, teacher, data: LatentSet, config: dict, device, progress: bool) -> dict:
    """teacher_targets, read from the run folder when the same teacher settings (and data mix) made
    them before. A one-source run's key leaves its data out, as it did before mixes existed."""
    from safetensors.torch import load_file, save_file
    names = ("teacher", "n_pairs", "seed", "p_context", "max_context_frames")
    names += ("data",) if "mix" in config["data"] else ()
    key = json.dumps({k: config[k] for k in names}, sort_keys=True)
    path, meta_path = run_dir / "teacher_targets.safetensors", run_dir / "teacher_targets.json"
    if path.exists() and meta_path.exists() and meta_path.read_text() == key:
        return load_file(str(path))
    pairs = teacher_targets(teacher, data, config, device, progress)
    run_dir.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in pairs.items()}, str(path))
    meta_path.write_text(key)
    return pairs


def load_gan_init(config: dict, sources: list[Source], teacher_dir: Path, vae, clip: dict) -> VideoGAN | None:
    """The generator of `init` (an engine folder with gan.*), or None without one. It must generate
    the teacher's latents: the same VAE and clip format."""
    if not config.get("init"):
        return None
    gen, meta, init_vae = load_init(config, "gan", "gan")
    if vae_fingerprint(init_vae) != vae_fingerprint(vae):
        raise InputError(f"init {config['init']!r} generates latents of another VAE than the teacher "
                         f"{str(teacher_dir)!r}'s: distil from the flow model whose VAE it shares")
    size = clip_format(sources, gen, meta, vae)["size"]
    if size != clip["size"]:
        raise InputError(f"init {config['init']!r} makes {size[0]}x{size[1]} clips of {size[2]} frames, "
                         f"the teacher {str(teacher_dir)!r} {clip['size'][0]}x{clip['size'][1]} of {clip['size'][2]}")
    return gen


def train_gan(config: dict, resume: str | None = None, progress: bool = True) -> dict:
    # 1. Setup: threads, device, seeds; the teacher and its VAE; the init, if any; data -> latents;
    #    teacher targets.
    set_threads(int(config.get("threads", 0)))
    device = pick_device()
    run_dir = Path(config["run_dir"])
    seed = int(config["seed"])
    torch.manual_seed(seed)
    teacher_dir = Path(config["teacher"]["dir"])
    if not (teacher_dir / "flow.json").exists():
        raise InputError(f"teacher.dir {str(teacher_dir)!r} has no flow.json: the GAN is distilled from a trained flow model")
    teacher, teacher_meta = load_component(teacher_dir, "flow")
    vae, _ = load_component(teacher_dir, "vae")
    sources, held_back = load_sources(config["data"], progress)
    clip = clip_format(sources, teacher, teacher_meta, vae)
    check_clip_size(sources + held_back, clip["size"], clip["fps"], f"the teacher {str(teacher_dir)!r}")
    init = load_gan_init(config, sources, teacher_dir, vae, clip)
    teacher, vae = teacher.to(device).requires_grad_(False), vae.to(device).requires_grad_(False)
    data = encode_sources(sources, vae, device, cache=True)
    for source in sources:   # frames and pixel layouts are not needed once encoded
        source.train = None
    val_sets = [s for s in sources + held_back if len(s.val)]
    pairs = cached_teacher_targets(run_dir, teacher, data, config, device, progress)

    # 2. Networks: the generator starts as the init or the teacher; the discriminator from scratch.
    if init is not None:
        gen = init.to(device)
    else:
        gen = VideoGAN(teacher.config).to(device)
        gen.load_state_dict(teacher.state_dict())
    del teacher
    disc = VideoDiscriminator(DiscriminatorConfig(latent_channels=data.latents.shape[1],
                                                  **config.get("discriminator", {}))).to(device)
    ema = make_ema(gen)
    # beta1 = 0: momentum makes the two-player game oscillate (as in BigGAN and StyleGAN2)
    opt_g = torch.optim.Adam(gen.parameters(), lr=config["lr_g"], betas=(0.0, 0.99))
    opt_d = torch.optim.Adam(disc.parameters(), lr=config["lr_d"], betas=(0.0, 0.99))
    gens = {"data": torch.Generator().manual_seed(seed), "noise": torch.Generator().manual_seed(seed + 1)}
    steps, batch = int(config["steps"]), int(config["batch_size"])
    others = {"discriminator": (disc, opt_d)}

    # 3. Resume.
    start = resume_step(run_dir, resume, gen, ema, opt_g, gens, others)

    # 4. Train: one discriminator step, then one generator step; a fine-tune first shows where it starts.
    log = RunLog(run_dir, steps, start, "train gan", progress)
    fine_tune = is_fine_tune(config, held_back)
    if fine_tune and start == 0:
        fine_tune_marks(log, "before", 0, gan_sampler(ema, device), ema, vae, sources, held_back, device)
    fg_weight, adv_weight = float(config.get("fg_weight", 0.0)), float(config["adv_weight"])
    n_pairs = len(pairs["index"])
    gen.train()
    disc.train()
    for step in range(start, steps):
        t0 = time.time()
        for opt, lr in ((opt_g, config["lr_g"]), (opt_d, config["lr_d"])):
            for group in opt.param_groups:
                group["lr"] = lr_at(step, lr, config["warmup"], steps)
        pick = torch.randint(n_pairs, (batch,), generator=gens["data"])
        idx = pairs["index"][pick]
        noise, target = pairs["noise"][pick].to(device), pairs["target"][pick].to(device)
        mask = pairs["context_mask"][pick].to(device)
        text, layout, has_layout = data.text[idx].to(device), data.layouts[idx].to(device), data.has_layout[idx]
        context = data.latents[idx].to(device) * mask[:, None, :, None, None]
        real_idx = data.draw(batch, gens["data"])
        real, real_layout = data.latents[real_idx].to(device), data.layouts[real_idx].to(device)
        real_pooled = data.text.pooled[real_idx].to(device)
        adversarial = step >= int(config["adv_start"])

        # 4a. Discriminator: real clips with their conditions against the generator's samples.
        scalars = {}
        if adversarial:
            with torch.no_grad(), autocast(device):
                fake = generate(gen, noise, text, layout, has_layout, context, mask)
            r1 = int(config["r1_every"]) > 0 and step % int(config["r1_every"]) == 0
            real_in = real.detach().requires_grad_(r1)
            with autocast(device):
                real_f, real_v = disc(real_in, real_layout, real_pooled)
                fake_f, fake_v = disc(fake.float(), layout, text.pooled)
            loss_d = hinge_d_loss(real_f.float(), fake_f.float()) + hinge_d_loss(real_v.float(), fake_v.float())
            if r1:   # lazy R1: every r1_every steps, scaled up by it
                penalty = r1_penalty(real_f.float().sum(1) + real_v.float(), real_in)
                loss_d = loss_d + 0.5 * config["r1_gamma"] * int(config["r1_every"]) * penalty
                scalars["r1"] = penalty.item()
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()
            scalars.update(loss_d=loss_d.item(), d_real=real_v.float().mean().item(), d_fake=fake_v.float().mean().item())

        # 4b. Generator: land on the teacher's sample, and be judged real.
        with autocast(device):
            fake = generate(gen, noise, text, layout, has_layout, context, mask)
        weight = (~mask).float()[:, None, :, None, None] * (1.0 + fg_weight * layout[:, 3:4])
        distill = weighted_mse(fake, target, weight)
        loss = float(config["distill_weight"]) * distill
        if adversarial:
            disc.requires_grad_(False)
            with autocast(device):
                gen_f, gen_v = disc(fake.float(), layout, text.pooled)
            disc.requires_grad_(True)
            adv = hinge_g_loss(gen_f.float()) + hinge_g_loss(gen_v.float())
            loss = loss + adv_weight * adv
            scalars["loss_g_adv"] = adv.item()
        grad_norm = optimize(opt_g, loss, gen, config["grad_clip"])
        update_ema(ema, gen, config["ema_decay"] if step >= config["warmup"] else 0.0)
        done = step + 1
        log.step(done, {"loss": loss.item()}, batch / (time.time() - t0))
        if done % config["log_every"] == 0 or done == steps:
            log.scalars(done, {"loss": loss.item(), "distill": distill.item(), "grad_norm": float(grad_norm),
                               "lr_g": opt_g.param_groups[0]["lr"], **scalars})
        if config["sample_every"] and (done % config["sample_every"] == 0 or done == steps) and val_sets:
            log.grid("samples/grid", done, preview_frames(gan_sampler(ema, device), ema, vae, val_sets[0], device))
            gen.train()
        if done % config["checkpoint_every"] == 0 or done == steps:
            save_checkpoint(run_dir, done, gen, ema, opt_g, gens, config, keep_last=config["keep_last"], others=others)
    result = {"steps": steps}
    if fine_tune:
        result.update(fine_tune_marks(log, "after", steps, gan_sampler(ema, device), ema, vae, sources, held_back,
                                      device))
    log.close()

    # 5. Export: the EMA generator in float16, with what the engine needs to read it.
    final = run_dir / "final"
    info = {"recipe": config, "steps": steps, "fps": clip["fps"], "size": list(clip["size"][:2]),
            "n_frames": clip["size"][2], "teacher_step": teacher_meta.get("step"), "vae_scaling": vae.config.scaling}
    if config.get("init"):
        info["init"] = str(config["init"])
    result["train_minutes"] = info["train_minutes"] = round(log_minutes(run_dir), 1)
    save_component(ema.cpu(), final, "gan", info, dtype=torch.float16)
    save_component(vae.cpu(), final, "vae", {"scaling": vae.config.scaling})
    (final / "gan_result.json").write_text(json.dumps(result, indent=2))
    return result
