"""Image to video for the learned engines (`--image`): the user's picture is the first frame.

1. Conditioning. The picture, cover-fitted to the model's native size and held still for one
   latent frame's worth of frames, is encoded by the video VAE; that latent is handed to the
   generator as the clean context of the shot's first window, the same way a window continues
   from the last frame(s) of the previous one (every model was trained for continuation). So the
   model draws the prompt's subjects entering and moving over the picture, not over its own
   idea of the setting. The model draws a still view: the shot's camera is applied afterwards.
2. Compositing. The models learned 10 synthetic settings: given a picture as context they start
   from it, then drift back to a background of their own within a third of a second. Mean
   absolute error of their native frames against the picture, frames 0 / 4 / last of a 3.2 s
   shot, with the context and (without): skimage's coffee photo, gan 0.11 / 0.29 / 0.41 (0.43),
   flow 0.11 / 0.30 / 0.40 (0.42), vae 0.10 / 0.14 / 0.24 (0.33); frame 0 is tested in
   tests/test_image_to_video.py. So the picture, at the output size, stays the
   background: the model's pixels are kept only where the plan puts a subject (its anti-aliased
   mask at the native size: a wider one shows the model's own background as a halo) and the
   model drew something there (its frame differs from its first, the encoded picture, by
   CHANGE_SCALE or more; linear below). Frame 0 is the picture itself.
3. Camera. The picture shot's push-in (scene/picture.py) is applied to the whole frame at the
   output size (scene.render.apply_camera; one layer: no near-layer parallax).
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..scene.sceneplan import Camera, PictureRef, ShotPlan

# A native pixel inside a subject's mask whose colour moved by CHANGE_SCALE (mean over RGB, in 0..1)
# since the first frame shows the model's pixel; half of it, half and half. About 8% of the range:
# the VAE's frame-to-frame wobble on a still picture stays below it, a subject is far above.
CHANGE_SCALE = 0.08


def still_view(shot: ShotPlan) -> ShotPlan:
    """What the model is asked to draw for a picture shot: the same shot under a static camera."""
    return dataclasses.replace(shot, camera=Camera())


def picture_latent(vae, ref: PictureRef, width: int, height: int):
    """The picture as one clean latent frame (1, C, 1, h, w), scaled as the generators' latents."""
    import torch

    from ..models.tensors import to_video_tensor
    from ..scene.picture import plate
    rgb = plate(ref, width, height)[..., :3]
    clip = np.repeat(rgb[None], vae.config.time_factor, axis=0)           # (ft, h, w, 3): held still
    mean, _ = vae.encode(to_video_tensor(clip[None]).to(torch.float32))
    return mean[:, :, :1] * vae.config.scaling


def over_picture(frames: np.ndarray, native: np.ndarray, masks: np.ndarray, ref: PictureRef) -> np.ndarray:
    """frames (T, H, W, 3) uint8 upscaled from the native frames (T, 3, h, w) in [-1, 1], the plan's
    object masks at the native size (T, n_objects, h, w) -> the picture (cover-fitted to H x W)
    with the model's pixels only where the plan puts a subject and the model drew something there."""
    import torch
    import torch.nn.functional as F

    from ..scene.picture import plate
    height, width = frames.shape[1:3]
    picture = plate(ref, width, height)[..., :3].astype(np.float32)
    native = np.asarray(native, np.float32)
    drawn = np.clip(np.abs(native - native[:1]).mean(axis=1) / 2 / CHANGE_SCALE, 0, 1)     # (T, h, w)
    subjects = torch.from_numpy(masks.max(axis=1, initial=0.0))[:, None]                    # (T, 1, h, w)
    model = (subjects * torch.from_numpy(drawn)[:, None]).clamp(0, 1)
    model = F.interpolate(model, size=(height, width), mode="bilinear", align_corners=False)[:, 0].numpy()
    model[0] = 0.0                                   # frame 0 is the picture itself
    out = picture + model[..., None] * (frames.astype(np.float32) - picture)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)
