"""torchrun + DDP: 2 processes (gloo, CPU) train the flow recipe to the same weights as 1 process,
and a run checkpointed with 2 processes resumes exactly with 1."""
import json
import os
import subprocess
import sys

import pytest
import torch
import yaml

from aigc_video.data.shards import save_shard
from aigc_video.training.checkpoint import latest_checkpoint
from aigc_video.training.distributed import Dist

from test_training import flow_config, moving_squares, vae_config, weights


def torchrun(config: dict, path, *extra: str) -> None:
    path.write_text(yaml.safe_dump(config))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    r = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                        "-m", "aigc_video", "train", "flow", "--config", str(path), "--no-progress", *extra],
                       capture_output=True, text=True, timeout=240, env=env)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]


def test_two_processes_train_as_one_and_resume_with_one(tmp_path):
    from aigc_video.training.flow_recipe import train_flow
    from aigc_video.training.vae_recipe import train_vae
    shards = tmp_path / "shards"
    shards.mkdir()
    save_shard(shards / "shard_0000", moving_squares(24), {"fake": True})
    train_vae(vae_config(tmp_path / "vae", shards, 2), progress=False)
    vae_dir = tmp_path / "vae" / "final"

    def cfg(name, steps):
        return {**flow_config(tmp_path / name, shards, vae_dir, steps), "batch_size": 4}

    train_flow(cfg("one", 4), progress=False)                       # the reference: 1 process
    torchrun(cfg("two", 4), tmp_path / "two.yaml")                 # 2 processes, same global batch
    one, two = latest_checkpoint(tmp_path / "one"), latest_checkpoint(tmp_path / "two")
    assert one.name == two.name == "step_000004"
    # Same losses (the same data) and gradient norms (the gradient scale is right; 3e-5 apart at
    # step 1: float sums in another order). Weights agree to 2e-6 on average; single elements differ
    # by up to ~1e-3 (one step's move): Adam's first steps are lr x g / |g|, so a gradient that is
    # exactly 0 in one run and 1e-12 in the other moves a weight by lr in one only.
    logs = [[json.loads(line) for line in (tmp_path / n / "metrics.jsonl").read_text().splitlines()] for n in ("one", "two")]
    for a, b in zip(*logs):
        assert a["step"] == b["step"] and a["loss"] == pytest.approx(b["loss"], rel=1e-4)
        assert a["grad_norm"] == pytest.approx(b["grad_norm"], rel=1e-3)
    for name in ("model", "ema"):
        assert_close_weights(weights(one, name), weights(two, name))
    assert (tmp_path / "two" / "final" / "flow.safetensors").exists()
    assert not list((tmp_path / "two").glob("**/*.tmp"))

    # 2 processes for 2 steps, then 1 process resumes to 4: the same run
    torchrun(cfg("mixed", 2), tmp_path / "mixed.yaml")
    train_flow(cfg("mixed", 4), resume="latest", progress=False)
    assert_close_weights(weights(one, "model"), weights(latest_checkpoint(tmp_path / "mixed"), "model"))


def assert_close_weights(a, b, mean_atol=1e-5, max_atol=3e-3):
    assert a.keys() == b.keys()
    diff = torch.cat([(a[k] - b[k]).abs().flatten() for k in a])
    assert diff.mean() < mean_atol and diff.max() < max_atol, (diff.mean(), diff.max())


def test_a_rank_trains_on_its_contiguous_slice_of_the_global_batch():
    assert [Dist(rank=r, world=2).shard(6) for r in (0, 1)] == [slice(0, 3), slice(3, 6)]
    assert Dist().shard(5) == slice(0, 5)
    with pytest.raises(ValueError, match="divisible"):
        Dist(rank=0, world=4).shard(6)
    assert Dist().sum(torch.tensor(3.0)) == 3.0
