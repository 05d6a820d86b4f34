"""Rendered examples cached on disk, so a long training run does not re-render.

A shard is `shard_NNNN.npz` (frames uint8 (N, T, H, W, 3), layout float16 (N, T, 4, h, w)) plus
`shard_NNNN.json` (captions, subjects, the generator's settings and index range). No pickle.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..models.io import atomic_write
from .synthetic import SyntheticClips


@dataclass
class ClipSet:
    frames: np.ndarray        # (N, T, H, W, 3) uint8
    layout: np.ndarray        # (N, T, 4, h, w) float16
    captions: list[str]
    subjects: list[list[dict]]

    def __len__(self) -> int:
        return len(self.captions)


def write_shards(folder: str | os.PathLike, clips: SyntheticClips, n_clips: int, shard_size: int = 500,
                 start: int = 0, progress: bool = True) -> list[Path]:
    """Render examples start..start+n_clips-1 into shards; shards already complete are kept."""
    from tqdm import tqdm
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    bar = tqdm(total=n_clips, desc="render", unit="clip", disable=not progress)
    for shard, first in enumerate(range(start, start + n_clips, shard_size)):
        last = min(first + shard_size, start + n_clips)
        stem = folder / f"shard_{shard:04d}"
        meta = {"seed": clips.seed, "size": list(clips.size), "n_frames": clips.n_frames, "fps": clips.fps,
                "layout_factor": clips.layout_factor, "first": first, "last": last}
        if stem.with_suffix(".json").exists() and json.loads(stem.with_suffix(".json").read_text())["settings"] == meta:
            bar.update(last - first)
            written.append(stem)
            continue
        examples = []
        for i in range(first, last):
            examples.append(clips[i])
            bar.update(1)
        save_shard(stem, ClipSet(np.stack([e.frames for e in examples]), np.stack([e.layout for e in examples]),
                                 [e.caption for e in examples], [e.subjects for e in examples]), meta)
        written.append(stem)
    bar.close()
    return written


def save_shard(stem: Path, clips: ClipSet, settings: dict) -> None:
    """Write one shard: arrays first, then the JSON that marks it complete."""
    tmp = stem.with_name(stem.name + ".tmp.npz")
    np.savez(tmp, frames=clips.frames.astype(np.uint8), layout=clips.layout.astype(np.float16))
    os.replace(tmp, stem.with_suffix(".npz"))
    atomic_write(stem.with_suffix(".json"), json.dumps({
        "settings": settings, "captions": clips.captions, "subjects": clips.subjects}).encode())


def shard_stems(folder: str | os.PathLike) -> list[Path]:
    """The shards of a folder, in order; InputError when it has none."""
    folder = Path(folder)
    stems = sorted(p.with_suffix("") for p in folder.glob("shard_*.json"))
    if not stems:
        raise InputError(f"no shards (shard_*.json) in {str(folder)!r}; render them with write_shards "
                         f"or make them from footage with `aigc-video prepare DIR --out {str(folder)}`")
    return stems


def read_settings(stems: list[Path]) -> list[dict]:
    """Each shard's settings (what made it: the generator's, or `prepare`'s with "layout": "none")."""
    return [json.loads(stem.with_suffix(".json").read_text()).get("settings", {}) for stem in stems]


def load_shards(folder: str | os.PathLike, stems: list[Path] | None = None) -> ClipSet:
    """All shards of a folder (or just `stems`, e.g. those write_shards returned), in order."""
    stems = shard_stems(folder) if stems is None else stems
    if not stems:
        raise InputError(f"no shards to load from {str(folder)!r}")
    frames, layout, captions, subjects = [], [], [], []
    for stem in stems:
        meta = json.loads(stem.with_suffix(".json").read_text())
        with np.load(stem.with_suffix(".npz"), allow_pickle=False) as data:
            frames.append(data["frames"])
            layout.append(data["layout"])
        captions += meta["captions"]
        subjects += meta["subjects"]
    return ClipSet(np.concatenate(frames), np.concatenate(layout), captions, subjects)
