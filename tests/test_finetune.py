"""Fine-tuning on prepared footage: mixed sources, the null layout for footage, size checks, `init`,
and `--model` on the command line, for the flow recipe and then the gan and cvae recipes. Tiny
components (16 x 16 clips of 8 frames)."""
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
from aigc_video.models.gan import VideoGAN
from aigc_video.models.io import load_component, save_component
from aigc_video.models.vae import VideoVAE, VideoVAEConfig
from aigc_video.training.data_source import draw_clips, load_sources, prepare_clips
from test_gan_vae import cvae_config, gan_config, tiny_shot
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
    with pytest.raises(InputError, match="flow, gan and cvae recipes"):   # the vae recipe reads one source
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
    from aigc_video.training.latent_data import grid_rows
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


@pytest.mark.parametrize("name", ["flow_finetune_cpu.yaml", "gan_finetune_cpu.yaml"])
def test_prepare_takes_the_clip_format_of_a_fine_tune_config(tmp_path, name):
    from PIL import Image

    from aigc_video import cli
    from aigc_video.data.shards import load_shards
    src = tmp_path / "pictures"
    src.mkdir()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (120, 200, 3), dtype=np.uint8)).save(src / "noise.png")
    config = Path(__file__).resolve().parents[1] / "configs" / name
    assert cli.main(["prepare", str(src), "--out", str(tmp_path / "shards"), "--config", str(config), "--no-progress"]) == 0
    assert load_shards(tmp_path / "shards").frames.shape[1:] == (16, 56, 96, 3)


# ---- the gan and cvae recipes: the same data sections and init -------------------------------------

def mix(folders, **data):
    return {"mix": [{"dir": str(folders["footage"]), "weight": 1, "val_clips": 2},
                    {"dir": str(folders["synthetic"]), "weight": 1, "val_clips": 2}], **data}


@pytest.fixture(scope="module")
def gan_init(folders):
    """A gan engine folder: the tiny teacher's network as a VideoGAN, moved off it (so a run that
    starts from the teacher instead would show), float16 as the recipe exports, with the teacher's VAE."""
    flow, _ = load_component(folders["engine"], "flow")
    gen = VideoGAN(flow.config)
    gen.load_state_dict(flow.state_dict())
    with torch.no_grad():
        for p in gen.parameters():
            p.add_(0.01)
    vae, _ = load_component(folders["engine"], "vae")
    folder = folders["root"] / "gan_init"
    save_component(gen, folder, "gan", {"fps": 12, "size": [16, 16], "n_frames": 8, "vae_scaling": 1.0},
                   dtype=torch.float16)
    save_component(vae, folder, "vae", {"scaling": 1.0})
    return folder


def gan_finetune_config(run_dir, folders, init, steps, **data):
    cfg = gan_config(run_dir, folders["synthetic"], folders["engine"], steps)
    cfg.update(init=str(init), sample_every=2, data=mix(folders, **data))
    return cfg


def test_a_batch_without_layouts_runs_apart_with_the_null_layout():
    from aigc_video.training.gan_recipe import by_layout
    layout = torch.arange(5.0)[:, None] * 10
    seen = []

    def run(rows, lay):
        seen.append(None if lay is None else lay[:, 0].tolist())
        return torch.arange(5.0)[rows] + (0.5 if lay is None else 0.0)
    out = by_layout(run, torch.tensor([True, False, True, False, False]), layout)
    assert out.tolist() == [0.0, 1.5, 2.0, 3.5, 4.5]                       # each clip back in its place
    assert seen == [[0.0, 20.0], None]
    assert by_layout(run, torch.ones(5, dtype=torch.bool), layout).tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_gan_fine_tune_on_mixed_footage_starts_from_init_and_feeds_the_engine(folders, gan_init, tmp_path, capsys):
    from aigc_video import cli
    from aigc_video.engines import get_engine
    from aigc_video.training.gan_recipe import train_gan
    train_gan(gan_finetune_config(tmp_path / "zero", folders, gan_init, 0), progress=False)
    start = load_file(str(gan_init / "gan.safetensors"))
    at_zero = load_file(str(tmp_path / "zero" / "final" / "gan.safetensors"))
    assert at_zero.keys() == start.keys() and all(torch.equal(at_zero[k], start[k]) for k in start)   # the init

    run = tmp_path / "two"
    result = train_gan(gan_finetune_config(run, folders, gan_init, 2, held_back=[str(folders["footage"])]),
                       progress=False)
    after = load_file(str(run / "final" / "gan.safetensors"))
    assert any(not torch.equal(after[k], start[k]) for k in start)
    assert sorted(p.name for p in (run / "samples").glob("*.png")) == [
        "samples_after_000002.png", "samples_before_000000.png", "samples_grid_000002.png"]
    assert result["grid"].endswith("samples_after_000002.png")
    # before and after: the same measure on the same held-back clips, logged at steps 0 and 2
    logged = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    key = f"val/sample_mse/{folders['footage'].name}"
    at = {x["step"]: x[key] for x in logged if key in x}
    assert sorted(at) == [0, 2] and at[2] == result["val_sample_mse"][key] and at[0] != at[2]
    assert all(v > 0 for v in result["val_sample_mse"].values())
    pairs = load_file(str(run / "teacher_targets.safetensors"))
    assert (pairs["index"] < 4).any() and (pairs["index"] >= 4).any()     # targets on footage and on renders
    meta = json.loads((run / "final" / "gan.json").read_text())
    assert (meta["size"], meta["n_frames"], meta["fps"], meta["init"]) == ([16, 16], 8, 12, str(gan_init))

    shot = tiny_shot()
    frames = get_engine("gan", checkpoint=run / "final").generate(shot, 32, 32, 12)
    assert frames.shape == (shot.n_frames, 32, 32, 3) and frames.dtype == np.uint8
    out = tmp_path / "a.mp4"
    assert cli.main(["generate", "a red ball moves right", "--engine", "gan", "--model", str(run / "final"),
                     "--size", "64x64", "--fps", "12", "--no-audio", "--no-cache", "--no-c2pa", "-o", str(out)]) == 0, \
        capsys.readouterr().err
    assert json.loads(out.with_name("a.report.json").read_text())["model"] == str(run / "final")


def test_gan_init_must_generate_the_teachers_latents(folders, gan_init, tmp_path):
    from aigc_video.training.gan_recipe import train_gan
    other = tmp_path / "other_vae"
    gen, meta = load_component(gan_init, "gan")
    save_component(gen, other, "gan", {k: v for k, v in meta.items() if k not in ("class", "config")})
    torch.manual_seed(1)
    save_component(VideoVAE(VideoVAEConfig(latent_channels=4, time_factor=2, space_factor=4, width=16, n_res_blocks=1,
                                           layout_channels=4)), other, "vae", {"scaling": 1.0})
    with pytest.raises(InputError, match="another VAE than the teacher"):
        train_gan(gan_finetune_config(tmp_path / "run", folders, other, 1), progress=False)


def test_cvae_trains_on_a_mix_and_starts_from_init(folders, tmp_path, monkeypatch):
    from aigc_video.models.latent_cvae import LatentCVAE
    from aigc_video.training.cvae_recipe import train_cvae
    seen = []
    forward = LatentCVAE.forward

    def spy(self, z, pooled, layout=None, context=None, context_mask=None, layout_keep=None, generator=None):
        seen.append(layout_keep.clone())
        return forward(self, z, pooled, layout, context, context_mask, layout_keep, generator)
    monkeypatch.setattr(LatentCVAE, "forward", spy)
    cfg = cvae_config(tmp_path / "mix", folders["synthetic"], folders["engine"], 2)
    cfg.update(p_drop_layout=0.0, data=mix(folders))
    train_cvae(cfg, progress=False)
    kept = torch.cat(seen)
    assert kept.any() and not kept.all()                                    # footage draws never keep a layout
    meta = json.loads((tmp_path / "mix" / "final" / "cvae.json").read_text())
    assert (meta["size"], meta["n_frames"], meta["fps"]) == ([16, 16], 8, 12)

    cfg = cvae_config(tmp_path / "zero", folders["synthetic"], folders["engine"], 0)
    del cfg["vae"]
    cfg.update(init=str(tmp_path / "mix" / "final"), data=mix(folders, held_back=[str(folders["footage"])]))
    result = train_cvae(cfg, progress=False)
    a, b = (load_file(str(tmp_path / run / "final" / "cvae.safetensors")) for run in ("zero", "mix"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert result["grid"].endswith("samples_after_000000.png")


@pytest.mark.parametrize("entry, said", [({"dir": "nowhere", "weight": 1}, r"no shards .* in '.*nowhere'"),
                                         ({"weight": 0}, r"source '.*footage' needs a weight > 0 .*, got 0;"),
                                         ({"weight": -1}, r"source '.*footage' needs a weight > 0 .*, got -1;")])
def test_a_bad_mix_entry_is_refused_naming_it(folders, tmp_path, capsys, entry, said):
    import re

    import yaml

    from aigc_video import cli
    cfg = gan_finetune_config(tmp_path / "run", folders, folders["root"] / "gan_init", 1)
    cfg["data"]["mix"][0].update({k: str(tmp_path / v) if k == "dir" else v for k, v in entry.items()})
    path = tmp_path / "gan.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert cli.main(["train", "gan", "--config", str(path), "--no-progress"]) == 2
    assert re.search(said, capsys.readouterr().err)
    cvae = cvae_config(tmp_path / "cvae", folders["synthetic"], folders["engine"], 1)
    cvae["data"] = cfg["data"]
    from aigc_video.training.cvae_recipe import train_cvae
    with pytest.raises(InputError, match=said):
        train_cvae(cvae, progress=False)


def test_latent_cache_is_keyed_by_the_clips_pixels_not_their_count(tmp_path):
    from types import SimpleNamespace

    from aigc_video.models.vae import VideoVAE, VideoVAEConfig
    from aigc_video.training.latent_data import cached_latents, vae_fingerprint
    torch.manual_seed(0)
    vae = VideoVAE(VideoVAEConfig(latent_channels=4, time_factor=2, space_factor=4, width=8, n_res_blocks=1)).eval()
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (3, 4, 8, 8, 3), dtype=np.uint8)
    b = a.copy()
    b[1] = 255 - b[1]                                     # as many clips, other pixels
    source = lambda frames: SimpleNamespace(name=str(tmp_path), train=SimpleNamespace(frames=frames))  # noqa: E731
    fp = vae_fingerprint(vae)
    za = cached_latents(source(a), vae, "cpu", fp)
    zb = cached_latents(source(b), vae, "cpu", fp)
    assert len(list(tmp_path.glob("latents_*.safetensors"))) == 2
    assert not torch.equal(za[1], zb[1]) and torch.equal(za[0], zb[0])
    assert torch.equal(cached_latents(source(a), vae, "cpu", fp), za)      # read back, the same numbers


def test_sample_errors_are_zero_for_the_clips_own_latents_and_their_square_for_zeros(folders):
    from aigc_video.models.io import load_component as load
    from aigc_video.training.finetune import sample_errors
    from aigc_video.training.latent_data import encode_sources
    vae = load(folders["engine"], "vae")[0].eval()
    data = {"mix": [{"dir": str(folders["synthetic"]), "weight": 1, "val_clips": 4}]}
    source = load_sources(data, progress=False)[0][0]
    val = encode_sources([source], vae, "cpu", part="val")
    key = f"val/sample_mse/{folders['synthetic'].name}"
    seen = []

    def own(shape, text, layout):
        seen.append(layout is not None)          # the source has layouts: the sampler gets them
        return val.latents[:shape[0]]
    assert sample_errors(own, vae, [source], "cpu") == {key: 0.0} and seen == [True]
    zeros = sample_errors(lambda shape, text, layout: torch.zeros(shape), vae, [source], "cpu")[key]
    assert zeros == pytest.approx(float(val.latents.pow(2).mean()), rel=1e-5)
