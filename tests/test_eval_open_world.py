"""The open-world judge on known answers: a correct render passes, a swapped or missing material
fails, mild learned-model-like damage and other seeded details are forgiven; the setting verdict
on a new setting; the everyday suite and its lenient reading of material names. Small sizes and
short shots, so each test takes about a second (bench/open_world.py runs the full validation)."""
import dataclasses

import numpy as np
import pytest

from aigc_video import materials
from aigc_video.errors import InputError
from aigc_video.eval import degrade, open_world
from aigc_video.eval.suites import SUITES, Expect, SuitePrompt, kind_matches, load_suite
from aigc_video.materials import Match
from aigc_video.scene import plan
from aigc_video.scene.render import render_shot
from aigc_video.storyboard import Action, Setting, Shot, Storyboard, Subject

SIZE, FPS = (128, 72), 8
installed = pytest.mark.skipif(not materials.is_installed(), reason=(
    f"material library not installed in {materials.data_dir()} (run `python -m aigc_video.materials install`)"))


def icon(name: str) -> Match:
    return Match(f"fluent-emoji-flat:{name}", name.replace("-", " "), "fluent-emoji-flat", "MIT", 1.0, "name", name)


def make(subjects, background="park", seed=0, duration=1.5):
    shot = Shot(text="", subjects=subjects, setting=Setting(background), duration_s=duration)
    sp = plan(Storyboard([shot]), size=SIZE, fps=FPS, seed=seed).shots[0]
    return shot, sp


def judge(frames, shot, sp):
    return open_world.judge_shot(frames, shot, sp, FPS)


@pytest.fixture(scope="module")
def cat_in_park():
    shot, sp = make([Subject("cat", "natural", "large", 1, Action("move", "right"), asset=icon("cat"))])
    return shot, sp, render_shot(sp, *SIZE, FPS)


def with_asset(sp, asset_id):
    obj = dataclasses.replace(sp.objects[0], asset=icon(asset_id))
    return dataclasses.replace(sp, objects=[obj, *sp.objects[1:]])


@installed
def test_correct_render_is_seen(cat_in_park):
    shot, sp, frames = cat_in_park
    v = judge(frames, shot, sp)
    assert open_world.needs_open_world(sp)
    assert v.verdicts["material"] and v.verdicts["setting"], v.details
    assert v.fully_correct, v.details           # the park's props too
    (cat,) = [it for it in v.items if it.role == "material"]
    assert len(cat.similarity) == open_world.SAMPLES and min(cat.similarity) > 0.8


@installed
@pytest.mark.parametrize("other", ["pizza", "rocket", "tiger"])
def test_swapped_material_is_rejected(cat_in_park, other):
    shot, sp, _ = cat_in_park
    v = judge(render_shot(with_asset(sp, other), *SIZE, FPS), shot, sp)
    assert not v.verdicts["material"], v.details
    assert v.verdicts["setting"]


@installed
def test_missing_material_is_rejected(cat_in_park):
    shot, sp, _ = cat_in_park
    v = judge(render_shot(open_world.without_object(sp, 0), *SIZE, FPS), shot, sp)
    assert not v.verdicts["material"]
    assert max(v.items[0].similarity) < 0.2


@installed
def test_material_in_the_wrong_place_is_rejected(cat_in_park):
    shot, sp, _ = cat_in_park
    tr = sp.objects[0].track
    moved = dataclasses.replace(tr, x=[1.0 - x for x in tr.x])      # the mirrored path
    elsewhere = dataclasses.replace(sp, objects=[dataclasses.replace(sp.objects[0], track=moved)])
    assert not judge(render_shot(elsewhere, *SIZE, FPS), shot, sp).verdicts["material"]


@installed
def test_mild_damage_and_other_seeded_details_are_forgiven(cat_in_park):
    shot, sp, frames = cat_in_park
    v = judge(degrade.learned_like(frames, 0.5, seed=1), shot, sp)
    assert v.verdicts["material"] and v.verdicts["setting"], v.details
    reseeded = render_shot(dataclasses.replace(sp, seed=sp.seed + 99), *SIZE, FPS)
    v = judge(reseeded, shot, sp)
    assert v.verdicts["material"] and v.verdicts["setting"], v.details


def test_setting_verdict_on_a_new_setting():
    """A vocabulary dog in a kitchen (a setting outside vocab.BACKGROUNDS): the kitchen is seen;
    the same shot planned on a beach, judged against the kitchen plan, is not."""
    dog = [Subject("dog", "brown", "medium", 1, Action("move", "left"))]
    shot, sp = make(dog, "kitchen", seed=2)
    assert open_world.needs_open_world(sp)
    v = judge(render_shot(sp, *SIZE, FPS), shot, sp)
    assert v.verdicts["setting"] and v.verdicts["object"], v.details
    assert min(v.setting_distances, key=v.setting_distances.get) == "kitchen"
    _, beach = make(dog, "beach", seed=2)
    v = judge(render_shot(beach, *SIZE, FPS), shot, sp)
    assert not v.verdicts["setting"] and v.details["setting"] == ["beach"]


def test_vocabulary_shots_stay_with_the_vocabulary_judge():
    _, sp = make([Subject("circle", "red", "medium", 1, Action("move", "right"))], "grass")
    assert not open_world.needs_open_world(sp)


def test_bad_frames_raise():
    shot, sp = make([Subject("circle", "red")], "kitchen")
    with pytest.raises(InputError, match="frames"):
        judge(np.zeros((sp.n_frames - 1, 72, 128, 3), np.uint8), shot, sp)


def test_everyday_suite_loads_and_reads_material_names_leniently():
    assert "everyday" in SUITES
    prompts = load_suite("everyday")
    assert len(prompts) == 44 and len({p.id for p in prompts}) == 44
    assert sum(p.id.startswith("z") for p in prompts) == 20
    biking = Subject("man biking", "natural", action=Action("move", "right"), asset=icon("man-biking"))
    assert kind_matches("man", biking) and kind_matches("man biking", biking)
    assert not kind_matches("woman", biking)
    assert not kind_matches("man", Subject("mango", "natural", asset=icon("mango")))   # a word, not a prefix
    assert kind_matches("dog", Subject("dog", "brown"))
    prompt = SuitePrompt("t", "A man rides on the road.", (Expect("man", "natural", "move"),), "road")
    got = prompt.understood(Storyboard([Shot("", [biking], Setting("road"))]))
    assert all(got.values()), got
    # Two subjects named in another order than the storyboard's are still paired by kind.
    pair = SuitePrompt("t", "", (Expect("panda", "natural"), Expect("bamboo", "natural")), None)
    sb = Storyboard([Shot("", [Subject("bamboo", "natural", asset=icon("bamboo")),
                               Subject("panda", "natural", asset=icon("panda"))])])
    assert pair.understood(sb)["kind"]


@installed
def test_eval_command_runs_the_everyday_suite(tmp_path, capsys):
    import argparse
    import json

    from aigc_video.eval import command

    parser = argparse.ArgumentParser()
    command.register(parser.add_subparsers(dest="cmd"))
    args = parser.parse_args(["eval", "--engine", "render", "--suite", "everyday", "--limit", "1",
                              "--out", str(tmp_path / "o"), "--no-distances"])
    assert args.func(args) == 0
    metrics = json.loads((tmp_path / "o" / "metrics.json").read_text())
    assert metrics["judged_by"] == {"open_world": 1.0}
    assert {"material", "setting"} <= set(metrics["per_attribute"]) and metrics["understood"]["kind"] == 1.0
    assert (tmp_path / "o" / "contact_sheet.png").exists() and "material" in capsys.readouterr().out


@installed
def test_a_learned_engine_hands_untrained_shots_to_the_scene_engine():
    """As the Pipeline does: evaluate never asks a learned engine for a material shot."""
    from aigc_video.eval.evaluate import run_suite

    class Learned:
        name = "learned"

        def generate(self, shot, width, height, fps):
            raise AssertionError("a shot outside training reached the learned engine")

    res = run_suite(Learned(), "everyday", seeds=(0,), size=SIZE, fps=FPS, distances=False, limit=1)
    assert res.metrics["settings"]["engine"] == "learned"
    assert res.metrics["drawn_by_engine"] == {"render": 1.0} and res.shots[0].engine == "render"
