"""What the latent-space recipes (flow, gan, cvae) train on: clips as the video VAE's latents, with
their layouts per latent frame and their captions' embeddings, from one source or several laid end
to end (training/data_source.py); and the way back, generated latents decoded into sample clips.

Encoding 6,272 clips takes about a minute on 2 cores; the gan and cvae recipes cache the latents
beside the shards, keyed by the VAE's weights and the clips' pixels (a different VAE or other
clips, a different cache), so the next recipe starts at once.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..data.layout import decoder_layout, latent_layout
from ..models.tensors import to_uint8_frames, to_video_tensor
from ..models.text_encoder import TextEmbedding
from .data_source import Source, draw_clips


@dataclass
class LatentSet:
    latents: torch.Tensor      # (N, C, t, h, w) latent means, scaled to unit variance (vae.config.scaling)
    layouts: torch.Tensor      # (N, 4, t, h, w) layout per latent frame, averaged over each latent cell
    has_layout: torch.Tensor   # (N,) bool: False for prepared footage, whose zeros there mean "unknown"
    text: TextEmbedding        # N captions' token states and pooled vectors
    captions: list[str]
    sizes: list[int]           # clips of each source, in the order they are laid end to end
    weights: list[float]       # each source's share of a training batch

    def __len__(self) -> int:
        return len(self.captions)

    def draw(self, batch: int, generator: torch.Generator) -> torch.Tensor:
        """Indices of a training batch: a source by weight, then one of its clips (data_source.draw_clips)."""
        return draw_clips(self.sizes, self.weights, batch, generator)


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


def clips_digest(frames) -> str:
    """A short hash of the clips' pixels (blake2b, ~1 GB/s): a cache keyed by their count alone
    handed a recipe the latents of other clips when a folder was prepared again with as many."""
    h = hashlib.blake2b(digest_size=8)
    h.update(repr(tuple(frames.shape)).encode())
    for i in range(0, len(frames), 256):
        h.update(np.ascontiguousarray(frames[i:i + 256]).tobytes())
    return h.hexdigest()


def cached_latents(source: Source, vae, device, fingerprint: str) -> torch.Tensor:
    """encode_latents of a source's training clips, read from (or written to) its folder, keyed by
    the VAE and the clips' content; float16 there, so a run reads the same numbers whether it wrote
    the cache or found it."""
    from safetensors.torch import load_file, save_file
    cache = Path(source.name) / f"latents_{fingerprint}_{clips_digest(source.train.frames)}.safetensors"
    if cache.exists():
        return load_file(str(cache))["latents"].float()
    latents = encode_latents(vae, source.train.frames, device).half().float()
    tmp = cache.with_suffix(".tmp")
    save_file({"latents": latents.half().contiguous()}, str(tmp))
    tmp.replace(cache)
    return latents


def encode_sources(sources: list[Source], vae, device, part: str = "train", cache: bool = False) -> LatentSet:
    """The sources' training clips (part="val": their validation clips) as one LatentSet, laid end to
    end. A source without a layout gets zeros there, which `has_layout` says to ignore. cache: read
    and write the training latents beside the shards (cached_latents)."""
    fingerprint = vae_fingerprint(vae) if cache and part == "train" else None
    latents, layouts, flags, captions = [], [], [], []
    for s in sources:
        clips = getattr(s, part)
        z = cached_latents(s, vae, device, fingerprint) if fingerprint else encode_latents(vae, clips.frames, device)
        latents.append(z)                                                        # (n, C, t, h, w)
        if s.has_layout:
            cells = vae.config.space_factor // s.layout_factor
            layouts.append(latent_layout(clips.layout, vae.config.time_factor, cells))
        else:
            layouts.append(torch.zeros(len(z), clips.layout.shape[2], *z.shape[2:]))
        flags.append(torch.full((len(z),), s.has_layout))
        captions += list(clips.captions)
    return LatentSet(torch.cat(latents), torch.cat(layouts), torch.cat(flags), encode_captions(captions), captions,
                     [len(z) for z in latents], [s.weight for s in sources])


@torch.no_grad()
def generate_clips(sample, model, vae, source: Source, index: list[int], device) -> torch.Tensor:
    """The validation captions `index` of `source`, with their layouts when it has them (else None:
    the model's null layout), generated by `sample(latent_shape, text, layout) -> latents` and
    decoded: (len(index), T, H, W, 3) uint8."""
    model.eval()
    clips, c = source.val, vae.config
    text = encode_captions([clips.captions[i] for i in index]).to(device)
    layout = dec_layout = None
    if source.has_layout:
        per_frame = clips.layout[index]
        layout = latent_layout(per_frame, c.time_factor, c.space_factor // source.layout_factor).to(device)
        dec_layout = decoder_layout(vae, per_frame, device, source.layout_factor)
    _, t, h, w, _ = clips.frames.shape
    z = sample((len(index), c.latent_channels, t // c.time_factor, h // c.space_factor, w // c.space_factor), text,
               layout)
    return to_uint8_frames(vae.decode(z / c.scaling, dec_layout)).cpu()


def preview_frames(sample, model, vae, source: Source, device, n: int = 16) -> torch.Tensor:
    """The middle frame of generated clips for the first n validation captions (and layouts) of
    `source`, for the design's 4 x 4 sample grid: (n, H, W, 3) uint8."""
    frames = generate_clips(sample, model, vae, source, list(range(min(n, len(source.val)))), device)
    return frames[:, frames.shape[1] // 2]


def grid_rows(captions: list[str], rows: int = 4) -> list[int]:
    """Which validation clips the grid shows: the first clip of each caption, then the rest, in order
    (a video cut into several clips would otherwise fill the grid with one caption)."""
    seen, first, rest = set(), [], []
    for i, caption in enumerate(captions):
        (rest if caption in seen else first).append(i)
        seen.add(caption)
    return (first + rest)[:rows]


def sample_grid(sample, model, vae, source: Source, device, rows: int = 4) -> torch.Tensor:
    """A 4 x 4 grid's images: per validation caption of `source` (`grid_rows`), its real clip's middle
    frame, then the first, middle and last frames generated for the caption. (rows * 4, H, W, 3) uint8."""
    index = grid_rows(list(source.val.captions), rows)
    made = generate_clips(sample, model, vae, source, index, device)
    real = torch.as_tensor(source.val.frames[index])
    t = made.shape[1]
    picks = [real[:, t // 2], made[:, 0], made[:, t // 2], made[:, -1]]
    return torch.stack(picks, dim=1).reshape(-1, *made.shape[2:])


def log_minutes(run_dir: Path) -> float:
    """Minutes of training logged in the run's metrics.jsonl (summed over resumed sessions)."""
    total, last = 0.0, 0.0
    path = run_dir / "metrics.jsonl"
    for line in path.read_text().splitlines() if path.exists() else []:
        t = json.loads(line).get("time_s", 0.0)
        total, last = (total + last, t) if t < last else (total, t)
    return (total + last) / 60
