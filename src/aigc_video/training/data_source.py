"""The clips a recipe trains on: cached shards (missing synthetic ones rendered first), from one
source or, for the flow, gan and cvae recipes, several mixed by weight.

One source (every recipe):
    data: {dir, val_clips, [seed, n_clips, size, n_frames, fps, layout_factor, shard_size]}
Several (the flow, gan and cvae recipes; `aigc-video prepare` footage beside synthetic clips, say):
    data:
      mix:                      # each entry is one source's keys, plus its weight
        - {dir: runs/data/footage, weight: 0.5, val_clips: 2}
        - {dir: runs/data/synthetic_96x56_px, weight: 0.5, seed: 0, n_clips: 800, ...}
      held_back: [{dir: runs/data/footage_held_back}]   # optional: validation only, never trained on

Every training batch draws each clip's source by weight, then a clip of it uniformly (`draw_clips`),
from the recipe's seeded data generator; a mix thus trains the same way whatever the sources' sizes.
Clips of prepared footage have no layout (their shards say "layout": "none"): they are marked
`has_layout=False`, and the recipe gives them the model's null layout, not an all-zero one, which
would read as "a scene with no objects".
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..data.shards import ClipSet, load_shards, read_settings, shard_stems, write_shards
from ..errors import InputError


@dataclass
class Source:
    name: str                 # its folder, as the config gives it
    weight: float             # its share of every training batch, normalised over the mix (0: held back)
    train: ClipSet | None     # None once a recipe has encoded it
    val: ClipSet              # the last `val_clips` clips (all of a held-back source's)
    has_layout: bool          # False for prepared footage: its layout is unknown, not empty
    fps: int | None           # what its shards were made at (None: they do not say)
    layout_factor: int        # pixels per layout cell of its stored layouts

    @property
    def size(self) -> tuple[int, int, int]:
        """(width, height, n_frames) of its clips."""
        clips = self.train if len(self.train) else self.val
        _, t, h, w, _ = clips.frames.shape
        return w, h, t


def prepare_clips(data: dict, progress: bool = True) -> tuple[ClipSet, ClipSet]:
    """-> (train, validation) of a one-source data section. data: {dir, val_clips} and, to render
    the clips, the generator's settings {seed, n_clips, size: [w, h], n_frames, fps, layout_factor,
    shard_size}. With them, shards already on disk with the same settings are reused, missing ones
    (a larger n_clips) are rendered, and only the first n_clips are loaded; without them, every
    shard in `dir` is used. Validation clips are the last `val_clips` examples: never trained on."""
    if "mix" in data or "held_back" in data:
        raise InputError("data.mix and data.held_back are read by the flow, gan and cvae recipes; "
                         "this recipe takes one data.dir")
    source = load_source(data, progress)
    return source.train, source.val


def load_sources(data: dict, progress: bool = True) -> tuple[list[Source], list[Source]]:
    """-> (training sources, held-back sources) of a data section with or without `mix`."""
    if "mix" not in data:
        if "held_back" in data:
            raise InputError("data.held_back goes with data.mix (name the training folder as its one source)")
        return [load_source(data, progress)], []
    mix = data["mix"]
    if not isinstance(mix, list) or not mix or not all(isinstance(m, dict) and "dir" in m for m in mix):
        raise InputError("data.mix must be a list of sources, each with a dir and a weight: "
                         "[{dir: runs/data/footage, weight: 0.5}, ...]")
    extra = sorted(set(data) - {"mix", "held_back"})
    if extra:
        raise InputError(f"data.{', data.'.join(extra)}: with data.mix, each source's settings go in its entry")
    sources = []
    for entry in mix:
        weight = entry.get("weight")
        if not isinstance(weight, (int, float)) or isinstance(weight, bool) or not weight > 0:
            raise InputError(f"data.mix source {entry['dir']!r} needs a weight > 0 (its share of each batch), "
                             f"got {weight!r}; validation-only folders go in data.held_back")
        sources.append(load_source(entry, progress, float(weight)))
    held = []
    for entry in data.get("held_back") or []:
        entry = {"dir": entry} if isinstance(entry, str) else entry
        if not isinstance(entry, dict) or set(entry) != {"dir"}:
            raise InputError(f"data.held_back entries are shard folders ({{dir: FOLDER}}), got {entry!r}")
        held.append(load_source(entry, progress, 0.0, held_back=True))
    total = sum(s.weight for s in sources)
    for s in sources:
        s.weight /= total
    return sources, held


def load_source(data: dict, progress: bool = True, weight: float = 1.0, held_back: bool = False) -> Source:
    """One source: its shards (rendered first when it is synthetic and they are missing), split."""
    folder = Path(data["dir"])
    if "n_clips" in data:
        from ..data.synthetic import SyntheticClips
        clips = SyntheticClips(seed=data["seed"], size=tuple(data["size"]), n_frames=data["n_frames"],
                               fps=data["fps"], layout_factor=data.get("layout_factor", 4))
        stems = write_shards(folder, clips, data["n_clips"], shard_size=data.get("shard_size", 500),
                             progress=progress)
    else:
        stems = shard_stems(folder)
    settings = read_settings(stems)
    no_layout = {s.get("layout") == "none" for s in settings}
    if len(no_layout) > 1:
        raise InputError(f"{str(folder)!r} holds both prepared footage (no layout) and rendered clips; "
                         f"put them in two folders and name both in data.mix")
    fps = _agreed(folder, "fps", data, settings)
    layout_factor = _agreed(folder, "layout_factor", data, settings) or 4
    everything = load_shards(folder, stems)
    n_val = len(everything) if held_back else int(data.get("val_clips", 0))
    if not held_back and n_val >= len(everything):
        raise InputError(f"val_clips {n_val} must be below the number of clips {len(everything)} in {str(folder)!r}")
    cut = len(everything) - n_val

    def part(sl: slice) -> ClipSet:
        return ClipSet(everything.frames[sl], everything.layout[sl], everything.captions[sl], everything.subjects[sl])
    return Source(str(data["dir"]), weight, part(slice(0, cut)), part(slice(cut, None)),
                  has_layout=not no_layout.pop(), fps=fps, layout_factor=int(layout_factor))


def _agreed(folder: Path, key: str, data: dict, settings: list[dict]) -> int | None:
    """A setting the config and the shards must agree on (None when neither says)."""
    said = {s[key] for s in settings if key in s}
    if len(said) > 1:
        raise InputError(f"the shards in {str(folder)!r} were made with different {key} {sorted(said)}")
    if key in data and said and data[key] not in said:
        raise InputError(f"data {key} {data[key]} for {str(folder)!r}, but its shards were made with {said.pop()}")
    return data.get(key, next(iter(said), None))


def check_clip_size(sources: list[Source], size: tuple[int, int, int], fps: int | None, what: str) -> None:
    """Every source's clips are `size` (width, height, n_frames) at `fps`, which `what` (the model)
    takes: else an InputError naming both."""
    w, h, t = size
    for s in sources:
        sw, sh, st = s.size
        if (sw, sh, st) != (w, h, t):
            raise InputError(f"clips in {s.name!r} are {sw}x{sh}, {st} frames, but {what} takes {w}x{h}, {t} frames: "
                             f"prepare them for it (aigc-video prepare DIR --out SHARDS --size {w}x{h} --frames {t})")
        if fps is not None and s.fps is not None and s.fps != fps:
            raise InputError(f"clips in {s.name!r} are at {s.fps} fps, but {what} was trained at {fps} fps: "
                             f"prepare them with --fps {fps}")


def draw_clips(sizes: list[int], weights: list[float], batch: int, generator):
    """Indices of `batch` clips into the sources' clips laid end to end: each clip's source drawn by
    weight, then a clip of it uniformly. One source draws exactly as a plain uniform draw, so a run
    without a mix is the run it was before mixing existed."""
    import torch
    if len(sizes) == 1:
        return torch.randint(sizes[0], (batch,), generator=generator)
    which = torch.multinomial(torch.tensor(weights, dtype=torch.float64), batch, replacement=True, generator=generator)
    offsets = torch.tensor(np.concatenate([[0], np.cumsum(sizes)[:-1]]))
    within = (torch.rand(batch, generator=generator, dtype=torch.float64) * torch.tensor(sizes)[which]).long()
    return offsets[which] + within
