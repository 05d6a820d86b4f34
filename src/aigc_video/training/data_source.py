"""The clips a recipe trains on: cached shards, rendered first if the folder has none."""
from __future__ import annotations

from pathlib import Path

from ..data.shards import ClipSet, load_shards, write_shards


def prepare_clips(data: dict, progress: bool = True) -> tuple[ClipSet, ClipSet]:
    """-> (train, validation). data: {dir, seed, n_clips, val_clips, size: [w, h], n_frames, fps,
    layout_factor, shard_size}. Validation clips are the last `val_clips` examples: rendered from
    the same generator but never trained on."""
    folder = Path(data["dir"])
    if not list(folder.glob("shard_*.json")):
        from ..data.synthetic import SyntheticClips
        clips = SyntheticClips(seed=data["seed"], size=tuple(data["size"]), n_frames=data["n_frames"],
                               fps=data["fps"], layout_factor=data.get("layout_factor", 4))
        write_shards(folder, clips, data["n_clips"], shard_size=data.get("shard_size", 500), progress=progress)
    everything = load_shards(folder)
    n_val = int(data.get("val_clips", 0))
    if n_val >= len(everything):
        from ..errors import InputError
        raise InputError(f"val_clips {n_val} must be below the number of clips {len(everything)}")
    cut = len(everything) - n_val

    def part(sl: slice) -> ClipSet:
        return ClipSet(everything.frames[sl], everything.layout[sl], everything.captions[sl], everything.subjects[sl])
    return part(slice(0, cut)), part(slice(cut, None))
