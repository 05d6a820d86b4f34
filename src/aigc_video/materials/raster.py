"""Drawing materials: an SVG body -> (px, px, 4) premultiplied RGBA, and recolouring.

Recolouring works on the SVG's colour strings, so the result stays vector-crisp: the subject's
dominant hue (the chromatic fill covering most rendered area) and every fill within
HUE_TOLERANCE degrees of it move to the target hue; saturation scales and value shifts by the
dominant's change, so shading keeps its relative depth. Other fills (wheels, windows, eyes)
are left alone. An achromatic target (white, black, grey) desaturates the same set.
"""
from __future__ import annotations

import re
from collections import OrderedDict

import numpy as np
import skia

_RGBA = (skia.ColorType.kRGBA_8888_ColorType, skia.AlphaType.kPremul_AlphaType)
HUE_TOLERANCE = 40.0        # degrees: fills this close to the dominant hue are recoloured
MIN_CHROMA_S = 0.2          # HSV saturation below this is "not a colour" (greys, outlines)
MIN_CHROMA_V = 0.15         # HSV value below this is "black"
CACHE_BYTES = 256 * 2**20   # rendered frames kept (LRU) per process

_NAMED = {"black": "#000000", "white": "#ffffff", "red": "#ff0000", "green": "#008000", "blue": "#0000ff",
          "yellow": "#ffff00", "gray": "#808080", "grey": "#808080", "orange": "#ffa500", "purple": "#800080"}
_COLOR = re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b|rgb\(\s*\d+\s*,\s*\d+\s*,\s*\d+\s*\)|"
                    r"(?<=[\"':])(?:" + "|".join(_NAMED) + r")(?=[\"';])")


def svg_document(body: str, width: float = 32, height: float = 32, hflip: bool = False) -> str:
    """An Iconify body (width x height user units) as a standalone SVG document."""
    if hflip:
        body = f'<g transform="translate({width} 0) scale(-1 1)">{body}</g>'
    return (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">{body}</svg>')


def parse_color(text: str) -> tuple[int, int, int]:
    text = _NAMED.get(text, text)
    if text.startswith("rgb"):
        return tuple(int(v) for v in re.findall(r"\d+", text))  # type: ignore[return-value]
    h = text[1:]
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def rgb_to_hsv(rgb: np.ndarray) -> np.ndarray:
    """(..., 3) in [0, 1] -> (..., 3) hue in degrees [0, 360), saturation, value."""
    rgb = np.asarray(rgb, np.float64)
    v = rgb.max(-1)
    c = v - rgb.min(-1)
    s = np.where(v > 0, c / np.maximum(v, 1e-12), 0.0)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    safe = np.maximum(c, 1e-12)
    h = np.where(v == r, (g - b) / safe % 6, np.where(v == g, (b - r) / safe + 2, (r - g) / safe + 4))
    return np.stack([np.where(c > 0, h * 60.0, 0.0) % 360.0, s, v], -1)


def hsv_to_rgb(hsv: np.ndarray) -> np.ndarray:
    h, s, v = hsv[..., 0] / 60.0, hsv[..., 1], hsv[..., 2]
    k = lambda n: (n + h) % 6  # noqa: E731
    f = lambda n: v - v * s * np.clip(np.minimum(k(n), 4 - k(n)), 0, 1)  # noqa: E731
    return np.stack([f(5), f(3), f(1)], -1)


def hue_distance(a, b) -> np.ndarray:
    d = np.abs(np.asarray(a) - np.asarray(b)) % 360.0
    return np.minimum(d, 360.0 - d)


def recolor_plan(palette: np.ndarray, areas: np.ndarray, target: tuple[int, int, int]) -> np.ndarray:
    """New colours for `palette` ((N, 3) uint8, with their rendered `areas`) so that the subject
    reads as `target`: the dominant chromatic colour becomes the target, its hue family follows."""
    hsv = rgb_to_hsv(palette / 255.0)
    t = rgb_to_hsv(np.asarray(target, np.float64) / 255.0)
    chromatic = (hsv[:, 1] >= MIN_CHROMA_S) & (hsv[:, 2] >= MIN_CHROMA_V)
    if chromatic.any() and areas[chromatic].sum() > 0:
        d = int(np.argmax(np.where(chromatic, areas, -1)))
        family = chromatic & (hue_distance(hsv[:, 0], hsv[d, 0]) <= HUE_TOLERANCE)
    else:  # a grey subject: its main grey and the greys near it in value
        d = int(np.argmax(np.where(hsv[:, 2] >= MIN_CHROMA_V, areas, -1)))
        family = (hsv[:, 1] < MIN_CHROMA_S) & (np.abs(hsv[:, 2] - hsv[d, 2]) <= 0.25)
    out = hsv.copy()
    ds = hsv[d, 1]
    out[family, 0] = t[0]
    out[family, 1] = np.clip(hsv[family, 1] * t[1] / ds, 0, 1) if ds > 0 else t[1]
    out[family, 2] = np.clip(hsv[family, 2] + (t[2] - hsv[d, 2]), 0, 1)
    return np.where(family[:, None], np.round(hsv_to_rgb(out) * 255), palette).astype(np.uint8)


def render_svg(svg: str, px: int) -> np.ndarray:
    """(px, px, 4) premultiplied RGBA of an SVG document, fit into the square keeping its aspect."""
    dom = skia.SVGDOM.MakeFromStream(skia.MemoryStream(svg.encode("utf-8"), True))
    if dom is None:
        raise ValueError("not a readable SVG document")
    size = dom.containerSize()
    w, h = (size.width(), size.height()) if size.width() > 0 and size.height() > 0 else (px, px)
    scale = px / max(w, h)
    out = np.zeros((px, px, 4), np.uint8)
    surface = skia.Surface(out, *_RGBA)
    with surface as canvas:
        canvas.translate((px - w * scale) / 2, (px - h * scale) / 2)
        canvas.scale(scale, scale)
        dom.setContainerSize(skia.Size(w, h))
        dom.render(canvas)
    return out


def palette_areas(svg: str, px: int = 96) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The SVG's distinct colour strings, as (N, 3) uint8, and the opaque pixels each covers."""
    texts = list(dict.fromkeys(_COLOR.findall(svg)))
    palette = np.array([parse_color(c) for c in texts], np.uint8).reshape(-1, 3)
    rgba = render_svg(svg, px)
    opaque = rgba[..., 3] == 255
    pixels = rgba[opaque][:, :3].astype(np.int16)                     # (P, 3)
    areas = np.array([(np.abs(pixels - c).max(1) <= 3).sum() for c in palette.astype(np.int16)])
    return texts, palette, areas


def recolor_svg(svg: str, color: tuple[int, int, int]) -> str:
    texts, palette, areas = palette_areas(svg)
    if not texts:
        return svg
    new = recolor_plan(palette, areas, color)
    swap = {t: "#%02x%02x%02x" % tuple(int(v) for v in n) for t, n in zip(texts, new)}
    return _COLOR.sub(lambda m: swap.get(m.group(0), m.group(0)), svg)


def recolor_pixels(rgba: np.ndarray, color: tuple[int, int, int]) -> np.ndarray:
    """The same recolouring for a bitmap (premultiplied RGBA): per pixel, by a 24-bin hue histogram."""
    alpha = rgba[..., 3:4].astype(np.float64)
    rgb = np.where(alpha > 0, rgba[..., :3] / np.maximum(alpha, 1), 0.0)   # unpremultiplied [0, 1]
    hsv = rgb_to_hsv(rgb)
    chroma = (hsv[..., 1] >= MIN_CHROMA_S) & (hsv[..., 2] >= MIN_CHROMA_V) & (alpha[..., 0] > 0)
    if not chroma.any():
        return rgba
    hist = np.bincount((hsv[..., 0][chroma] // 15).astype(int), minlength=24)
    dom_h = (np.argmax(hist) + 0.5) * 15
    family = chroma & (hue_distance(hsv[..., 0], dom_h) <= HUE_TOLERANCE)
    d_s, d_v = np.median(hsv[..., 1][family]), np.median(hsv[..., 2][family])
    t = rgb_to_hsv(np.asarray(color, np.float64) / 255.0)
    out = hsv.copy()
    out[..., 0] = np.where(family, t[0], hsv[..., 0])
    out[..., 1] = np.where(family, np.clip(hsv[..., 1] * t[1] / max(d_s, 1e-6), 0, 1), hsv[..., 1])
    out[..., 2] = np.where(family, np.clip(hsv[..., 2] + t[2] - d_v, 0, 1), hsv[..., 2])
    res = rgba.copy()
    res[..., :3] = np.round(hsv_to_rgb(out) * alpha).astype(np.uint8)
    return res


def alpha_box(rgba: np.ndarray, min_alpha: int = 8) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) in [0, 1] of the pixels with alpha >= min_alpha; the whole square if none."""
    ys, xs = np.nonzero(rgba[..., 3] >= min_alpha)
    if len(xs) == 0:
        return 0.0, 0.0, 1.0, 1.0
    h, w = rgba.shape[:2]
    return xs.min() / w, ys.min() / h, (xs.max() + 1) / w, (ys.max() + 1) / h


class FrameCache:
    """LRU of rendered frames bounded by bytes; the arrays are returned read-only."""

    def __init__(self, max_bytes: int = CACHE_BYTES):
        self.max_bytes, self.bytes = max_bytes, 0
        self._items: OrderedDict[tuple, np.ndarray] = OrderedDict()

    def get(self, key: tuple, make) -> np.ndarray:
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        arr = make()
        arr.setflags(write=False)
        self._items[key] = arr
        self.bytes += arr.nbytes
        while self.bytes > self.max_bytes and len(self._items) > 1:
            _, old = self._items.popitem(last=False)
            self.bytes -= old.nbytes
        return arr
