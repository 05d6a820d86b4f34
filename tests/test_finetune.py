"""Fine-tuning the flow model on prepared footage: mixed sources, the null layout for footage, size
checks, `init`, and `--model` on the command line. Tiny components (16 x 16 clips of 8 frames)."""
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from aigc_video.data.shards import ClipSet, save_shard
from aigc_video.errors import InputError
from aigc_video.models.flow_dit import FlowDiT, FlowDiTConfig
from aigc_video.models.io import save_component
from aigc_video.models.vae import VideoVAE, VideoVAEConfig
from aigc_video.training.data_source import draw_clips, load_sources, prepare_clips
from test_training import flow_config, moving_squares

FOOTAGE = {"source": "prepare", "size": [16, 16], "n_frames": 8, "fps": 12, "layout_factor": 4, "layout": "none"}


def footage(n: int, size=(16, 16), seed: int = 1) -> ClipSet:
    """Clips as `aigc-video prepare` stores them: frames, an all-zero layout, file-name captions."""
    rng = np.random.default_rng(seed)
    w, h = size
    frames = rng.integers(0, 255, (n, 8, h, w, 3), dtype=np.uint8)
    return ClipSet(frames, np.zeros((n, 8, 4, h // 4, w // 4), np.float16), [f"street {i}" for i in range(n)],
                   [[] for _ in range(n)])


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """An engine folder (a tiny untrained FlowDiT + VAE, as the shipped one is laid out), synthetic
    shards with layouts and footage shards without."""
    root = tmp_path_factory.mktemp("finetune")
    torch.manual_seed(0)
    vae = VideoVAE(VideoVAEConfig(latent_channels=4, time_factor=2, space_factor=4, width=16, n_res_blocks=1,
                                  layout_channels=4))
    flow = FlowDiT(FlowDiTConfig(latent_channels=4, latent_frames=4, latent_height=4, latent_width=4, width=32,
                                 depth=2, heads=2))
    engine = root / "engine"
    save_component(flow, engine, "flow", {"fps": 12, "size": [16, 16], "n_frames": 8})
    save_component(vae, engine, "vae", {"scaling": 1.0})
    synthetic, real = root / "synthetic", root / "footage"
    synthetic.mkdir()
    real.mkdir()
    save_shard(synthetic / "shard_0000", moving_squares(12), {"fake": True})
    save_shard(real / "shard_0000", footage(6), FOOTAGE)
    return {"engine": engine, "synthetic": synthetic, "footage": real, "root": root}


def finetune_config(run_dir, folders, steps, **data):
    cfg = flow_config(run_dir, folders["synthetic"], None, steps)
    del cfg["vae"], cfg["model"]
    cfg.update(init=str(folders["engine"]), p_drop_layout=0.0, sample_steps=1)
    cfg["data"] = {"mix": [{"dir": str(folders["footage"]), "weight": 1, "val_clips": 2},
                           {"dir": str(folders["synthetic"]), "weight": 1, "val_clips": 2}], **data}
    return cfg


def test_mix_draws_from_each_source_by_weight_seeded():
    a = draw_clips([10, 30], [0.25, 0.75], 8000, torch.Generator().manual_seed(0))
    assert 0.23 < float((a < 10).float().mean()) < 0.27          # the first source's share, not its 1/4 of clips by chance
    assert int(a.min()) >= 0 and int(a.max()) < 40
    assert torch.equal(a, draw_clips([10, 30], [0.25, 0.75], 8000, torch.Generator().manual_seed(0)))
    b = draw_clips([10, 30], [0.75, 0.25], 8000, torch.Generator().manual_seed(0))
    assert 0.73 < float((b < 10).float().mean()) < 0.77          # by weight, whatever the sizes
    # one source draws exactly as before mixing existed
    assert torch.equal(draw_clips([7], [1.0], 5, torch.Generator().manual_seed(3)),
                       torch.randint(7, (5,), generator=torch.Generator().manual_seed(3)))


def test_sources_are_weighted_split_and_footage_has_no_layout(folders):
    data = {"mix": [{"dir": str(folders["footage"]), "weight": 1, "val_clips": 2},
                    {"dir": str(folders["synthetic"]), "weight": 3, "val_clips": 4}],
            "held_back": [str(folders["footage"])]}
    sources, held = load_sources(data, progress=False)
    assert [s.weight for s in sources] == [0.25, 0.75]
    assert [len(s.train) for s in sources] == [4, 8] and [len(s.val) for s in sources] == [2, 4]
    assert [s.has_layout for s in sources] == [False, True] and not held[0].has_layout
    assert len(held[0].train) == 0 and len(held[0].val) == 6
    with pytest.raises(InputError, match="weight > 0"):
        load_sources({"mix": [{"dir": str(folders["footage"]), "weight": 0}]}, progress=False)
    with pytest.raises(InputError, match="flow recipe"):   # vae, gan and cvae read one source
        prepare_clips(data, progress=False)


def test_footage_trains_with_the_null_layout(folders, tmp_path, monkeypatch):
    from aigc_video.training.flow_recipe import train_flow
    seen = []
    forward = FlowDiT.forward

    def spy(self, x, t, tokens, mask, pooled, layout=None, layout_keep=None, *rest):
        if self.training:
            seen.append(layout_keep.clone())
        return forward(self, x, t, tokens, mask, pooled, layout, layout_keep, *rest)
    monkeypatch.setattr(FlowDiT, "forward", spy)
    cfg = finetune_config(tmp_path / "real", folders, 2)
    cfg["data"] = {"dir": str(folders["footage"]), "val_clips": 2}       # footage alone, p_drop_layout 0
    train_flow(cfg, progress=False)
    assert len(seen) == 2 and not any(k.any() for k in seen)              # the null layout, always
    seen.clear()
    cfg = finetune_config(tmp_path / "synthetic", folders, 2)
    cfg["data"] = {"dir": str(folders["synthetic"]), "val_clips": 2}
    train_flow(cfg, progress=False)
    assert len(seen) == 2 and all(k.all() for k in seen)                  # rendered clips keep theirs


def test_clips_of_another_size_are_refused_naming_both(folders, tmp_path):
    from aigc_video.training.flow_recipe import train_flow
    big = tmp_path / "big"
    big.mkdir()
    save_shard(big / "shard_0000", footage(3, size=(24, 16)), {**FOOTAGE, "size": [24, 16]})
    cfg = finetune_config(tmp_path / "run", folders, 1)
    cfg["data"]["mix"][0]["dir"] = str(big)
    cfg["data"]["mix"][0]["val_clips"] = 0
    with pytest.raises(InputError, match=r"are 24x16, 8 frames, but the model of init .* takes 16x16, 8 frames"):
        train_flow(cfg, progress=False)


def test_init_is_where_the_fine_tune_starts(folders, tmp_path):
    from aigc_video.training.flow_recipe import train_flow
    train_flow(finetune_config(tmp_path / "zero", folders, 0), progress=False)
    start = load_file(str(folders["engine"] / "flow.safetensors"))
    for name in ("flow", "vae"):     # step 0 is the init, and its VAE travels with it
        a, b = load_file(str(tmp_path / "zero" / "final" / f"{name}.safetensors")), load_file(str(folders["engine"] / f"{name}.safetensors"))
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)

    run = tmp_path / "two"
    result = train_flow(finetune_config(run, folders, 2), progress=False)
    after = load_file(str(run / "final" / "flow.safetensors"))
    assert any(not torch.equal(after[k], start[k]) for k in start)
    assert sorted(p.name for p in (run / "samples").glob("*.png")) == ["samples_after_000002.png",
                                                                        "samples_before_000000.png"]
    lines = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    val = [x for x in lines if "val/loss/footage" in x]
    assert [x["step"] for x in val] == [0, 2] and set(result["val_loss"]) == {"val/loss/footage", "val/loss/synthetic"}
    meta = json.loads((run / "final" / "flow.json").read_text())
    assert (meta["size"], meta["n_frames"], meta["fps"]) == ([16, 16], 8, 12)


def test_the_grid_shows_each_caption_before_repeating_one():
    from aigc_video.training.flow_recipe import grid_rows
    assert grid_rows(["bunny", "bunny", "cat", "car", "bunny", "cup"]) == [0, 2, 3, 5]
    assert grid_rows(["bunny", "bunny", "cat"]) == [0, 2, 1]


def test_init_refuses_a_vae_section_and_another_architecture(folders, tmp_path):
    from aigc_video.training.flow_recipe import train_flow
    cfg = finetune_config(tmp_path / "a", folders, 1)
    cfg["vae"] = {"dir": str(folders["engine"]), "name": "vae"}
    with pytest.raises(InputError, match="brings its own VAE"):
        train_flow(cfg, progress=False)
    cfg = finetune_config(tmp_path / "b", folders, 1)
    cfg["model"] = {"width": 64}
    with pytest.raises(InputError, match="model section says width=64.*FlowDiT with width=32"):
        train_flow(cfg, progress=False)


def test_model_option_needs_a_learned_engine_and_a_checkpoint(folders, tmp_path, capsys):
    from aigc_video import cli
    out = str(tmp_path / "a.mp4")
    assert cli.main(["generate", "a red ball", "--model", str(folders["engine"]), "-o", out]) == 2
    assert "--model) needs a learned engine" in capsys.readouterr().err
    assert cli.main(["generate", "a red ball", "--engine", "flow", "--model", str(folders["synthetic"]), "-o", out]) == 2
    assert "has no flow.json" in capsys.readouterr().err
    assert cli.main(["cost", "a red ball", "--engine", "flow", "--model", str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "a.mp4").exists()


def test_model_option_reaches_the_engine_and_the_manifest(folders, tmp_path):
    from aigc_video import cli
    from aigc_video.synthesis.provenance import model_hashes
    out = tmp_path / "a.mp4"
    assert cli.main(["generate", "a red ball moves right", "--engine", "flow", "--model", str(folders["engine"]),
                     "--size", "64x64", "--fps", "12", "--no-audio", "--no-cache", "--no-c2pa", "-o", str(out)]) == 0
    report = json.loads(out.with_name("a.report.json").read_text())
    assert report["model"] == str(folders["engine"]) and report["shot_engines"][0]["engine"] == "flow"
    hashes = model_hashes("flow", folders["engine"])
    assert hashes == {name: hashlib.sha256((folders["engine"] / name).read_bytes()).hexdigest()
                      for name in ("flow.safetensors", "vae.safetensors")}
    assert hashes != model_hashes("flow")


def test_prepare_takes_the_clip_format_of_a_fine_tune_config(tmp_path):
    from PIL import Image

    from aigc_video import cli
    from aigc_video.data.shards import load_shards
    src = tmp_path / "pictures"
    src.mkdir()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (120, 200, 3), dtype=np.uint8)).save(src / "noise.png")
    config = Path(__file__).resolve().parents[1] / "configs" / "flow_finetune_cpu.yaml"
    assert cli.main(["prepare", str(src), "--out", str(tmp_path / "shards"), "--config", str(config), "--no-progress"]) == 0
    assert load_shards(tmp_path / "shards").frames.shape[1:] == (16, 56, 96, 3)
