"""What the flow, gan and cvae recipes share to fine-tune: the engine folder a run starts from
(`init`), the clip format a trained model fixes, and the before/after grid of held-back captions.

A run is a fine-tune when it has `init` or `data.held_back` (training/data_source.py): it writes
samples/samples_before_000000.png as it starts and samples/samples_after_<steps>.png as it ends, each
per validation caption the real clip's middle frame, then the first, middle and last frames generated
for it (latent_data.sample_grid), so the two show what the run changed on captions it did not train on.
The gan and cvae recipes, which have no loss to validate on clips the way flow's rectified-flow loss
is, log beside each grid `sample_errors` (`fine_tune_marks`).
"""
from __future__ import annotations

from pathlib import Path

import torch

from ..errors import InputError
from .data_source import Source
from .latent_data import encode_sources, sample_grid


def load_init(config: dict, name: str, engine: str) -> tuple[torch.nn.Module, dict, torch.nn.Module]:
    """(the model to start from, in training mode, its metadata, the VAE its latents live in) of
    `init`, an engine folder: <name>.* and vae.* beside it or, for the shipped gan and vae engines,
    the shipped flow model's (the engines read it so). The init keeps its architecture, so a `model`
    section, if any, must agree with it; a `vae` section is refused (the init's latent space is the
    one its weights were trained in)."""
    from ..engines.latent import load_generator
    folder = Path(config["init"])
    if "vae" in config:
        raise InputError(f"init {str(folder)!r} brings its own VAE (vae.*); drop the config's vae section")
    if not (folder / f"{name}.json").exists():
        raise InputError(f"init {str(folder)!r} is not a {engine} engine folder (no {name}.json); give one such as "
                         f"src/aigc_video/checkpoints/{engine} or a run's final/")
    model, meta, vae = load_generator(folder, name, name)
    differ = {k: v for k, v in (config.get("model") or {}).items() if getattr(model.config, k, None) != v}
    if differ:
        has = ", ".join(f"{k}={getattr(model.config, k, '(no such setting)')}" for k in differ)
        raise InputError(f"the config's model section says {', '.join(f'{k}={v}' for k, v in differ.items())}, "
                         f"but init {str(folder)!r} is a {type(model).__name__} with {has}: "
                         f"drop the model section to fine-tune it")
    return model.train(), meta, vae


def clip_format(sources: list[Source], model: torch.nn.Module | None, meta: dict, vae) -> dict:
    """{"size": (width, height, n_frames), "fps"} of the clips `model` takes: a transformer's latent
    grid times the VAE's factors, a convolutional one's recorded size; with no model (a run from
    scratch), the first source's (every other source must then match it)."""
    if model is None:
        return {"size": sources[0].size, "fps": sources[0].fps}
    c, v = model.config, vae.config
    if hasattr(c, "latent_width"):
        width, height = c.latent_width * v.space_factor, c.latent_height * v.space_factor
    else:
        width, height = (int(x) for x in meta["size"])
    return {"size": (width, height, c.latent_frames * v.time_factor), "fps": meta.get("fps") or sources[0].fps}


def is_fine_tune(config: dict, held_back: list[Source]) -> bool:
    """Whether the run logs where it starts from and ends (before/after grid, a recipe's validation)."""
    return bool(config.get("init")) or bool(held_back)


def grid_source(sources: list[Source], held_back: list[Source]) -> Source | None:
    """Whose validation clips the before/after grid shows: held-back footage first, then the
    validation clips of a source without layouts (footage), then any."""
    for group in (held_back, [s for s in sources if not s.has_layout], sources):
        for s in group:
            if len(s.val):
                return s
    return None


def write_grid(log, when: str, step: int, sample, model, vae, sources: list[Source], held_back: list[Source],
               device) -> Path | None:
    """samples/samples_<when>_<step>.png (when: "before" or "after") of the `grid_source`, generated
    by `sample(latent_shape, text, layout) -> latents`; None where no source has validation clips."""
    source = grid_source(sources, held_back)
    if source is None:
        return None
    return log.grid(f"samples/{when}", step, sample_grid(sample, model, vae, source, device))


@torch.no_grad()
def sample_errors(sample, vae, val_sets: list[Source], device, batch: int = 16) -> dict[str, float]:
    """{"val/sample_mse/<source folder name>": ...}: per source, the mean squared error, in the VAE's
    scaled latent space, between what `sample(latent_shape, text, layout) -> latents` draws (seeded)
    under each validation clip's caption and layout and that clip's own latents. Not a likelihood:
    it says how much of held-back clips their conditions let the model place, before against after
    on the same clips and noise (lower is closer)."""
    out = {}
    for s in val_sets:
        val = encode_sources([s], vae, device, part="val")
        total = 0.0
        for i in range(0, len(val), batch):
            z = val.latents[i:i + batch]
            layout = val.layouts[i:i + batch].to(device) if s.has_layout else None
            made = sample(tuple(z.shape), val.text[i:i + batch].to(device), layout).float().cpu()
            total += float((made - z).pow(2).mean(dim=(1, 2, 3, 4)).sum())
        out[f"val/sample_mse/{Path(s.name).name}"] = total / max(len(val), 1)
    return out


def fine_tune_marks(log, when: str, step: int, sample, model, vae, sources: list[Source], held_back: list[Source],
                    device) -> dict:
    """A fine-tune's "before" or "after": the grid (`write_grid`) and `sample_errors` of every
    source with validation clips, logged at `step`; -> {"val_sample_mse": {...}, "grid": path}
    for the run's result ("grid" only where one was written)."""
    errors = sample_errors(sample, vae, [s for s in sources + held_back if len(s.val)], device)
    log.scalars(step, errors)
    grid = write_grid(log, when, step, sample, model, vae, sources, held_back, device)
    return {"val_sample_mse": errors, **({"grid": str(grid)} if grid is not None else {})}
