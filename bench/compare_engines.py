"""One table for the four engines: render, flow, gan, vae.

    .venv/bin/python bench/compare_engines.py [--engines render,flow,gan,vae] [--seeds 0,1,2]
        [--suites basic,held_out,multi,paraphrase,zh,everyday] [--repeats 3]
        [--parts suites,speed] [--out bench/results/compare_engines]

--parts runs only some measures and keeps the others' values from an earlier <out>.json: the
suites (which do not depend on the machine's load) can run beside other work, the timings must not.

Per engine, in one process on one machine:
1. every evaluation suite (eval.evaluate, 160x96 at 12 fps, the given seeds): the fully correct
   share, the Fréchet distances to independent scene-engine renders (video "FVD" and per-frame "FD",
   our own encoder: compare rows, not published numbers) and the mean flicker. A learned engine
   hands shots it was never trained on to the scene engine (materials, new settings, props): the
   `everyday` suite then mostly measures the scene engine, and the table says how many shots each
   engine drew itself;
2. clip time: one 16-frame clip (1.3 s at 12 fps) at the learned models' native 96x56, median of
   --repeats after a warm-up; and its FLOPs (torch's FlopCounterMode over the networks);
3. the 720p real-time factor of the whole pipeline (narration, music, subtitles, H.264) on a
   three-sentence script every engine draws itself: video seconds per wall second, median;
4. parameters used at generation (the generator and the VAE decoder) and training minutes.
Writes <out>.json and <out>.md.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe as describe_machine  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PROMPT = "A red ball bounces across the green grass."
SCRIPT = ("A red ball bounces across the green grass. A blue car drives left through the city at night. "
          "Two yellow birds fly over the sea.")
# Training wall clock of what each engine ships, bf16 on a 2-core EPYC (MODEL_CARD.md): the flow
# engine's VAE 9.0 + decoder fine-tune 8.3 + FlowDiT 31.7 minutes. gan and vae read their own from
# their checkpoints and build on these (gan is distilled from the flow model, vae models the VAE's latents).
FLOW_MINUTES, VIDEO_VAE_MINUTES = 48.9, 17.3


def clip_cost(name: str, repeats: int) -> dict:
    """Median seconds and FLOPs of one native 16-frame clip of PROMPT."""
    from aigc_video.cost import FlopTally, count_engine_flops
    from aigc_video.engines import get_engine
    from aigc_video.scene import plan
    from aigc_video.understand import parse
    engine = get_engine(name)
    shot = plan(parse(PROMPT), size=(192, 112), fps=12, seed=0).shots[0]   # twice 96x56: the planner's minimum is 64
    shot = dataclasses.replace(shot, n_frames=16)
    engine.generate(shot, 96, 56, 12)                                   # warm-up (caches, text encoder)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        engine.generate(shot, 96, 56, 12)
        times.append(time.perf_counter() - t)
    tally = FlopTally()
    with count_engine_flops(engine, tally):
        engine.generate(shot, 96, 56, 12)
    params = 0
    if hasattr(engine, "model"):
        encoder = {id(p) for p in engine.vae.encoder_parameters()}
        params = sum(p.numel() for p in engine.model.parameters()) + \
            sum(p.numel() for p in engine.vae.parameters() if id(p) not in encoder)
    return {"clip_seconds": round(statistics.median(times), 4), "clip_gflops": round(sum(tally.flops.values()) / 1e9, 2),
            "parameters_m": round(params / 1e6, 2)}


def realtime_factor(name: str, repeats: int) -> float:
    from aigc_video import Pipeline
    pipe = Pipeline(engine=name, size=(1280, 720), fps=24, seed=0, use_cache=False)
    factors = []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(repeats):
            res = pipe.generate(SCRIPT, Path(tmp) / f"{r}.mp4", keep_frames=False)
            engines = {e["engine"] for e in res.report["shot_engines"]}
            assert engines == {name}, f"{name}: shots fell back to {engines}"
            factors.append(res.report["output"]["duration_s"] / res.report["cost"]["wall_seconds"])
    return round(statistics.median(factors), 2)


def training_minutes(name: str) -> float | None:
    from aigc_video.engines.latent import CHECKPOINTS
    if name == "render":
        return 0.0
    if name == "flow":   # its default upscaler (engines/flow.py) was trained too
        up = json.loads((CHECKPOINTS / "upscaler" / "upscaler.json").read_text())
        return round(FLOW_MINUTES + up["train_minutes"] + up["pair_minutes"], 1)
    folder, component = (CHECKPOINTS / "gan", "gan") if name == "gan" else (CHECKPOINTS / "vae", "cvae")
    own = json.loads((folder / f"{component}.json").read_text()).get("train_minutes")
    return None if own is None else round(own + (FLOW_MINUTES if name == "gan" else VIDEO_VAE_MINUTES), 1)


def main() -> None:
    from aigc_video.eval.evaluate import evaluate
    ap = argparse.ArgumentParser()
    ap.add_argument("--engines", default="render,flow,gan,vae")
    ap.add_argument("--suites", default="basic,held_out,multi,paraphrase,zh,everyday")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--parts", default="suites,speed", help="suites and/or speed (clip time, FLOPs, 720p pipeline)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "compare_engines"))
    args = ap.parse_args()
    engines, suites = args.engines.split(","), args.suites.split(",")
    seeds = tuple(int(s) for s in args.seeds.split(","))
    parts = set(args.parts.split(","))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    earlier = json.loads(out.with_suffix(".json").read_text()) if out.with_suffix(".json").exists() else {}
    report = {"suites": list(dict.fromkeys(earlier.get("suites", []) + suites)), "engines": earlier.get("engines", {}),
              "machine": earlier.get("machine", {})}
    for part in parts:
        report["machine"][part] = describe_machine()
    for name in engines:
        row = report["engines"].setdefault(name, {"suites": {}})
        for suite in suites if "suites" in parts else ():
            t0 = time.time()
            m = evaluate(name, suite, seeds=seeds)
            own = sum(1 for s in m["per_shot"] if s.get("engine", name) == name)
            row["suites"][suite] = {"seeds": list(seeds), "fully_correct": m["fully_correct"], "fvd": m["fvd"], "frame_fd": m["frame_fd"],
                                    "flicker": m["temporal"]["flicker_mean"], "shots": len(m["per_shot"]),
                                    "drawn_by_engine": own, "seconds": round(time.time() - t0, 1)}
            print(name, suite, json.dumps(row["suites"][suite]), flush=True)
        if "speed" in parts:
            row.update(clip_cost(name, args.repeats))
            row["realtime_factor_720p"] = realtime_factor(name, args.repeats)
        row["training_minutes"] = training_minutes(name)
        print(name, json.dumps({k: v for k, v in row.items() if k != "suites"}), flush=True)
        out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")   # after every engine
    out.with_suffix(".md").write_text(table(report), encoding="utf-8")
    print(table(report))


def table(report: dict) -> str:
    engines = report["engines"]
    machine = report["machine"]
    lines = ["# Engines compared", "", *[f"Machine ({part}): {m}." for part, m in sorted(machine.items())], "",
             "Command: `.venv/bin/python bench/compare_engines.py` (suites at 160x96, 12 fps; the seeds of each row",
             "are in the JSON: held_out 0-2, the others seed 0, to fit the session's time). Each learned engine",
             "upscales as it does by default: flow with the learned upscaler (its training minutes include",
             "the upscaler's), gan and vae by bicubic (bench/results/upscaler.md).", "",
             "Fully correct share per suite (FVD / frame FD to independent scene-engine renders; our encoder):", "",
             "| suite | " + " | ".join(engines) + " |", "|---|" + "---|" * len(engines)]
    for suite in report["suites"]:
        cells = []
        for row in engines.values():
            s = row["suites"].get(suite)
            if s is None:
                cells.append("-")
                continue
            own = "" if s["drawn_by_engine"] == s["shots"] else f", {s['drawn_by_engine']}/{s['shots']} shots own"
            cells.append(f"{100 * s['fully_correct']:.1f}% ({s['fvd']:.2f} / {s['frame_fd']:.2f}{own})")
        lines.append(f"| {suite} | " + " | ".join(cells) + " |")

    def cell(row, key, fmt):
        return "-" if row.get(key) is None else fmt.format(row[key])
    lines += ["", "| measure | " + " | ".join(engines) + " |", "|---|" + "---|" * len(engines),
              "| mean flicker (held_out) | " + " | ".join(f"{r['suites'].get('held_out', {}).get('flicker', float('nan')):.2f}"
                                                       for r in engines.values()) + " |",
              "| clip time, 16 frames at 96x56 (s) | " + " | ".join(cell(r, "clip_seconds", "{:.3f}") for r in engines.values()) + " |",
              "| GFLOPs per clip | " + " | ".join(cell(r, "clip_gflops", "{:.1f}") for r in engines.values()) + " |",
              "| 720p pipeline, real-time factor | " + " | ".join(cell(r, "realtime_factor_720p", "{:.2f}x") for r in engines.values()) + " |",
              "| parameters at generation (M) | " + " | ".join(cell(r, "parameters_m", "{:.2f}") for r in engines.values()) + " |",
              "| training minutes (2-core CPU, bf16) | " + " | ".join(cell(r, "training_minutes", "{:.1f}") for r in engines.values()) + " |"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
