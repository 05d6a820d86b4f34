"""Synthetic data: held-out compositions excluded, determinism, layouts, shards."""
import numpy as np
import pytest

from aigc_video.data.layout import colour_code, pool
from aigc_video.data.synthetic import SyntheticClips, random_subject, varied_caption
from aigc_video.errors import InputError
from aigc_video.held_out import HELD_OUT, is_held_out
from aigc_video.vocab import COLORS


def test_held_out_compositions_never_appear_though_their_parts_do():
    clips = SyntheticClips(seed=3)
    seen_parts = set()
    for i in range(3000):
        shot, _ = clips.shot(i)
        for s in shot.subjects:
            assert not is_held_out(s.color, s.kind, s.action.motion, s.action.direction), (i, s)
            seen_parts |= {("color", s.color), ("kind", s.kind), ("motion", s.action.motion)}
    for comp in HELD_OUT:
        assert {("color", comp.color), ("kind", comp.kind), ("motion", comp.motion)} <= seen_parts


def test_random_subjects_are_diverse():
    rng = np.random.default_rng(0)
    subjects = [random_subject(rng) for _ in range(500)]
    assert len({(s.color, s.kind, s.action.motion) for s in subjects}) > 200
    assert all(s.count in (1, 2, 3) for s in subjects)


def test_captions_vary_but_keep_colour_and_kind():
    clips = SyntheticClips(seed=1)
    captions = set()
    for i in range(200):
        shot, rng = clips.shot(i)
        cap = varied_caption(shot, rng)
        captions.add(cap.split(" ")[0])
        s = shot.subjects[0]
        assert s.color in cap and s.kind in cap, cap
    assert {"in", "a"} <= captions  # scene-first and subject-first word orders


def test_same_index_same_example_and_window_shapes():
    clips = SyntheticClips(seed=5, size=(32, 24), n_frames=8, fps=8)
    a, b, c = clips[4], clips[4], clips[5]
    assert a.frames.shape == (8, 24, 32, 3) and a.frames.dtype == np.uint8
    assert a.layout.shape == (8, 4, 6, 8)
    assert np.array_equal(a.frames, b.frames) and a.caption == b.caption
    assert not np.array_equal(a.frames, c.frames)
    assert a.layout[:, 3].max() > 0  # the objects are in the layout


def test_clip_settings_are_checked():
    with pytest.raises(InputError, match="n_frames 40"):
        SyntheticClips(n_frames=40, fps=12)
    with pytest.raises(InputError, match="divisible"):
        SyntheticClips(size=(30, 24))


def test_colour_code_paints_later_objects_on_top_and_pool_averages():
    masks = np.zeros((1, 2, 4, 4), np.float32)
    masks[0, 0, :, :2] = 1          # red on the left half
    masks[0, 1, :2, :] = 1          # blue on the top half, drawn last
    coded = colour_code(masks, ["red", "blue"])
    red, blue = np.array(COLORS["red"]) / 255, np.array(COLORS["blue"]) / 255
    assert np.allclose(coded[0, :3, 0, 0], blue) and np.allclose(coded[0, :3, 3, 0], red)
    assert np.allclose(coded[0, :3, 3, 3], 0) and coded[0, 3].sum() == 12
    assert np.allclose(pool(coded, 2)[0, 3], [[1, 1], [1, 0]])


def test_shards_round_trip(tmp_path):
    from aigc_video.data.shards import load_shards, write_shards
    clips = SyntheticClips(seed=2, size=(32, 24), n_frames=8, fps=8)
    write_shards(tmp_path, clips, 5, shard_size=2, progress=False)
    loaded = load_shards(tmp_path)
    assert len(loaded) == 5 and len(list(tmp_path.glob("shard_*.npz"))) == 3
    assert np.array_equal(loaded.frames[3], clips[3].frames) and loaded.captions[3] == clips[3].caption
    assert np.allclose(loaded.layout[3], clips[3].layout, atol=1e-3)
    with pytest.raises(InputError, match="no shards"):
        load_shards(tmp_path / "empty")
