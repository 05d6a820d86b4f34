"""Materials in the scene engine: subjects and props drawn from the material library.

A material is rasterized once per shot at the largest size it is drawn (its SVG rendered by the
library, recoloured when the text names a colour) and sampled per frame with bilinear
filtering under the object's transform, as the vector drawings are. Props are still, so they
are drawn once into the background still, under the setting's own colour map. Material subjects
face where they move: emoji face left by convention (Unicode draws animals, vehicles and
running people facing left), so a subject moving right is mirrored; the few Fluent icons that
face right are listed (looked at one by one on a contact sheet of the common moving subjects).
"""
from __future__ import annotations

import math

import numpy as np
import skia

from .. import materials
from ..materials.index import SOURCE
from ..vocab import COLORS, NATURAL
from .backgrounds import GROUND_TINT
from .motions import facing
from .sceneplan import PlannedObject, ShotPlan
from .settings import INDOOR_LIGHT, SETTING_SPECS

MAX_SPRITE_PX = 1024     # a raster side; larger subjects are upsampled (never at 1080p sizes)
_SAMPLING = skia.SamplingOptions(skia.FilterMode.kLinear, skia.MipmapMode.kNone)
_UNIT = skia.Rect(-0.5, -0.5, 0.5, 0.5)  # the drawing's square in object units
# Fluent icons that face (or fly) right; every other moving subject faces left.
FACING_RIGHT = frozenset({"rabbit", "tiger", "pig", "camel", "airplane", "rocket", "motorcycle",
                          "tractor", "helicopter"})


def _image(rgba: np.ndarray) -> skia.Image:
    return skia.Image.fromarray(np.ascontiguousarray(rgba), skia.ColorType.kRGBA_8888_ColorType,
                                skia.AlphaType.kPremul_AlphaType)


def native_facing(asset_id: str, assets: str | None = None) -> int:
    """+1 if the material faces right as drawn, -1 if it faces left."""
    if not asset_id.startswith(f"{SOURCE}:"):
        return 1     # the user's own: as drawn
    entry = materials.library(assets).entry(asset_id)
    if entry.facing:
        return 1 if entry.facing == "right" else -1
    return 1 if entry.name in FACING_RIGHT else -1


def facing_sign(obj: PlannedObject, assets: str | None = None) -> np.ndarray:
    """Per frame: -1 to mirror the material, +1 to draw it as it is."""
    if np.ptp(np.asarray(obj.track.x)) < 0.05:
        return np.ones(len(obj.track.x))      # in place: as drawn
    return facing(obj.track.x) * native_facing(obj.asset.asset_id, assets)


class MaterialSprite:
    """One material subject of a shot: its rasters (one per clip frame) and its paint."""

    def __init__(self, obj: PlannedObject, frame_height: int, shot: ShotPlan,
                 color_filter: skia.ColorFilter | None = None):
        assert obj.asset is not None
        zoom = max(shot.camera.zoom or [1.0])
        self.px = int(min(MAX_SPRITE_PX, max(8, math.ceil(max(obj.track.scale) * frame_height * zoom))))
        self.asset_id, self.assets = obj.asset.asset_id, shot.assets
        self.color = None if obj.color == NATURAL else COLORS[obj.color]
        self.n_frames = materials.library(self.assets).frame_count(self.asset_id)
        self.paint = skia.Paint(AntiAlias=True)
        if color_filter is not None:
            self.paint.setColorFilter(color_filter)
        self._images: dict[int, skia.Image] = {}

    def image(self, i: int) -> skia.Image:
        k = i % self.n_frames   # a clip loops
        if k not in self._images:
            self._images[k] = _image(materials.render_rgba(
                self.asset_id, self.px, self.color, frame=k, user_dir=self.assets))
        return self._images[k]

    def draw(self, canvas: skia.Canvas, i: int, opacity: float) -> None:
        """Draw frame i into the unit square at the canvas origin (the object's transform)."""
        self.paint.setAlphaf(opacity)
        canvas.drawImageRect(self.image(i), _UNIT, _SAMPLING, self.paint)


def draw_props(rgba: np.ndarray, shot: ShotPlan, color_map: skia.ColorFilter | None) -> None:
    """Draw the shot's props into its background still (H, W, 4) RGBA, in place. They take the
    time of day's light, as the setting does: the ground's tint outdoors, the lamps' indoors."""
    h, w = rgba.shape[:2]
    surface = skia.Surface(rgba, skia.ColorType.kRGBA_8888_ColorType, skia.AlphaType.kPremul_AlphaType)
    canvas = surface.getCanvas()
    paint = skia.Paint(AntiAlias=True)
    spec = SETTING_SPECS.get(shot.background)
    light = INDOOR_LIGHT if spec is not None and spec.indoor else GROUND_TINT
    tint = light.get(shot.time, (1.0, 1.0, 1.0))
    cf = None
    if tint != (1.0, 1.0, 1.0):
        r, g, b = tint
        cf = skia.ColorFilters.Matrix([r, 0, 0, 0, 0, 0, g, 0, 0, 0, 0, 0, b, 0, 0, 0, 0, 0, 1, 0])
    if color_map is not None:
        cf = color_map if cf is None else skia.ColorFilters.Compose(color_map, cf)
    if cf is not None:
        paint.setColorFilter(cf)
    for prop in shot.props:
        side = prop.scale * h
        px = int(min(MAX_SPRITE_PX, max(8, math.ceil(side))))
        image = _image(materials.render_rgba(prop.asset.asset_id, px, user_dir=shot.assets))
        cx, cy = prop.x * w, prop.y * h
        canvas.drawImageRect(image, skia.Rect(cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2),
                             _SAMPLING, paint)
    del canvas, surface
