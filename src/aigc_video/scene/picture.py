"""Image to video: the user's picture as every shot's background plate, animated by the camera.

1. `read_picture(path)` checks and decodes the file once (skia's codecs: PNG, JPEG, WebP, GIF,
   BMP; EXIF orientation applied) and returns a `PictureRef` (path, sha256, size) for the plan.
   `decode_picture(data, label)` is the same check on bytes (the job service's uploads).
2. The planner gives a picture shot no props of its own and a `picture_camera`: a slow push-in
   (zoom 1 -> 1.08) drifting the way the prompt's subjects move. Its first frame is the identity,
   so the video opens on the picture itself.
3. `PictureLayers` draws frame i: the plate (the picture cover-fitted to the output size: scaled
   to fill it, the overflow cropped evenly), and over it a "near" copy of its lower part under a
   stronger camera. The depth guess is the ground-plane one (lower rows are nearer); a soft alpha
   ramp between 45% and 75% of the height hides the seam. The two move apart as the camera moves:
   parallax without holes, since the near layer only ever covers the far one.

The scene engine draws the plan's objects (and weather) over the plate as usual. Mood grading is
not applied to the picture: it is the user's, and the first frame must match it.
"""
from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

import numpy as np

from ..errors import InputError
from .sceneplan import Camera, PictureRef

MAX_PICTURE_BYTES = 100 * 2**20
MAX_PICTURE_PIXELS = 40_000_000        # a 100-megapixel picture is refused, not downscaled
MAX_PICTURE_SIDE = 16384
PUSH_IN = 1.08                         # zoom at the shot's last frame
DRIFT = 0.8                            # share of the room the zoom leaves that the view drifts sideways
PARALLAX = 1.5                         # the near layer's zoom and drift, relative to the far one's
NEAR_RAMP = (0.45, 0.75)               # rows (fractions of the height) where the near layer fades in


def read_picture(path: str | os.PathLike) -> PictureRef:
    """Check and fully decode the picture at `path` (a truncated or corrupt file is refused here,
    not halfway through a video); InputError naming the file and the limit otherwise."""
    _, ref = _decode(str(path))
    return ref


def _decode(path: str) -> tuple[np.ndarray, PictureRef]:
    """-> ((H, W, 3) uint8 RGB, its PictureRef). Transparent pixels come out over black."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"image {path!r} does not exist or is not a file")
    size = p.stat().st_size
    if size > MAX_PICTURE_BYTES:
        raise InputError(f"image {path!r} is {size} bytes, over the limit {MAX_PICTURE_BYTES} (100 MB)")
    try:
        data = p.read_bytes()
    except OSError as e:
        raise InputError(f"image {path!r} cannot be read: {e.strerror}") from None
    rgb = decode_picture(data, f"image {path!r}")
    ref = PictureRef(path=str(p), sha256=hashlib.sha256(data).hexdigest(), width=rgb.shape[1], height=rgb.shape[0])
    return rgb, ref


def decode_picture(data: bytes, label: str) -> np.ndarray:
    """Fully decode the encoded picture `data` -> (H, W, 3) uint8 RGB, EXIF orientation applied;
    InputError starting with `label` (what to call the picture) when it is not a picture, is over
    the pixel limits (checked from the header, before decoding) or is damaged."""
    import skia

    sk_data = skia.Data.MakeWithCopy(data)   # kept alive while the codec reads it
    try:
        codec = skia.Codec.MakeFromData(sk_data) if data else None
    except RuntimeError:   # skia-python raises where C++ returns null: not a format it knows
        codec = None
    if codec is None:
        raise InputError(f"{label} is not a picture skia can read (PNG, JPEG, WebP, GIF or BMP)")
    info = codec.getInfo()
    w, h = info.width(), info.height()
    if max(w, h) > MAX_PICTURE_SIDE or w * h > MAX_PICTURE_PIXELS:
        raise InputError(f"{label} is {w}x{h} ({w * h / 1e6:.1f} megapixels), over the limit "
                         f"{MAX_PICTURE_SIDE} px a side and {MAX_PICTURE_PIXELS / 1e6:.0f} megapixels")
    if w < 1 or h < 1:
        raise InputError(f"{label} has no pixels ({w}x{h})")
    rgba = np.empty((h, w, 4), np.uint8)
    want = skia.ImageInfo.Make(w, h, skia.ColorType.kRGBA_8888_ColorType, skia.AlphaType.kPremul_AlphaType)
    result = codec.getPixels(want, rgba, rgba.strides[0])
    if result != skia.Codec.Result.kSuccess:
        raise InputError(f"{label} is damaged or incomplete ({skia.Codec.ResultToString(result)})")
    return _orient(np.ascontiguousarray(rgba[..., :3]), codec.getOrigin())   # premultiplied: over black


def _orient(rgb: np.ndarray, origin) -> np.ndarray:
    """Apply the EXIF orientation (skia.EncodedOrigin) to (H, W, 3)."""
    import skia
    o = skia.EncodedOrigin
    ops = {o.kTopLeft_EncodedOrigin: lambda a: a,
           o.kTopRight_EncodedOrigin: lambda a: a[:, ::-1],
           o.kBottomRight_EncodedOrigin: lambda a: a[::-1, ::-1],
           o.kBottomLeft_EncodedOrigin: lambda a: a[::-1],
           o.kLeftTop_EncodedOrigin: lambda a: a.transpose(1, 0, 2),
           o.kRightTop_EncodedOrigin: lambda a: np.rot90(a, -1),
           o.kRightBottom_EncodedOrigin: lambda a: a[::-1, ::-1].transpose(1, 0, 2),
           o.kLeftBottom_EncodedOrigin: lambda a: np.rot90(a, 1)}
    return np.ascontiguousarray(ops.get(origin, lambda a: a)(rgb))


def cover_fit(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    """(h, w, 3) uint8 -> (height, width, 4) opaque RGBA uint8: scaled to cover the frame (the
    larger of the two scale factors), centred, the overflow cropped; mipmapped linear filtering,
    so a large picture is averaged, not aliased, when shrunk."""
    import skia
    h, w = rgb.shape[:2]
    rgba = np.empty((h, w, 4), np.uint8)
    rgba[..., :3], rgba[..., 3] = rgb, 255
    image = skia.Image.fromarray(rgba, skia.ColorType.kRGBA_8888_ColorType).withDefaultMipmaps()
    s = max(width / w, height / h)
    sw, sh = width / s, height / s
    src = skia.Rect.MakeXYWH((w - sw) / 2, (h - sh) / 2, sw, sh)
    out = np.zeros((height, width, 4), np.uint8)
    surface = skia.Surface(out, skia.ColorType.kRGBA_8888_ColorType, skia.AlphaType.kPremul_AlphaType)
    canvas = surface.getCanvas()
    sampling = skia.SamplingOptions(skia.FilterMode.kLinear, skia.MipmapMode.kLinear)
    canvas.drawImageRect(image, src, skia.Rect.MakeWH(width, height), sampling, None,
                         skia.Canvas.kStrict_SrcRectConstraint)
    surface.flushAndSubmit()
    out[..., 3] = 255
    return out


@functools.lru_cache(maxsize=4)
def _plate(path: str, sha256: str, width: int, height: int) -> np.ndarray:
    rgb, ref = _decode(path)
    if ref.sha256 != sha256:
        raise InputError(f"image {path!r} changed since it was planned (sha256 {ref.sha256[:12]}..., "
                         f"planned {sha256[:12]}...)")
    plate = cover_fit(rgb, width, height)
    plate.setflags(write=False)
    return plate


def plate(ref: PictureRef, width: int, height: int) -> np.ndarray:
    """The picture cover-fitted to (height, width, 4) opaque RGBA uint8 (cached, read-only)."""
    return _plate(ref.path, ref.sha256, width, height)


def picture_camera(n_frames: int, sign: int) -> Camera:
    """A push-in from the whole picture (frame 0 = zoom 1, no drift) to PUSH_IN, drifting sideways
    (sign +1 right, -1 left) as far as the zoom leaves room for, eased in and out."""
    ease = 0.5 - 0.5 * np.cos(np.pi * np.arange(n_frames) / max(n_frames - 1, 1))
    zoom = 1 + (PUSH_IN - 1) * ease
    pan = sign * DRIFT * (0.5 - 0.5 / zoom)
    return Camera(kind="zoom", pan_x=[round(float(v), 6) for v in pan], zoom=[round(float(v), 6) for v in zoom])


def drift_sign(directions: list[str | None], seed: int) -> int:
    """Which way the view drifts: with the first subject that moves left or right, else by seed."""
    for d in directions:
        if d in ("left", "right"):
            return -1 if d == "left" else 1
    return 1 if seed % 2 else -1


class PictureLayers:
    """Draws a picture shot's background (far plate + near layer) onto a skia canvas, per frame."""

    def __init__(self, ref: PictureRef, camera: Camera, width: int, height: int):
        import skia
        self.w, self.h, self.camera = width, height, camera
        far = plate(ref, width, height)
        lo, hi = NEAR_RAMP
        rows = np.clip((np.arange(height) / height - lo) / (hi - lo), 0, 1)
        ramp = (rows * rows * (3 - 2 * rows)).astype(np.float32)          # smoothstep, (H,)
        near = np.round(far * ramp[:, None, None]).astype(np.uint8)       # premultiplied alpha
        kind = skia.ColorType.kRGBA_8888_ColorType
        self.far = skia.Image.fromarray(np.array(far), kind, skia.AlphaType.kPremul_AlphaType)
        self.near = skia.Image.fromarray(near, kind, skia.AlphaType.kPremul_AlphaType)
        self.sampling = skia.SamplingOptions(skia.FilterMode.kLinear)

    def layers(self, i: int) -> list[tuple[object, float, float]]:
        """(image, zoom, pan) to draw at frame i, far first; frame-0-like frames are the plate alone."""
        cam = self.camera
        z = cam.zoom[i] if i < len(cam.zoom) else 1.0
        pan = cam.pan_x[i] if i < len(cam.pan_x) else 0.0
        if z == 1.0 and pan == 0.0:
            return [(self.far, 1.0, 0.0)]
        zn = 1 + PARALLAX * (z - 1)
        room, room_n = 0.5 - 0.5 / z, 0.5 - 0.5 / zn
        pan_n = pan * room_n / room if room > 0 else 0.0
        return [(self.far, z, pan), (self.near, zn, pan_n)]

    def draw(self, canvas, i: int) -> None:
        import skia
        w, h = self.w, self.h
        for image, z, pan in self.layers(i):
            if z == 1.0 and pan == 0.0:
                canvas.drawImage(image, 0, 0, skia.SamplingOptions(), _SRC_PAINT)   # pixel for pixel
                continue
            canvas.save()
            canvas.translate((0.5 - (0.5 + pan) * z) * w, (0.5 - 0.5 * z) * h)   # as scene.render._camera
            canvas.scale(z, z)
            canvas.drawImage(image, 0, 0, self.sampling, _SRC_PAINT if image is self.far else None)
            canvas.restore()


def _src_paint():
    import skia
    return skia.Paint(BlendMode=skia.BlendMode.kSrc)   # the plate replaces what the canvas held


_SRC_PAINT = _src_paint()
