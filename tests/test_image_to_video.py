"""Image to video (`--image`): the picture is every shot's plate, the video opens on it, the
camera animates it, the plan names it, bad pictures exit 2 naming the file with nothing written."""
import dataclasses
import json
import struct
import zlib

import av
import numpy as np
import pytest
import skia

from aigc_video import cli
from aigc_video.engines import outside_training
from aigc_video.pipeline import Pipeline
from aigc_video.scene.picture import PictureLayers, cover_fit, read_picture
from aigc_video.scene.render import render_masks
from aigc_video.scene.sceneplan import ScenePlan

W, H = 192, 108


def picture(h: int = 150, w: int = 200, seed: int = 0) -> np.ndarray:
    """A smooth, textured test picture (h, w, 3) uint8: gradients plus a few blocks."""
    y, x = np.mgrid[0:h, 0:w] / np.array([h, w])[:, None, None]
    rgb = np.stack([200 * x + 30, 180 * y + 40, 120 + 100 * np.sin(6 * x + 4 * y)], -1)
    rng = np.random.default_rng(seed)
    for _ in range(6):
        y0, x0 = rng.integers(0, h - 20), rng.integers(0, w - 20)
        rgb[y0:y0 + 20, x0:x0 + 20] = rng.integers(0, 255, 3)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def save(rgb: np.ndarray, path, fmt=skia.EncodedImageFormat.kPNG) -> str:
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    image = skia.Image.fromarray(np.ascontiguousarray(rgba), skia.ColorType.kRGBA_8888_ColorType)
    path.write_bytes(bytes(image.encodeToData(fmt, 95)))
    return str(path)


def first_decoded_frame(path) -> np.ndarray:
    with av.open(str(path)) as c:
        return next(c.decode(video=0)).to_ndarray(format="rgb24")


def test_first_frame_matches_the_picture_outside_objects_and_subtitles(tmp_path):
    rgb = picture()
    path = save(rgb, tmp_path / "pic.png")
    out = tmp_path / "v.mp4"
    result = Pipeline(size=(W, H), fps=8, seed=2, audio=False, subtitles="burn", image=path).generate(
        "A red ball bounces to the right. A yellow star spins.", out)
    expected = cover_fit(rgb, W, H)[..., :3].astype(np.float64)
    shot = result.plan.shots[0]
    covered = render_masks(shot, W, H)[0].max(axis=0) > 0.01 if shot.objects else np.zeros((H, W), bool)
    keep = ~covered
    keep[int(0.7 * H):] = False   # burned subtitles sit in the bottom band
    for frame in (result.frames[0][0], first_decoded_frame(out)):
        mad = np.abs(frame.astype(np.float64) - expected).mean(-1)[keep].mean() / 255
        assert mad <= 20 / 255, mad
    # ... and the engine's own frame, before encoding, is the cover-fitted picture to the pixel
    assert np.abs(result.frames[0][0].astype(int) - expected)[keep].max() <= 1
    # the camera moves it: the last frame is not the first
    assert np.abs(result.frames[0][-1].astype(int) - result.frames[0][0])[keep].mean() > 2


def test_the_plan_names_the_picture(tmp_path):
    path = save(picture(), tmp_path / "pic.png")
    storyboard, plan = Pipeline(size=(W, H), fps=8, image=path).plan("A cat walks left. A dog sleeps.")
    ref = read_picture(path)
    assert ref.width == 200 and ref.height == 150 and len(ref.sha256) == 64
    assert all(s.picture == ref and not s.props for s in plan.shots)
    cam = plan.shots[0].camera
    assert cam.zoom[0] == 1.0 and cam.pan_x[0] == 0.0 and cam.zoom[-1] > 1.05
    assert cam.pan_x[-1] < 0   # drifts with the cat, to the left
    again = ScenePlan.from_json(plan.to_json())
    assert again.shots[0].picture == ref
    assert "picture" not in (outside_training(plan.shots[0]) or "")   # learned engines draw over it now
    # parallax: after frame 0 a near layer moves faster than the far plate
    layers = PictureLayers(ref, cam, W, H)
    assert len(layers.layers(0)) == 1
    (_, z_far, _), (_, z_near, _) = layers.layers(len(cam.zoom) - 1)
    assert z_near > z_far > 1


def test_plan_command_prints_the_picture(tmp_path, capsys):
    path = save(picture(), tmp_path / "pic.jpg", skia.EncodedImageFormat.kJPEG)
    assert cli.main(["plan", "a red ball", "--image", path, "--size", "160x90"]) == 0
    assert f"image: {path} (200x150, sha256 " in capsys.readouterr().out
    assert cli.main(["plan", "a red ball", "--image", path, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["plan"]["shots"][0]["picture"]["path"] == path


def test_cover_fit_crops_the_overflow_evenly():
    rgb = np.zeros((100, 400, 3), np.uint8)
    rgb[:, :100] = (255, 0, 0)        # a quarter at each side is cropped from a 4:1 picture into 2:1
    rgb[:, 100:300] = (0, 255, 0)
    rgb[:, 300:] = (0, 0, 255)
    out = cover_fit(rgb, 200, 100)
    assert out.shape == (100, 200, 4)
    assert np.abs(out[:, 2:-2, :3].astype(int) - (0, 255, 0)).max() <= 2


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width x height (IHDR) with a tiny IDAT: the size check must come first."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("make, needle", [
    (lambda p: p.write_text("not a picture at all"), "not a picture"),
    (lambda p: p.write_bytes(b""), "not a picture"),
    (lambda p: p.write_bytes(_png_header_only(10000, 10000)), "megapixels"),
    (lambda p: p.write_bytes(_png_header_only(20000, 100)), "16384"),
    (None, "does not exist"),
])
def test_bad_pictures_exit_2_naming_the_file_and_write_nothing(tmp_path, capsys, make, needle):
    path = tmp_path / "in.png"
    if make is not None:
        make(path)
    out = tmp_path / "out" / "v.mp4"
    out.parent.mkdir()
    assert cli.main(["generate", "a red ball", "--image", str(path), "-o", str(out), "--size", "160x90"]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and needle in err, err
    assert list(out.parent.iterdir()) == []


def test_a_truncated_picture_is_refused(tmp_path):
    good = save(picture(), tmp_path / "pic.png")
    cut = tmp_path / "cut.png"
    data = open(good, "rb").read()
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(Exception, match="damaged or incomplete"):
        read_picture(cut)


def test_a_learned_engine_opens_on_the_picture_and_draws_the_subjects_over_it(tmp_path):
    """gan (one network call a window): no fallback to render, frame 0 is the picture, the
    picture stays the background under the camera, the model's subject moves over it."""
    rgb = picture()
    path = save(rgb, tmp_path / "pic.png")
    out = tmp_path / "v.mp4"
    result = Pipeline(size=(W, H), fps=12, seed=2, audio=False, subtitles="none", image=path, engine="gan",
                      use_cache=False).generate("A red ball bounces to the right.", out)
    assert result.report["shot_engines"] == [{"shot": 1, "engine": "gan"}]
    shot, frames = result.plan.shots[0], result.frames[0]
    expected = cover_fit(rgb, W, H)[..., :3].astype(int)
    assert np.abs(frames[0].astype(int) - expected).max() <= 1
    assert np.abs(first_decoded_frame(out).astype(float) - expected).mean() / 255 <= 20 / 255
    # away from the ball, every frame is the picture seen through the shot's camera
    from aigc_video.scene.render import apply_camera
    moved = apply_camera(np.repeat(expected[None].astype(np.uint8), len(frames), 0), shot)
    masks = render_masks(shot, W, H).max(axis=1)
    far = masks == 0
    for i in (len(frames) // 2, len(frames) - 1):
        assert np.abs(frames[i].astype(int) - moved[i])[far[i]].mean() < 2
    # inside it, the model's ball: redder than the picture there
    inside = masks[-1] > 0.9
    assert inside.sum() > 20
    redness = lambda f: (f[..., 0].astype(int) - f[..., 1:].mean(-1))[inside].mean()
    assert redness(frames[-1]) > redness(moved[-1]) + 40


def test_the_learned_engines_are_conditioned_on_the_picture(tmp_path):
    """First-frame conditioning: given the encoded picture as clean context, the model's own
    frames (native size, before any compositing) start from the picture; without it they start
    from the model's idea of the caption's setting."""
    from aigc_video.engines import get_engine
    from aigc_video.engines.first_frame import still_view
    from aigc_video.scene.picture import plate
    path = save(picture(), tmp_path / "pic.png")
    _, plan = Pipeline(size=(W, H), fps=12, seed=2, image=path).plan("A red ball bounces to the right.")
    shot = still_view(plan.shots[0])
    engine = get_engine("gan", precision="fp32")
    target = plate(shot.picture, engine.native_w, engine.native_h)[..., :3].astype(float)

    def first_frame_error(s):
        video, _ = engine.native_frames(s, 12)
        frame = ((video[0].permute(1, 2, 0).numpy() + 1) * 127.5).clip(0, 255)
        return np.abs(frame - target).mean() / 255

    with_picture = first_frame_error(shot)
    without = first_frame_error(dataclasses.replace(shot, picture=None))
    assert with_picture < 0.1 and without > 3 * with_picture, (with_picture, without)
