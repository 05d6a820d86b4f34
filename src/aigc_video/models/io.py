"""Components describe themselves: `<name>.json` (class + config) beside `<name>.safetensors` (weights)."""
from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import torch
from torch import nn

from ..atomic import write_bytes_atomic
from ..errors import InputError


def _registry() -> dict[str, tuple[type, type]]:
    from .flow_dit import FlowDiT, FlowDiTConfig
    from .vae import VideoVAE, VideoVAEConfig
    return {"VideoVAE": (VideoVAE, VideoVAEConfig), "FlowDiT": (FlowDiT, FlowDiTConfig)}


def atomic_write(path: Path, data: bytes) -> None:
    """Write beside the target and rename (readers never see half a file), creating the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(path, data)


def save_component(model: nn.Module, folder: str | os.PathLike, name: str, extra: dict | None = None) -> None:
    from safetensors.torch import save
    folder = Path(folder)
    meta = {"class": type(model).__name__, "config": dataclasses.asdict(model.config), **(extra or {})}
    state = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    atomic_write(folder / f"{name}.safetensors", save(state))
    atomic_write(folder / f"{name}.json", json.dumps(meta, indent=2).encode())


def load_component(folder: str | os.PathLike, name: str) -> tuple[nn.Module, dict]:
    """-> (model in eval mode, its JSON metadata)."""
    from safetensors.torch import load_file
    folder = Path(folder)
    meta_path = folder / f"{name}.json"
    if not meta_path.exists():
        raise InputError(f"checkpoint {str(meta_path)!r} does not exist")
    meta = json.loads(meta_path.read_text())
    registry = _registry()
    if meta.get("class") not in registry:
        raise InputError(f"checkpoint {str(meta_path)!r} has class {meta.get('class')!r}; known: {sorted(registry)}")
    model_cls, config_cls = registry[meta["class"]]
    model = model_cls(config_cls(**meta["config"]))
    model.load_state_dict(load_file(str(folder / f"{name}.safetensors")))
    return model.eval(), meta
