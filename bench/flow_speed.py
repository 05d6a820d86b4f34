"""Speed of engine "flow" on this machine: one native clip, a full shot, and a 3-shot script end to end.

Run:  .venv/bin/python bench/flow_speed.py [--checkpoint DIR] [--repeats 7] [--out bench/results/flow_speed.json]

Reports medians over repeated runs, and the render engine on the same shots in the same run as the
baseline (ratio = flow / render). Threads: torch's default for this machine (all cores).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from aigc_video.engines.flow import FlowEngine
from aigc_video.engines.latent import retime
from aigc_video.engines.render import RenderEngine
from aigc_video.scene import plan
from aigc_video.understand import parse

SHOT = "a red ball bounces across a night sky"
SCRIPT = ("A red ball bounces across a night sky. A small yellow star spins slowly over the sea. "
          "Two white birds fly to the right at sunset.")


def median_time(fn, repeats: int) -> float:
    fn()  # warm-up: text encoder cache, allocator, first-call overheads
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def machine() -> dict:
    return {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
            "torch_threads": torch.get_num_threads(), "torch": torch.__version__,
            "amx": bool(getattr(torch.cpu, "_is_amx_tile_supported", lambda: False)()),
            "avx512_bf16": bool(getattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)()),
            "cuda": torch.cuda.is_available(), "load_average_1min": os.getloadavg()[0]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", default=None)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--out", default="bench/results/flow_speed.json")
    ap.add_argument("--default-only", action="store_true", help="time only the engine's default sampling settings")
    ap.add_argument("--skip-script", action="store_true", help="skip the 3-shot end-to-end pipeline timing")
    args = ap.parse_args()

    results: dict = {"machine": machine(), "clip": [], "shot": {}, "script": {}}
    probe = FlowEngine(args.checkpoint)
    results["precision"] = probe.precision
    w, h, window = probe.native_w, probe.native_h, probe.window
    fps = probe.meta["fps"]
    storyboard = parse(SHOT)
    storyboard.shots[0].duration_s = window / fps
    clip_plan = plan(storyboard, size=(4 * w, 4 * h), fps=fps, seed=0).shots[0]
    clip_plan.n_frames = window

    # 1. One native clip (window frames at the native size), including the VAE decode.
    render_s = median_time(lambda: RenderEngine().generate(clip_plan, w, h, fps), args.repeats)
    grid = [(probe.steps, probe.sampler, probe.guidance)] if args.default_only else [
        (steps, sampler, guidance) for steps in (4, 8, 12) for sampler in ("euler", "heun") for guidance in (1.0, 2.0)]
    for steps, sampler, guidance in grid:
        engine = FlowEngine(args.checkpoint, steps=steps, sampler=sampler, guidance=guidance)
        s = median_time(lambda: engine.generate(clip_plan, w, h, fps), args.repeats)
        results["clip"].append({"frames": window, "size": f"{w}x{h}", "steps": steps, "sampler": sampler,
                                "guidance": guidance, "rescale": engine.guidance_rescale, "median_s": round(s, 4),
                                "render_median_s": round(render_s, 4), "ratio_vs_render": round(s / render_s, 2)})
        print(results["clip"][-1], flush=True)

    # 2. A 3-second shot at 640x360, 24 fps (continuation windows + upscale), default engine settings.
    shot_plan = plan(parse(SHOT), size=(640, 360), fps=24, seed=0).shots[0]
    engine = FlowEngine(args.checkpoint)
    flow_s = median_time(lambda: engine.generate(shot_plan, 640, 360, 24), max(3, args.repeats // 2))
    render_s = median_time(lambda: RenderEngine().generate(shot_plan, 640, 360, 24), max(3, args.repeats // 2))
    results["shot"] = {"frames": shot_plan.n_frames, "duration_s": shot_plan.n_frames / 24, "size": "640x360",
                       "flow_median_s": round(flow_s, 3), "render_median_s": round(render_s, 3),
                       "realtime_factor": round(shot_plan.n_frames / 24 / flow_s, 2)}
    print(results["shot"], flush=True)

    # 2b. Seams: frame-to-frame change at the continuation joins vs. everywhere else (judge-size luminance).
    from aigc_video.eval.temporal import luminance
    frames = engine.generate(shot_plan, 640, 360, 24)
    diffs = np.abs(np.diff(luminance(frames).astype(np.float32), axis=0)).mean(axis=(1, 2))  # diffs[i]: i -> i+1
    new = engine.window - engine.context_frames * engine.ft
    _, pick = retime(shot_plan, 24, engine.meta["fps"])      # output frame -> native frame it shows
    starts = range(engine.window, int(pick[-1]) + 1, new)   # native frames that begin a continuation
    joins = [int(np.argmax(pick == j)) - 1 for j in starts]
    # elsewhere: the other changes of native frame (held frames repeat, their change is 0)
    inside = [d for i, d in enumerate(diffs) if i not in joins and pick[i + 1] != pick[i]]
    results["joins"] = {"join_frames": [j + 1 for j in joins],
                        "mean_abs_dY_at_joins": round(float(np.mean(diffs[joins])), 3) if joins else None,
                        "median_abs_dY_elsewhere": round(float(np.median(inside)), 3),
                        "max_abs_dY_elsewhere": round(float(np.max(inside)), 3)}
    print(results["joins"], flush=True)

    # 3. A 3-shot script end to end (understand, plan, frames, narration, music, MP4).
    if args.skip_script:
        write(results, args.out)
        return
    from aigc_video.pipeline import Pipeline
    with tempfile.TemporaryDirectory() as tmp:
        times = {}
        for name in ("flow", "render"):
            pipe = Pipeline(engine=name, use_cache=False)   # timed work, not cache reads
            times[name] = median_time(lambda: pipe.generate(SCRIPT, Path(tmp) / f"{name}.mp4", keep_frames=False), 3)
    results["script"] = {"shots": 3, "size": "640x360", "fps": 24, "flow_median_s": round(times["flow"], 3),
                         "render_median_s": round(times["render"], 3)}
    print(results["script"], flush=True)

    write(results, args.out)


def write(results: dict, out: str) -> None:
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
