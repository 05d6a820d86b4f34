"""Encoded segments (synthesis/segments.py): keys that change only with what a segment shows,
segments joined into one playable stream, stored segments joined as they are, and checks that
refuse what cannot be joined; and the pipeline's reuse of them across an edit within a project."""
import av
import numpy as np
import pytest

from aigc_video import Pipeline
from aigc_video.cache import Cache, digest
from aigc_video.errors import InputError
from aigc_video.synthesis import segments as seg, watermark as wm
from aigc_video.synthesis.encode import encode, joined_frames, probe

W, H, FPS = 160, 96, 12
SCRIPT = "A red ball bounces across the grass. A blue star spins in space. A yellow car drives left."
EDITED = SCRIPT.replace("blue star", "green star")


def flat_frames(colours, n_each):
    """n_each[i] frames of one flat colour each: a segment's frames are told apart by colour."""
    for colour, n in zip(colours, n_each):
        for k in range(n):
            frame = np.empty((H, W, 3), np.uint8)
            frame[:] = colour
            frame[:, 4 * k:4 * k + 8] = 255            # a moving bar: P-frames have work to do
            yield frame


def decoded(path):
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


COLOURS = [(200, 40, 40), (40, 200, 40), (40, 40, 200)]
SIZES = [10, 7, 9]
SEGMENTS = [seg.Segment(0, 10, digest("a")), seg.Segment(10, 17, digest("b")), seg.Segment(17, 26, digest("c"))]


def test_joined_segments_play_as_one_stream_with_audio(tmp_path):
    kept = {}
    audio = np.sin(np.arange(26 * 4000) * 0.05).astype(np.float32) * 0.3
    path = encode(flat_frames(COLOURS, SIZES), 26, tmp_path / "joined.mp4", width=W, height=H, fps=FPS,
                  audio=audio, segments=SEGMENTS, keep=lambda s, data: kept.setdefault(s.key, data))
    info = probe(path)
    assert info["n_frames"] == 26 and abs(info["video_duration_s"] - 26 / FPS) < 0.01 and info["faststart"]
    assert info["audio_codec"] == "aac" and abs(info["audio_duration_s"] - 26 / FPS) < 0.05
    frames = decoded(path)
    assert len(frames) == 26
    for start, colour in zip((0, 10, 17), COLOURS):    # each segment's frames in its place
        assert np.abs(frames[start][:, 40:].astype(int).mean(axis=(0, 1)) - colour).max() < 6
    assert sorted(kept) == sorted(s.key for s in SEGMENTS)
    assert all(seg.stream_info(data, FPS)[1:] == (W, H, s.n_frames) for s, data in zip(SEGMENTS, (kept[s.key] for s in SEGMENTS)))


def shown_pictures(path, n):
    """The picture shown at each of the n frame times: each decoded frame until the next one's time;
    and how many frames the file stores."""
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        pictures = [(round(float(f.pts * stream.time_base) * FPS), f.to_ndarray(format="rgb24")) for f in c.decode(stream)]
    shown = []
    for k, (index, picture) in enumerate(pictures):
        end = pictures[k + 1][0] if k + 1 < len(pictures) else n
        shown.extend([picture] * (end - index))
    return shown, len(pictures)


@pytest.mark.parametrize("joined", [False, True])
def test_repeated_frames_are_stored_once_and_held_for_their_time(joined, tmp_path):
    """A frame equal to the one before is not encoded again (the learned engines show each frame
    twice at 24 fps): the file stores fewer frames and shows the same picture at every frame time,
    whole or joined from segments that start and end inside a repeat."""
    source = [f for f in flat_frames(COLOURS, [5, 4, 5]) for _ in range(2)]       # 28 frames, 14 pictures
    segments = [seg.Segment(0, 9, digest("x")), seg.Segment(9, 19, digest("y")), seg.Segment(19, 28, digest("z"))]
    path = encode(iter(source), 28, tmp_path / "held.mp4", width=W, height=H, fps=FPS,
                  audio=np.zeros(28 * 4000, np.float32), segments=segments if joined else None)
    info = probe(path)
    assert info["n_frames"] == 28 and info["fps"] == FPS and abs(info["video_duration_s"] - 28 / FPS) < 0.01
    shown, stored = shown_pictures(path, 28)
    # 14 pictures (one at each even frame) + the last frame (+ each segment's first 4 frames and last)
    assert stored == info["frames_stored"] == (21 if joined else 15)
    assert len(shown) == 28
    assert all(np.abs(a.astype(int) - b).mean() < 3 for a, b in zip(shown, source))
    if joined:   # each segment's first JOIN_LEAD frames and its last are encoded even when repeated
        assert joined_frames(segments) == {0, 1, 2, 3, 8, 9, 10, 11, 12, 18, 19, 20, 21, 22, 27}


def test_stored_segments_are_joined_as_they_are(tmp_path):
    kept = {}
    first = encode(flat_frames(COLOURS, SIZES), 26, tmp_path / "a.mp4", width=W, height=H, fps=FPS,
                   segments=SEGMENTS, keep=lambda s, data: kept.setdefault(s.key, data))
    # all stored: no frame is asked for, the video is the same
    drawn = []
    again = encode((drawn.append(1) or f for f in flat_frames(COLOURS, SIZES)), 26, tmp_path / "b.mp4",
                   width=W, height=H, fps=FPS, segments=SEGMENTS,
                   stored={i: kept[s.key] for i, s in enumerate(SEGMENTS)})
    assert drawn == []
    assert all(np.array_equal(a, b) for a, b in zip(decoded(first), decoded(again)))
    # the middle one encoded again, from other frames: only its frames are given
    mixed = encode(flat_frames([(90, 90, 90)], [7]), 26, tmp_path / "c.mp4", width=W, height=H, fps=FPS,
                   segments=SEGMENTS, stored={0: kept[SEGMENTS[0].key], 2: kept[SEGMENTS[2].key]})
    frames, old = decoded(mixed), decoded(first)
    assert np.array_equal(frames[0], old[0]) and np.array_equal(frames[25], old[25])
    assert np.abs(frames[12][:, 40:].astype(int).mean() - 90) < 6


def test_segments_must_cover_the_video_and_frames_must_match():
    with pytest.raises(ValueError, match="do not cover"):
        encode(flat_frames(COLOURS, SIZES), 27, "/tmp/never.mp4", width=W, height=H, fps=FPS, segments=SEGMENTS)


def test_too_few_frames_for_a_segment_fail_and_leave_nothing(tmp_path):
    with pytest.raises(ValueError, match="20 frames were produced, 26 were announced"):
        encode(flat_frames(COLOURS, [10, 7, 3]), 26, tmp_path / "x.mp4", width=W, height=H, fps=FPS, segments=SEGMENTS)
    assert list(tmp_path.iterdir()) == []


def test_stored_segments_that_cannot_be_joined_are_discarded(tmp_path):
    cache = Cache(tmp_path / "cache")
    good = {}
    encode(flat_frames(COLOURS, SIZES), 26, tmp_path / "a.mp4", width=W, height=H, fps=FPS,
           segments=SEGMENTS, keep=lambda s, data: good.setdefault(s.key, data))
    other = {}   # "medium" keeps 3 reference frames: other SPS than "superfast"'s
    encode(flat_frames(COLOURS, SIZES), 26, tmp_path / "m.mp4", width=W, height=H, fps=FPS, preset="medium",
           segments=SEGMENTS, keep=lambda s, data: other.setdefault(s.key, data))
    cache.put("segments", SEGMENTS[0].key, np.frombuffer(good[SEGMENTS[0].key], np.uint8))
    cache.put("segments", SEGMENTS[1].key, np.frombuffer(other[SEGMENTS[1].key], np.uint8))
    cache.put("segments", SEGMENTS[2].key, np.frombuffer(b"not an mp4 at all", np.uint8))
    found = seg.read_stored(cache, SEGMENTS, W, H, FPS, "superfast", 22)
    assert list(found) == [0]
    assert cache.removed == 2 and cache.counts["segments"] == {"hits": 1, "misses": 2}
    assert not cache.holds("segments", SEGMENTS[1].key) and not cache.holds("segments", SEGMENTS[2].key)
    # a segment of another length than planned is refused too
    short = [seg.Segment(0, 11, SEGMENTS[0].key)]
    assert seg.read_stored(cache, short, W, H, FPS, "superfast", 22) == {}


def plan_of(text):
    return Pipeline(engine="render", size=(W, H), fps=FPS, seed=3).plan(text)[1]


def keys_of(plan):
    return [digest(shot.to_dict()) for shot in plan.shots]


def test_an_edited_shot_changes_its_segments_and_the_blends_beside_it_only():
    parts = {"watermark": "x"}
    before, after = plan_of(SCRIPT), plan_of(EDITED)
    none = np.full(before.total_frames, -1)
    a = seg.plan_segments(before, keys_of(before), [], none, parts)
    b = seg.plan_segments(after, keys_of(after), [], np.full(after.total_frames, -1), parts)
    assert [(s.start, s.end) for s in a] == [(s.start, s.end) for s in b]
    assert a[0].start == 0 and a[-1].end == before.total_frames
    assert all(x.end == y.start for x, y in zip(a, a[1:]))
    # ball | ball->star blend | star | star->car blend | car: the edit touches the middle three
    assert len(a) == 5
    assert [x.key == y.key for x, y in zip(a, b)] == [True, False, False, False, True]
    # another watermark, other subtitles, an unkeyed shot: other keys, or none
    assert seg.plan_segments(before, keys_of(before), [], none, {"watermark": "y"})[0].key != a[0].key
    cue = type("Cue", (), {"text": "A red ball"})()
    burned = none.copy()
    burned[2:5] = 0
    assert seg.plan_segments(before, keys_of(before), [cue], burned, parts)[0].key != a[0].key
    assert seg.plan_segments(before, [None, *keys_of(before)[1:]], [], none, parts)[0].key is None


def test_a_project_keeps_its_watermark_and_an_edit_reuses_the_untouched_shots(tmp_path):
    kw = dict(engine="render", size=(W, H), fps=FPS, seed=3, narration="off", cache=str(tmp_path / "cache"))
    first = Pipeline(**kw, project="my film").generate(SCRIPT, tmp_path / "a.mp4", keep_frames=False)
    assert first.report["cache"]["counts"]["segments"] == {"hits": 0, "misses": 5}
    edited = Pipeline(**kw, project="my film").generate(EDITED, tmp_path / "b.mp4", keep_frames=False)
    assert edited.report["cache"]["counts"]["segments"] == {"hits": 2, "misses": 3}
    assert edited.report["provenance"]["video_id"] == first.report["provenance"]["video_id"]
    assert edited.report["provenance"]["project"] == "my film"
    found, payload, _ = wm.detect(edited.video_path)
    assert found and payload.hex() == edited.report["provenance"]["watermark"]["payload"]
    # the same edit made without the cache shows the same pictures
    plain = Pipeline(**dict(kw, use_cache=False), project="my film").generate(EDITED, tmp_path / "c.mp4", keep_frames=False)
    for x, y in zip(decoded(edited.video_path), decoded(plain.video_path)):
        assert np.abs(x.astype(int) - y).mean() < 2.0
    # without a project every text has its own id: nothing of the first video is reused
    other = Pipeline(**kw).generate(EDITED, tmp_path / "d.mp4", keep_frames=False)
    assert other.report["cache"]["counts"]["segments"]["hits"] == 0
    assert other.report["provenance"]["video_id"] != first.report["provenance"]["video_id"]


def test_a_video_read_back_whole_still_returns_its_frames(tmp_path):
    kw = dict(engine="render", size=(W, H), fps=FPS, seed=3, narration="off", cache=str(tmp_path / "cache"))
    first = Pipeline(**kw).generate(SCRIPT, tmp_path / "a.mp4")
    again = Pipeline(**kw).generate(SCRIPT, tmp_path / "b.mp4")
    assert again.report["cache"]["counts"]["segments"] == {"hits": 5, "misses": 0}
    assert len(again.frames) == 3 and all(np.array_equal(a, b) for a, b in zip(first.frames, again.frames))
    assert all(np.array_equal(a, b) for a, b in zip(decoded(first.video_path), decoded(again.video_path)))


@pytest.mark.parametrize("name", ["", " ", "a" * 101, "tab\there"])
def test_a_bad_project_name_is_refused(name, tmp_path):
    with pytest.raises(InputError, match="project name"):
        Pipeline(engine="render", size=(W, H), fps=FPS, project=name).generate("A red ball.", tmp_path / "a.mp4")
    assert list(tmp_path.iterdir()) == []
