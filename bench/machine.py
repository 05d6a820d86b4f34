"""One line that describes the machine a benchmark ran on (CPU, cores, load, Python, AMX, AVX512-BF16)."""
from __future__ import annotations

import os
import platform
from pathlib import Path


def describe() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    try:
        import torch
        bf16 = ("AMX yes" if torch.cpu._is_amx_tile_supported() else "AMX no") + \
            (", AVX512-BF16 yes" if torch.cpu._is_avx512_bf16_supported() else ", AVX512-BF16 no")
    except ImportError:
        bf16 = "AMX unknown"
    return (f"{cpu}, {os.cpu_count()} cores (load {load:.1f} at start), {bf16}, "
            f"Python {platform.python_version()}, {platform.system()}")
