"""`aigc-video eval` and the Python API: outputs, bad input, cheap import."""
import argparse
import json
import subprocess
import sys

import pytest

from aigc_video.errors import InputError
from aigc_video.eval import command


def parse(*args):
    parser = argparse.ArgumentParser()
    command.register(parser.add_subparsers(dest="cmd"))
    return parser.parse_args(["eval", *args])


def test_eval_writes_metrics_table_and_contact_sheet(tmp_path, capsys):
    args = parse("--engine", "render", "--suite", "held_out", "--limit", "2", "--out", str(tmp_path / "o"),
                 "--no-distances")
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "fully correct shots" in out and "held_out" in out
    metrics = json.loads((tmp_path / "o" / "metrics.json").read_text())
    assert metrics["shots"] == 2 and metrics["settings"]["engine"] == "render"
    assert {"kind", "color", "motion", "setting"} <= set(metrics["per_attribute"])
    assert 0.0 <= metrics["fully_correct"] <= 1.0
    png = (tmp_path / "o" / "contact_sheet.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    assert (tmp_path / "o" / "table.md").read_text().startswith("## eval")


@pytest.mark.parametrize("args, needle", [
    (["--suite", "nope"], "suite"),
    (["--seeds", "0"], "seeds"),
    (["--seeds", "99"], "seeds"),
    (["--size", "161x96"], "even"),
    (["--fps", "1"], "fps"),
    (["--engine", "nope"], "engine"),
    (["--limit", "0"], "limit"),
])
def test_bad_input_is_an_input_error_naming_the_problem(tmp_path, args, needle):
    a = parse(*args, "--out", str(tmp_path / "o"), "--no-distances")
    with pytest.raises(InputError, match=needle):
        a.func(a)
    assert not (tmp_path / "o").exists()


def test_command_module_is_cheap_to_import():
    code = "import sys, aigc_video.eval.command, aigc_video.eval; print('torch' in sys.modules, 'skia' in sys.modules)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stdout.split() == ["False", "False"], r.stderr
