"""The clips a recipe trains on: cached shards, the missing ones rendered first."""
from __future__ import annotations

from pathlib import Path

from ..data.shards import ClipSet, load_shards, write_shards


def prepare_clips(data: dict, progress: bool = True) -> tuple[ClipSet, ClipSet]:
    """-> (train, validation). data: {dir, val_clips} and, to render the clips, the generator's
    settings {seed, n_clips, size: [w, h], n_frames, fps, layout_factor, shard_size}. With them,
    shards already on disk with the same settings are reused, missing ones (a larger n_clips) are
    rendered, and only the first n_clips are loaded; without them, every shard in `dir` is used.
    Validation clips are the last `val_clips` examples: never trained on."""
    folder = Path(data["dir"])
    stems = None
    if "n_clips" in data:
        from ..data.synthetic import SyntheticClips
        clips = SyntheticClips(seed=data["seed"], size=tuple(data["size"]), n_frames=data["n_frames"],
                               fps=data["fps"], layout_factor=data.get("layout_factor", 4))
        stems = write_shards(folder, clips, data["n_clips"], shard_size=data.get("shard_size", 500),
                             progress=progress)
    everything = load_shards(folder, stems)
    n_val = int(data.get("val_clips", 0))
    if n_val >= len(everything):
        from ..errors import InputError
        raise InputError(f"val_clips {n_val} must be below the number of clips {len(everything)}")
    cut = len(everything) - n_val

    def part(sl: slice) -> ClipSet:
        return ClipSet(everything.frames[sl], everything.layout[sl], everything.captions[sl], everything.subjects[sl])
    return part(slice(0, cut)), part(slice(cut, None))
