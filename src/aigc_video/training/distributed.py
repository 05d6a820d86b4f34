"""Training on more than one process: torchrun + DistributedDataParallel, helpers a recipe calls.

    torchrun --nproc_per_node 2 -m aigc_video train flow --config configs/flow_cpu.yaml

How the data is split, and what "exact" means here: every rank holds the same generators (same
seed, restored from the same checkpoint), so every rank draws the same *global* batch of
`batch_size` clips, times, noise and condition drops, exactly as a single process would, and
trains on its contiguous slice of it (`Dist.shard`). The loss is normalised by the global weight
sum and gradients are averaged by DDP, so each step's update is the single-process update up to
the order of floating-point sums (measured: weights within 1e-6 after 4 steps, tests/test_distributed.py).
Because the checkpoint holds only global state (weights, optimizer moments, generator states, step),
a run resumes exactly with any number of processes that divides `batch_size`. Rank 0 alone writes
checkpoints, logs and the export; the others wait at a barrier, so nobody reads half a checkpoint.

Every rank loads the whole (small, pre-encoded) dataset: the split is per step, not per file. Gloo
on CPU, NCCL on GPU (one GPU per process, `cuda:LOCAL_RANK`).
"""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

import torch

from ..errors import InputError


@dataclass
class Dist:
    rank: int = 0
    world: int = 1
    local_rank: int = 0
    local_world: int = 1
    device: torch.device = torch.device("cpu")

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world > 1

    def shard(self, batch: int) -> slice:
        """This rank's contiguous slice of a global batch of `batch`."""
        if batch % self.world:
            raise InputError(f"batch_size {batch} must be divisible by the number of processes {self.world}")
        n = batch // self.world
        return slice(self.rank * n, (self.rank + 1) * n)

    def wrap(self, model: torch.nn.Module) -> torch.nn.Module:
        """DDP around `model` when distributed (parameters broadcast from rank 0), else `model`."""
        if not self.enabled:
            return model
        from torch.nn.parallel import DistributedDataParallel
        ids = [self.device.index] if self.device.type == "cuda" else None
        return DistributedDataParallel(model, device_ids=ids)

    def sum(self, x: torch.Tensor) -> torch.Tensor:
        """The sum of `x` over ranks (x itself when not distributed); not differentiated."""
        if not self.enabled:
            return x
        x = x.detach().clone()
        torch.distributed.all_reduce(x)
        return x

    def barrier(self) -> None:
        if self.enabled:
            torch.distributed.barrier()

    @contextlib.contextmanager
    def main_first(self):
        """Rank 0 runs the block first (e.g. renders shards); the others then run it (and read them)."""
        if not self.is_main:
            self.barrier()
        yield
        if self.is_main:
            self.barrier()

    def close(self) -> None:
        if self.enabled and torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()


def setup(threads: int = 0) -> Dist:
    """Join the process group torchrun describes (WORLD_SIZE, RANK, LOCAL_RANK, MASTER_ADDR...), or
    a single process without it. On CPU the cores are shared out: `threads` (0: all) per node split
    between the node's processes."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    local_world = int(os.environ.get("LOCAL_WORLD_SIZE", "1"))
    if world <= 1:
        if threads > 0:
            torch.set_num_threads(threads)
        return Dist(device=torch.device("cuda" if torch.cuda.is_available() else "cpu"))
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    if torch.cuda.is_available():
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
        backend = "nccl"
    else:
        device, backend = torch.device("cpu"), "gloo"
        torch.set_num_threads(max(1, (threads or os.cpu_count() or 1) // local_world))
    if not torch.distributed.is_initialized():
        torch.distributed.init_process_group(backend)
    return Dist(rank=rank, world=world, local_rank=local_rank, local_world=local_world, device=device)


class NullLog:
    """What ranks other than 0 log: nothing (RunLog's methods)."""

    def step(self, *args, **kwargs) -> None: ...
    def scalars(self, *args, **kwargs) -> None: ...
    def frames(self, *args, **kwargs) -> None: ...
    def grid(self, *args, **kwargs) -> None: ...
    def close(self) -> None: ...
