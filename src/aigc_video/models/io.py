"""Components describe themselves: `<name>.json` (class + config) beside `<name>.safetensors` (weights).

Weights are read only from safetensors, never unpickled: a `.pt`/`.pth`/`.bin`/`.pkl`/`.ckpt` file
in the folder is refused with an error that names it, as are a truncated or foreign safetensors
file and weights that do not fit the class the JSON names."""
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
    from .gan import DiscriminatorConfig, VideoDiscriminator, VideoGAN
    from .latent_cvae import LatentCVAE, LatentCVAEConfig
    from .upscaler import LayoutUpscaler, UpscalerConfig
    from .vae import VideoVAE, VideoVAEConfig
    return {"VideoVAE": (VideoVAE, VideoVAEConfig), "FlowDiT": (FlowDiT, FlowDiTConfig),
            "VideoGAN": (VideoGAN, FlowDiTConfig), "VideoDiscriminator": (VideoDiscriminator, DiscriminatorConfig),
            "LatentCVAE": (LatentCVAE, LatentCVAEConfig), "LayoutUpscaler": (LayoutUpscaler, UpscalerConfig)}


PICKLE_SUFFIXES = (".pt", ".pth", ".bin", ".pkl", ".pickle", ".ckpt")


def atomic_write(path: Path, data: bytes) -> None:
    """Write beside the target and rename (readers never see half a file), creating the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(path, data)


def save_component(model: nn.Module, folder: str | os.PathLike, name: str, extra: dict | None = None,
                   dtype: torch.dtype | None = None) -> None:
    """dtype: store floating-point weights in it (torch.float16 halves a shipped file; loading casts
    back to the model's float32)."""
    from safetensors.torch import save
    folder = Path(folder)
    meta = {"class": type(model).__name__, "config": dataclasses.asdict(model.config), **(extra or {})}
    state = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    if dtype is not None:
        state = {k: v.to(dtype) if v.is_floating_point() else v for k, v in state.items()}
        meta["stored_dtype"] = str(dtype).removeprefix("torch.")
    atomic_write(folder / f"{name}.safetensors", save(state))
    atomic_write(folder / f"{name}.json", json.dumps(meta, indent=2).encode())


def load_component(folder: str | os.PathLike, name: str) -> tuple[nn.Module, dict]:
    """-> (model in eval mode, its JSON metadata)."""
    from safetensors.torch import load_file
    folder = Path(folder)
    meta_path, weights = folder / f"{name}.json", folder / f"{name}.safetensors"
    pickled = [folder / f"{name}{suffix}" for suffix in PICKLE_SUFFIXES if (folder / f"{name}{suffix}").exists()]
    if pickled and not weights.exists():
        raise InputError(f"checkpoint {str(pickled[0])!r} is a pickle file, which can run code when loaded: "
                         f"refused. Weights are read only from {name}.safetensors beside {name}.json")
    if not meta_path.exists():
        raise InputError(f"checkpoint {str(meta_path)!r} does not exist")
    try:
        meta = json.loads(meta_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"checkpoint {str(meta_path)!r} is not valid JSON ({e})") from None
    registry = _registry()
    if meta.get("class") not in registry:
        raise InputError(f"checkpoint {str(meta_path)!r} has class {meta.get('class')!r}; known: {sorted(registry)}")
    model_cls, config_cls = registry[meta["class"]]
    try:
        model = model_cls(config_cls(**meta["config"]))
    except (TypeError, KeyError) as e:
        raise InputError(f"checkpoint {str(meta_path)!r} has a config {meta['class']} does not take ({e})") from None
    if not weights.exists():
        raise InputError(f"checkpoint {str(weights)!r} does not exist")
    try:
        state = load_file(str(weights))
    except Exception as e:   # safetensors raises its own error types for a truncated or foreign file
        raise InputError(f"checkpoint {str(weights)!r} is corrupted or not a safetensors file ({e})") from None
    try:
        model.load_state_dict(state)
    except RuntimeError as e:
        raise InputError(f"checkpoint {str(weights)!r} does not fit a {meta['class']} of its config: "
                         f"{str(e).splitlines()[0]}") from None
    return model.eval(), meta
