"""Training checkpoints: everything needed to continue a run exactly, without pickle.

runs/NAME/checkpoints/step_000400/
    model.safetensors + model.json     the network (a component `models.io.load_component` reads)
    ema.safetensors + ema.json         its exponential moving average (what gets shipped)
    train_state.safetensors            optimizer moments, generator states
    state.json                         step, recipe config, optimizer hyper-parameters, extra state
    <other>.safetensors + <other>.json a second network and its optimizer's moments in train_state
                                       (the GAN's discriminator), when the recipe has one
A checkpoint folder is written under a temporary name and renamed when complete; the last K are kept.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import torch
from torch import nn

from ..errors import InputError
from ..models.io import load_component, save_component

_STEP_DIR = re.compile(r"^step_(\d{6,})$")


def checkpoint_dirs(run_dir: str | os.PathLike) -> list[Path]:
    """Complete checkpoints of a run, oldest first."""
    root = Path(run_dir) / "checkpoints"
    if not root.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in root.iterdir() if (m := _STEP_DIR.match(p.name)) and p.is_dir()]
    return [p for _, p in sorted(found)]


def latest_checkpoint(run_dir: str | os.PathLike) -> Path | None:
    dirs = checkpoint_dirs(run_dir)
    return dirs[-1] if dirs else None


def optimizer_to_tensors(optimizer: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict]:
    """Split an optimizer state dict into tensors (for safetensors) and JSON-able rest."""
    sd = optimizer.state_dict()
    tensors, scalars = {}, {}
    for idx, slots in sd["state"].items():
        for key, value in slots.items():
            if torch.is_tensor(value):
                tensors[f"optim.{idx}.{key}"] = value.detach().clone().contiguous().cpu()
            else:
                scalars[f"{idx}.{key}"] = value
    return tensors, {"param_groups": sd["param_groups"], "scalars": scalars}


def optimizer_from_tensors(optimizer: torch.optim.Optimizer, tensors: dict[str, torch.Tensor], meta: dict) -> None:
    state: dict[int, dict] = {}
    for name, value in tensors.items():
        if name.startswith("optim."):
            _, idx, key = name.split(".", 2)
            state.setdefault(int(idx), {})[key] = value
    for name, value in meta["scalars"].items():
        idx, key = name.split(".", 1)
        state.setdefault(int(idx), {})[key] = value
    optimizer.load_state_dict({"state": state, "param_groups": meta["param_groups"]})


def save_checkpoint(run_dir: str | os.PathLike, step: int, model: nn.Module, ema: nn.Module,
                    optimizer: torch.optim.Optimizer, generators: dict[str, torch.Generator],
                    config: dict, extra: dict | None = None, keep_last: int = 3,
                    others: dict[str, tuple[nn.Module, torch.optim.Optimizer]] | None = None) -> Path:
    from safetensors.torch import save_file
    root = Path(run_dir) / "checkpoints"
    final = root / f"step_{step:06d}"
    tmp = root / f".step_{step:06d}.tmp"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    save_component(model, tmp, "model", {"step": step})
    save_component(ema, tmp, "ema", {"step": step})
    tensors, optim_meta = optimizer_to_tensors(optimizer)
    for name, gen in generators.items():
        tensors[f"generator.{name}"] = gen.get_state()
    other_meta = {}
    for name, (module, other_optimizer) in (others or {}).items():
        save_component(module, tmp, name, {"step": step})
        other_tensors, other_meta[name] = optimizer_to_tensors(other_optimizer)
        tensors.update({f"{name}.{k}": v for k, v in other_tensors.items()})
    save_file(tensors, str(tmp / "train_state.safetensors"))
    state = {"step": step, "config": config, "optimizer": optim_meta, "extra": extra or {},
             "other_optimizers": other_meta}
    (tmp / "state.json").write_text(json.dumps(state, indent=2))
    if final.exists():
        shutil.rmtree(final)
    os.replace(tmp, final)
    for old in checkpoint_dirs(run_dir)[:-keep_last] if keep_last > 0 else []:
        shutil.rmtree(old)
    return final


def load_checkpoint(folder: str | os.PathLike, model: nn.Module, ema: nn.Module,
                    optimizer: torch.optim.Optimizer, generators: dict[str, torch.Generator],
                    others: dict[str, tuple[nn.Module, torch.optim.Optimizer]] | None = None) -> dict:
    """Restore weights, optimizer and generators in place; returns state.json's content."""
    from safetensors.torch import load_file
    folder = Path(folder)
    if not (folder / "state.json").exists():
        raise InputError(f"checkpoint folder {str(folder)!r} has no state.json")
    state = json.loads((folder / "state.json").read_text())
    for target, name in ((model, "model"), (ema, "ema")):
        loaded, _ = load_component(folder, name)
        target.load_state_dict(loaded.state_dict())
    tensors = load_file(str(folder / "train_state.safetensors"))
    optimizer_from_tensors(optimizer, tensors, state["optimizer"])
    for name, gen in generators.items():
        gen.set_state(tensors[f"generator.{name}"])
    for name, (module, other_optimizer) in (others or {}).items():
        module.load_state_dict(load_component(folder, name)[0].state_dict())
        prefix = f"{name}."
        optimizer_from_tensors(other_optimizer, {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)},
                               state["other_optimizers"][name])
    return state


def resume_step(run_dir: str | os.PathLike, resume: str | None, model: nn.Module, ema: nn.Module,
                optimizer: torch.optim.Optimizer, generators: dict[str, torch.Generator],
                others: dict[str, tuple[nn.Module, torch.optim.Optimizer]] | None = None) -> int:
    """The step to start from: 0 without `resume`; else restore "latest" in run_dir (0 when the run
    has no checkpoint yet) or the named checkpoint folder, in place, and return its step."""
    if not resume:
        return 0
    folder = latest_checkpoint(run_dir) if resume == "latest" else Path(resume)
    if folder is None:
        return 0
    return load_checkpoint(folder, model, ema, optimizer, generators, others)["step"]


def export_for_engine(checkpoint: str | os.PathLike, vae_dir: str | os.PathLike, out_dir: str | os.PathLike,
                      weights: str = "ema") -> Path:
    """An engine folder (flow.* + vae.*) from one training checkpoint of the flow recipe.

    weights: "ema" (the moving average) or "model" (the raw weights; better than an EMA whose decay
    is long compared with a short run)."""
    import json
    if weights not in ("ema", "model"):
        raise InputError(f"weights {weights!r} must be 'ema' or 'model'")
    checkpoint, vae_dir, out_dir = Path(checkpoint), Path(vae_dir), Path(out_dir)
    state = json.loads((checkpoint / "state.json").read_text())
    data = state["config"]["data"]
    model, meta = load_component(checkpoint, weights)
    info = {"fps": data["fps"], "size": data["size"], "n_frames": data["n_frames"], "step": state["step"],
            "weights": weights, "recipe": state["config"]}
    save_component(model, out_dir, "flow", info)
    vae, vae_meta = load_component(vae_dir, "vae")
    save_component(vae, out_dir, "vae", {k: v for k, v in vae_meta.items() if k not in ("class", "config")})
    return out_dir
