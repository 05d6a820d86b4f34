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
# A sighting whose area jumps by more than this factor against its neighbours on the track is
# not this object alone: it merged with another object (larger) or is partly hidden (smaller),
# and its centroid and outline would put a false jolt into the path.
MERGE_RATIO = 1.5
MERGE_WINDOW = 3   # neighbours looked at on each side


@dataclass
class ObjectTrack:
    blobs: list[Blob] = field(default_factory=list)
    # Per sighting, the same object one video frame later (or earlier), for seeing spins
    # (see rotation.py); empty until `attach_partners`.
    partners: list[Blob | None] = field(default_factory=list)

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


def merged_sightings(areas: np.ndarray) -> np.ndarray:
    """(n,) bool: sightings whose area is an isolated jump, up (a merge) or down (partly hidden),
    by more than MERGE_RATIO against the geometric mean of the median areas of up to MERGE_WINDOW
    sightings before and after. Smooth change (grow, shrink, entering, fading) moves both sides
    alike, so it is never a jump; the first and last sightings have one side and are kept."""
    areas = np.asarray(areas, float)
    out = np.zeros(len(areas), bool)
    for i in range(1, len(areas) - 1):
        before, after = areas[max(0, i - MERGE_WINDOW):i], areas[i + 1:i + 1 + MERGE_WINDOW]
        ref = np.sqrt(np.median(before) * np.median(after))
        out[i] = abs(np.log((areas[i] + 1e-9) / (ref + 1e-9))) > np.log(MERGE_RATIO)
    return out


def without_merges(track: ObjectTrack) -> ObjectTrack:
    """The track without the sightings where the object was not seen alone: merged into one
    blob with another object or partly hidden (merged_sightings), or bordering another
    object's blob. Kept whole when that would leave under half of it (objects drawn touching)."""
    bad = merged_sightings([b.area for b in track.blobs])
    touching = bad | np.array([b.touching for b in track.blobs])
    if 2 * (len(track) - touching.sum()) >= len(track):
        bad = touching
    if len(track) - bad.sum() < 2:
        return track
    return ObjectTrack([b for b, m in zip(track.blobs, bad) if not m])


def main_tracks(tracks: list[ObjectTrack], n_frames: int, min_share: float = 0.3) -> list[ObjectTrack]:
    """The tracks that are objects rather than flicker: seen in at least `min_share` of the
    n_frames frames looked at (a fade still shows its object in about half of them), each
    without its merged sightings."""
    need = max(2, int(np.ceil(min_share * n_frames)))
    return [without_merges(t) for t in tracks if len(t) >= need]


def attach_partners(tracks: list[ObjectTrack], blobs_by_frame: dict[int, list[Blob]],
                    partner_of: dict[int, int], aspect: float) -> None:
    """Give each sighting its partner: the blob in frame partner_of[frame] nearest to where the
    track puts the object then (its path interpolated), if close (under half the object's
    extent) and of about its area; else None."""
    for tr in tracks:
        tr.partners = []
        frames, xy = tr.frames, tr.xy
        for b in tr.blobs:
            pf = partner_of.get(b.frame, -1)
            px = b.x + np.interp(pf, frames, xy[:, 0]) - np.interp(b.frame, frames, xy[:, 0])
            py = b.y + np.interp(pf, frames, xy[:, 1]) - np.interp(b.frame, frames, xy[:, 1])
            best, best_d = None, 0.5 * b.extent
            for c in blobs_by_frame.get(pf, []):
                d = np.hypot((c.x - px) * aspect, c.y - py)
                if d < best_d and abs(np.log((c.area + 1e-6) / (b.area + 1e-6))) < np.log(MERGE_RATIO):
                    best, best_d = c, d
            tr.partners.append(best)
