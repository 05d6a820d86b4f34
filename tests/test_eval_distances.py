"""The judge's numpy layers against torch, checkpoints round trip, and a small version of the
FVD-style validation: real vs real is closer than real vs damaged."""
import numpy as np
import pytest

from aigc_video.eval import degrade
from aigc_video.eval.fvd import frame_distance, video_distance
from aigc_video.eval.judge_model import Judge, conv3x3, default_judge, maxpool2
from aigc_video.eval.train_judge import random_shot
from aigc_video.scene import plan
from aigc_video.scene.render import render_shot
from aigc_video.storyboard import Storyboard

torch = pytest.importorskip("torch")


def test_numpy_conv_and_pool_match_torch():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 4, 10, 12)).astype(np.float32)
    w = rng.normal(size=(5, 4, 3, 3)).astype(np.float32)
    b = rng.normal(size=5).astype(np.float32)
    ref = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), padding=1)
    assert np.allclose(conv3x3(x, w, b), ref.numpy(), atol=1e-4)
    assert np.allclose(maxpool2(x), torch.nn.functional.max_pool2d(torch.from_numpy(x), 2).numpy())


def test_judge_checkpoint_round_trips(tmp_path):
    judge = default_judge()
    judge.save(tmp_path, "copy")
    again = Judge.load(tmp_path, "copy")
    patches = np.random.default_rng(1).random((3, judge.config.patch, judge.config.patch, 4)).astype(np.float32)
    assert np.array_equal(judge.kind_probs(patches), again.kind_probs(patches))
    assert again.config.area_ratio == judge.config.area_ratio
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.json", "copy.safetensors"]


def _videos(seed, n=6):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        shot = random_shot(rng)
        shot.duration_s = 3.0
        sp = plan(Storyboard([shot]), size=(160, 96), fps=12, seed=int(rng.integers(1 << 30))).shots[0]
        out.append(render_shot(sp, 160, 96))
    return out


@pytest.fixture(scope="module")
def encoder():
    from aigc_video.eval.features import default_encoder

    return default_encoder()


@pytest.fixture(scope="module")
def real_sets():
    return _videos(11), _videos(22)


def test_encoder_features_have_the_documented_shapes_and_are_deterministic(encoder, real_sets):
    v = real_sets[0][0]
    clip = encoder.clip_features(v)
    assert clip.ndim == 2 and clip.shape[1] == encoder.cfg.feature_dim and 1 <= len(clip) <= 8
    assert np.array_equal(clip, encoder.clip_features(v))
    frames = encoder.frame_features(v)
    assert frames.shape == (encoder.cfg.clip_frames, encoder.cfg.feature_dim)


def test_damage_moves_the_distance_away_from_real(encoder, real_sets):
    """The damages the committed validation finds monotonic (noise, shuffling, frozen frames)."""
    a, b = real_sets
    base = video_distance(encoder, a, b)
    noisy = video_distance(encoder, a, [degrade.noise(v, 32, seed=1) for v in b])
    shuffled = video_distance(encoder, a, [degrade.shuffle(v, 1.0, seed=2) for v in b])
    frozen = video_distance(encoder, a, [degrade.freeze_tail(v, 1.0) for v in b])
    assert base < noisy and base < shuffled and base < frozen, (base, noisy, shuffled, frozen)
    # The frame (FID-style) distance is blind to frame order by construction.
    assert frame_distance(encoder, a, b) == pytest.approx(
        frame_distance(encoder, a, [degrade.shuffle(v, 1.0, seed=2) for v in b]), rel=0.35)
