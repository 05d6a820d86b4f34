"""The open-world judge validated both ways, and the everyday suite measured with it.

    .venv/bin/python bench/open_world.py [--seeds 3] [--only validation|measures|sheet]

(about 20 minutes for all of it at 3 seeds on two shared cores; --only runs one part and
rewrites open_world.md with the committed results of the others)

Writes into bench/results/:
  open_world_validation.json   the judge (eval/open_world.py) on the everyday suite's shots:
      (a) rendered as planned, (b) made to look like a small learned model's output
      (eval/degrade.learned_like at 0.5 and 1.0), (c) each material swapped for another random
      material of the library at the same place, (d) each subject or prop removed, (e) rendered
      with other seeded details, (f) the setting swapped for another one (planned with its own
      props): targets: the right materials found in >= 98% of shots, swapped ones accepted in
      <= 5%.
  open_world.json, open_world.md   the everyday suite through `eval.evaluate.run_suite`: how
      often the plan shows every named subject and the setting (parser + planner, from the
      suite's `understood`; target >= 95%), how often the frames show them by the judge (the
      render engine, target >= 90%; and the flow engine, which hands shots with materials or
      new settings to the scene engine as the Pipeline does).
  open_world_contact_sheet.png   one frame per everyday prompt at 320x180, labelled.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from machine import describe  # noqa: E402

from aigc_video import materials  # noqa: E402
from aigc_video.eval import degrade, open_world  # noqa: E402
from aigc_video.eval.suites import load_suite  # noqa: E402
from aigc_video.scene import plan  # noqa: E402
from aigc_video.scene.render import render_frame, render_shot  # noqa: E402
from aigc_video.storyboard import Setting  # noqa: E402
from aigc_video.understand import parse  # noqa: E402
from aigc_video.vocab import ALL_BACKGROUNDS  # noqa: E402

SIZE, FPS = (160, 96), 12
SHEET_SIZE = (320, 180)
STRENGTHS = (0.5, 1.0)
SWAP_SEED = 2024
OUT = Path(__file__).parent / "results"
# What "the plan shows every named subject and the setting" reads from `understood`.
NAMED = ("subjects", "kind", "count", "color", "setting")


def cases(seeds: int):
    for p in load_suite("everyday"):
        sb = parse(p.text)
        for seed in range(seeds):
            sp = plan(sb, size=SIZE, fps=FPS, seed=seed)
            yield p, seed, sb.shots[0], sp.shots[0]


def _judge(frames, shot, shot_plan):
    return open_world.judge_shot(frames, shot, shot_plan, FPS)


def _materials_ok(v, hidden=frozenset()) -> bool:
    """Every material (subject or prop) of the shot judged visible, but those the plan itself
    hides (`hidden`: their indices in v.items; they are counted apart)."""
    return all(it.visible for i, it in enumerate(v.items) if it.role in ("material", "prop") and i not in hidden)


def _swap_asset(match, rng, ids):
    new = ids[int(rng.integers(len(ids)))]
    while new == match.asset_id:
        new = ids[int(rng.integers(len(ids)))]
    return dataclasses.replace(match, asset_id=new, name=open_world_name(new))


def open_world_name(asset_id: str) -> str:
    return asset_id.split(":", 1)[-1].replace("-", " ")


def swapped(shot_plan, item, rng, ids):
    """The plan with one item's material replaced by another random one (or, for a vocabulary
    drawing, by a random material) at the same place."""
    if item.role == "prop":
        props = list(shot_plan.props)
        props[item.index] = dataclasses.replace(props[item.index], asset=_swap_asset(props[item.index].asset, rng, ids))
        return dataclasses.replace(shot_plan, props=props)
    objects = list(shot_plan.objects)
    o = objects[item.index]
    base = o.asset or materials.Match(f"none:{o.kind}", o.kind, "", "", 1.0, "name", o.kind)
    objects[item.index] = dataclasses.replace(o, asset=_swap_asset(base, rng, ids),
                                              color=o.color if o.asset is not None else "natural")
    return dataclasses.replace(shot_plan, objects=objects)


def other_setting(shot, shot_plan, rng):
    """The same shot planned in another setting: its own props, the same subjects."""
    from aigc_video.scene.staging import plan_props

    bg = shot_plan.background
    while bg == shot_plan.background:
        bg = ALL_BACKGROUNDS[int(rng.integers(len(ALL_BACKGROUNDS)))]
    props = plan_props(Setting(bg, shot_plan.time, shot_plan.weather, shot.setting.on), shot_plan.assets)
    return dataclasses.replace(shot_plan, background=bg, props=props)


def rate(values) -> dict:
    values = list(values)
    return {"share": round(float(np.mean(values)), 4) if values else None, "n": len(values)}


# ---------------------------------------------------------------- validation

def validation(seeds: int, log) -> dict:
    ids = [e.id for e in materials.library().builtin.entries]
    rows = []
    t0 = time.time()
    for p, seed, shot, sp in cases(seeds):
        rng = np.random.default_rng([SWAP_SEED, seed, int(p.id[1:]), ord(p.id[0])])
        frames = render_shot(sp, *SIZE, FPS)
        v = _judge(frames, shot, sp)
        hidden = frozenset(i for i, it in enumerate(v.items) if not it.similarity)
        row = {"prompt": p.id, "seed": seed, "background": sp.background,
               "items": [{"role": it.role, "name": it.name, "asset": it.asset_id, "visible": it.visible,
                          "similarity": it.similarity, "note": it.note} for it in v.items],
               "crisp": {"materials": _materials_ok(v, hidden), "verdicts": v.verdicts},
               "hidden_in_plan": [f"{v.items[i].role} {v.items[i].name}" for i in sorted(hidden)]}
        for s in STRENGTHS:
            dv = _judge(degrade.learned_like(frames, s, seed=seed), shot, sp)
            row[f"learned_like_{s}"] = {"materials": _materials_ok(dv, hidden), "verdicts": dv.verdicts,
                                        "missed": [it.summary() for it in dv.items if not it.visible]}
        reseeded = dataclasses.replace(sp, seed=sp.seed + 4243)
        ov = _judge(render_shot(reseeded, *SIZE, FPS), shot, sp)
        row["other_seed"] = {"materials": _materials_ok(ov, hidden), "verdicts": ov.verdicts,
                             "missed": [it.summary() for it in ov.items if not it.visible]}
        # (c) one item swapped at a time, the others as planned; and all swapped at once.
        row["swaps"], row["removed"] = [], []
        all_swapped = sp
        for it in v.items:
            if not it.visible:           # the plan hides it: nothing to tell apart
                continue
            alt = swapped(sp, it, rng, ids)
            sv = _judge(render_shot(alt, *SIZE, FPS), shot, sp)
            new = (alt.props[it.index].asset if it.role == "prop" else alt.objects[it.index].asset).asset_id
            row["swaps"].append({"role": it.role, "name": it.name, "asset": it.asset_id, "swapped_in": new,
                                 "accepted": sv.items[v.items.index(it)].visible,
                                 "similarity": sv.items[v.items.index(it)].similarity})
            all_swapped = swapped(all_swapped, it, rng, ids) if it.role != "object" else all_swapped
            rv = _judge(render_shot(open_world.without_item(sp, it), *SIZE, FPS), shot, sp)
            row["removed"].append({"role": it.role, "name": it.name, "accepted": rv.items[v.items.index(it)].visible})
        av = _judge(render_shot(all_swapped, *SIZE, FPS), shot, sp)
        row["all_swapped"] = {"materials": _materials_ok(av, hidden)}
        sv = _judge(render_shot(other_setting(shot, sp, rng), *SIZE, FPS), shot, sp)
        row["setting_swapped"] = {"accepted": sv.verdicts["setting"], "seen": sv.details["setting"]}
        rows.append(row)
        log(f"{p.id} s{seed}: crisp {'ok' if row['crisp']['materials'] else 'MISS'}, "
            + ", ".join(f"{s} {'ok' if row[f'learned_like_{s}']['materials'] else 'MISS'}" for s in STRENGTHS)
            + f", swaps accepted {sum(s['accepted'] for s in row['swaps'])}/{len(row['swaps'])}"
            + f", setting swap {'ACCEPTED' if row['setting_swapped']['accepted'] else 'rejected'}")

    def shots(key, what="materials"):
        return rate(r[key][what] for r in rows)

    swaps = [s for r in rows for s in r["swaps"]]
    summary = {
        "right_materials_found": {"crisp": shots("crisp"), **{f"learned_like_{s}": shots(f"learned_like_{s}") for s in STRENGTHS},
                                  "other_seed": shots("other_seed")},
        "setting_right": {"crisp": rate(r["crisp"]["verdicts"]["setting"] for r in rows),
                          **{f"learned_like_{s}": rate(r[f"learned_like_{s}"]["verdicts"]["setting"] for r in rows)
                             for s in STRENGTHS},
                          "other_seed": rate(r["other_seed"]["verdicts"]["setting"] for r in rows)},
        "swapped_accepted": {
            "per_item": rate(s["accepted"] for s in swaps),
            "per_item_material_subjects": rate(s["accepted"] for s in swaps if s["role"] == "material"),
            "per_item_props": rate(s["accepted"] for s in swaps if s["role"] == "prop"),
            "per_item_vocabulary_objects": rate(s["accepted"] for s in swaps if s["role"] == "object"),
            "shots_with_any_swap_accepted": rate(any(s["accepted"] for s in r["swaps"]) for r in rows if r["swaps"]),
            "shots_all_swapped_accepted": shots("all_swapped"),
            "accepted": [f"{r['prompt']} s{r['seed']} {s['role']} {s['name']} -> {open_world_name(s['swapped_in'])} "
                         f"({','.join(f'{x:.2f}' for x in s['similarity'])})"
                         for r in rows for s in r["swaps"] if s["accepted"]],
        },
        "hidden_in_plan": [f"{r['prompt']} s{r['seed']}: {', '.join(r['hidden_in_plan'])}" for r in rows if r["hidden_in_plan"]],
        "removed_accepted": rate(x["accepted"] for r in rows for x in r["removed"]),
        "setting_swapped_accepted": rate(r["setting_swapped"]["accepted"] for r in rows),
        "missed_crisp": [f"{r['prompt']} s{r['seed']}: " + "; ".join(
            f"{i['role']} {i['name']} ({i['note'] or ','.join(f'{x:.2f}' for x in i['similarity'])})"
            for i in r["items"] if not i["visible"]) for r in rows if not r["crisp"]["materials"]],
        "seconds": round(time.time() - t0, 1),
    }
    return {"summary": summary, "shots": rows}


# ---------------------------------------------------------------- measures

def named_in_plan(shot_result_understood: dict) -> bool:
    return all(shot_result_understood.get(k, True) for k in NAMED)


def measures(seeds: int, log) -> dict:
    from aigc_video.eval.evaluate import run_suite

    out = {}
    for engine in ("render", "flow"):
        t0 = time.time()
        res = run_suite(engine, "everyday", seeds=range(seeds), size=SIZE, fps=FPS, distances=False, log=log)
        m = res.metrics
        by_prompt = {}
        for s in res.shots:
            by_prompt.setdefault(s.prompt_id, []).append(s)
        understood_named = {pid: named_in_plan(ss[0].understood) for pid, ss in by_prompt.items()}
        shown = [all(s.verdicts.get(k, True) for k in ("material", "object", "setting")) for s in res.shots]
        end_to_end = [ok and understood_named[s.prompt_id] for ok, s in zip(shown, res.shots)]
        out[engine] = {
            "plan_shows_named_subjects_and_setting": rate(understood_named.values()),
            "plan_understood_all": rate(all(ss[0].understood.values()) for ss in by_prompt.values()),
            "frames_show_planned_subjects_and_setting": rate(shown),
            "frames_fully_correct_props_included": m["fully_correct"],
            "end_to_end_named_and_shown": rate(end_to_end),
            "per_attribute": m["per_attribute"],
            "understood": m["understood"],
            "drawn_by_engine": m["drawn_by_engine"],
            "judged_by": m["judged_by"],
            "not_named_in_plan": sorted(pid for pid, ok in understood_named.items() if not ok),
            "understood_misses": {pid: [k for k, v in ss[0].understood.items() if not v]
                                  for pid, ss in by_prompt.items() if not all(ss[0].understood.values())},
            "frames_misses": [f"{s.prompt_id} s{s.seed}: " + "; ".join(
                f"{k}: {s.details.get(k)}" for k, v in s.verdicts.items() if not v)
                for s in res.shots if not s.fully_correct],
            "seconds": round(time.time() - t0, 1),
        }
    return out


# ---------------------------------------------------------------- contact sheet

def contact_sheet(path: Path, seed: int = 0) -> list[str]:
    """One frame (the middle one) per everyday prompt at SHEET_SIZE, the prompt under it."""
    import skia

    from aigc_video.eval.report import CJK_FONT

    prompts = load_suite("everyday")
    cols, pad, text_h = 4, 6, 30
    w, h = SHEET_SIZE
    rows = (len(prompts) + cols - 1) // cols
    surface = skia.Surface(cols * w + (cols + 1) * pad, rows * (h + text_h + pad) + pad)
    canvas = surface.getCanvas()
    canvas.clear(skia.ColorSetRGB(30, 30, 34))
    typeface = skia.Typeface.MakeFromFile(CJK_FONT) if Path(CJK_FONT).exists() else skia.Typeface()
    font, small = skia.Font(typeface, 11), skia.Font(typeface, 9)
    white = skia.Paint(Color=skia.ColorSetRGB(235, 235, 235), AntiAlias=True)
    grey = skia.Paint(Color=skia.ColorSetRGB(170, 170, 175), AntiAlias=True)
    notes = []
    for k, p in enumerate(prompts):
        sb = parse(p.text)
        sp = plan(sb, size=SHEET_SIZE, fps=FPS, seed=seed).shots[0]
        frame = render_frame(sp, sp.n_frames // 2, w, h, FPS)
        x, y = pad + (k % cols) * (w + pad), pad + (k // cols) * (h + text_h + pad)
        rgba = np.concatenate([frame, np.full((h, w, 1), 255, np.uint8)], -1)
        canvas.drawImage(skia.Image.fromarray(np.ascontiguousarray(rgba), skia.ColorType.kRGBA_8888_ColorType), x, y)
        canvas.drawString(f"{p.id}: {p.text}"[:60], x, y + h + 12, font, white)
        what = ", ".join([(o.asset.asset_id.split(":")[-1] if o.asset else f"{o.color} {o.kind}") for o in sp.objects]
                         or ["no subject"])
        line = f"{sp.background} | {what} | props: {', '.join(q.name for q in sp.props) or '-'}"
        canvas.drawString(line[:72], x, y + h + 25, small, grey)
        notes.append(f"{p.id}: {line}")
    path = Path(path)
    surface.makeImageSnapshot().save(str(path), skia.kPNG)
    return notes


# ---------------------------------------------------------------- report

def markdown(res: dict) -> str:
    v = res.get("validation", {}).get("summary")
    lines = ["# Open-world judge and the everyday suite", "",
             f"Machine: {res['machine']}. Judged at {SIZE[0]}x{SIZE[1]}, {FPS} fps, seeds 0..{res['seeds'] - 1}; "
             "`bench/open_world.py`.", ""]
    if v:
        f, sa = v["right_materials_found"], v["swapped_accepted"]
        lines += ["## The judge, both ways (`open_world_validation.json`)", "",
                  "| case | share | n | target |", "|---|---|---|---|",
                  f"| right materials found, as rendered | {f['crisp']['share']:.1%} | {f['crisp']['n']} | >= 98% |"]
        for s in STRENGTHS:
            x = f[f"learned_like_{s}"]
            lines.append(f"| right materials found, learned-like damage {s} | {x['share']:.1%} | {x['n']} | >= 98% |")
        lines += [f"| right materials found, other seeded details | {f['other_seed']['share']:.1%} | {f['other_seed']['n']} | |",
                  f"| swapped material accepted (per item) | {sa['per_item']['share']:.1%} | {sa['per_item']['n']} | <= 5% |",
                  f"| ... subjects / props / vocabulary drawings | {sa['per_item_material_subjects']['share']:.1%} / "
                  f"{sa['per_item_props']['share']:.1%} / {sa['per_item_vocabulary_objects']['share'] or 0:.1%} | | |",
                  f"| shots with any swapped item accepted | {sa['shots_with_any_swap_accepted']['share']:.1%} | "
                  f"{sa['shots_with_any_swap_accepted']['n']} | <= 5% |",
                  f"| shots with every material swapped, accepted | {sa['shots_all_swapped_accepted']['share']:.1%} | "
                  f"{sa['shots_all_swapped_accepted']['n']} | |",
                  f"| removed subject or prop accepted | {v['removed_accepted']['share']:.1%} | {v['removed_accepted']['n']} | |",
                  f"| setting right, as rendered / damage 1.0 / other seed | {v['setting_right']['crisp']['share']:.1%} / "
                  f"{v['setting_right']['learned_like_1.0']['share']:.1%} / {v['setting_right']['other_seed']['share']:.1%} | "
                  f"{v['setting_right']['crisp']['n']} | |",
                  f"| setting swapped, accepted | {v['setting_swapped_accepted']['share']:.1%} | "
                  f"{v['setting_swapped_accepted']['n']} | |", ""]
        if sa["accepted"]:
            lines += ["Swaps accepted: " + "; ".join(sa["accepted"]), ""]
        if v["hidden_in_plan"]:
            lines += ["Too small or hidden by the plan itself (not counted above; the judge says \"not seen\"): "
                      + "; ".join(v["hidden_in_plan"]), ""]
        if v["missed_crisp"]:
            lines += ["Missed on plain renders: " + "; ".join(v["missed_crisp"]), ""]
    for engine, m in res.get("measures", {}).items():
        lines += [f"## The everyday suite, engine `{engine}`", "",
                  "| measure | share | n | target |", "|---|---|---|---|",
                  f"| plan shows every named subject and the setting (understood: {', '.join(NAMED)}) | "
                  f"{m['plan_shows_named_subjects_and_setting']['share']:.1%} | {m['plan_shows_named_subjects_and_setting']['n']} | >= 95% |",
                  f"| frames show the planned subjects and setting (judge: material, object, setting) | "
                  f"{m['frames_show_planned_subjects_and_setting']['share']:.1%} | {m['frames_show_planned_subjects_and_setting']['n']} | >= 90% |",
                  f"| both: named in the plan and shown in the frames | {m['end_to_end_named_and_shown']['share']:.1%} | "
                  f"{m['end_to_end_named_and_shown']['n']} | |",
                  f"| frames fully correct, props included | {m['frames_fully_correct_props_included']:.1%} | | |",
                  f"| drawn by | {', '.join(f'{e} {x:.0%}' for e, x in m['drawn_by_engine'].items())} | | |", ""]
        if m["understood_misses"]:
            lines += ["Not understood: " + "; ".join(f"{pid} ({', '.join(k)})" for pid, k in m["understood_misses"].items()), ""]
        if m["frames_misses"]:
            lines += ["Frames judged wrong: " + "; ".join(m["frames_misses"]), ""]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--only", choices=("validation", "measures", "sheet"), default=None)
    args = ap.parse_args(argv)
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    OUT.mkdir(exist_ok=True)
    res = {"machine": describe(), "seeds": args.seeds}
    if args.only in (None, "sheet"):
        notes = contact_sheet(OUT / "open_world_contact_sheet.png")
        log("\n".join(notes))
    if args.only in (None, "validation"):
        res["validation"] = validation(args.seeds, log)
        (OUT / "open_world_validation.json").write_text(json.dumps(res["validation"], ensure_ascii=False, indent=1))
    if args.only in (None, "measures"):
        res["measures"] = measures(args.seeds, log)
        (OUT / "open_world.json").write_text(json.dumps(res["measures"], ensure_ascii=False, indent=1))
    # The report from this run's parts and the committed results of the others.
    for key, name in (("validation", "open_world_validation.json"), ("measures", "open_world.json")):
        if key not in res and (OUT / name).exists():
            res[key] = json.loads((OUT / name).read_text())
    (OUT / "open_world.md").write_text(markdown(res))
    print(markdown(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
