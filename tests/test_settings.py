"""scene.settings: every setting draws, by its time of day, deterministically; the spec table
matches the drawings; the lexicons read the settings."""
from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from aigc_video import vocab
from aigc_video.scene import backgrounds
from aigc_video.scene.backgrounds import draw_static
from aigc_video.scene.settings import SETTING_SPECS, prop_named, setting_with_prop
from aigc_video.understand import lexicon_en, lexicon_zh, parse

W, H = 320, 180
ICONS = Path("/tmp/npmx/ic/package/icons.json")  # the fluent-emoji-flat set, where the setup script unpacks it


def draw(name: str, time: str, seed: int = 0) -> np.ndarray:
    return draw_static(name, time, W, H, np.random.default_rng(seed))[..., :3]


@pytest.fixture(scope="module")
def days() -> dict[str, np.ndarray]:
    return {name: draw(name, "day").astype(np.float32) for name in vocab.ALL_BACKGROUNDS}


def test_the_table_covers_every_setting_and_keeps_the_first_ten():
    assert vocab.ALL_BACKGROUNDS[:len(vocab.BACKGROUNDS)] == vocab.BACKGROUNDS
    assert len(vocab.SETTINGS) >= 26 and not set(vocab.SETTINGS) & set(vocab.BACKGROUNDS)
    assert set(SETTING_SPECS) == set(vocab.ALL_BACKGROUNDS) <= set(backgrounds.DRAW)
    assert set(vocab.BACKGROUND_TIME) == set(vocab.ALL_BACKGROUNDS)
    for name in vocab.BACKGROUNDS:   # the training data and the judge know these without props
        assert SETTING_SPECS[name].props == ()


@pytest.mark.parametrize("name", vocab.SETTINGS)
def test_every_setting_draws_at_every_time_deterministically(name):
    stills = {}
    for time in vocab.TIMES:
        a, b = draw(name, time, seed=3), draw(name, time, seed=3)
        assert a.shape == (H, W, 3) and np.array_equal(a, b), time
        stills[time] = a.astype(np.float32)
    assert stills["night"].mean() < stills["day"].mean() - 15
    # Tiny and odd sizes draw too.
    assert draw_static(name, "dusk", 17, 9, np.random.default_rng(0)).shape == (9, 17, 4)


def test_distinct_settings_look_different(days):
    closest = min(((float(np.abs(days[a] - days[b]).mean()), a, b)
                   for a, b in itertools.combinations(vocab.ALL_BACKGROUNDS, 2)))
    assert closest[0] > 8, closest


@pytest.mark.parametrize("name", vocab.SETTINGS)
def test_the_floor_line_is_where_the_drawing_changes(name, days):
    spec = SETTING_SPECS[name]
    assert 0 < spec.horizon <= spec.ground < 1
    rows = days[name].mean(axis=1)   # (H, 3): the mean colour of each row
    y = int(round(spec.horizon * H))
    above, below = rows[max(0, y - 12):y - 2].mean(0), rows[y + 2:y + 12].mean(0)
    assert np.abs(above - below).sum() > 12, (above, below)


@pytest.mark.parametrize("name", vocab.SETTINGS)
def test_props_are_placed_sensibly(name):
    spec = SETTING_SPECS[name]
    assert 1 <= len(spec.props) <= 4
    for prop in spec.props:
        assert 0 <= prop.x <= 1 and 0 < prop.width < 0.7 and prop.names
        assert prop.seat is None or 0 < prop.seat < 1
        assert prop.bottom is None or spec.horizon - 0.3 < prop.bottom <= 1
        # The middle third stays free for subjects (small floor props may stand near it).
        assert not 0.4 < prop.x < 0.6 or prop.width <= 0.1, prop
    if spec.water:
        assert spec.surface is not None or spec.flying


def test_props_are_named_in_both_languages():
    assert prop_named("couch", "living_room") == "sofa"
    assert prop_named("沙发", "living_room") == "sofa"
    assert prop_named("couch", "kitchen") is None
    assert setting_with_prop("sofa") == "living_room" and setting_with_prop("bed") == "bedroom"
    assert setting_with_prop("unicorn") is None


@pytest.mark.skipif(not ICONS.exists(), reason="the fluent-emoji-flat icon set is not unpacked")
def test_every_prop_is_an_icon_of_the_set():
    data = json.loads(ICONS.read_text())
    names = set(data["icons"]) | set(data.get("aliases", {}))
    missing = {p.icon for spec in SETTING_SPECS.values() for p in spec.props} - names
    assert not missing


@pytest.mark.parametrize("text, setting", [
    ("A cat sleeps in a cozy living room.", "living_room"),
    ("The kids play in the classroom.", "classroom"),
    ("A red ball bounces in the kitchen.", "kitchen"),
    ("A dog runs on the beach.", "beach"),
    ("A bird flies over the bamboo forest.", "bamboo_forest"),
    ("A car drives along the highway at night.", "road"),
    ("Fish swim under the sea.", "underwater"),
    ("一只熊猫在竹林里吃竹子。", "bamboo_forest"),
    ("一只小狗在客厅里跑。", "living_room"),
    ("一个红色的球在厨房里弹跳。", "kitchen"),
    ("孩子们在教室里跳。", "classroom"),
    ("一只鸟在海滩上飞。", "beach"),
    ("一只狗在森林里跑。", "forest"),
    ("一只鸟在公园里飞。", "park"),
    ("城市夜晚，一辆车在街上开。", "city"),
])
def test_sentences_name_their_setting(text, setting):
    assert parse(text).shots[0].setting.background == setting


def _words(table: dict[str, tuple[str, ...]]) -> list[tuple[str, str]]:
    return [(name, word) for name in vocab.SETTINGS for word in table[name]]


@pytest.mark.parametrize("setting, word", _words(lexicon_en.BACKGROUND_WORDS))
def test_every_english_setting_word_reads_as_its_setting(setting, word):
    shot = parse(f"A red ball bounces in the {word}.").shots[0]
    assert shot.setting.background == setting


@pytest.mark.parametrize("setting, word", _words(lexicon_zh.BACKGROUND_WORDS))
def test_every_chinese_setting_word_reads_as_its_setting(setting, word):
    shot = parse(f"一个红色的球在{word}弹跳。").shots[0]
    assert shot.setting.background == setting
