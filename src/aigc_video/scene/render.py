"""The procedural renderer: a ShotPlan -> frames (and ground-truth object masks).

Per frame: 1. background (a copy of the once-drawn, graded still; resampled when the camera
moves), 2. moving background layers (waves) and 3. objects, both under the camera transform,
4. weather in screen space, 5. RGBA -> RGB into the caller's array. Skia draws into a numpy
buffer it shares, so there is no per-frame allocation. Same plan and size -> identical bytes.

Geometry scales with the frame: an object's diameter is scale x frame height, positions are
fractions of the frame, so any resolution renders the same picture.
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import skia

from .. import limits
from ..errors import InputError
from .backgrounds import Waves, Weather, draw_static
from .grading import OBJECT_STRENGTH, grade_for
from .material_sprites import MaterialSprite, draw_props, facing_sign
from .motions import facing as _facing
from .picture import PictureLayers
from .sceneplan import ShotPlan
from .shapes import FACING, drawing, role_colors

_RGBA = (skia.ColorType.kRGBA_8888_ColorType, skia.AlphaType.kPremul_AlphaType)
_LAYER_BOUNDS = skia.Rect(-0.6, -0.6, 0.6, 0.6)  # a drawing's extent, outline included


def _check_render_size(width: int, height: int) -> None:
    # Masks are also rasterized at latent resolution, so sizes below limits.MIN_SIDE are allowed.
    for name, v in (("width", width), ("height", height)):
        if not isinstance(v, (int, np.integer)) or not 1 <= v <= limits.MAX_SIDE:
            raise InputError(f"{name} {v!r} is outside the limit 1..{limits.MAX_SIDE} pixels")


def _camera(shot: ShotPlan, i: int, width: int, height: int) -> tuple[float, float, float] | None:
    """(zoom, tx, ty) mapping frame pixels to screen pixels, or None for the identity."""
    cam = shot.camera
    z = cam.zoom[i] if i < len(cam.zoom) else 1.0
    pan = cam.pan_x[i] if i < len(cam.pan_x) else 0.0
    if z == 1.0 and pan == 0.0:
        return None
    return z, (0.5 - (0.5 + pan) * z) * width, (0.5 - 0.5 * z) * height


class ShotRenderer:
    """Draws the frames of one shot at one size; holds the per-shot state (background, paints).

    Per frame: 1. the background (a still drawn once per shot, plus sliding wave rows) goes
    straight into the output RGB frame: a contiguous copy, or a resampled one when the camera
    moves; 2. skia's RGBA canvas gets the same background only in the boxes where something will
    be drawn (objects, weather particles); 3. skia draws; 4. only those boxes are converted back
    to RGB. RGBA -> RGB costs ~10x a contiguous copy, so converting boxes rather than frames is
    what makes 720p fast. Boxes may overlap: both copies carry the same pixels.
    """

    def __init__(self, shot: ShotPlan, width: int, height: int, fps: int = 24):
        _check_render_size(width, height)
        limits.check_fps(fps)
        self.shot, self.w, self.h = shot, width, height
        bg_rng, weather_rng = np.random.default_rng(shot.seed).spawn(2)
        grade = grade_for(shot.mood.label)
        bg_filter = grade.color_filter()
        # (H, W, 4) RGBA with the grade and the weather's look drawn in (grading.py says why).
        rgba = draw_static(shot.background, shot.time, width, height, bg_rng, grade.background_filter(shot.weather))
        if shot.props:
            draw_props(rgba, shot, grade.background_filter(shot.weather))
        still = np.empty((height, width, 3), np.uint8)
        _copy_rgb_box(rgba, still, 0, height, 0, width)
        self.waves = None
        if shot.background == "sea":
            self.waves = Waves(still, shot.time, fps, grade.background_filter(shot.weather))
        vignette = grade.vignette_factors(height, width)
        if vignette is not None:
            still = np.clip(still * vignette + 0.5, 0, 255).astype(np.uint8)
            rgba[..., :3] = still
        self.vignette = vignette if self.waves is not None else None
        # The background as RGB (for the output) and as opaque RGBA uint32 (for the canvas).
        self.background, self.background32 = still, rgba.view(np.uint32)[..., 0]
        self.rows = np.empty_like(self.background)  # scratch for camera resampling
        self.pixels = np.full((height, width, 4), 255, np.uint8)  # opaque RGBA canvas
        self.pixels32 = self.pixels.view(np.uint32)[..., 0]
        self.surface = skia.Surface(self.pixels, *_RGBA)
        self.canvas = self.surface.getCanvas()

        self.weather = None
        if shot.weather in ("rain", "snow"):
            self.weather = Weather(shot.weather, width, height, fps, weather_rng)
            for p in self.weather.paints:
                if bg_filter is not None:
                    p.setColorFilter(bg_filter)

        obj_filter = grade.color_filter(OBJECT_STRENGTH)
        self.objects = []
        for obj in shot.objects:
            if obj.asset is not None:
                # A material: one raster at the largest size it is drawn, sampled per frame.
                sprite = MaterialSprite(obj, height, shot, obj_filter)
                self.objects.append((sprite, None, obj.track, facing_sign(obj, shot.assets)))
                continue
            paints = {}
            for role, (r, g, b) in role_colors(obj.color).items():
                paints[role] = skia.Paint(Color=skia.ColorSetRGB(r, g, b), AntiAlias=True)
                if obj_filter is not None:
                    paints[role].setColorFilter(obj_filter)
            tr = obj.track
            facing = _facing(tr.x) if obj.kind in FACING else np.ones(len(tr.x))
            self.objects.append((drawing(obj.kind), paints, tr, facing))
        # A picture shot (`--image`) draws the user's picture instead of the setting's still.
        self.picture = PictureLayers(shot.picture, shot.camera, width, height) if shot.picture else None

    def frame_into(self, i: int, out: np.ndarray) -> None:
        """Draw frame i into out (H, W, 3) uint8."""
        if not out.flags.c_contiguous:
            tmp = np.empty_like(out, order="C")
            self.frame_into(i, tmp)
            np.copyto(out, tmp)
            return
        w, h, canvas = self.w, self.h, self.canvas
        cam = _camera(self.shot, i, w, h)
        bg, bg32 = self.background, self.background32
        if self.picture is not None:
            # 1-2. the user's picture, filtered and in layers: onto the whole canvas (picture.py)
            self.picture.draw(canvas, i)
            boxes = [(0, h, 0, w)]
        else:
            # 1. background, straight into the output
            if self.waves is not None:
                self.waves.draw(i, bg, bg32, self.vignette)  # only the wave rows change
            if cam is None:
                np.copyto(out, bg)
            else:
                ix, iy = _camera_indices(cam, w, h)
                _resample(bg, self.rows, out, ix, iy)
            # 2. the canvas gets the background only where something will be drawn
            boxes = self._boxes(i, cam)
        for y0, y1, x0, x1 in boxes if self.picture is None else ():
            if cam is None:
                self.pixels32[y0:y1, x0:x1] = bg32[y0:y1, x0:x1]
            else:
                _copy_rgb_box(out, self.pixels, y0, y1, x0, x1)
        particles = self.weather.positions(i) if self.weather is not None else None
        if particles is not None:
            # Hundreds of small boxes: one gather/scatter over all their pixels beats a loop.
            spots = self.weather.pixels(*particles)
            # 1-D fancy indexing, whole RGBA pixels as uint32 where possible, else one colour
            # plane at a time: both beat indexing (N, 3) rows.
            out_planes = [out.reshape(-1, 3)[:, c] for c in range(3)]
            if self.picture is not None:
                pass   # the canvas already holds the whole background
            elif cam is None:
                self.pixels32.reshape(-1)[spots] = bg32.reshape(-1)[spots]
            else:
                px_planes = [self.pixels.reshape(-1, 4)[:, c] for c in range(3)]
                for o, p in zip(out_planes, px_planes):
                    p[spots] = o[spots]
        # 3. draw: objects under the camera, in plan order (later ones in front), weather on top
        canvas.save()
        if cam is not None:
            canvas.translate(cam[1], cam[2])
            canvas.scale(cam[0], cam[0])
        for d, paints, tr, facing in self.objects:
            opacity = tr.opacity[i]
            if opacity <= 1 / 512:
                continue
            size = tr.scale[i] * h
            canvas.save()
            canvas.translate(tr.x[i] * w, tr.y[i] * h)
            canvas.rotate(tr.rotation[i])
            canvas.scale(size * facing[i], size)
            if paints is None:
                d.draw(canvas, i, opacity)
                canvas.restore()
                continue
            if opacity < 1:
                # A layer, so that overlapping parts fade together rather than show through.
                canvas.saveLayerAlpha(_LAYER_BOUNDS, int(round(opacity * 255)))
            canvas.drawPath(d.outline, paints["outline"])
            for path, role in d.parts:
                canvas.drawPath(path, paints[role])
            if opacity < 1:
                canvas.restore()
            canvas.restore()
        canvas.restore()
        if particles is not None:
            self.weather.draw(canvas, *particles)
        # 4. convert the drawn boxes back
        for y0, y1, x0, x1 in boxes:
            _copy_rgb_box(self.pixels, out, y0, y1, x0, x1)
        if particles is not None:
            drawn = self.pixels32.reshape(-1)[spots].view(np.uint8).reshape(-1, 4)
            for c, o in enumerate(out_planes):
                o[spots] = drawn[:, c]

    def _boxes(self, i: int, cam: tuple[float, float, float] | None) -> list[tuple[int, int, int, int]]:
        """(y0, y1, x0, x1) pixel boxes holding every object drawn this frame, through the camera."""
        w, h = self.w, self.h
        z, tx, ty = cam if cam is not None else (1.0, 0.0, 0.0)
        boxes = []
        for _, _, tr, _ in self.objects:
            if tr.opacity[i] <= 1 / 512:
                continue
            # Drawings fit +-0.6 of their diameter, outline and rotation included; +2 px of
            # anti-aliasing.
            cx, cy, half = tr.x[i] * w, tr.y[i] * h, 0.6 * tr.scale[i] * h
            x0, x1 = max(int(z * (cx - half) + tx) - 2, 0), min(int(z * (cx + half) + tx) + 3, w)
            y0, y1 = max(int(z * (cy - half) + ty) - 2, 0), min(int(z * (cy + half) + ty) + 3, h)
            if x0 < x1 and y0 < y1:
                boxes.append((y0, y1, x0, x1))
        return boxes


def _copy_rgb_box(src: np.ndarray, dst: np.ndarray, y0: int, y1: int, x0: int, x1: int) -> None:
    """dst[y0:y1, x0:x1, :3] = src[y0:y1, x0:x1, :3] between C-contiguous (H, W, 3 or 4) uint8
    arrays (RGB and RGBA, either way round).

    As two strided copies, R and G as one (unaligned) uint16, then B: ~2x faster than numpy's
    copy of 3 one-byte items per pixel."""
    w, bh, bw = src.shape[1], y1 - y0, x1 - x0
    cs, cd = src.shape[2], dst.shape[2]
    rg_dst = np.ndarray((bh, bw), np.uint16, dst, (y0 * w + x0) * cd, (w * cd, cd))
    rg_src = np.ndarray((bh, bw), np.uint16, src, (y0 * w + x0) * cs, (w * cs, cs))
    np.copyto(rg_dst, rg_src)
    np.copyto(dst[y0:y1, x0:x1, 2], src[y0:y1, x0:x1, 2])


def _camera_indices(cam: tuple[float, float, float], w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    """Source column and row of every screen pixel (nearest), for camera (zoom, tx, ty)."""
    z, tx, ty = cam
    ix = np.clip(((np.arange(w) + 0.5 - tx) / z).astype(np.intp), 0, w - 1)
    iy = np.clip(((np.arange(h) + 0.5 - ty) / z).astype(np.intp), 0, h - 1)
    return ix, iy


def _resample(src: np.ndarray, rows: np.ndarray, dst: np.ndarray, ix: np.ndarray, iy: np.ndarray) -> None:
    """dst = src[iy][:, ix] for (H, W, C) arrays, through the scratch `rows`.

    Nearest sampling: the camera moves <10%, so it is hardly visible, and skia's filtered image
    draw costs ~5x more here. Columns are copied as runs of consecutive source columns (a zoom
    of z repeats one column in every 1 / (z - 1)), ~2x faster than a column gather."""
    np.take(src, iy, axis=0, out=rows)
    breaks = (np.flatnonzero(np.diff(ix) != 1) + 1).tolist()
    for a, b in zip([0, *breaks], [*breaks, len(ix)]):
        s = int(ix[a])
        dst[:, a:b] = rows[:, s:s + b - a]


def apply_camera(frames: np.ndarray, shot: ShotPlan) -> np.ndarray:
    """The shot's camera (zoom, pan per frame) applied to whole drawn frames (T, H, W, 3), in
    place, as the scene engine moves its background: for frames drawn under a still view."""
    height, width = frames.shape[1:3]
    rows = np.empty_like(frames[0])
    for i, frame in enumerate(frames):
        cam = _camera(shot, i, width, height)
        if cam is not None:
            ix, iy = _camera_indices(cam, width, height)
            _resample(frame.copy(), rows, frame, ix, iy)
    return frames


def iter_frames(shot: ShotPlan, width: int, height: int, fps: int = 24) -> Iterator[np.ndarray]:
    """Frames of a shot one at a time, (height, width, 3) uint8 each: for streaming.

    fps sets the pace of what the plan does not time (falling rain and snow, waves); the plan's
    tracks are already per frame."""
    r = ShotRenderer(shot, width, height, fps)
    for i in range(shot.n_frames):
        out = np.empty((height, width, 3), np.uint8)
        r.frame_into(i, out)
        yield out


def render_shot(shot: ShotPlan, width: int, height: int, fps: int = 24) -> np.ndarray:
    """All frames of a shot: (shot.n_frames, height, width, 3) uint8."""
    r = ShotRenderer(shot, width, height, fps)
    frames = np.empty((shot.n_frames, height, width, 3), np.uint8)
    for i in range(shot.n_frames):
        r.frame_into(i, frames[i])
    return frames


def render_frame(shot: ShotPlan, i: int, width: int, height: int, fps: int = 24) -> np.ndarray:
    """Frame i of a shot: (height, width, 3) uint8 (draws the shot's background first, so use
    render_shot or iter_frames for sequences)."""
    if not 0 <= i < shot.n_frames:
        raise InputError(f"frame {i} is outside the shot's frames 0..{shot.n_frames - 1}")
    out = np.empty((height, width, 3), np.uint8)
    ShotRenderer(shot, width, height, fps).frame_into(i, out)
    return out


def render_masks(shot: ShotPlan, width: int, height: int) -> np.ndarray:
    """Ground-truth layout: (n_frames, n_objects, height, width) float32 in [0, 1], each object's
    silhouette (anti-aliased coverage) x opacity as seen through the camera."""
    _check_render_size(width, height)
    n, k = shot.n_frames, len(shot.objects)
    masks = np.zeros((n, k, height, width), np.float32)
    alpha = np.zeros((height, width), np.uint8)
    surface = skia.Surface(alpha, skia.ColorType.kAlpha_8_ColorType, skia.AlphaType.kPremul_AlphaType)
    canvas = surface.getCanvas()
    paint = skia.Paint(AntiAlias=True)
    for j, obj in enumerate(shot.objects):
        sprite = MaterialSprite(obj, height, shot) if obj.asset is not None else None
        silhouette = drawing(obj.kind).silhouette if sprite is None else None
        tr = obj.track
        if sprite is not None:
            facing = facing_sign(obj, shot.assets)
        else:
            facing = _facing(tr.x) if obj.kind in FACING else np.ones(len(tr.x))
        for i in range(n):
            if tr.opacity[i] <= 1 / 512:
                continue
            alpha.fill(0)
            canvas.save()
            cam = _camera(shot, i, width, height)
            if cam is not None:
                canvas.translate(cam[1], cam[2])
                canvas.scale(cam[0], cam[0])
            size = tr.scale[i] * height
            canvas.translate(tr.x[i] * width, tr.y[i] * height)
            canvas.rotate(tr.rotation[i])
            canvas.scale(size * facing[i], size)
            if sprite is not None:
                sprite.draw(canvas, i, float(tr.opacity[i]))
            else:
                paint.setAlphaf(float(tr.opacity[i]))
                canvas.drawPath(silhouette, paint)
            canvas.restore()
            np.multiply(alpha, 1 / 255, out=masks[i, j], dtype=np.float32)
    return masks
