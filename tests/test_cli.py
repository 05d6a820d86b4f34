"""The CLI's exit codes and messages: 0 success, 2 bad input (named), 1 internal error."""
import json
import subprocess
import sys

import pytest

from aigc_video import cli


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aigc_video", *args], capture_output=True, text=True, timeout=300)


def test_generate_writes_video_srt_report(tmp_path):
    out = tmp_path / "clip.mp4"
    r = run_cli("generate", "A red ball bounces.", "-o", str(out), "--size", "160x90", "--fps", "8", "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["engine"] == "render"   # the engine that measures best is the default
    assert report["storyboard"]["shots"][0]["subjects"][0]["kind"] == "circle"
    assert out.exists() and out.with_suffix(".srt").exists() and (tmp_path / "clip.report.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "clip.report.json", "clip.srt"]


def test_plan_json_prints_storyboard_and_plan():
    r = run_cli("plan", "Two blue stars spin slowly in space.", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    shot = data["storyboard"]["shots"][0]
    assert shot["subjects"][0]["kind"] == "star" and shot["subjects"][0]["count"] == 2
    assert len(data["plan"]["shots"][0]["objects"]) == 2


@pytest.mark.parametrize("args, needle", [
    (["generate", "   ", "-o", "{tmp}/a.mp4"], "empty"),
    (["generate", "x" * 2001, "-o", "{tmp}/a.mp4"], "2000"),
    (["generate", "a red ball", "--size", "641x360", "-o", "{tmp}/a.mp4"], "even"),
    (["generate", "a red ball", "--size", "5000x360", "-o", "{tmp}/a.mp4"], "3840"),
    (["generate", "a red ball", "--size", "big", "-o", "{tmp}/a.mp4"], "WIDTHxHEIGHT"),
    (["generate", "a red ball", "--fps", "0", "-o", "{tmp}/a.mp4"], "fps"),
    (["generate", "a red ball", "--fps", "240", "-o", "{tmp}/a.mp4"], "60"),
    (["generate", "a red ball", "--seed", "-1", "-o", "{tmp}/a.mp4"], "seed"),
    (["generate", "a red ball", "-o", "{tmp}/missing/a.mp4"], "does not exist"),
    (["generate", "a red ball", "-o", "{tmp}/a.avi"], ".mp4"),
    (["generate", "a red ball", "--engine", "nope", "-o", "{tmp}/a.mp4"], "engine"),
    (["generate", "-o", "{tmp}/a.mp4"], "TEXT or --script"),
    (["plan", "   "], "empty"),
])
def test_bad_input_exits_2_with_a_named_problem_and_no_file(tmp_path, args, needle):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    r = run_cli(*args)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert needle in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_script_file_not_utf8_exits_2(tmp_path):
    script = tmp_path / "s.txt"
    script.write_bytes("一只红色的球".encode("gb18030"))
    r = run_cli("generate", "--script", str(script), "-o", str(tmp_path / "a.mp4"))
    assert r.returncode == 2 and "not UTF-8" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.txt"]


def test_too_many_shots_exits_2(tmp_path):
    script = tmp_path / "s.txt"
    script.write_text("\n".join(f"A red ball moves left number {i}." for i in range(21)), encoding="utf-8")
    r = run_cli("plan", "--script", str(script))
    assert r.returncode == 2 and "20" in r.stderr


def test_unwritable_folder_exits_2(tmp_path, monkeypatch, capsys):
    # Root may write anywhere, so the folder's refusal is simulated at the write probe itself.
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr("aigc_video.synthesis.encode.tempfile.TemporaryFile", refuse)
    assert cli.main(["generate", "a red ball", "-o", str(tmp_path / "a.mp4")]) == 2
    assert "not writable" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_learned_engine_without_the_ml_extra_exits_2_naming_it(tmp_path, monkeypatch, capsys):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a))
    assert cli.main(["generate", "a red ball", "--engine", "flow", "-o", str(tmp_path / "a.mp4")]) == 2
    err = capsys.readouterr().err
    assert "needs torch" in err and "--engine render" in err
    assert list(tmp_path.iterdir()) == []


def test_internal_error_exits_1(monkeypatch, capsys):
    def boom(self, *a, **k):
        raise RuntimeError("kaboom")
    monkeypatch.setattr("aigc_video.pipeline.Pipeline.plan", boom)
    assert cli.main(["plan", "a red ball"]) == 1
    assert "internal error" in capsys.readouterr().err
