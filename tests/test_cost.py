import json

import pytest

from aigc_video import InputError, Pipeline
from aigc_video.cli import main
from aigc_video.cost import FlopTally, estimate, format_table
from aigc_video.presets import PRESETS, encoder_options, engine_options


def test_flop_tally_counts_a_linear_layer_once_per_shape():
    torch = pytest.importorskip("torch")
    layer = torch.nn.Linear(8, 4, bias=False)
    tally = FlopTally()
    with tally.count(layer, "forward", "frames", model_id="test-linear-8x4"):
        for _ in range(3):
            layer(torch.zeros(5, 8))
        layer(torch.zeros(2, 8))
    assert tally.flops["frames"] == 3 * (2 * 5 * 8 * 4) + 2 * 2 * 8 * 4
    assert tally.calls["frames"] == 4
    assert tally.counted_shapes <= 2          # each shape counted once (maybe already by an earlier run)
    assert "forward" not in vars(layer)       # the patch is undone


def test_estimate_names_assumptions_and_moves_only_learned_work_to_the_gpu():
    none = estimate(cpu_seconds=10.0, wall_seconds=6.0, flops=FlopTally(), engine="render", frame_seconds=1.0)
    assert none["price_models"]["cloud_gpu_h100"]["usd"] is None
    assert none["flops"]["per_stage"]["frames"].startswith("n/a")
    assert none["energy"]["joules"] == pytest.approx(10.0 * 10.0)   # 10 W a core by default
    assert none["price_models"]["this_cpu"]["usd"] == pytest.approx(10.0 / 3600 * 0.04, abs=1e-6)
    learned = FlopTally(flops={"frames: diffusion transformer": int(1e15)})
    some = estimate(cpu_seconds=10.0, wall_seconds=6.0, flops=learned, engine="flow", frame_seconds=4.0)
    gpu = some["price_models"]["cloud_gpu_h100"]
    assert gpu["gpu_seconds"] == pytest.approx(1e15 / (989e12 * 0.05), rel=1e-3)
    assert gpu["usd"] > 0 and "utilisation" in gpu["assumption"]


def test_every_report_carries_flops_energy_and_price_models(tmp_path, small_pipeline_kwargs):
    result = Pipeline(**small_pipeline_kwargs, narration="off").generate("A red ball bounces.", tmp_path / "a.mp4")
    cost = json.loads(result.report_path.read_text())["cost"]
    assert {"flops", "energy", "price_models", "cpu_seconds", "peak_rss_mib"} <= set(cost)
    assert {"this_cpu", "cloud_gpu_h100"} <= set(cost["price_models"])
    table = format_table(result.report)
    assert "$ this_cpu" in table and "energy" in table and "FLOPs frames" in table


def test_cost_command_prints_the_table_of_a_report(tmp_path, small_pipeline_kwargs, capsys):
    result = Pipeline(**small_pipeline_kwargs, narration="off").generate("A red ball bounces.", tmp_path / "a.mp4")
    assert main(["cost", str(result.report_path)]) == 0
    assert "$ cloud_gpu_h100" in capsys.readouterr().out
    assert main(["cost", str(tmp_path / "missing.json")]) == 2
    (tmp_path / "bad.json").write_text("{}")
    assert main(["cost", str(tmp_path / "bad.json")]) == 2


def test_unknown_quality_exits_2_naming_the_choices(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["generate", "A red ball.", "--quality", "ultra", "-o", str(tmp_path / "a.mp4")])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert all(q in err for q in ("draft", "standard", "high"))
    with pytest.raises(InputError, match="draft, standard, high"):
        Pipeline(quality="ultra")


def test_presets_set_size_fps_steps_and_encoder_and_explicit_settings_win():
    assert Pipeline(quality="draft").size == PRESETS["draft"].size
    assert Pipeline(quality="draft").fps == PRESETS["draft"].fps
    assert Pipeline().size == (640, 360) and Pipeline().fps == 24
    assert Pipeline(quality="high", size=(320, 180), fps=10).size == (320, 180)
    assert encoder_options("high") == {"preset": "veryfast", "crf": 20}
    assert encoder_options(None) == {}
    assert engine_options("draft", "flow", {})["steps"] == 2
    assert engine_options("draft", "flow", {"steps": 6})["steps"] == 6
    assert engine_options("draft", "render", {}) == {}


def test_quality_reaches_the_encoder(tmp_path):
    from aigc_video.synthesis.encode import probe
    result = Pipeline(quality="draft", narration="off").generate("A red ball bounces.", tmp_path / "a.mp4")
    info = probe(result.video_path)
    assert (info["width"], info["height"], info["fps"]) == (480, 270, 12)
    assert result.report["settings"]["quality"] == "draft"


def test_job_request_takes_the_presets_size_and_fps_unless_given():
    pytest.importorskip("pydantic")
    from aigc_video.serve.schema import JobRequest
    r = JobRequest(text="a red ball", quality="high")
    assert (r.width, r.height, r.fps, r.quality) == (1280, 720, 24, "high")
    r = JobRequest(text="a red ball", quality="draft", width=320, height=180)
    assert (r.width, r.height, r.fps) == (320, 180, 12)
    with pytest.raises(ValueError):
        JobRequest(text="a red ball", quality="ultra")
