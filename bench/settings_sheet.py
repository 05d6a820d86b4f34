"""Contact sheet of every setting by day and by night, and the time each takes to draw.

    python bench/settings_sheet.py   # writes bench/results/settings_contact_sheet.png
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import skia

from aigc_video import vocab
from aigc_video.scene.backgrounds import draw_static
from aigc_video.scene.settings import SETTING_SPECS

W, H, COLS = 256, 144, 4
OUT = Path(__file__).parent / "results" / "settings_contact_sheet.png"


def sheet() -> np.ndarray:
    """(rows * (2H + label), COLS * W, 4) uint8: each setting's day still above its night still,
    with the `ground` line marked on the day still."""
    names = vocab.ALL_BACKGROUNDS
    label = 16
    rows = (len(names) + COLS - 1) // COLS
    cell_h = 2 * H + label
    out = np.full((rows * cell_h, COLS * W, 4), 255, np.uint8)
    for i, name in enumerate(names):
        r, c = divmod(i, COLS)
        y, x = r * cell_h, c * W
        out[y + label:y + label + H, x:x + W] = draw_static(name, "day", W, H, np.random.default_rng(0))
        out[y + label + H:y + cell_h, x:x + W] = draw_static(name, "night", W, H, np.random.default_rng(0))
        gy = y + label + int(SETTING_SPECS[name].ground * H)
        out[gy, x:x + W:4, :3] = (255, 0, 255)
    surface = skia.Surface(out, skia.ColorType.kRGBA_8888_ColorType, skia.AlphaType.kPremul_AlphaType)
    canvas = surface.getCanvas()
    font, paint = skia.Font(None, 12), skia.Paint(Color=skia.ColorBLACK, AntiAlias=True)
    for i, name in enumerate(names):
        r, c = divmod(i, COLS)
        canvas.drawString(f"{name}  (day / night)", c * W + 4, r * cell_h + 12, font, paint)
    del canvas, surface
    return out


def timings(width: int = 1280, height: int = 720, repeats: int = 3) -> dict[str, float]:
    """Milliseconds to draw each setting at width x height (best of `repeats`, night)."""
    out = {}
    for name in vocab.ALL_BACKGROUNDS:
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            draw_static(name, "night", width, height, np.random.default_rng(0))
            best = min(best, time.perf_counter() - t0)
        out[name] = 1000 * best
    return out


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    skia.Image.fromarray(sheet(), colorType=skia.ColorType.kRGBA_8888_ColorType).save(str(OUT))
    print(f"wrote {OUT}")
    for name, ms in sorted(timings().items(), key=lambda kv: -kv[1]):
        print(f"{name:14s} {ms:6.1f} ms at 1280x720")
