"""The final audio mix: narration over music that ducks while the voice speaks, peak-normalized."""
from __future__ import annotations

import numpy as np

MUSIC_RMS = 0.04             # music bed level before ducking (about -28 dBFS), under a 0.9-peak voice
VOICE_PEAK = 0.9
DUCK_DB = -11.0              # music drop while the voice speaks
ATTACK_S = 0.15              # the music is already down when the voice starts...
RELEASE_S = 0.45             # ...and comes back up gently after it stops
PEAK_DBFS = -1.0


def duck_gain(speech_intervals: list[tuple[float, float]], n_samples: int, sample_rate: int,
              depth_db: float = DUCK_DB, attack_s: float = ATTACK_S, release_s: float = RELEASE_S) -> np.ndarray:
    """(n_samples,) float32 linear gain for the music: 1 away from speech, `depth_db` under it.

    The speech times are known in advance, so the gain ramps down (raised cosine) over `attack_s`
    *before* each voice starts and back up over `release_s` after it ends; overlapping ramps take the
    deeper of the two.
    """
    depth = np.zeros(n_samples, np.float32)   # 0 = no ducking .. 1 = full ducking
    for start_s, end_s in speech_intervals:
        a, b = int(start_s * sample_rate), int(end_s * sample_rate)
        na, nr = int(attack_s * sample_rate), int(release_s * sample_rate)
        pieces = (
            (a - na, a, 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, na, dtype=np.float32))),
            (a, b, None),
            (b, b + nr, 0.5 + 0.5 * np.cos(np.linspace(0, np.pi, nr, dtype=np.float32))),
        )
        for lo, hi, ramp in pieces:
            lo_c, hi_c = max(0, lo), min(n_samples, hi)
            if hi_c <= lo_c:
                continue
            seg = np.ones(hi_c - lo_c, np.float32) if ramp is None else ramp[lo_c - lo: hi_c - lo]
            np.maximum(depth[lo_c:hi_c], seg, out=depth[lo_c:hi_c])
    return (10.0 ** (depth_db * depth / 20.0)).astype(np.float32)


def peak_normalize(x: np.ndarray, peak_dbfs: float = PEAK_DBFS) -> np.ndarray:
    peak = float(np.max(np.abs(x))) if len(x) else 0.0
    if peak == 0.0:
        return x.astype(np.float32)
    return np.clip(x * (10.0 ** (peak_dbfs / 20.0) / peak), -1.0, 1.0).astype(np.float32)


def mix(voice: np.ndarray | None, music: np.ndarray | None, speech_intervals: list[tuple[float, float]],
        sample_rate: int) -> np.ndarray:
    """Voice (peak VOICE_PEAK) + ducked music (MUSIC_RMS), peak-normalized to PEAK_DBFS.

    Both tracks are (n,) float32 of the same length; either may be None (not made).
    """
    tracks = [t for t in (voice, music) if t is not None]
    if not tracks:
        raise ValueError("nothing to mix: neither a voice nor a music track")
    n = len(tracks[0])
    out = np.zeros(n, np.float32)
    if music is not None:
        rms = float(np.sqrt(np.mean(music.astype(np.float64) ** 2))) if n else 0.0
        if rms > 0:
            out += music * (MUSIC_RMS / rms) * duck_gain(speech_intervals, n, sample_rate)
    if voice is not None:
        peak = float(np.max(np.abs(voice))) if n else 0.0
        if peak > 0:
            out += voice * (VOICE_PEAK / peak)
    return peak_normalize(out)
