"""End to end: text -> MP4 + SRT + report, probed with PyAV."""
import json
import os
import shutil

import numpy as np
import pytest

from aigc_video import InputError, Pipeline
from aigc_video.synthesis.encode import probe

HAS_ESPEAK = shutil.which("espeak-ng") is not None


def test_two_language_script_makes_a_playable_video(tmp_path, small_pipeline_kwargs):
    text = "A red circle moves to the right.\n一只蓝色的鸟向左飞。"
    stages = []
    result = Pipeline(**small_pipeline_kwargs).generate(
        text, tmp_path / "v.mp4", progress=lambda stage, f: stages.append((stage, f)))

    # 1. The storyboard and plan match the text, shot by shot.
    assert [s.language for s in result.storyboard.shots] == ["en", "zh"]
    assert len(result.frames) == 2 and result.frames[0].shape[1:] == (90, 160, 3)
    # 2. The file is H.264 yuv420p with AAC audio and lasts the planned time (within a frame).
    info = probe(result.video_path)
    assert info["codec"] == "h264" and info["pix_fmt"] == "yuv420p"
    assert info["audio_codec"] == "aac"
    assert abs(info["duration_s"] - result.plan.total_frames / result.plan.fps) <= 1 / result.plan.fps
    # 3. Report and subtitles sit beside it; the report holds what the issue asks for.
    report = json.loads(result.report_path.read_text(encoding="utf-8"))
    assert set(report) >= {"storyboard", "settings", "seed", "warnings", "cost", "plan"}
    assert set(report["cost"]["stage_seconds"]) == {"understand", "plan", "frames", "synthesis"}
    assert "蓝色的鸟" in result.srt_path.read_text(encoding="utf-8")
    # 4. Every stage reported progress, ending at 1.
    assert {s for s, f in stages if f == 1.0} == {"understand", "plan", "frames", "synthesis", "report"}
    if HAS_ESPEAK:
        assert result.audio is not None and np.abs(result.audio).max() > 0.1


def test_same_seed_same_frames_other_seed_differs(tmp_path, small_pipeline_kwargs):
    text = "Three yellow stars twinkle in the night sky while it snows."
    p = Pipeline(**{**small_pipeline_kwargs, "seed": 5})
    a = p.generate(text, tmp_path / "a.mp4", keep_frames=True).frames
    b = p.generate(text, tmp_path / "b.mp4", keep_frames=True).frames
    c = Pipeline(**{**small_pipeline_kwargs, "seed": 6}).generate(text, tmp_path / "c.mp4").frames
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))


def test_no_audio_has_no_audio_stream(tmp_path, small_pipeline_kwargs):
    result = Pipeline(**small_pipeline_kwargs, audio=False).generate("A green tree.", tmp_path / "q.mp4")
    assert probe(result.video_path)["audio_codec"] is None
    assert result.audio is None


def test_failure_in_the_engine_leaves_no_file(tmp_path, small_pipeline_kwargs, monkeypatch):
    def broken(self, shot, w, h, fps):
        raise RuntimeError("engine failed")
    monkeypatch.setattr("aigc_video.engines.render.RenderEngine.generate", broken)
    with pytest.raises(RuntimeError):
        Pipeline(**small_pipeline_kwargs).generate("A red ball.", tmp_path / "x.mp4")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kwargs, needle", [
    (dict(size=(100, 71)), "even"), (dict(fps=1), "fps"), (dict(subtitles="yes"), "subtitles"),
    (dict(narration="loud"), "narration"), (dict(seed=-4), "seed"),
])
def test_bad_settings_raise_input_error(tmp_path, small_pipeline_kwargs, kwargs, needle):
    with pytest.raises(InputError, match=needle):
        Pipeline(**{**small_pipeline_kwargs, **kwargs}).generate("A red ball.", tmp_path / "x.mp4")
    assert list(tmp_path.iterdir()) == []


def test_script_over_the_duration_limit_is_refused(small_pipeline_kwargs):
    long_line = "A red ball moves to the left very slowly across the wide empty desert at dawn today. "
    text = "\n".join(long_line for _ in range(19))
    with pytest.raises(InputError, match="120"):
        Pipeline(**small_pipeline_kwargs).plan(text)


def test_outputs_get_the_usual_file_mode_not_mkstemps_private_one(tmp_path, small_pipeline_kwargs):
    old = os.umask(0o022)
    try:
        result = Pipeline(**small_pipeline_kwargs).generate("A red ball.", tmp_path / "m.mp4")
    finally:
        os.umask(old)
    for path in (result.video_path, result.srt_path, result.report_path):
        assert path.stat().st_mode & 0o777 == 0o644, path
