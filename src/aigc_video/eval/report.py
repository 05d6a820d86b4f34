"""Human-readable output of an evaluation: a markdown table and a contact-sheet PNG.

The contact sheet has one row per judged shot: evenly spaced frames, and under them the prompt
and the per-attribute verdict (green = correct, red = wrong, with what the judge saw).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .evaluate import ATTRIBUTES

CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


def markdown_table(metrics: dict) -> str:
    s = metrics["settings"]
    lines = [f"## eval: suite `{s['suite']}`, engine `{s['engine']}`",
             "",
             f"{s['prompts']} prompts x {len(s['seeds'])} seed(s), {s['size'][0]}x{s['size'][1]} at {s['fps']} fps; "
             f"{metrics['shots']} shots judged.",
             "",
             "| metric | value | n |",
             "|---|---|---|",
             f"| **fully correct shots** | **{metrics['fully_correct']:.1%}** | {metrics['shots']} |"]
    for a in ATTRIBUTES:
        if a in metrics["per_attribute"]:
            v = metrics["per_attribute"][a]
            lines.append(f"| {a} | {v['accuracy']:.1%} | {v['n']} |")
    drawn = metrics.get("drawn_by_engine", {})
    if len(drawn) > 1 or (drawn and s["engine"] not in drawn):
        lines.append("| drawn by | " + ", ".join(f"{e} {v:.1%}" for e, v in drawn.items())
                     + " (shots the engine was not trained on fall back to render) | |")
    if "open_world" in metrics.get("judged_by", {}):
        lines.append("| judged by | " + ", ".join(f"{j} {v:.1%}" for j, v in metrics["judged_by"].items()) + " | |")
    for k, v in metrics.get("understood", {}).items():
        lines.append(f"| understood: {k} | {v:.1%} | {s['prompts']} |")
    t = metrics["temporal"]
    lines += [f"| flicker (mean abs 2nd diff, 0-255) | {t['flicker_mean']:.3f} | |",
              f"| track jerk (median, frame heights) | {t['jerk_median']:.4f} | |",
              f"| frozen / shuffled shots | {t['frozen_share']:.1%} / {t['shuffled_share']:.1%} | |"]
    if "fvd" in metrics:
        lines += [f"| FVD-style distance to real renders (ours) | {metrics['fvd']:.2f} | |",
                  f"| frame FD (FID-style, ours) | {metrics['frame_fd']:.2f} | |"]
    elif "distances_skipped" in metrics:
        lines.append(f"| distances | skipped: {metrics['distances_skipped']} | |")
    if "diversity" in metrics:
        d = metrics["diversity"]
        lines.append(f"| diversity over seeds (features / pixels) | {d['feature']:.3f} / {d['pixel']:.2f} | |")
    lines += ["", "FVD/FID-style numbers come from this project's own encoder and are not comparable to "
              "published FVD or FID."]
    wrong = [r for r in metrics["per_shot"] if not all(r["verdicts"].values())]
    if wrong:
        lines += ["", "Shots with a wrong attribute:", ""]
        for r in wrong:
            bad = [f"{k} (saw {r['seen'].get(k)})" for k, v in r["verdicts"].items() if not v]
            lines.append(f"- {r['prompt']} seed {r['seed']}: \"{r['text']}\" — {', '.join(bad)}")
    return "\n".join(lines) + "\n"


def contact_sheet(shots, path: Path, max_rows: int = 40) -> None:
    """Write a PNG grid: per shot a row of thumbnails, the prompt and the verdicts under it."""
    import skia

    rows = shots[:max_rows]
    if not rows:
        raise ValueError("no shots to draw")
    th, tw = rows[0].thumbs.shape[1:3]
    n = rows[0].thumbs.shape[0]
    pad, text_h = 6, 34
    width = n * tw + (n + 1) * pad
    row_h = th + text_h + pad
    height = len(rows) * row_h + pad
    surface = skia.Surface(width, height)
    canvas = surface.getCanvas()
    canvas.clear(skia.ColorSetRGB(30, 30, 34))
    typeface = skia.Typeface.MakeFromFile(CJK_FONT) if Path(CJK_FONT).exists() else skia.Typeface()
    font = skia.Font(typeface, 11)
    white = skia.Paint(Color=skia.ColorSetRGB(235, 235, 235), AntiAlias=True)
    good = skia.Paint(Color=skia.ColorSetRGB(90, 210, 110), AntiAlias=True)
    bad = skia.Paint(Color=skia.ColorSetRGB(240, 90, 80), AntiAlias=True)
    for r, shot in enumerate(rows):
        y = pad + r * row_h
        for i, thumb in enumerate(shot.thumbs):
            rgba = np.concatenate([thumb, np.full(thumb.shape[:2] + (1,), 255, np.uint8)], -1)
            image = skia.Image.fromarray(np.ascontiguousarray(rgba), skia.ColorType.kRGBA_8888_ColorType)
            canvas.drawImage(image, pad + i * (tw + pad), y)
        canvas.drawString(f"{shot.prompt_id} s{shot.seed}: {shot.text}"[:150], pad, y + th + 13, font, white)
        x = pad
        for k, ok in shot.verdicts.items():
            seen = shot.details.get(k)
            label = f"{k}{'' if ok else ': ' + ','.join(str(v) for v in (seen or []))} "
            canvas.drawString(label, x, y + th + 28, font, good if ok else bad)
            x += font.measureText(label) + 4
    path = Path(path)
    tmp = path.with_name(f".{path.name}.partial")
    surface.makeImageSnapshot().save(str(tmp), skia.kPNG)
    tmp.replace(path)
