import os

import numpy as np
import pytest

from aigc_video import Pipeline, cache as cache_mod
from aigc_video.cache import Cache, digest

SCRIPT = "A red ball bounces across the grass. A blue star spins in space. A yellow car drives left."
EDITED = "A red ball bounces across the grass. A green star spins in space. A yellow car drives left."


def test_round_trip_and_counts(tmp_path):
    c = Cache(tmp_path)
    a = np.arange(3 * 4 * 5 * 3, dtype=np.uint8).reshape(3, 4, 5, 3)
    assert c.get("shots", digest("k")) is None
    c.put("shots", digest("k"), a)
    b = c.get("shots", digest("k"))
    assert np.array_equal(a, b) and b.flags.writeable
    assert c.counts["shots"] == {"hits": 1, "misses": 1}


def test_a_corrupt_entry_is_removed_and_never_returned(tmp_path):
    c = Cache(tmp_path)
    key = digest("k")
    c.put("tts", key, np.ones(1000, np.float32))
    path = c._path("tts", key)
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    assert c.get("tts", key) is None
    assert not path.exists() and c.removed == 1
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"garbage")
    assert c.get("tts", key) is None and not path.exists()


def test_an_entry_of_another_version_or_key_is_ignored(tmp_path, monkeypatch):
    c = Cache(tmp_path)
    key = digest("k")
    c.put("music", key, np.zeros(10, np.float32))
    monkeypatch.setattr(cache_mod, "__version__", "0.0.0-other")
    assert c.get("music", key) is None and c.removed == 1
    monkeypatch.undo()
    c.put("music", key, np.zeros(10, np.float32))
    os.replace(c._path("music", key), c._path("music", key).with_name(digest("other") + ".bin"))
    assert c.get("music", digest("other")) is None      # the header names another key


def test_lru_eviction_keeps_the_recently_used(tmp_path):
    c = Cache(tmp_path, max_mb=1.0)
    rng = np.random.default_rng(0)
    keys = [digest(i) for i in range(3)]
    for i, k in enumerate(keys):                              # ~300 KB each, incompressible
        c.put("shots", k, rng.integers(0, 255, 300_000, dtype=np.uint8))
        os.utime(c._path("shots", k), (1000 + i, 1000 + i))
    assert c.get("shots", keys[0]) is not None                # now the most recently used
    c.put("shots", digest(3), rng.integers(0, 255, 300_000, dtype=np.uint8))
    assert c.evicted >= 1
    assert c._path("shots", keys[0]).exists() and not c._path("shots", keys[1]).exists()
    assert sum(size for _, size, _ in c.entries()) <= c.max_bytes


def test_unwritable_folder_warns_and_the_video_is_still_made(tmp_path, small_pipeline_kwargs):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    result = Pipeline(**small_pipeline_kwargs, narration="off", cache=str(blocker / "cache")).generate(
        "A red ball bounces.", tmp_path / "a.mp4")
    assert result.video_path.exists()
    assert any("not writable" in w for w in result.warnings)
    assert result.report["cache"]["status"].startswith("off")


def test_editing_one_sentence_redraws_only_its_shot(tmp_path, small_pipeline_kwargs, monkeypatch):
    # the scene engine's shots are not cached in production (drawing is cheaper than reading);
    # it stands in here for a learned engine so the test stays fast
    monkeypatch.setattr(cache_mod, "SHOT_ENGINES", ("render", "flow"))
    calls = []
    from aigc_video.engines.render import RenderEngine
    original = RenderEngine.generate
    monkeypatch.setattr(RenderEngine, "generate", lambda self, shot, *a: calls.append(shot.caption) or original(self, shot, *a))
    kw = dict(small_pipeline_kwargs, narration="off", cache=str(tmp_path / "cache"))
    first = Pipeline(**kw).generate(SCRIPT, tmp_path / "a.mp4")
    assert first.report["cache"]["counts"]["shots"] == {"hits": 0, "misses": 3} and len(calls) == 3
    calls.clear()
    edited = Pipeline(**kw).generate(EDITED, tmp_path / "b.mp4")
    assert edited.report["cache"]["counts"]["shots"] == {"hits": 2, "misses": 1}
    assert len(calls) == 1 and "green" in calls[0]
    uncached = Pipeline(**dict(kw, use_cache=False)).generate(EDITED, tmp_path / "c.mp4")
    for a, b in zip(edited.frames, uncached.frames):
        assert np.array_equal(a, b)
    assert edited.report["cache"]["counts"]["music"]["hits"] == 1   # same moods and timing


@pytest.mark.skipif(not __import__("shutil").which("espeak-ng"), reason="espeak-ng not installed")
def test_speech_is_read_from_the_cache(tmp_path):
    from aigc_video.synthesis import tts
    c = Cache(tmp_path)
    with cache_mod.active(c):
        a = tts.speak("A red ball.", "en")
        b = tts.speak("A red ball.", "en")
    assert np.array_equal(a, b) and c.counts["tts"] == {"hits": 1, "misses": 1}


def test_the_folder_is_walked_once_not_on_every_write(tmp_path, monkeypatch):
    walks = []
    original = Cache.entries
    monkeypatch.setattr(Cache, "entries", lambda self: walks.append(1) or original(self))
    c = Cache(tmp_path, max_mb=1.0)
    rng = np.random.default_rng(0)
    for i in range(3):                                        # ~300 KB each: under the limit
        c.put("segments", digest(i), rng.integers(0, 255, 300_000, dtype=np.uint8))
    assert len(walks) == 1
    other = Cache(tmp_path, max_mb=1.0)                      # another video, same process: total known
    other.put("segments", digest(3), rng.integers(0, 255, 300_000, dtype=np.uint8))
    assert len(walks) == 2 and other.evicted >= 1             # over the limit: walked, and evicted
    assert sum(size for _, size, _ in original(c)) <= c.max_bytes
