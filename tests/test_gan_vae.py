"""The gan and vae engines: their losses on toy data with known answers, their samplers, their
recipes end to end on tiny components, and the checkpoint refusals."""
import json
import math

import numpy as np
import pytest
import torch

from aigc_video.data.shards import save_shard
from aigc_video.errors import InputError
from aigc_video.models.gan import DiscriminatorConfig, VideoDiscriminator, VideoGAN
from aigc_video.models.flow_dit import FlowDiTConfig
from aigc_video.models.io import load_component, save_component
from aigc_video.models.latent_cvae import LatentCVAE, LatentCVAEConfig
from aigc_video.training.cvae_recipe import gaussian_nll
from aigc_video.training.gan_loss import hinge_d_loss, hinge_g_loss, r1_penalty, weighted_mse
from test_training import flow_config, moving_squares, vae_config

# ---- losses on cases whose answer is known ---------------------------------------------------


def test_hinge_losses_have_their_textbook_values():
    assert hinge_d_loss(torch.tensor([2.0, 1.0]), torch.tensor([-3.0, -1.0])).item() == 0.0   # both margins met
    assert hinge_d_loss(torch.zeros(4), torch.zeros(4)).item() == 2.0                      # undecided: 1 + 1
    assert hinge_d_loss(torch.tensor([-1.0]), torch.tensor([0.5])).item() == pytest.approx(3.5)
    assert hinge_g_loss(torch.tensor([1.0, 3.0])).item() == -2.0


def test_r1_of_a_linear_discriminator_is_its_squared_weight_norm():
    w = torch.tensor([3.0, -4.0])
    x = torch.randn(5, 2, requires_grad=True)
    assert r1_penalty(x @ w, x).item() == pytest.approx(25.0)


def test_weighted_mse_counts_only_weighted_elements():
    pred, target = torch.tensor([[1.0, 5.0]]), torch.tensor([[0.0, 0.0]])
    assert weighted_mse(pred, target, torch.tensor([[1.0, 0.0]])).item() == 1.0
    assert weighted_mse(pred, target, torch.tensor([[1.0, 1.0]])).item() == 13.0


def test_gaussian_nll_matches_torch_distributions():
    z, mean = torch.randn(2, 3, 1, 2, 2), torch.randn(2, 3, 1, 2, 2)
    log_sigma = torch.tensor([0.0, 0.5, -1.0])
    ref = -torch.distributions.Normal(mean, log_sigma.exp().view(1, -1, 1, 1, 1)).log_prob(z).mean()
    assert gaussian_nll(z, mean, log_sigma, torch.ones(2, 1, 1, 2, 2)).item() == pytest.approx(ref.item(), rel=1e-5)


def test_the_hinge_game_moves_a_toy_generator_onto_the_data():
    """1-D data N(3, 0.5); a generator that starts at N(0, 1) must end near mean 3 after a few
    hundred steps of the same game the recipe plays (hinge, R1, beta1 = 0)."""
    torch.manual_seed(0)
    gen = torch.nn.Linear(1, 1)
    disc = torch.nn.Sequential(torch.nn.Linear(1, 16), torch.nn.LeakyReLU(0.2), torch.nn.Linear(16, 1))
    opt_g = torch.optim.Adam(gen.parameters(), lr=1e-2, betas=(0.0, 0.99))
    opt_d = torch.optim.Adam(disc.parameters(), lr=1e-2, betas=(0.0, 0.99))
    for _ in range(600):
        real = (3 + 0.5 * torch.randn(64, 1)).requires_grad_(True)
        fake = gen(torch.randn(64, 1))
        d_real = disc(real)
        loss_d = hinge_d_loss(d_real, disc(fake.detach())) + 0.5 * r1_penalty(d_real, real)
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        loss_g = hinge_g_loss(disc(gen(torch.randn(64, 1))))
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
    samples = gen(torch.randn(4096, 1)).detach()
    assert abs(samples.mean().item() - 3) < 0.4


# ---- samplers ----------------------------------------------------------------------------------

TINY_DIT = FlowDiTConfig(latent_channels=4, latent_frames=2, latent_height=4, latent_width=4, width=32, depth=1, heads=2)


def text_inputs(b=1):
    return torch.randn(b, 5, 384), torch.ones(b, 5, dtype=torch.bool), torch.randn(b, 384)


def test_gan_generator_is_one_euler_step_of_its_network_and_keeps_context():
    torch.manual_seed(0)
    gen = VideoGAN(TINY_DIT)
    torch.nn.init.normal_(gen.final.weight, std=0.1)      # a zero-initialised head would hide the network
    noise, (tokens, mask, pooled) = torch.randn(1, 4, 2, 4, 4), text_inputs()
    z = gen.generate(noise, tokens, mask, pooled)
    velocity = gen(noise, torch.ones(1), tokens, mask, pooled)
    assert torch.allclose(z, noise - velocity) and velocity.abs().sum() > 0
    context = torch.randn(1, 4, 2, 4, 4)
    cmask = torch.tensor([[True, False]])
    zc = gen.generate(noise, tokens, mask, pooled, None, context, cmask)
    assert torch.equal(zc[:, :, 0], context[:, :, 0]) and not torch.equal(zc[:, :, 1], context[:, :, 1])


def test_discriminator_scores_every_frame_and_the_clip():
    disc = VideoDiscriminator(DiscriminatorConfig(latent_channels=4, width=16))
    frames, video = disc(torch.randn(3, 4, 2, 4, 4), torch.rand(3, 4, 2, 4, 4), torch.randn(3, 384))
    assert frames.shape == (3, 2) and video.shape == (3,)


def test_cvae_sample_is_deterministic_for_its_code_and_keeps_context():
    torch.manual_seed(0)
    model = LatentCVAE(LatentCVAEConfig(latent_channels=4, latent_frames=2, width=16, code_channels=2, n_blocks=1)).eval()
    shape = model.code_shape((1, 4, 2, 7, 5))
    assert shape == (1, 2, 2, 4, 3)
    code, pooled, layout = torch.randn(shape), torch.randn(1, 384), torch.rand(1, 4, 2, 7, 5)
    a = model.sample(code, pooled, layout, size=(7, 5))
    assert a.shape == (1, 4, 2, 7, 5) and torch.equal(a, model.sample(code, pooled, layout, size=(7, 5)))
    assert not torch.allclose(a, model.sample(torch.randn(shape), pooled, layout, size=(7, 5)))
    context, cmask = torch.randn(1, 4, 2, 7, 5), torch.tensor([[True, False]])
    assert torch.equal(model.sample(code, pooled, layout, context, cmask, size=(7, 5))[:, :, 0], context[:, :, 0])


# ---- recipes and engines end to end, on tiny components ------------------------------------------

@pytest.fixture(scope="module")
def teacher(tmp_path_factory):
    """A tiny trained VAE and flow model (2 steps each) over moving squares with pixel layouts."""
    from aigc_video.training.flow_recipe import train_flow
    from aigc_video.training.vae_recipe import train_vae
    root = tmp_path_factory.mktemp("teacher")
    data = root / "shards"
    data.mkdir()
    save_shard(data / "shard_0000", moving_squares(16, layout_factor=1), {"fake": True})
    vae_cfg = vae_config(root / "vae", data, 2)
    vae_cfg["model"]["layout_factor"] = vae_cfg["data"]["layout_factor"] = 1
    train_vae(vae_cfg, progress=False)
    flow_cfg = flow_config(root / "flow", data, root / "vae" / "final", 2)
    flow_cfg["data"]["layout_factor"] = 1
    train_flow(flow_cfg, progress=False)
    return root, data


def gan_config(run_dir, data, teacher_dir, steps):
    return {"run_dir": str(run_dir), "seed": 3, "threads": 1, "steps": steps, "batch_size": 3,
            "teacher": {"dir": str(teacher_dir), "steps": 2, "guidance": 2.0, "guidance_rescale": 0.7, "batch": 4},
            "n_pairs": 8, "p_context": 0.5, "max_context_frames": 1, "lr_g": 1e-3, "lr_d": 1e-3, "warmup": 1,
            "distill_weight": 1.0, "adv_weight": 0.1, "adv_start": 1, "r1_gamma": 0.1, "r1_every": 2, "fg_weight": 2.0,
            "ema_decay": 0.9, "grad_clip": 1.0, "log_every": 1, "sample_every": 2, "checkpoint_every": 2,
            "keep_last": 2, "discriminator": {"width": 16},
            "data": {"dir": str(data), "val_clips": 4, "fps": 12, "size": [16, 16], "n_frames": 8, "layout_factor": 1}}


def cvae_config(run_dir, data, vae_dir, steps):
    return {"run_dir": str(run_dir), "seed": 3, "threads": 1, "steps": steps, "batch_size": 4, "lr": 1e-3,
            "warmup": 1, "kl_weight": 1.0, "fg_weight": 2.0, "p_drop_layout": 0.3, "p_context": 0.5,
            "max_context_frames": 1, "ema_decay": 0.9, "grad_clip": 1.0, "log_every": 1, "sample_every": 0,
            "checkpoint_every": 2, "keep_last": 2, "model": {"code_channels": 2, "width": 16, "n_blocks": 1},
            "vae": {"dir": str(vae_dir)},
            "data": {"dir": str(data), "val_clips": 4, "fps": 12, "size": [16, 16], "n_frames": 8, "layout_factor": 1}}


def tiny_shot():
    from aigc_video.scene import plan
    from aigc_video.storyboard import Action, Shot, Storyboard, Subject
    return plan(Storyboard(shots=[Shot(text="a red ball moves right", duration_s=2.0, subjects=[
        Subject("circle", "red", action=Action("move", "right"))])]), size=(64, 64), fps=12, seed=1).shots[0]


def test_gan_recipe_distils_resumes_exactly_and_feeds_its_engine(tmp_path, teacher):
    from aigc_video.engines import get_engine
    from aigc_video.training.gan_recipe import train_gan
    root, data = teacher
    result = train_gan(gan_config(tmp_path / "once", data, root / "flow" / "final", 4), progress=False)
    assert result["steps"] == 4
    # the sample grid: 4 validation clips' middle frames, 4 to a row
    grids = sorted((tmp_path / "once" / "samples").glob("*.png"))
    assert [g.name for g in grids] == ["samples_grid_000002.png", "samples_grid_000004.png"]
    lines = [json.loads(x) for x in (tmp_path / "once" / "metrics.jsonl").read_text().splitlines()]
    assert {"distill", "loss_d", "loss_g_adv", "r1"} <= set().union(*lines)
    # interrupted at step 2 and resumed: the same generator, discriminator and optimizers as one run
    train_gan(gan_config(tmp_path / "twice", data, root / "flow" / "final", 2), progress=False)
    train_gan(gan_config(tmp_path / "twice", data, root / "flow" / "final", 4), resume="latest", progress=False)
    from safetensors.torch import load_file
    for name in ("model", "ema", "discriminator", "train_state"):
        a = load_file(str(tmp_path / "once" / "checkpoints" / "step_000004" / f"{name}.safetensors"))
        b = load_file(str(tmp_path / "twice" / "checkpoints" / "step_000004" / f"{name}.safetensors"))
        assert a.keys() == b.keys() and all(torch.allclose(a[k], b[k], atol=1e-6) for k in a), name
    # what ships: float16 weights that load back into a float32 generator
    final = tmp_path / "once" / "final"
    stored = load_file(str(final / "gan.safetensors"))
    assert {v.dtype for v in stored.values() if v.is_floating_point()} == {torch.float16}
    assert next(get_engine("gan", checkpoint=final, precision="fp32").model.parameters()).dtype == torch.float32
    engine = get_engine("gan", checkpoint=final)
    shot = tiny_shot()
    frames = engine.generate(shot, 32, 32, 12)
    assert frames.shape == (shot.n_frames, 32, 32, 3) and frames.dtype == np.uint8
    assert np.array_equal(frames, engine.generate(shot, 32, 32, 12))          # seeded


def test_cvae_recipe_lowers_the_negative_elbo_and_feeds_its_engine(tmp_path, teacher):
    from aigc_video.engines import get_engine
    from aigc_video.training.cvae_recipe import train_cvae
    root, data = teacher
    train_cvae(cvae_config(tmp_path / "cvae", data, root / "vae" / "final", 40), progress=False)
    lines = [json.loads(x) for x in (tmp_path / "cvae" / "metrics.jsonl").read_text().splitlines()]
    assert {"nll", "kl", "neg_elbo"} <= set(lines[0])
    first, last = np.mean([x["neg_elbo"] for x in lines[:5]]), np.mean([x["neg_elbo"] for x in lines[-5:]])
    assert last < first
    engine = get_engine("vae", checkpoint=tmp_path / "cvae" / "final")
    shot = tiny_shot()
    frames = engine.generate(shot, 32, 32, 12)
    assert frames.shape == (shot.n_frames, 32, 32, 3)
    assert not np.array_equal(frames, get_engine("vae", checkpoint=tmp_path / "cvae" / "final",
                                                 temperature=0.0).generate(shot, 32, 32, 12))
    with pytest.raises(InputError, match="temperature"):
        get_engine("vae", checkpoint=tmp_path / "cvae" / "final", temperature=-1)


# ---- refusals ----------------------------------------------------------------------------------

def test_checkpoints_refuse_pickle_corruption_and_a_foreign_vae(tmp_path):
    gen = VideoGAN(TINY_DIT)
    save_component(gen, tmp_path / "ok", "gan", {"vae_scaling": 1.0}, dtype=torch.float16)
    assert load_component(tmp_path / "ok", "gan")[0].config == TINY_DIT
    pickled = tmp_path / "pickled"
    pickled.mkdir()
    torch.save(gen.state_dict(), pickled / "gan.pt")
    with pytest.raises(InputError, match="pickle"):
        load_component(pickled, "gan")
    broken = tmp_path / "broken"
    save_component(gen, broken, "gan")
    data = (broken / "gan.safetensors").read_bytes()
    (broken / "gan.safetensors").write_bytes(data[:len(data) // 2])
    with pytest.raises(InputError, match="corrupted"):
        load_component(broken, "gan")
    (broken / "gan.safetensors").write_bytes(b"\x80\x04not safetensors")
    with pytest.raises(InputError, match="corrupted"):
        load_component(broken, "gan")
    wrong = tmp_path / "wrong"
    save_component(gen, wrong, "gan")
    meta = json.loads((wrong / "gan.json").read_text())
    meta["config"]["width"] = 64
    (wrong / "gan.json").write_text(json.dumps(meta))
    with pytest.raises(InputError, match="does not fit"):
        load_component(wrong, "gan")


def test_an_engine_refuses_a_folder_without_its_generator_and_a_mismatched_vae(tmp_path, teacher):
    from aigc_video.engines import get_engine
    from aigc_video.models.vae import VideoVAE
    root, _ = teacher
    with pytest.raises(InputError, match="train gan"):
        get_engine("gan", checkpoint=tmp_path)
    vae, _ = load_component(root / "vae" / "final", "vae")
    save_component(VideoGAN(TINY_DIT), tmp_path / "g", "gan", {"vae_scaling": vae.config.scaling * 2})
    save_component(vae, tmp_path / "g", "vae")
    with pytest.raises(InputError, match="latent scaling"):
        get_engine("gan", checkpoint=tmp_path / "g")
    assert isinstance(vae, VideoVAE) and math.isfinite(vae.config.scaling)
