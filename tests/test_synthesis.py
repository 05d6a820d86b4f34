"""Synthesis: the joined timeline, narration, music, mix, subtitles and the MP4 written by compose.

Tiny videos (128x72 at 12 fps, a few seconds) built straight from the dataclasses, so these tests do
not depend on the parser or the planner.
"""
from __future__ import annotations

import importlib
import re
from pathlib import Path

import av
import numpy as np
import pytest

from aigc_video.errors import DependencyMissing, InputError
from aigc_video.scene.sceneplan import Camera, ScenePlan, ShotPlan
from aigc_video.storyboard import Mood, Shot, Storyboard
from aigc_video.synthesis import Video, compose, tts
from aigc_video.synthesis.encode import encode, probe
from aigc_video.synthesis.mix import DUCK_DB, duck_gain, mix
from aigc_video.synthesis.music import mood_music, style_for, synthesize_section
from aigc_video.synthesis.subtitles import make_cues, render_overlay, load_typeface, wrap
from aigc_video.synthesis.transitions import timeline_frames
from aigc_video.vocab import MOODS

W, H, FPS = 128, 72, 12
SR = 48000
HAS_ESPEAK = tts.espeak_path() is not None
needs_espeak = pytest.mark.skipif(not HAS_ESPEAK, reason="espeak-ng is not installed")

SHOTS = [
    ("A red ball bounces.", "en", "happy", 30, 0),
    ("一只蓝色的鸟在飞。", "zh", "sad", 30, 6),
    ("The dog runs left.", "en", "scary", 24, 0),
]


def mood(label: str) -> Mood:
    return Mood(label, *MOODS[label])


def make_inputs(shots=SHOTS, colors=None):
    """A storyboard, a plan and flat-colour clips (each shot its own colour, a moving square)."""
    board = Storyboard([Shot(text=t, narration=t, language=lang, mood=mood(m), duration_s=n / FPS)
                        for t, lang, m, n, _ in shots])
    plans = [ShotPlan(index=i, n_frames=n, background="plain", time="day", weather="clear", mood=mood(m),
                      objects=[], camera=Camera(), seed=i, caption="",
                      transition="crossfade" if tf else "cut", transition_frames=tf)
             for i, (_, _, m, n, tf) in enumerate(shots)]
    plan = ScenePlan(W, H, FPS, 0, plans)
    colors = colors or [(200, 60, 40), (40, 90, 220), (60, 180, 80)]
    clips = []
    for (_, _, _, n, _), color in zip(shots, colors):
        clip = np.empty((n, H, W, 3), np.uint8)
        clip[:] = color
        for k in range(n):
            clip[k, 10:30, 4 * k % (W - 20): 4 * k % (W - 20) + 20] = 250
        clips.append(clip)
    return clips, board, plan


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if len(x) else 0.0


def decode_frames(path: Path) -> np.ndarray:
    with av.open(str(path)) as c:
        return np.stack([f.to_ndarray(format="rgb24") for f in c.decode(video=0)])


def parse_srt(text: str) -> list[tuple[int, float, float, str]]:
    stamp = r"(\d\d):(\d\d):(\d\d),(\d\d\d)"
    cues = []
    for block in text.strip().split("\n\n"):
        lines = block.split("\n")
        m = re.fullmatch(stamp + " --> " + stamp, lines[1])
        assert m, f"bad SRT timing line {lines[1]!r}"
        g = [int(x) for x in m.groups()]
        start = g[0] * 3600 + g[1] * 60 + g[2] + g[3] / 1000
        end = g[4] * 3600 + g[5] * 60 + g[6] + g[7] / 1000
        cues.append((int(lines[0]), start, end, "\n".join(lines[2:])))
    return cues


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> tuple[Video, ScenePlan]:
    clips, board, plan = make_inputs()
    out = tmp_path_factory.mktemp("video") / "story.mp4"
    fractions = []
    video = compose(clips, board, plan, out, seed=3, progress=fractions.append)
    video.progress_seen = fractions
    return video, plan


def test_output_is_h264_aac_faststart_of_the_planned_length(made):
    video, plan = made
    info = probe(video.path)
    assert info["codec"] == "h264" and info["pix_fmt"] == "yuv420p"
    assert (info["width"], info["height"], info["fps"]) == (W, H, FPS)
    assert info["n_frames"] == plan.total_frames == video.n_frames
    assert abs(info["duration_s"] - plan.total_frames / FPS) <= 1 / FPS
    assert info["audio_codec"] == "aac" and info["sample_rate"] == SR
    assert abs(info["audio_duration_s"] - plan.total_frames / FPS) <= 1 / FPS
    assert info["faststart"]
    assert len(video.audio) == round(plan.total_frames * SR / FPS)
    assert np.max(np.abs(video.audio)) <= 1.0
    assert np.max(np.abs(video.audio)) == pytest.approx(10 ** (-1 / 20), abs=0.01)   # -1 dBFS
    assert set(video.timings) == {"tts", "music", "mix", "subtitles", "encode"}
    assert video.progress_seen[-1] == 1.0 and video.progress_seen == sorted(video.progress_seen)
    # No temp files left beside the output.
    assert sorted(p.name for p in video.path.parent.iterdir()) == ["story.mp4", "story.srt"]


def test_audio_off_makes_a_video_without_audio_stream(tmp_path):
    clips, board, plan = make_inputs()
    video = compose(clips, board, plan, tmp_path / "silent.mp4", audio=False)
    info = probe(video.path)
    assert info["audio_codec"] is None and video.audio is None
    assert info["n_frames"] == plan.total_frames
    assert video.cues, "subtitles still come, timed to the shots"


@needs_espeak
def test_srt_is_well_formed_ordered_and_timed_to_the_voice(made):
    video, plan = made
    text = video.srt_path.read_text(encoding="utf-8")
    cues = parse_srt(text)
    assert [c[0] for c in cues] == list(range(1, len(cues) + 1))
    for (_, s0, e0, _), (_, s1, _, _) in zip(cues, cues[1:]):
        assert s0 < e0 <= s1, "cues are ordered and never overlap"
    assert all(e - s >= 1.0 - 1e-3 for _, s, e, _ in cues)
    assert "一只蓝色的鸟在飞。" in [c[3] for c in cues], "Chinese text survives in UTF-8"
    starts = [f / FPS for f in plan.shot_start_frames()]
    for (_, s, _, _), shot_start in zip(cues, starts):
        # The voice starts ~0.25 s into its shot (espeak's leading silence trimmed).
        assert shot_start + tts.LEAD_IN_S - 0.01 <= s <= shot_start + tts.LEAD_IN_S + 0.2
        # ...and the cue starts with it: loud right after the cue start, quiet just before.
        a = int(s * SR)
        assert rms(video.audio[a:a + int(0.4 * SR)]) > 3 * rms(video.audio[a - SR // 12:a])


@needs_espeak
def test_narration_is_louder_than_the_music_bed(tmp_path):
    # A first shot with nothing to say gives a stretch of music alone to compare with.
    shots = [("", "en", "happy", 24, 0), ("A red ball bounces over the grass.", "en", "happy", 36, 0)]
    clips, board, plan = make_inputs(shots)
    video = compose(clips, board, plan, tmp_path / "v.mp4", seed=1)
    (cue,) = video.cues
    speech = video.audio[int(cue.start_s * SR):int(cue.end_s * SR)]
    music_alone = video.audio[int(0.1 * SR):int(1.7 * SR)]
    assert rms(speech) > 2.5 * rms(music_alone) > 0


def test_music_ducks_under_the_voice_with_smooth_ramps():
    n = 4 * SR
    t = np.arange(n) / SR
    music = (0.1 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    voice = np.zeros(n, np.float32)
    voice[SR:2 * SR] = 0.5 * np.sin(2 * np.pi * 1234 * t[SR:2 * SR])
    out = mix(voice, music, [(1.0, 2.0)], SR)
    assert np.max(np.abs(out)) == pytest.approx(10 ** (-1 / 20), abs=1e-3)

    def music_level(a: float, b: float) -> float:   # lock-in amplitude of the 220 Hz music tone
        seg, ref = out[int(a * SR):int(b * SR)], np.exp(-2j * np.pi * 220 * t[int(a * SR):int(b * SR)])
        return 2 * abs(np.mean(seg * ref))

    drop_db = 20 * np.log10(music_level(1.3, 1.7) / music_level(3.0, 3.5))
    assert drop_db == pytest.approx(DUCK_DB, abs=1.0)
    gain = duck_gain([(1.0, 2.0)], n, SR)
    assert np.max(np.abs(np.diff(20 * np.log10(gain)))) < 0.01, "no dB step larger than 0.01 per sample"
    assert gain[int(0.99 * SR)] < 0.5 and gain[int(0.5 * SR)] == 1.0, "already down when the voice starts"


def test_require_without_espeak_raises_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(tts.shutil, "which", lambda name: None)
    clips, board, plan = make_inputs()
    with pytest.raises(DependencyMissing, match="espeak-ng"):
        compose(clips, board, plan, tmp_path / "v.mp4", narration="require")
    assert list(tmp_path.iterdir()) == []


def test_auto_without_espeak_warns_and_still_makes_the_video(tmp_path, monkeypatch):
    monkeypatch.setattr(tts.shutil, "which", lambda name: None)
    clips, board, plan = make_inputs()
    video = compose(clips, board, plan, tmp_path / "v.mp4", narration="auto")
    assert any("espeak-ng" in w for w in video.warnings)
    assert probe(video.path)["audio_codec"] == "aac" and rms(video.audio) > 0.01   # music only
    assert len(video.cues) == len(board.shots)


def test_an_espeak_failure_in_auto_mode_silences_that_shot_only(tmp_path, monkeypatch):
    real_speak = tts.speak

    def flaky(text, language, **kw):
        if language == "zh":
            raise RuntimeError("espeak-ng failed (exit 1)")
        return real_speak(text, language, **kw)
    monkeypatch.setattr(tts, "speak", flaky)
    clips, board, plan = make_inputs()
    video = compose(clips, board, plan, tmp_path / "v.mp4")
    assert any("shot 2" in w for w in video.warnings) == HAS_ESPEAK
    assert probe(video.path)["audio_codec"] == "aac"
    with pytest.raises(RuntimeError, match="exit 1") if HAS_ESPEAK else pytest.raises(DependencyMissing):
        compose(clips, board, plan, tmp_path / "w.mp4", narration="require")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.mp4", "v.srt"]


def test_burned_subtitles_change_the_bottom_during_cues_only(tmp_path):
    clips, board, plan = make_inputs()
    plain = compose(clips, board, plan, tmp_path / "plain.mp4", narration="off", audio=False)
    burned = compose(clips, board, plan, tmp_path / "burned.mp4", narration="off", audio=False, subtitles="burn")
    a, b = decode_frames(plain.path).astype(int), decode_frames(burned.path).astype(int)
    t = np.arange(len(a)) / FPS
    on = np.zeros(len(a), bool)
    for c in burned.cues:
        on |= (t >= c.start_s) & (t < c.end_s)
    assert on.any() and (~on).any()
    bottom = np.abs(a - b)[:, int(0.7 * H):].mean(axis=(1, 2, 3))
    top = np.abs(a - b)[:, : int(0.4 * H)].mean(axis=(1, 2, 3))
    assert bottom[on].min() > 8, "text and box visible in the bottom band during every cue"
    assert bottom[~on].max() < 2 and top.max() < 2, "nothing else changes"


def test_chinese_glyphs_render():
    face = load_typeface(warnings := [])
    assert warnings == []
    a = render_overlay("你好", 640, 360, face)
    b = render_overlay("好你", 640, 360, face)
    alpha = 256 - a.inverse_alpha[..., 0]
    white = (a.premul.min(axis=2) > 200 * 256) & (alpha == 256)
    assert white.sum() > 100, "glyph pixels drawn in white"
    assert not np.array_equal(a.premul, b.premul), "distinct glyphs, not two identical missing-glyph boxes"


def test_crossfade_blends_and_cut_concatenates():
    shots = [("a", "en", "calm", 10, 0), ("b", "en", "calm", 10, 4), ("c", "en", "calm", 6, 0)]
    clips, _, plan = make_inputs(shots, colors=[(0, 0, 0), (200, 100, 40), (10, 20, 30)])
    for c in clips:
        c[:] = c[0, 40, 60]                             # flat colours: blends are exact to check
    frames = np.stack(list(timeline_frames(clips, plan)))
    assert len(frames) == plan.total_frames == 10 + 10 - 4 + 6
    start = plan.shot_start_frames()[1]
    values = frames[start:start + 4, 0, 0, 0].astype(int)     # red: 0 -> 200 over the overlap
    assert np.allclose(values, [200 * (k + 1) / 5 for k in range(4)], atol=1)
    assert (frames[start - 1] == 0).all() and (frames[start + 4] == clips[1][4]).all()
    cut = plan.shot_start_frames()[2]
    assert (frames[cut - 1] == clips[1][-1]).all() and (frames[cut] == clips[2][0]).all()


def test_bad_output_folder_raises_input_error_and_leaves_nothing(tmp_path):
    clips, board, plan = make_inputs()
    with pytest.raises(InputError, match="does not exist"):
        compose(clips, board, plan, tmp_path / "missing" / "v.mp4")
    with pytest.raises(InputError, match="not writable"):
        compose(clips, board, plan, "/proc/v.mp4")     # a folder nobody can create files in
    with pytest.raises(InputError, match=r"\.mp4"):
        compose(clips, board, plan, tmp_path / "v.avi")
    assert list(tmp_path.iterdir()) == []


def test_bad_inputs_are_refused(tmp_path):
    clips, board, plan = make_inputs()
    with pytest.raises(InputError, match="clips"):
        compose(clips[:2], board, plan, tmp_path / "v.mp4")
    with pytest.raises(InputError, match="frames"):
        compose([clips[0][:-1]] + clips[1:], board, plan, tmp_path / "v.mp4")
    plan.width = W + 1
    with pytest.raises(InputError, match="even"):
        compose(clips, board, plan, tmp_path / "v.mp4")
    with pytest.raises(InputError, match="subtitles"):
        compose(clips, board, make_inputs()[2], tmp_path / "v.mp4", subtitles="vtt")
    assert list(tmp_path.iterdir()) == []


def test_failed_encode_leaves_no_partial_file(tmp_path, monkeypatch):
    compose_module = importlib.import_module("aigc_video.synthesis.compose")
    clips, board, plan = make_inputs()

    def broken(frames, overlays, which):
        yield next(iter(frames))
        raise RuntimeError("engine exploded")
    monkeypatch.setattr(compose_module, "_burn", broken)
    with pytest.raises(RuntimeError, match="exploded"):
        compose(clips, board, plan, tmp_path / "v.mp4", audio=False, subtitles="burn")
    assert list(tmp_path.iterdir()) == []


def test_music_is_deterministic_and_follows_the_mood():
    moods = [mood("happy"), mood("sad")]
    a = mood_music(moods, [0.0, 2.0], 4.0, SR, seed=5)
    assert np.array_equal(a, mood_music(moods, [0.0, 2.0], 4.0, SR, seed=5))
    assert not np.allclose(a, mood_music(moods, [0.0, 2.0], 4.0, SR, seed=6))
    assert len(a) == 4 * SR and abs(a[0]) < 1e-6 and abs(a[-1]) < 1e-6, "starts and ends without a click"
    steps = np.abs(np.diff(a))
    around_change = steps[int(1.2 * SR):int(2.8 * SR)].max()
    elsewhere = max(steps[: int(1.2 * SR)].max(), steps[int(2.8 * SR):].max())
    assert around_change < 1.5 * elsewhere, "the mood change is a crossfade, not a jump"
    assert rms(a[int(1.9 * SR):int(2.1 * SR)]) > 0.05, "...and never a gap"
    rng = np.random.default_rng(0)
    happy, sad = style_for(mood("happy"), 57, rng), style_for(mood("sad"), 57, rng)
    assert (happy.mode, sad.mode) == ("major", "minor") and happy.tempo_bpm > sad.tempo_bpm + 20

    def third_ratio(style) -> float:
        """Energy at the major third over the minor third, above the section's tonic (all octaves)."""
        x = synthesize_section(style, 6.0, SR, np.random.default_rng(1))
        spectrum = np.abs(np.fft.rfft(x))
        freqs = np.fft.rfftfreq(len(x), 1 / SR)
        energy = lambda pc: sum(spectrum[(np.abs(freqs - 440 * 2 ** ((m - 69) / 12)) < 2)].sum()
                                for m in range(style.root_midi + pc - 24, 100, 12))
        return energy(4) / energy(3)

    assert third_ratio(happy) > 2 and third_ratio(sad) < 0.5

    def onsets_per_s(x: np.ndarray) -> float:
        """Note attacks per second: rises of more than 3 dB over 40 ms in the 20 ms loudness envelope."""
        n = int(0.02 * SR)
        db = 20 * np.log10(np.sqrt(np.mean(x[: len(x) // n * n].reshape(-1, n) ** 2, axis=1)) + 1e-6)
        rising = (db[2:] - db[:-2]) > 3
        return np.count_nonzero(rising[1:] & ~rising[:-1]) / (len(x) / SR)

    h = synthesize_section(happy, 6.0, SR, np.random.default_rng(1))
    s = synthesize_section(sad, 6.0, SR, np.random.default_rng(1))
    assert onsets_per_s(h) > 2 > 1 > onsets_per_s(s), "plucky and quick vs a slow pad"


@needs_espeak
def test_long_narration_is_sped_up_then_cut_to_its_slot():
    warnings: list[str] = []
    text = "A small yellow star spins slowly over the calm blue sea at night."
    normal = tts.speak(text, "en", sample_rate=SR)
    slot = 0.8 * len(normal) / SR
    fast = tts.speak_in_slot(0, text, "en", 0.25, slot, SR, warnings)
    assert fast.rate_wpm > tts.BASE_RATE_WPM and len(fast.samples) <= slot * SR and not fast.truncated
    cut = tts.speak_in_slot(0, text, "en", 0.25, 0.3 * len(normal) / SR, SR, warnings)
    assert cut.truncated and cut.rate_wpm == tts.MAX_RATE_WPM and len(warnings) == 1
    assert abs(cut.samples[-1]) < 1e-3, "faded out, not clicked off"


@needs_espeak
def test_chinese_uses_the_pinyin_voice_and_speaks_characters():
    assert tts.VOICES["zh"] == "cmn-latn-pinyin"
    assert len(tts.speak("你好，世界。", "zh", sample_rate=SR)) > 0.5 * SR


def test_subtitle_lines_and_cue_splitting():
    long_en = "The quick brown fox jumps over the lazy dog while the sun sets slowly behind the hills far away."
    lines = wrap(long_en, "en")
    assert all(len(x) <= 42 for x in lines) and " ".join(lines) == long_en and len(lines) == 3
    zh = "一只红色的小球在绿色的草地上跳来跳去，然后慢慢地滚向远方的大海。"
    assert all(len(x) <= 18 for x in wrap(zh, "zh")) and "".join(wrap(zh, "zh")) == zh
    cues = make_cues([(1.0, 5.0, long_en, "en"), (5.2, 5.4, "Hi.", "en")], 6.0)
    assert len(cues) == 3 and cues[0].text.count("\n") == 1 and cues[1].text.count("\n") == 0
    assert cues[0].start_s == 1.0 and cues[1].start_s < 5.0
    assert cues[1].end_s == pytest.approx(5.2), "stretched towards 1 s, but only up to the next cue"
    assert cues[2].end_s == pytest.approx(6.0), "a short cue stays 1 s, but not past the video's end"


def test_frames_made_ahead_in_a_thread_keep_order_context_and_errors():
    import contextvars
    import threading

    from aigc_video.synthesis.encode import ahead
    var = contextvars.ContextVar("probe", default="unset")
    var.set("caller's")
    seen = []

    def items():
        for i in range(20):
            seen.append((threading.current_thread().name, var.get()))
            yield i
    assert list(ahead(items(), depth=2)) == list(range(20))
    assert {name for name, _ in seen} == {"aigc-video-frames"} and {v for _, v in seen} == {"caller's"}

    def failing():
        yield 1
        raise ValueError("frame 1 is float64")
    got = []
    with pytest.raises(ValueError, match="frame 1 is float64"):
        for x in ahead(failing()):
            got.append(x)
    assert got == [1]

    made = []

    def endless():
        i = 0
        while True:
            made.append(i)
            yield i
            i += 1
    for x in ahead(endless(), depth=2):
        if x == 3:
            break                      # the caller stops: the thread must stop too, not run on
    n = len(made)
    assert n <= 3 + 2 + 2
    assert not any(t.name == "aigc-video-frames" and t.is_alive() for t in threading.enumerate())


def test_contiguous_and_strided_frames_encode_alike(tmp_path):
    """Contiguous frames are wrapped without a copy, strided views copied first: same video."""
    import av
    rng = np.random.default_rng(0)
    views = [rng.integers(0, 255, (64, 128, 3), dtype=np.uint8)[:, 16:112] for _ in range(6)]   # crops: strided rows
    frames = [np.ascontiguousarray(v) for v in views]
    assert not views[0].flags.c_contiguous
    paths = []
    for name, source in (("a", frames), ("b", views)):
        paths.append(encode(iter(source), 6, tmp_path / f"{name}.mp4", width=96, height=64, fps=12))
    decoded = []
    for path in paths:
        with av.open(str(path)) as c:
            decoded.append([f.to_ndarray(format="rgb24") for f in c.decode(video=0)])
    assert len(decoded[0]) == 6 and all(np.array_equal(x, y) for x, y in zip(*decoded))
