"""What every recipe shares: config files with dotted overrides, threads, the learning-rate schedule, EMA,
logging. Device, precision and tensor conversions are shared with inference: `models/precision.py`,
`models/tensors.py`."""
from __future__ import annotations

import copy
import json
import math
import os
import time
from pathlib import Path

import torch
from torch import nn

from ..errors import InputError


# ---- config ---------------------------------------------------------------------------------

def load_config(path: str | os.PathLike, overrides: list[str] = ()) -> dict:
    """A YAML recipe config, then `key.sub=value` overrides (values parsed as YAML: 3, 1e-4, true)."""
    import yaml
    path = Path(path)
    if not path.exists():
        raise InputError(f"config file {str(path)!r} does not exist")
    config = yaml.safe_load(path.read_text()) or {}
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InputError(f"override {item!r} is not of the form key=value (e.g. steps=100)")
        node = config
        *parents, leaf = key.split(".")
        for p in parents:
            if not isinstance(node.get(p), dict):
                raise InputError(f"override {item!r}: {p!r} is not a section of {str(path)!r}")
            node = node[p]
        if leaf not in node:
            raise InputError(f"override {item!r}: key {key!r} is not in {str(path)!r}")
        node[leaf] = yaml.safe_load(value)
    return config


def set_threads(n: int) -> None:
    if n > 0:
        torch.set_num_threads(n)


def lr_at(step: int, base_lr: float, warmup: int, total: int, min_ratio: float = 0.1) -> float:
    """Linear warm-up, then cosine decay to min_ratio * base_lr (a pure function of step, so a
    resumed run follows the same schedule without scheduler state)."""
    if step < warmup:
        return base_lr * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return base_lr * (min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress)))


def optimize(optimizer: torch.optim.Optimizer, loss: torch.Tensor, model: nn.Module, grad_clip: float) -> torch.Tensor:
    """One step of the recipes' update: zero the gradients, backpropagate, clip, step; -> the norm before clipping."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    optimizer.step()
    return grad_norm


# ---- EMA ------------------------------------------------------------------------------------

def make_ema(model: nn.Module) -> nn.Module:
    ema = copy.deepcopy(model).eval()
    ema.requires_grad_(False)
    return ema


@torch.no_grad()
def update_ema(ema: nn.Module, model: nn.Module, decay: float) -> None:
    for e, p in zip(ema.parameters(), model.parameters()):
        e.lerp_(p.detach(), 1 - decay)
    for e, b in zip(ema.buffers(), model.buffers()):
        e.copy_(b)


# ---- logging --------------------------------------------------------------------------------

class RunLog:
    """tqdm progress bar (loss, clips/s), TensorBoard scalars and images, and a JSONL of scalars
    (`metrics.jsonl`, what bench scripts and the model card read)."""

    def __init__(self, run_dir: Path, total: int, start: int, desc: str, progress: bool = True):
        from tqdm import tqdm
        self.run_dir = run_dir
        run_dir.mkdir(parents=True, exist_ok=True)
        try:
            from torch.utils.tensorboard import SummaryWriter
            self.writer = SummaryWriter(str(run_dir / "tb"))
        except ImportError:  # tensorboard is in the [train] extra
            self.writer = None
        self.bar = tqdm(total=total, initial=start, desc=desc, unit="step", disable=not progress,
                        mininterval=2.0)
        self.jsonl = open(run_dir / "metrics.jsonl", "a")
        self.t0 = time.time()

    def step(self, step: int, scalars: dict[str, float], clips_per_s: float) -> None:
        self.bar.update(1)
        self.bar.set_postfix(loss=f"{scalars.get('loss', float('nan')):.4f}", clips_s=f"{clips_per_s:.1f}")

    def scalars(self, step: int, scalars: dict[str, float]) -> None:
        if self.writer:
            for k, v in scalars.items():
                self.writer.add_scalar(k, v, step)
        self.jsonl.write(json.dumps({"step": step, "time_s": round(time.time() - self.t0, 2), **scalars}) + "\n")
        self.jsonl.flush()

    def frames(self, tag: str, step: int, frames: torch.Tensor) -> None:
        """frames (N, T, H, W, 3) uint8 -> one image per sample, its frames side by side."""
        if self.writer is None:
            return
        n, t, h, w, c = frames.shape
        grid = frames.permute(0, 2, 1, 3, 4).reshape(n * h, t * w, c)
        self.writer.add_image(tag, grid.numpy(), step, dataformats="HWC")

    def grid(self, tag: str, step: int, images: torch.Tensor, columns: int = 4) -> Path:
        """images (N, H, W, 3) uint8 -> one grid (`columns` wide, as the design's 4 x 4 sample grid),
        written to TensorBoard and as samples/<tag>_<step>.png in the run folder."""
        from PIL import Image
        n, h, w, c = images.shape
        rows = -(-n // columns)
        canvas = torch.zeros(rows * h, columns * w, c, dtype=torch.uint8)
        for i in range(n):
            r, k = divmod(i, columns)
            canvas[r * h:(r + 1) * h, k * w:(k + 1) * w] = images[i]
        if self.writer:
            self.writer.add_image(tag, canvas.numpy(), step, dataformats="HWC")
        path = self.run_dir / "samples" / f"{tag.replace('/', '_')}_{step:06d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(canvas.numpy()).save(path)
        return path

    def close(self) -> None:
        self.bar.close()
        self.jsonl.close()
        if self.writer:
            self.writer.close()
