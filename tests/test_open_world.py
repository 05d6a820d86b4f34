"""The open world end to end: nouns outside the vocabulary drawn from the material library,
settings with props, subjects placed on the ground or on a prop, manners, the report, --assets."""
import json

import numpy as np
import pytest

from aigc_video import materials
from aigc_video.cli import main
from aigc_video.engines import outside_training
from aigc_video.pipeline import Pipeline, _shot_engines, materials_used
from aigc_video.scene import plan
from aigc_video.scene.render import render_masks, render_shot
from aigc_video.scene.settings import SETTING_SPECS
from aigc_video.understand import parse
from aigc_video.vocab import COLORS, NATURAL

pytestmark = pytest.mark.skipif(not materials.is_installed(),
                                reason="the material library is not installed (scripts/setup.sh installs it)")


def icon(subject_or_object) -> str:
    return subject_or_object.asset.asset_id.split(":", 1)[1]


def test_a_cat_sleeps_on_the_sofa_in_a_living_room():
    sb = parse("A cat sleeps on a sofa in a cozy living room.")
    shot = sb.shots[0]
    (cat,) = shot.subjects
    assert cat.kind == "cat" and icon(cat) == "cat" and cat.color == NATURAL
    assert cat.asset.source == "fluent-emoji-flat" and "MIT" in cat.asset.licence
    assert cat.action.motion == "still" and cat.action.manner == "sleep"
    assert shot.setting.background == "living_room" and shot.setting.on.name == "sofa"
    assert not any("dog" in w for w in sb.warnings)

    sp = plan(sb, size=(320, 180), seed=0).shots[0]
    sofa = next(p for p in sp.props if p.name == "sofa")
    obj = sp.objects[0]
    # Feet on the seat: the visible bottom of the cat is at the sofa's seat line.
    _, _, _, y1 = materials.alpha_bbox(obj.asset.asset_id)
    feet = obj.track.y[0] + obj.track.scale[0] * (y1 - 0.5)
    assert feet == pytest.approx(sofa.seat, abs=0.01)
    assert abs(obj.track.x[0] - sofa.x) < 0.1
    # Sleeping is breathing: the size swells and falls a little, the place stays.
    scale = np.asarray(obj.track.scale)
    assert 0.01 < np.ptp(scale) / scale.mean() < 0.1 and np.ptp(obj.track.x) == 0


def test_a_panda_eats_bamboo_in_a_bamboo_forest():
    shot = parse("一只熊猫在竹林里吃竹子。").shots[0]
    assert shot.setting.background == "bamboo_forest"
    assert icon(shot.subjects[0]) == "panda" and shot.subjects[0].action.manner == "eat"


def test_walkers_keep_their_feet_on_the_ground_line():
    sb = parse("A penguin walks to the right on the beach.")
    sp = plan(sb, size=(320, 180), seed=3).shots[0]
    obj = sp.objects[0]
    assert icon(obj) == "penguin"
    ground = SETTING_SPECS[sp.background].ground
    _, _, _, y1 = materials.alpha_bbox(obj.asset.asset_id)
    feet = np.asarray(obj.track.y) + np.asarray(obj.track.scale) * (y1 - 0.5)
    assert feet.max() == pytest.approx(ground, abs=0.01)          # lands on the line
    assert 0 < np.ptp(feet) < 0.05                                # and bobs above it
    assert obj.track.x[-1] > obj.track.x[0]


def test_a_named_colour_recolours_the_material():
    sb = parse("A blue bus drives to the left on the street.")
    sp = plan(sb, size=(320, 180), seed=1).shots[0]
    obj = sp.objects[0]
    assert icon(obj) == "bus" and obj.color == "blue"
    frames = render_shot(sp, 320, 180)
    masks = render_masks(sp, 320, 180)
    inside = frames[0][masks[0, 0] > 0.9].astype(int)
    blue = np.abs(inside - np.array(COLORS["blue"])).sum(1) < 120
    red = np.abs(inside - np.array((220, 40, 40))).sum(1) < 120
    assert blue.mean() > 0.3 and red.mean() < 0.05


def test_unknown_nouns_are_named_with_candidates_never_replaced():
    sb = parse("A zorblatt jumps.")
    assert sb.shots[0].subjects == []
    (w,) = [w for w in sb.warnings if "zorblatt" in w]
    assert "material library" in w and "left out" in w


def test_the_report_names_every_material_and_learned_engines_fall_back(tmp_path):
    sb = parse("A cat sleeps on a sofa. A red ball bounces on the grass.")
    sp = plan(sb, size=(320, 180), seed=0)
    used = materials_used(sp)
    assert {u["role"] for u in used} == {"subject", "prop"}
    assert all({"asset_id", "source", "licence", "score", "matched_by"} <= set(u) for u in used)
    assert outside_training(sp.shots[0]) and outside_training(sp.shots[1]) is None
    engines = _shot_engines("flow", sp)
    assert engines[0]["engine"] == "render" and "cat" in engines[0]["reason"]
    assert engines[1] == {"shot": 2, "engine": "flow"}

    out = tmp_path / "cat.mp4"
    result = Pipeline(size=(160, 96), fps=8, audio=False).generate("A cat sleeps on a sofa.", out)
    report = json.loads(result.report_path.read_text())
    assert report["engine"] == "render"
    assert any(m["name"] == "cat" and m["role"] == "subject" for m in report["materials"])


def _png(path, rgba):
    import skia
    skia.Image.fromarray(rgba, skia.ColorType.kRGBA_8888_ColorType).save(str(path), skia.kPNG)


def test_own_assets_folder_is_used_and_preferred(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    rgba = np.zeros((64, 64, 4), np.uint8)
    rgba[8:56, 8:56] = (10, 200, 120, 255)
    _png(folder / "zorblatt.png", rgba)
    sb = parse("A zorblatt jumps.", assets=str(folder))
    (s,) = sb.shots[0].subjects
    assert s.asset.asset_id == "user:zorblatt.png" and s.asset.source == "user"
    sp = plan(sb, size=(160, 96), seed=0, assets=str(folder)).shots[0]
    frame = render_shot(sp, 160, 96)[0]
    assert (np.abs(frame.astype(int) - (10, 200, 120)).sum(-1) < 30).sum() > 50


def test_cli_refuses_a_missing_assets_folder(tmp_path, capsys):
    code = main(["plan", "A cat sleeps.", "--assets", str(tmp_path / "nope")])
    assert code == 2
    assert "nope" in capsys.readouterr().err


def test_a_broken_file_in_the_assets_folder_is_named_and_skipped(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "glitch.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    rgba = np.zeros((32, 32, 4), np.uint8)
    rgba[4:28, 4:28] = (200, 30, 200, 255)
    _png(folder / "blobby.png", rgba)
    sb = parse("A blobby spins.", assets=str(folder))
    assert any("glitch.png" in w for w in sb.warnings)
    assert sb.shots[0].subjects[0].asset.asset_id == "user:blobby.png"


def test_a_clip_in_the_assets_folder_plays_as_the_subject(tmp_path):
    import av
    folder = tmp_path / "mine"
    folder.mkdir()
    with av.open(str(folder / "flicker.mp4"), "w") as out:
        stream = out.add_stream("libx264", rate=12)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        for i in range(12):
            frame = np.full((32, 32, 3), 20 + 18 * i, np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    sb = parse("A flicker stays still.", assets=str(folder))
    sp = plan(sb, size=(160, 96), fps=12, seed=0, assets=str(folder)).shots[0]
    frames = render_shot(sp, 160, 96, fps=12)
    obj = sp.objects[0]
    cx, cy = int(obj.track.x[0] * 160), int(obj.track.y[0] * 96)
    centre = frames[:12, cy, cx].astype(int).mean(-1)
    assert centre[6] - centre[0] > 60      # the clip's frames, one per video frame
