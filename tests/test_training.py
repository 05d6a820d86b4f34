"""Recipes on tiny configs: exact resume, same seed same run, atomic checkpoints, config overrides."""
import json

import numpy as np
import pytest
import torch

from aigc_video.data.shards import ClipSet, save_shard
from aigc_video.errors import InputError
from aigc_video.training.checkpoint import checkpoint_dirs, export_for_engine, latest_checkpoint
from aigc_video.models.precision import autocast
from aigc_video.training.common import load_config, lr_at


def moving_squares(n: int, t: int = 8, size: int = 16, seed: int = 0, layout_factor: int = 4) -> ClipSet:
    """Clips of one coloured square moving in a straight line, with matching layouts
    (`layout_factor` pixels per layout cell)."""
    rng = np.random.default_rng(seed)
    frames = np.full((n, t, size, size, 3), 30, np.uint8)
    cells = size // layout_factor
    layout = np.zeros((n, t, 4, cells, cells), np.float32)
    captions, subjects = [], []
    for i in range(n):
        color = rng.integers(80, 255, 3)
        x, y, dx = int(rng.integers(0, 8)), int(rng.integers(0, 10)), int(rng.choice([-1, 1]))
        for f in range(t):
            xx = int(np.clip(x + dx * f, 0, size - 6))
            frames[i, f, y:y + 6, xx:xx + 6] = color
            mask = np.zeros((size, size), np.float32)
            mask[y:y + 6, xx:xx + 6] = 1
            pooled = mask.reshape(cells, layout_factor, cells, layout_factor).mean((1, 3))
            layout[i, f, :3] = color[:, None, None] / 255 * pooled
            layout[i, f, 3] = pooled
        captions.append(f"a square moves {'left' if dx < 0 else 'right'}")
        subjects.append([{"kind": "square", "color": "red", "motion": "move", "direction": "right"}])
    return ClipSet(frames, layout, captions, subjects)


@pytest.fixture()
def shard_dir(tmp_path):
    folder = tmp_path / "shards"
    folder.mkdir()
    save_shard(folder / "shard_0000", moving_squares(24), {"fake": True})
    return folder


def vae_config(run_dir, data_dir, steps):
    return {"run_dir": str(run_dir), "seed": 7, "threads": 1, "steps": steps, "batch_size": 2, "lr": 1e-3,
            "warmup": 2, "kl_weight": 1e-3, "fg_weight": 2.0, "grad_clip": 1.0, "ema_decay": 0.9, "log_every": 1, "val_every": 0,
            "checkpoint_every": 2, "keep_last": 2,
            "p_drop_layout": 0.3,
            "model": {"latent_channels": 4, "time_factor": 2, "space_factor": 4, "width": 16, "n_res_blocks": 1,
                      "layout_channels": 4},
            "data": {"dir": str(data_dir), "val_clips": 4}}


def flow_config(run_dir, data_dir, vae_dir, steps):
    return {"run_dir": str(run_dir), "seed": 7, "threads": 1, "steps": steps, "batch_size": 3, "lr": 1e-3,
            "warmup": 2, "weight_decay": 0.0, "grad_clip": 1.0, "ema_decay": 0.9, "log_every": 1,
            "checkpoint_every": 2, "keep_last": 3, "sample_every": 0, "sample_steps": 2, "guidance": 1.0,
            "p_drop_text": 0.2, "p_drop_layout": 0.2, "p_context": 0.5, "max_context_frames": 1, "fg_weight": 2.0,
            "model": {"patch": 2, "width": 32, "depth": 2, "heads": 2},
            "vae": {"dir": str(vae_dir), "name": "vae"},
            "data": {"dir": str(data_dir), "val_clips": 4, "fps": 12, "size": [16, 16], "n_frames": 8}}


def weights(folder, name="model"):
    from safetensors.torch import load_file
    return load_file(str(folder / f"{name}.safetensors"))


def assert_same_weights(a, b, atol=1e-6):
    assert a.keys() == b.keys()
    for k in a:
        assert torch.allclose(a[k], b[k], atol=atol), k


def test_vae_resume_matches_an_uninterrupted_run(tmp_path, shard_dir):
    from aigc_video.training.vae_recipe import train_vae
    train_vae(vae_config(tmp_path / "once", shard_dir, 4), progress=False)
    train_vae(vae_config(tmp_path / "twice", shard_dir, 2), progress=False)
    # The second half: same run dir, the schedule of the 4-step run, resumed from step 2.
    cfg = vae_config(tmp_path / "twice", shard_dir, 4)
    train_vae(cfg, resume="latest", progress=False)
    once, twice = latest_checkpoint(tmp_path / "once"), latest_checkpoint(tmp_path / "twice")
    assert once.name == twice.name == "step_000004"
    for name in ("model", "ema"):
        assert_same_weights(weights(once, name), weights(twice, name))
    assert_same_weights(weights(once, "train_state"), weights(twice, "train_state"))


def test_vae_run_is_reproducible_and_keeps_last_k(tmp_path, shard_dir):
    from aigc_video.training.vae_recipe import train_vae
    a = train_vae(vae_config(tmp_path / "a", shard_dir, 6), progress=False)
    train_vae(vae_config(tmp_path / "b", shard_dir, 6), progress=False)
    assert [p.name for p in checkpoint_dirs(tmp_path / "a")] == ["step_000004", "step_000006"]
    assert_same_weights(weights(tmp_path / "a" / "final", "vae"), weights(tmp_path / "b" / "final", "vae"), atol=0)
    exported = json.loads((tmp_path / "a" / "final" / "vae.json").read_text())
    assert exported["config"]["scaling"] > 0 and a["val_psnr"] > 0
    assert not list((tmp_path / "a" / "checkpoints").glob(".*tmp"))
    lines = (tmp_path / "a" / "metrics.jsonl").read_text().splitlines()
    assert len(lines) == 6 and "loss" in json.loads(lines[0])


def test_decoder_fine_tune_keeps_the_encoder_and_its_latent_scaling(tmp_path, shard_dir):
    from aigc_video.training.vae_recipe import train_vae
    train_vae(vae_config(tmp_path / "vae", shard_dir, 2), progress=False)
    init = tmp_path / "vae" / "final"
    cfg = {**vae_config(tmp_path / "decoder", shard_dir, 3), "init": str(init), "train_encoder": False,
           "latent_noise": 0.5}
    train_vae(cfg, progress=False)
    before, after = weights(init, "vae"), weights(tmp_path / "decoder" / "final", "vae")
    for name in before:
        assert torch.equal(before[name], after[name]) == name.startswith("enc_"), name
    scaling = [json.loads((d / "vae.json").read_text())["config"]["scaling"] for d in (init, tmp_path / "decoder" / "final")]
    assert scaling[0] == scaling[1]
    with pytest.raises(InputError, match="needs init"):
        train_vae({**cfg, "init": None, "run_dir": str(tmp_path / "x")}, progress=False)
    other = {**cfg, "run_dir": str(tmp_path / "y"), "model": {**cfg["model"], "width": 8}}
    with pytest.raises(InputError, match="the config's model section says"):
        train_vae(other, progress=False)


def test_flow_resume_matches_an_uninterrupted_run(tmp_path, shard_dir):
    from aigc_video.training.flow_recipe import train_flow
    from aigc_video.training.vae_recipe import train_vae
    train_vae(vae_config(tmp_path / "vae", shard_dir, 2), progress=False)
    vae_dir = tmp_path / "vae" / "final"
    train_flow(flow_config(tmp_path / "once", shard_dir, vae_dir, 4), progress=False)
    train_flow(flow_config(tmp_path / "twice", shard_dir, vae_dir, 2), progress=False)
    train_flow(flow_config(tmp_path / "twice", shard_dir, vae_dir, 4), resume="latest", progress=False)
    once, twice = latest_checkpoint(tmp_path / "once"), latest_checkpoint(tmp_path / "twice")
    for name in ("model", "ema"):
        assert_same_weights(weights(once, name), weights(twice, name))
    final = tmp_path / "once" / "final"
    assert (final / "flow.safetensors").exists() and (final / "vae.safetensors").exists()


def test_config_overrides_and_their_errors(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("# aigc-video train vae --config c.yaml\nsteps: 10\nmodel:\n  width: 8\n")
    cfg = load_config(path, ["steps=3", "model.width=16"])
    assert cfg == {"steps": 3, "model": {"width": 16}}
    with pytest.raises(InputError, match="'stepz' is not in"):
        load_config(path, ["stepz=3"])
    with pytest.raises(InputError, match="not of the form key=value"):
        load_config(path, ["steps"])
    with pytest.raises(InputError, match="does not exist"):
        load_config(tmp_path / "nope.yaml")


def test_lr_schedule_warms_up_then_decays():
    lrs = [lr_at(s, 1.0, 10, 100) for s in range(100)]
    assert lrs[0] == pytest.approx(0.1) and lrs[9] == pytest.approx(1.0)
    assert all(a >= b for a, b in zip(lrs[10:], lrs[11:])) and lrs[-1] == pytest.approx(0.1, abs=0.01)


@pytest.mark.parametrize("amx, avx512_bf16, expect_bf16", [(False, False, False), (True, False, True),
                                                          (False, True, True)])
def test_cpu_training_uses_bf16_only_with_bf16_instructions(monkeypatch, amx, avx512_bf16, expect_bf16):
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: avx512_bf16)
    with autocast(torch.device("cpu")):
        y = torch.nn.functional.linear(torch.ones(2, 4), torch.ones(3, 4))
    assert (y.dtype == torch.bfloat16) == expect_bf16


def test_train_command_parses_its_arguments():
    import argparse
    from aigc_video.training import command
    parser = argparse.ArgumentParser()
    command.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["train", "flow", "--config", "configs/flow_cpu.yaml", "steps=5", "--resume", "latest"])
    assert (args.model, args.config, args.resume, args.func) == (
        "flow", ["configs/flow_cpu.yaml", "steps=5"], "latest", command.run)


def test_latent_layout_averages_the_frames_of_each_latent_frame():
    from aigc_video.data.layout import latent_layout
    layout = np.zeros((1, 8, 4, 2, 2), np.float32)
    layout[0, :4, 3, 0, 0] = 1            # object in cell (0, 0) during the first 4 frames
    layout[0, 4:6, 3, 1, 1] = 1           # then in cell (1, 1) for 2 of the next 4
    out = latent_layout(layout, 4)
    assert out.shape == (1, 4, 2, 2, 2)
    assert out[0, 3, 0, 0, 0] == 1 and out[0, 3, 1, 1, 1] == 0.5 and out[0, 3, 1, 0, 0] == 0


def test_latent_layout_averages_layout_cells_per_latent_cell_in_chunks():
    from aigc_video.data.layout import latent_layout
    layout = np.random.default_rng(0).random((5, 8, 4, 8, 8)).astype(np.float16)
    out = latent_layout(layout, 4, cells=4, chunk=2)
    assert out.shape == (5, 4, 2, 2, 2)
    expected = torch.as_tensor(layout).float()[:, :4, :, 4:8, 0:4].mean(dim=(1, 3, 4))   # latent frame 0, cell (1, 0)
    assert torch.allclose(out[:, :, 0, 1, 0], expected, atol=1e-3)


def test_decoder_layout_averages_finer_layouts_and_refuses_coarser():
    from aigc_video.models.vae import VideoVAE, VideoVAEConfig
    from aigc_video.data.layout import decoder_layout
    tiny = dict(latent_channels=4, time_factor=2, space_factor=4, width=16, n_res_blocks=1, layout_channels=4)
    pixel = moving_squares(2, layout_factor=1).layout                     # (2, 8, 4, 16, 16)
    cell = moving_squares(2, layout_factor=4).layout                      # the same squares, 4 x 4 averages
    latent_res = VideoVAE(VideoVAEConfig(**tiny))
    assert torch.allclose(decoder_layout(latent_res, pixel, "cpu", 1), decoder_layout(latent_res, cell, "cpu", 4))
    pixel_res = VideoVAE(VideoVAEConfig(**tiny, layout_factor=1))
    assert decoder_layout(pixel_res, pixel, "cpu", 1).shape == (2, 4, 8, 16, 16)
    with pytest.raises(InputError, match="data.layout_factor"):
        decoder_layout(pixel_res, cell, "cpu", 4)


def test_recipes_train_a_decoder_on_pixel_resolution_layouts(tmp_path):
    from aigc_video.engines.flow import FlowEngine
    from aigc_video.training.flow_recipe import train_flow
    from aigc_video.training.vae_recipe import train_vae
    data = tmp_path / "pixel_shards"
    data.mkdir()
    save_shard(data / "shard_0000", moving_squares(12, layout_factor=1), {"fake": True})
    vae_cfg = vae_config(tmp_path / "vae", data, 2)
    vae_cfg["model"]["layout_factor"] = vae_cfg["data"]["layout_factor"] = 1
    vae_cfg["val_every"] = 2
    assert train_vae(vae_cfg, progress=False)["val_psnr"] > 0
    flow_cfg = flow_config(tmp_path / "flow", data, tmp_path / "vae" / "final", 2)
    flow_cfg["data"]["layout_factor"] = 1
    train_flow(flow_cfg, progress=False)
    # the decoder fine-tune may add a pixel refiner to a VAE without one; the flow model stays valid
    refine_cfg = {**vae_cfg, "run_dir": str(tmp_path / "refined"), "init": str(tmp_path / "vae" / "final"),
                  "train_encoder": False, "latent_noise": 0.5,
                  "model": {**vae_cfg["model"], "refine_width": 8, "refine_hints": 2}}
    train_vae(refine_cfg, progress=False)
    refined = weights(tmp_path / "refined" / "final", "vae")
    assert refined["refine.net.4.weight"].abs().sum() > 0 and "dec_hints.weight" in refined
    engine = FlowEngine(export_for_engine(checkpoint_dirs(tmp_path / "flow")[-1], tmp_path / "refined" / "final",
                                          tmp_path / "engine"), steps=2)
    assert engine.layout_factor == 1 and engine.vae.refine is not None
    from aigc_video.scene import plan
    from aigc_video.storyboard import Action, Shot, Storyboard, Subject
    shot = plan(Storyboard(shots=[Shot(text="a red ball moves right", duration_s=1.0, subjects=[
        Subject("circle", "red", action=Action("move", "right"))])]), size=(64, 64), fps=12, seed=1).shots[0]
    assert engine.generate(shot, 32, 32, 12).shape == (shot.n_frames, 32, 32, 3)


def test_sampling_keeps_context_frames_clean():
    from aigc_video.models.flow_dit import FlowDiT, FlowDiTConfig
    from aigc_video.models.text_encoder import TextEmbedding
    from aigc_video.sampling import sample_latents
    torch.manual_seed(0)
    model = FlowDiT(FlowDiTConfig(latent_channels=2, latent_frames=3, latent_height=4, latent_width=4, width=16,
                                  depth=1, heads=2))
    text = TextEmbedding(torch.zeros(1, 3, 384), torch.ones(1, 3, dtype=torch.bool), torch.zeros(1, 384))
    context = torch.randn(1, 2, 3, 4, 4)
    mask = torch.tensor([[True, False, False]])
    z = sample_latents(model, text, None, torch.randn(1, 2, 3, 4, 4), 2, "heun", 2.0,
                       context=context, context_mask=mask)
    assert torch.equal(z[:, :, 0], context[:, :, 0]) and not torch.equal(z[:, :, 1:], context[:, :, 1:])


def test_batched_guidance_equals_two_separate_passes():
    from aigc_video.models.flow_dit import FlowDiT, FlowDiTConfig
    from aigc_video.models.text_encoder import TextEmbedding
    from aigc_video.sampling import guided
    from aigc_video.sampling import make_velocity_fn
    torch.manual_seed(0)
    model = FlowDiT(FlowDiTConfig(latent_channels=2, latent_frames=2, latent_height=4, latent_width=4, width=16,
                                  depth=1, heads=2)).eval()
    for p in model.parameters():       # adaLN-Zero starts as the identity; make the text matter
        torch.nn.init.normal_(p, std=0.2)
    text = TextEmbedding(torch.randn(2, 3, 384), torch.ones(2, 3, dtype=torch.bool), torch.randn(2, 384))
    dropped = TextEmbedding(text.tokens, torch.zeros(2, 3, dtype=torch.bool), torch.zeros(2, 384))
    x, t = torch.randn(2, 2, 2, 4, 4), torch.tensor([0.3, 0.9])
    with torch.no_grad():
        batched = make_velocity_fn(model, text, None, guidance=2.5)(x, t)
        separate = guided(make_velocity_fn(model, text, None), make_velocity_fn(model, dropped, None), 2.5)(x, t)
        plain = make_velocity_fn(model, text, None)(x, t)
        rescaled = make_velocity_fn(model, text, None, guidance=2.5, guidance_rescale=0.7)(x, t)
        separate_rescaled = guided(make_velocity_fn(model, text, None), make_velocity_fn(model, dropped, None),
                                   2.5, rescale=0.7)(x, t)
    assert torch.allclose(batched, separate, atol=1e-5)
    assert not torch.allclose(batched, plain, atol=1e-3)
    assert torch.allclose(rescaled, separate_rescaled, atol=1e-5) and not torch.allclose(rescaled, batched, atol=1e-3)


def test_training_times_mix_logit_normal_and_uniform():
    from aigc_video.training.flow_recipe import sample_times
    logit = sample_times(20000, torch.Generator().manual_seed(0), 0.0)
    uniform = sample_times(20000, torch.Generator().manual_seed(0), 1.0)
    assert 0 < logit.min() and logit.max() < 1 and 0 <= uniform.min() and uniform.max() <= 1
    assert (logit > 0.9).float().mean() < 0.03                      # logit-normal: P(t > 0.9) ~ 1.4%
    assert abs((uniform > 0.9).float().mean() - 0.1) < 0.01         # uniform: 10%
    assert torch.equal(sample_times(50, torch.Generator().manual_seed(4), 0.5),
                       sample_times(50, torch.Generator().manual_seed(4), 0.5))


def test_object_weight_weighs_object_pixels_up():
    from aigc_video.training.vae_recipe import object_weight
    layout = moving_squares(1).layout                          # (1, 8, 4, 4, 4), cells of 4 px
    w = object_weight(layout, 4, 3.0)
    assert w.shape == (1, 1, 8, 16, 16)
    cover = torch.as_tensor(layout[0, 0, 3]).float()
    assert torch.allclose(w[0, 0, 0, ::4, ::4], 1 + 3 * cover)
    assert w.min() == 1.0 and w.max() > 1.0


def test_prepare_clips_renders_only_the_missing_shards(tmp_path):
    from aigc_video.training.data_source import prepare_clips
    data = {"dir": str(tmp_path), "seed": 3, "n_clips": 3, "val_clips": 1, "size": [32, 24], "n_frames": 8,
            "fps": 8, "layout_factor": 4, "shard_size": 2}
    train, val = prepare_clips(data, progress=False)
    assert (len(train), len(val)) == (2, 1)
    first = (tmp_path / "shard_0000.npz").stat().st_mtime_ns
    train, val = prepare_clips({**data, "n_clips": 5}, progress=False)
    assert (len(train), len(val)) == (4, 1)
    assert (tmp_path / "shard_0000.npz").stat().st_mtime_ns == first      # kept, not re-rendered
    assert len(list(tmp_path.glob("shard_*.json"))) == 3
    train, _ = prepare_clips({**data, "n_clips": 3}, progress=False)         # a smaller run loads only its own
    assert len(train) == 2
