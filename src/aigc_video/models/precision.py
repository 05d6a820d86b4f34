"""Where and in which precision the models run: the device, and bf16 autocast where it is fast.
Decided at run time from the CPU's own flags, never assumed (bench/precision_speed.py)."""
from __future__ import annotations

import contextlib

import torch


def pick_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def autocast(device: torch.device):
    """bf16 autocast where it is fast: CUDA, and CPUs with bf16 instructions (AMX tiles or
    AVX512-BF16: on a 2-core EPYC with AVX512-BF16 a VAE training step runs 2.1x and a FlowDiT step
    2.0x faster, with the same validation PSNR; bench/precision_speed.py); fp32 elsewhere, since
    without them bf16 matmuls run about 3x slower than fp32."""
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    if cpu_has_fast_bf16():
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def cpu_has_fast_bf16() -> bool:
    return any(getattr(torch.cpu, probe, lambda: False)()
               for probe in ("_is_amx_tile_supported", "_is_avx512_bf16_supported"))


def store_for_autocast(module: torch.nn.Module, dtype: torch.dtype = torch.bfloat16) -> torch.nn.Module:
    """`module` for inference under autocast to `dtype` only: its linear and convolution weights and
    biases stored in `dtype`. Autocast casts them to it on every call anyway (with the copies, 7 ms
    of a gan clip's 45 ms on a 2-core Xeon), so the results are the same, bit for bit; the layers
    autocast runs in float32 (norms, embeddings) keep their float32 parameters. A module so stored
    must not be called outside the autocast."""
    for layer in module.modules():
        if isinstance(layer, (torch.nn.Linear, torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Conv3d)):
            layer.to(dtype)
    return module
