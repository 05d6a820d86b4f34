"""Tracks on hand-made frames: a spin seen between adjacent frames (even where sparse sampling
aliases it away), and objects that pass over each other kept apart."""
import numpy as np
import pytest

from aigc_video.eval.detector import find_blobs
from aigc_video.eval.faithfulness import motion_table, partner_frames
from aigc_video.eval.rotation import turn_change
from aigc_video.eval.tracking import attach_partners, link, main_tracks, merged_sightings
from aigc_video.vocab import COLORS

H, W = 96, 160
SKY = np.array((120, 170, 230))


def polygon(frame, cx, cy, radius, sides, angle_deg, color, supersample=4):
    """A filled regular polygon, anti-aliased by supersampling (like a renderer's edges)."""
    s = supersample
    yy, xx = (np.mgrid[0:H * s, 0:W * s] + 0.5) / s
    ang = np.arctan2(yy - cy, xx - cx) - np.deg2rad(angle_deg)
    sector = 2 * np.pi / sides
    # Distance to the edge along each direction: apothem / cos(angle to the nearest edge normal).
    edge = radius * np.cos(np.pi / sides) / np.cos((ang % sector) - sector / 2)
    inside = (np.hypot(yy - cy, xx - cx) <= edge).reshape(H, s, W, s).mean(axis=(1, 3))
    frame[:] = (frame * (1 - inside[..., None]) + np.array(color) * inside[..., None]).round()


def disc(frame, cx, cy, r, color):
    polygon(frame, cx, cy, r, 64, 0, color)


def clip(n_frames, draw):
    bg = np.broadcast_to(SKY, (H, W, 3)).astype(np.uint8)
    frames = np.repeat(bg[None], n_frames, 0).astype(np.float64)
    for t in range(n_frames):
        draw(frames[t], t)
    return frames.astype(np.uint8), bg


def read(frames, bg, judged):
    """What the judge does: detect on the judged frames and their partners, track the judged."""
    partner_of = partner_frames(judged, len(frames))
    seen = np.unique(np.concatenate([judged, list(partner_of.values())]))
    blobs = find_blobs(frames[seen], bg)
    for frame_blobs in blobs:
        for b in frame_blobs:
            b.frame = int(seen[b.frame])
    by_frame = dict(zip(seen.tolist(), blobs))
    tracks = main_tracks(link([by_frame[int(f)] for f in judged], W / H), len(judged))
    attach_partners(tracks, by_frame, partner_of, W / H)
    return tracks


def turn_summary(track):
    table = motion_table(track, W / H)
    ok = np.isfinite(table[:, 6])
    change, residual = table[ok, 6], table[ok, 7]
    return float(np.median(change)), float(np.median(change - residual)), float(np.median(table[:, 5]))


def test_a_spinning_hexagon_is_seen_turning_even_where_sparse_samples_alias_it():
    """15 degrees a frame, judged every 4th frame: 60 degrees apart, which a hexagon cannot show.
    Its partner one frame away can: most of the change is taken away by a rotation."""
    n = 48
    judged = np.arange(0, n, 4)
    frames, bg = clip(n, lambda f, t: polygon(f, 80, 48, 11, 6, 15 * t, COLORS["orange"]))
    (track,) = read(frames, bg, judged)
    change, explained, sparse_change = turn_summary(track)
    assert sparse_change < 0.03            # the aliased view: the same hexagon every time
    assert change > 0.06 and explained > 0.5 * change


def test_a_still_or_sliding_hexagon_shows_no_turn():
    n = 24
    judged = np.arange(0, n, 2)
    for path in (lambda t: (80, 48), lambda t: (30 + 4 * t, 48)):
        frames, bg = clip(n, lambda f, t: polygon(f, *path(t), 11, 6, 0, COLORS["orange"]))
        (track,) = read(frames, bg, judged)
        change, explained, _ = turn_summary(track)
        assert explained < 0.02 and change < 0.06


def test_turn_change_is_zero_for_the_same_outline_and_explained_for_a_turned_square():
    frames, bg = clip(3, lambda f, t: polygon(f, 80, 48, 14, 4, [0, 0, 20][t], COLORS["red"]))
    a, same, turned = (fb[0] for fb in find_blobs(frames, bg))
    assert turn_change(a, same) == pytest.approx((0.0, 0.0), abs=1e-6)
    change, residual = turn_change(a, turned)
    assert change > 0.1 and residual < 0.3 * change


def test_merged_sightings_are_jumps_not_smooth_growth_or_a_fading_end():
    steady = np.full(12, 0.02)
    spike = steady.copy()
    spike[5] = 0.05                                   # another object merged into this blob
    hidden = steady.copy()
    hidden[7] = 0.01                                  # half hidden behind another object
    assert merged_sightings(spike).tolist() == [i == 5 for i in range(12)]
    assert merged_sightings(hidden).tolist() == [i == 7 for i in range(12)]
    assert not merged_sightings(np.geomspace(0.005, 0.06, 12)).any()   # growing fast
    fading = np.r_[steady[:10], 0.012, 0.006]
    assert not merged_sightings(fading).any()


def test_a_still_object_crossed_by_another_keeps_a_steady_track():
    """A red disc passes over a still pink one: the merged blob must not jolt the pink track."""
    n = 24

    def draw(f, t):
        disc(f, 110, 50, 9, COLORS["pink"])
        disc(f, 20 + 8 * t, 52, 10, COLORS["red"])   # over the pink disc around t = 11

    frames, bg = clip(n, draw)
    tracks = read(frames, bg, np.arange(n))
    pink = min(tracks, key=lambda tr: np.abs(tr.xy[:, 0] - 110 / W).max())
    assert np.abs(pink.xy[:, 0] - 110 / W).max() < 0.01
    assert np.abs(pink.xy[:, 1] - 50 / H).max() < 0.01
    areas = np.array([b.area for b in pink.blobs])
    assert areas.max() < 1.3 * np.median(areas)
    red = max(tracks, key=lambda tr: tr.xy[-1, 0] - tr.xy[0, 0])
    assert red.xy[-1, 0] - red.xy[0, 0] > 0.8      # one track across, out of the frame
