"""Validate the evaluation suite both ways, and write bench/results/eval_validation.{json,md}.

    .venv/bin/python bench/eval_validation.py [--random-shots 120] [--suite-seeds 2] [--quick]

1. Faithfulness on fresh scene-engine renders (the suites at 2 seeds, plus random storyboards
   drawn with a seed the judge never trained on): share of shots fully correct (target >= 98%).
2. Mismatched pairs: each video judged against a storyboard that differs in exactly one
   attribute (another kind, colour, count, size, motion, direction, background, or a mirrored
   layout): share judged correct for that attribute (target <= 5%).
3. Degradation curve: the same renders made to look like a small learned model's output
   (64x64 round trip, blur, noise) at increasing strength: accuracy per attribute.
4. FVD/FID-style distances: two independent real render sets; blur, noise, frame shuffling
   and frozen frames at increasing strength (each must push the distance up monotonically).
5. Temporal checks: frozen/shuffled detection rates, flicker on real vs flickering videos.
6. Diversity over seeds for a few prompts, against a degenerate engine that ignores the seed.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from aigc_video.eval import degrade
from aigc_video.eval.diversity import feature_diversity
from aigc_video.eval.faithfulness import ATTRIBUTES, judge_shot, looks_like, observe
from aigc_video.eval.features import default_encoder
from aigc_video.eval.fvd import frechet_from_features
from aigc_video.eval.suites import SUITES, load_suite
from aigc_video.eval.temporal import flicker, frame_order
from aigc_video.eval.train_judge import random_shot
from aigc_video.scene import plan
from aigc_video.scene.render import render_shot
from aigc_video.storyboard import Storyboard
from aigc_video.understand import parse
from aigc_video.vocab import BACKGROUNDS, COLORS, DIRECTED_MOTIONS, DIRECTIONS, MOTIONS, OBJECTS, SIZES

SIZE, FPS = (160, 96), 12
VALIDATION_SEED = 12345        # random storyboards: a stream the judge's training never drew
DEGRADE_STRENGTHS = (0.0, 0.25, 0.5, 0.75, 1.0)
OUT = Path(__file__).parent / "results"


# ---------------------------------------------------------------- cases

def suite_cases(seeds: int):
    for name in SUITES:
        for p in load_suite(name):
            sb = parse(p.text)
            for seed in range(seeds):
                sp = plan(sb, size=SIZE, fps=FPS, seed=seed)
                for shot, shot_plan in zip(sb.shots, sp.shots):
                    yield f"{name}/{p.id}/s{seed}", shot, shot_plan


def random_cases(n: int):
    rng = np.random.default_rng(VALIDATION_SEED)
    for i in range(n):
        shot = random_shot(rng)
        sp = plan(Storyboard([shot]), size=SIZE, fps=FPS, seed=int(rng.integers(1 << 30))).shots[0]
        yield f"random/{i}", shot, sp


# ---------------------------------------------------------------- mismatches

def _other(rng, options, current):
    options = [o for o in options if o != current]
    return options[int(rng.integers(len(options)))]


def mismatches(shot, shot_plan, rng):
    """(attribute, shot', plan') pairs that differ from the truth in exactly that attribute."""
    out = []
    si = int(rng.integers(len(shot.subjects))) if shot.subjects else None
    if si is not None:
        s = shot.subjects[si]

        def with_subject(**change):
            subj = dataclasses.replace(s, **change)
            subjects = list(shot.subjects)
            subjects[si] = subj
            return dataclasses.replace(shot, subjects=subjects)

        taken = {(o.kind, o.color) for j, o in enumerate(shot.subjects) if j != si}
        kinds = [k for k in OBJECTS if (k, s.color) not in taken]
        out.append(("kind", with_subject(kind=_other(rng, kinds, s.kind)), shot_plan))
        colours = [c for c in COLORS if (s.kind, c) not in taken]
        out.append(("color", with_subject(color=_other(rng, colours, s.color)), shot_plan))
        out.append(("count", with_subject(count=_other(rng, [1, 2, 3], s.count)), shot_plan))
        out.append(("size", with_subject(size=_other(rng, list(SIZES), s.size)), shot_plan))
        # Another motion that looks different ("moves up" looks like "rises"; a circle's spin
        # looks still: such pairs are the same claim to a viewer and to the judge).
        truth = looks_like(s.kind, s.action.motion, s.action.direction)
        while True:
            m = _other(rng, MOTIONS, s.action.motion)
            d = str(DIRECTIONS[int(rng.integers(len(DIRECTIONS)))]) if m in DIRECTED_MOTIONS else None
            if looks_like(s.kind, m, d) != truth:
                break
        out.append(("motion", with_subject(action=dataclasses.replace(s.action, motion=m, direction=d)), shot_plan))
        if s.action.motion in DIRECTED_MOTIONS and s.action.direction:
            if s.action.motion == "bounce":
                # A bounce shows only the sideways part of its direction: flip that.
                flip = {"left": "right", "right": "left", "up_left": "right", "down_left": "right",
                        "up_right": "left", "down_right": "left", "up": "left", "down": "right"}
                d = flip[s.action.direction]
            else:
                d = _other(rng, DIRECTIONS, s.action.direction)
            out.append(("direction", with_subject(action=dataclasses.replace(s.action, direction=d)), shot_plan))
    bg = _other(rng, BACKGROUNDS, shot.setting.background)
    out.append(("setting", dataclasses.replace(shot, setting=dataclasses.replace(shot.setting, background=bg)),
                dataclasses.replace(shot_plan, background=bg)))
    if len(shot.subjects) >= 2:
        # The layout mirrored on both axes: every clear left/right or above/below order flips.
        mirrored = [dataclasses.replace(o, track=dataclasses.replace(
            o.track, x=[1 - v for v in o.track.x], y=[1 - v for v in o.track.y])) for o in shot_plan.objects]
        out.append(("position", shot, dataclasses.replace(shot_plan, objects=mirrored)))
    return out


# ---------------------------------------------------------------- 1-3 faithfulness

def faithfulness_validation(cases, log) -> dict:
    rng = np.random.default_rng(7)
    fresh, wrong_accepted, curve = {}, {a: [] for a in ATTRIBUTES}, {}
    failures = []
    for group, items in cases.items():
        rows = []
        for name, shot, sp in items:
            frames = render_shot(sp, *SIZE)
            obs = observe(frames, sp)
            v = judge_shot(frames, shot, sp, observation=obs)
            rows.append(v.verdicts)
            if not v.fully_correct:
                failures.append({"case": name, "caption": shot.caption(),
                                 "wrong": {k: v.details.get(k) for k, ok in v.verdicts.items() if not ok}})
            for attr, shot2, sp2 in mismatches(shot, sp, rng):
                # One look at the video serves every claim: the setting verdict compares the
                # video with all ten backgrounds, whichever one the claim names.
                v2 = judge_shot(frames, shot2, sp2, observation=obs)
                if attr in v2.verdicts:
                    wrong_accepted[attr].append(bool(v2.verdicts[attr]))
            if group == "random":
                for strength in DEGRADE_STRENGTHS[1:]:
                    bad = degrade.learned_like(frames, strength, seed=len(rows))
                    curve.setdefault(strength, []).append(judge_shot(bad, shot, sp).verdicts)
        fresh[group] = _aggregate(rows)
        log(f"{group}: {fresh[group]['fully_correct']:.1%} fully correct of {len(rows)}")
        if group == "random":
            curve[0.0] = rows
    return {
        "fresh": fresh,
        "mismatch_accepted": {a: {"rate": round(float(np.mean(v)), 4), "n": len(v)} for a, v in wrong_accepted.items() if v},
        "degradation_curve": {str(s): _aggregate(curve[s]) for s in sorted(curve)},
        "failures": failures,
    }


def _aggregate(rows: list[dict]) -> dict:
    out = {"n": len(rows), "fully_correct": round(float(np.mean([all(r.values()) for r in rows])), 4) if rows else None}
    for a in ATTRIBUTES:
        vals = [r[a] for r in rows if a in r]
        if vals:
            out[a] = round(float(np.mean(vals)), 4)
    return out


# ---------------------------------------------------------------- 4-5 distances and temporal

def distance_validation(n_videos: int, log) -> dict:
    enc = default_encoder()
    rng_a, rng_b = np.random.default_rng(101), np.random.default_rng(202)

    def videos(rng, n):
        out = []
        for _ in range(n):
            shot = random_shot(rng)
            shot.duration_s = max(shot.duration_s, 3.0)
            sp = plan(Storyboard([shot]), size=SIZE, fps=FPS, seed=int(rng.integers(1 << 30))).shots[0]
            out.append(render_shot(sp, *SIZE))
        return out

    set_a, set_b = videos(rng_a, n_videos), videos(rng_b, n_videos)
    ref_clip = np.concatenate([enc.clip_features(v) for v in set_a])
    ref_frame = np.concatenate([enc.frame_features(v) for v in set_a])

    def dist(vs):
        clip = np.concatenate([enc.clip_features(v) for v in vs])
        frame = np.concatenate([enc.frame_features(v) for v in vs])
        return round(frechet_from_features(ref_clip, clip), 3), round(frechet_from_features(ref_frame, frame), 3)

    base = dist(set_b)
    log(f"real vs real: fvd {base[0]}, frame fd {base[1]}")
    sweeps = {
        "blur_sigma": (lambda v, s, i: degrade.blur(v, s), (0.5, 1.0, 2.0, 3.0)),
        "noise_sigma": (lambda v, s, i: degrade.noise(v, s, seed=i), (4.0, 8.0, 16.0, 32.0)),
        "shuffled_fraction": (lambda v, s, i: degrade.shuffle(v, s, seed=i), (0.25, 0.5, 0.75, 1.0)),
        "frozen_fraction": (lambda v, s, i: degrade.freeze_tail(v, s), (0.25, 0.5, 0.75, 1.0)),
        "stutter_hold": (lambda v, s, i: degrade.freeze(v, int(s)), (2, 4, 8)),
        "learned_like": (lambda v, s, i: degrade.learned_like(v, s, seed=i), (0.25, 0.5, 0.75, 1.0)),
    }
    out = {"n_videos_per_set": n_videos, "real_vs_real": {"fvd": base[0], "frame_fd": base[1]}, "sweeps": {}}
    for name, (fn, strengths) in sweeps.items():
        rows = []
        for s in strengths:
            fvd, ffd = dist([fn(v, s, i) for i, v in enumerate(set_b)])
            rows.append({"strength": s, "fvd": fvd, "frame_fd": ffd})
        fvds = [base[0]] + [r["fvd"] for r in rows]
        mono = all(b > a for a, b in zip(fvds, fvds[1:]))
        out["sweeps"][name] = {"rows": rows, "fvd_monotonic": mono}
        log(f"{name}: fvd {fvds} monotonic={mono}; frame fd {[r['frame_fd'] for r in rows]}")

    # Temporal detectors on the same real set.
    real = [frame_order(v) for v in set_b]
    frozen = [frame_order(degrade.freeze(v, len(v))) for v in set_b]
    shuffled = [frame_order(degrade.shuffle(v, 1.0, seed=i)) for i, v in enumerate(set_b)]
    moving = [r for r, s in zip(real, shuffled) if s["order_ratio"] > 0 or r["order_ratio"] > 0]

    def flickering(v, i):
        jitter = np.random.default_rng(i).normal(0, 8, (len(v), 1, 1, 1))
        return np.clip(v.astype(np.float32) + jitter, 0, 255).astype(np.uint8)

    out["temporal"] = {
        "real_flagged_frozen": round(float(np.mean([r["frozen"] for r in real])), 4),
        "real_flagged_shuffled": round(float(np.mean([r["shuffled"] for r in real])), 4),
        "frozen_detected": round(float(np.mean([r["frozen"] for r in frozen])), 4),
        "shuffled_detected": round(float(np.mean([r["shuffled"] for r in shuffled])), 4),
        "shuffled_detected_of_moving": round(float(np.mean([s["shuffled"] for s in shuffled if s["order_ratio"] > 0])), 4),
        "flicker_real_mean": round(float(np.mean([flicker(v) for v in set_b])), 3),
        "flicker_jittered_mean": round(float(np.mean([flicker(flickering(v, i)) for i, v in enumerate(set_b)])), 3),
        "n": len(set_b), "n_moving": len(moving),
    }
    log(f"temporal: {out['temporal']}")
    return out


# ---------------------------------------------------------------- 6 diversity

def diversity_validation(log) -> dict:
    enc = default_encoder()
    prompts = [p for p in load_suite("basic")[:6]]
    rows = []
    for p in prompts:
        sb = parse(p.text)
        feats, same, faithful = [], [], []
        for seed in range(4):
            sp = plan(sb, size=SIZE, fps=FPS, seed=seed).shots[0]
            v = render_shot(sp, *SIZE)
            feats.append(enc.video_feature(v))
            faithful.append(judge_shot(v, sb.shots[0], sp).fully_correct)
            if seed == 0:
                v0 = v
            same.append(enc.video_feature(v0))
        rows.append({"prompt": p.id, "feature_diversity": round(feature_diversity(feats), 4),
                     "seed_ignoring_engine": round(feature_diversity(same), 4),
                     "faithful_share": round(float(np.mean(faithful)), 3)})
    log(f"diversity: {rows}")
    return {"seeds": 4, "rows": rows,
            "mean_feature_diversity": round(float(np.mean([r["feature_diversity"] for r in rows])), 4)}


# ---------------------------------------------------------------- report

def to_markdown(res: dict) -> str:
    L = ["# Evaluation suite validation", "",
         f"Machine: {res['machine']}. Judged at {SIZE[0]}x{SIZE[1]}, {FPS} fps.",
         "Commands (seconds): " + ", ".join(f"`{c}` ({res['part_seconds'].get(k, '?')} s)" for k, c in res["commands"].items()), ""]
    if "faithfulness" in res:
        L += _faithfulness_markdown(res["faithfulness"])
    return _distances_markdown(res, L)


def _faithfulness_markdown(f: dict) -> list[str]:
    suites = [r for g, r in f["fresh"].items() if g != "random"]
    n = sum(r["n"] for r in suites)
    ok = sum(round(r["fully_correct"] * r["n"]) for r in suites)
    L = [
         "## 1. Fresh scene-engine renders (target: >= 98% of shots fully correct)", "",
         f"All suites together: **{ok}/{n} = {ok / max(n, 1):.1%}** fully correct. The random storyboards "
         "(1-3 subjects, any colour on any background, camouflage included) are a harder, unfiltered check.", "",
         "| set | shots | fully correct | " + " | ".join(ATTRIBUTES) + " |",
         "|---|---|---|" + "---|" * len(ATTRIBUTES)]
    for g, r in f["fresh"].items():
        L.append(f"| {g} | {r['n']} | **{r['fully_correct']:.1%}** | " +
                 " | ".join(f"{r[a]:.1%}" if a in r else "–" for a in ATTRIBUTES) + " |")
    L += ["", "## 2. Mismatched pairs (target: <= 5% judged correct for the changed attribute)", "",
          "| changed attribute | pairs | judged correct (false acceptance) |", "|---|---|---|"]
    for a, r in f["mismatch_accepted"].items():
        L.append(f"| {a} | {r['n']} | {r['rate']:.1%} |")
    L += ["", "## 3. Degradation curve (random storyboards, learned-model-like damage)", "",
          "strength s: downscale to 64x64, Gaussian blur 1.5*s px at 64x64, upscale, noise sigma 12*s.", "",
          "| strength | fully correct | " + " | ".join(ATTRIBUTES) + " |", "|---|---|" + "---|" * len(ATTRIBUTES)]
    for s, r in f["degradation_curve"].items():
        L.append(f"| {s} | {r['fully_correct']:.1%} | " + " | ".join(f"{r[a]:.1%}" if a in r else "–" for a in ATTRIBUTES) + " |")
    if f["failures"]:
        L += ["", "Fresh renders judged wrong:", ""]
        L += [f"- {x['case']}: \"{x['caption']}\" — {x['wrong']}" for x in f["failures"]]
    return L


def _distances_markdown(res: dict, L: list[str]) -> str:
    if "distances" in res:
        d = res["distances"]
        L += ["", "## 4. FVD-style and frame (FID-style) distances, our encoder", "",
              "Not comparable to published FVD/FID (own encoder trained on scene-engine renders; "
              f"{d['n_videos_per_set']} videos per set, up to 4 clips each).", "",
              f"Two independent real render sets: FVD {d['real_vs_real']['fvd']}, frame FD {d['real_vs_real']['frame_fd']}.", "",
              "| damage | strength | FVD | frame FD |", "|---|---|---|---|"]
        for name, sw in d["sweeps"].items():
            for r in sw["rows"]:
                L.append(f"| {name} | {r['strength']} | {r['fvd']} | {r['frame_fd']} |")
            L.append(f"| {name} | monotonic in FVD | {'yes' if sw['fvd_monotonic'] else 'NO'} | |")
        t = d["temporal"]
        L += ["", "## 5. Temporal checks", "", "| check | value |", "|---|---|"]
        L += [f"| {k} | {v} |" for k, v in t.items()]
    if "diversity" in res:
        L += ["", "## 6. Diversity over 4 seeds (encoder feature distance)", "",
              "| prompt | diversity | seed-ignoring engine | faithful share |", "|---|---|---|---|"]
        L += [f"| {r['prompt']} | {r['feature_diversity']} | {r['seed_ignoring_engine']} | {r['faithful_share']} |"
              for r in res["diversity"]["rows"]]
    return "\n".join(L) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="validate the evaluation suite")
    p.add_argument("--random-shots", type=int, default=80)
    p.add_argument("--suite-seeds", type=int, default=2)
    p.add_argument("--distance-videos", type=int, default=60)
    p.add_argument("--quick", action="store_true", help="tiny sizes, for a smoke test")
    p.add_argument("--out", default=str(OUT))
    p.add_argument("--parts", default="faithfulness,distances,diversity",
                   help="comma-separated parts to run; results merge into an existing JSON")
    args = p.parse_args(argv)
    parts = set(args.parts.split(","))
    if args.quick:
        args.random_shots, args.suite_seeds, args.distance_videos = 6, 1, 8
    t0 = time.time()
    log = lambda m: print(f"[{time.time() - t0:6.0f}s] {m}", flush=True)
    cases = {}
    if "faithfulness" in parts:
        for name, shot, sp in suite_cases(args.suite_seeds):
            cases.setdefault(name.split("/")[0], []).append((name, shot, sp))
        cases["random"] = list(random_cases(args.random_shots))
    out = Path(args.out)
    old = out / "eval_validation.json"
    res = json.loads(old.read_text()) if old.exists() and parts != {"faithfulness", "distances", "diversity"} else {}
    res["machine"] = f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs (shared), Python {platform.python_version()}"
    commands = res.setdefault("commands", {})
    for part in sorted(parts):
        commands[part] = " ".join([Path(sys.argv[0]).name] + (argv or sys.argv[1:]))
    seconds = res.setdefault("part_seconds", {})
    if "faithfulness" in parts:
        t = time.time()
        res["faithfulness"] = faithfulness_validation(cases, log)
        seconds["faithfulness"] = round(time.time() - t)
    if "distances" in parts:
        t = time.time()
        res["distances"] = distance_validation(args.distance_videos, log)
        seconds["distances"] = round(time.time() - t)
    if "diversity" in parts:
        t = time.time()
        res["diversity"] = diversity_validation(log)
        seconds["diversity"] = round(time.time() - t)
    out.mkdir(parents=True, exist_ok=True)
    (out / "eval_validation.json").write_text(json.dumps(res, indent=1))
    (out / "eval_validation.md").write_text(to_markdown(res))
    print(to_markdown(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
