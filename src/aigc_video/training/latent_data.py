"""What the latent-space recipes (gan, cvae) train on: clips as the video VAE's latents, with their
layouts per latent frame and their captions' embeddings.

Encoding 6,272 clips takes about a minute on 2 cores; the latents are cached beside the shards, keyed
by the VAE's weights (a different VAE, a different cache), so the next recipe starts at once.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import torch

from ..data.layout import decoder_layout, latent_layout
from ..data.shards import ClipSet
from ..models.tensors import to_uint8_frames, to_video_tensor
from ..models.text_encoder import TextEmbedding
from .data_source import prepare_clips


@dataclass
class LatentSet:
    latents: torch.Tensor      # (N, C, t, h, w) latent means, scaled to unit variance (vae.config.scaling)
    layouts: torch.Tensor      # (N, 4, t, h, w) layout per latent frame, averaged over each latent cell
    text: TextEmbedding        # N captions' token states and pooled vectors
    captions: list[str]

    def __len__(self) -> int:
        return len(self.captions)


@torch.no_grad()
def encode_latents(vae, frames, device, batch: int = 32) -> torch.Tensor:
    """uint8 clips -> scaled latent means (N, C, t, h, w)."""
    out = []
    for i in range(0, len(frames), batch):
        mean, _ = vae.encode(to_video_tensor(frames[i:i + batch]).to(device))
        out.append(mean.float().cpu() * vae.config.scaling)
    return torch.cat(out)


def encode_captions(captions: list[str], encoder=None) -> TextEmbedding:
    from ..models.text_encoder import shared_text_encoder
    return (encoder or shared_text_encoder()).encode(captions)


def vae_fingerprint(vae) -> str:
    """A short hash of the VAE's weights and scaling: which latent space a cache holds."""
    h = hashlib.sha256(repr(vae.config).encode())
    for name, value in sorted(vae.state_dict().items()):
        h.update(name.encode())
        h.update(value.detach().float().cpu().numpy().tobytes())
    return h.hexdigest()[:16]


def latent_dataset(data: dict, vae, device, progress: bool = True) -> tuple[LatentSet, ClipSet]:
    """-> (training latents, validation clips as pixels). `data` is a recipe's data section
    (training/data_source.py); latents are cached in its folder."""
    from safetensors.torch import load_file, save_file
    train, val = prepare_clips(data, progress=progress)
    cache = Path(data["dir"]) / f"latents_{vae_fingerprint(vae)}_{len(train)}.safetensors"
    if cache.exists():
        latents = load_file(str(cache))["latents"].float()
    else:
        latents = encode_latents(vae, train.frames, device).half().float()   # as the cache will hold them
        tmp = cache.with_suffix(".tmp")
        save_file({"latents": latents.half().contiguous()}, str(tmp))
        tmp.replace(cache)
    layout_factor = int(data.get("layout_factor", 4))
    layouts = latent_layout(train.layout, vae.config.time_factor, vae.config.space_factor // layout_factor)
    return LatentSet(latents, layouts, encode_captions(train.captions), list(train.captions)), val


@torch.no_grad()
def preview_frames(sample, model, vae, val: ClipSet, config: dict, device, n: int = 16) -> torch.Tensor:
    """The middle frame of generated clips for the first n validation captions and layouts, for the
    design's 4 x 4 sample grid: (n, H, W, 3) uint8. sample(latent_shape, text, layout) -> latents."""
    model.eval()
    n = min(n, len(val))
    text = encode_captions(list(val.captions[:n])).to(device)
    layout_factor = int(config["data"].get("layout_factor", 4))
    layout = latent_layout(val.layout[:n], vae.config.time_factor, vae.config.space_factor // layout_factor).to(device)
    c = vae.config
    shape = (n, c.latent_channels, *layout.shape[2:])
    z = sample(shape, text, layout)
    video = vae.decode(z / c.scaling, decoder_layout(vae, val.layout[:n], device, layout_factor))
    frames = to_uint8_frames(video).cpu()                      # (n, T, H, W, 3)
    return frames[:, frames.shape[1] // 2]


def log_minutes(run_dir: Path) -> float:
    """Minutes of training logged in the run's metrics.jsonl (summed over resumed sessions)."""
    total, last = 0.0, 0.0
    path = run_dir / "metrics.jsonl"
    for line in path.read_text().splitlines() if path.exists() else []:
        t = json.loads(line).get("time_s", 0.0)
        total, last = (total + last, t) if t < last else (total, t)
    return (total + last) / 60
