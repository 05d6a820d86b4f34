"""Background music synthesized from each shot's mood: no samples, no downloads, only numpy.

A mood picks the style (mode, tempo, instrument); a seeded RNG picks the key, the chord progression
and the melody. Consecutive shots of the same mood share one continuous section; sections of
different moods are crossfaded.

    happy/excited  major, plucky (fast attack, quick decay), arpeggiated chords, busy melody
    calm           major, soft pad (slow attack, long release), sparse melody
    neutral        major or minor by valence, mellow keys
    sad            minor, soft pad, slow
    scary          minor, low drones with a slow tremolo, dissonant clusters, sparse high pings
Tempo rises with arousal.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..storyboard import Mood

MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 10)
# Chord progressions as scale degrees (0 = tonic), one chord per bar.
PROGRESSIONS = {
    "major": ((0, 4, 5, 3), (0, 3, 4, 3), (0, 5, 3, 4), (0, 3, 0, 4)),   # I-V-vi-IV, ...
    "minor": ((0, 5, 2, 6), (0, 3, 4, 0), (0, 5, 3, 4), (0, 3, 5, 4)),   # i-VI-III-VII, ...
}
MODE = {"happy": "major", "excited": "major", "calm": "major", "sad": "minor", "scary": "minor"}
INSTRUMENT = {"happy": "pluck", "excited": "pluck", "calm": "pad", "sad": "pad", "scary": "drone",
              "neutral": "keys"}
CROSSFADE_S = 1.5
FADE_OUT_S = 0.6            # the music's fade at the very end of the video
SECTION_RMS = 0.1            # every section is brought to this loudness before mixing


@dataclass
class Adsr:
    attack_s: float
    decay_s: float
    sustain: float           # level held after the decay, 0..1
    release_s: float

    def envelope(self, hold_s: float, sample_rate: int) -> np.ndarray:
        """(n,) gain: attack, decay to sustain while the note is held for `hold_s`, then release."""
        sr = sample_rate
        a = max(1, int(self.attack_s * sr))
        d = max(1, int(self.decay_s * sr))
        h = max(a + d, int(hold_s * sr))
        r = max(1, int(self.release_s * sr))
        env = np.empty(h + r, np.float32)
        env[:a] = np.linspace(0.0, 1.0, a, endpoint=False)
        env[a:a + d] = np.linspace(1.0, self.sustain, d, endpoint=False)
        env[a + d:h] = self.sustain
        env[h:] = np.linspace(self.sustain, 0.0, r)
        return env


# Instrument: envelope + harmonic amplitudes + how much faster upper harmonics decay (brightness).
INSTRUMENTS = {
    "pad": (Adsr(0.5, 0.6, 0.75, 0.9), (1.0, 0.35, 0.18, 0.08), 0.0),
    "pluck": (Adsr(0.004, 0.25, 0.0, 0.1), (1.0, 0.55, 0.3, 0.15), 3.0),
    "keys": (Adsr(0.01, 0.5, 0.35, 0.3), (1.0, 0.4, 0.15, 0.05), 1.5),
    "drone": (Adsr(1.2, 1.0, 0.8, 1.5), (1.0, 0.5, 0.33, 0.25), 0.0),
}


@dataclass
class MusicStyle:
    mood: str
    mode: str                # "major" | "minor"
    tempo_bpm: float
    instrument: str          # one of INSTRUMENTS
    root_midi: int           # the key's tonic, in the octave of the chords (MIDI 45..56)
    progression: tuple[int, ...]


def style_for(mood: Mood, key_root_midi: int, rng: np.random.Generator) -> MusicStyle:
    """The style a mood asks for; minor sections sit in the relative minor of the piece's key."""
    mode = MODE.get(mood.label, "major" if mood.valence >= 0 else "minor")
    tempo = 60.0 + 90.0 * float(np.clip(mood.arousal, 0.0, 1.0))
    root = key_root_midi if mode == "major" else key_root_midi - 3
    progression = PROGRESSIONS[mode][rng.integers(len(PROGRESSIONS[mode]))]
    return MusicStyle(mood.label, mode, tempo, INSTRUMENT.get(mood.label, "keys"), root, progression)


def midi_hz(note: float) -> float:
    return 440.0 * 2.0 ** ((note - 69) / 12)


def add_note(out: np.ndarray, start_s: float, hold_s: float, midi: float, gain: float,
             instrument: str, sample_rate: int) -> None:
    """Add one note into `out` (in place): harmonics under the instrument's envelope."""
    adsr, harmonics, brightness_decay = INSTRUMENTS[instrument]
    a = int(start_s * sample_rate)
    if a >= len(out):
        return
    env = adsr.envelope(hold_s, sample_rate)[: len(out) - a]
    t = np.arange(len(env), dtype=np.float32) / sample_rate
    f0 = midi_hz(midi)
    wave = np.zeros(len(env), np.float32)
    for h, amp in enumerate(harmonics, start=1):
        if f0 * h > 0.45 * sample_rate:
            break
        partial = amp * np.sin((2 * np.pi * f0 * h) * t)
        if brightness_decay:   # upper partials die faster: a plucked string's dulling tone
            partial *= np.exp(-brightness_decay * (h - 1) * t)
        wave += partial
    out[a:a + len(env)] += gain * env * wave


def scale_note(style: MusicStyle, degree: int, octave: int = 0) -> int:
    scale = MAJOR if style.mode == "major" else MINOR
    return style.root_midi + 12 * (octave + degree // 7) + scale[degree % 7]


def chord(style: MusicStyle, degree: int) -> list[int]:
    return [scale_note(style, degree + k) for k in (0, 2, 4)]


def synthesize_section(style: MusicStyle, duration_s: float, sample_rate: int,
                       rng: np.random.Generator) -> np.ndarray:
    """(n,) float32: `duration_s` of music in `style`, at SECTION_RMS loudness."""
    n = int(round(duration_s * sample_rate))
    out = np.zeros(n + sample_rate * 3, np.float32)     # room for release tails, cut at the end
    beat = 60.0 / style.tempo_bpm
    bar = 4 * beat
    n_bars = int(np.ceil(duration_s / bar)) + 1
    inst = style.instrument
    degree = int(rng.integers(0, 5))                      # melody: random walk over the scale
    for b in range(n_bars):
        t0 = b * bar
        deg = style.progression[b % len(style.progression)]
        notes = chord(style, deg)
        if inst == "pluck":      # arpeggio in eighth notes, root an octave down on the beat
            for k in range(8):
                add_note(out, t0 + k * beat / 2, beat / 2, notes[k % 3] + (12 if k % 4 == 3 else 0), 0.22, inst, sample_rate)
            add_note(out, t0, bar, notes[0] - 12, 0.3, "keys", sample_rate)
            steps, mel_gain, mel_octave = 8, 0.28, 12
        elif inst == "drone":    # root and fifth low, held; a dissonant cluster swelling now and then
            add_note(out, t0, bar, style.root_midi - 12, 0.45, inst, sample_rate)
            add_note(out, t0, bar, style.root_midi - 5, 0.25, inst, sample_rate)
            if rng.random() < 0.6:
                cluster = style.root_midi + int(rng.choice((1, 6, 13)))   # minor 2nd / tritone
                add_note(out, t0 + beat * rng.integers(0, 3), 2 * beat, cluster, 0.18, inst, sample_rate)
            steps, mel_gain, mel_octave = 2, 0.12, 24
        elif inst == "pad":      # the chord held through the bar
            for note in notes:
                add_note(out, t0, bar, note, 0.22, inst, sample_rate)
            steps, mel_gain, mel_octave = 2, 0.18, 12
        else:                    # keys: chord on beats 1 and 3
            for k in (0, 2):
                for note in notes:
                    add_note(out, t0 + k * beat, 2 * beat, note, 0.18, inst, sample_rate)
            steps, mel_gain, mel_octave = 4, 0.22, 12
        step = bar / steps
        for k in range(steps):
            if rng.random() < (0.25 if inst != "drone" else 0.5):   # rests give the melody air
                continue
            # On strong steps stay on a chord tone; elsewhere walk by a step or two.
            if k == 0:
                degree = deg + 7 * (degree // 7) + int(rng.choice((0, 2, 4)))
            else:
                degree += int(rng.choice((-2, -1, 1, 2)))
            degree = int(np.clip(degree, 0, 13))
            melody_inst = "pluck" if inst == "pluck" else ("keys" if inst != "pad" else "pad")
            add_note(out, t0 + k * step, step, scale_note(style, degree) + mel_octave, mel_gain, melody_inst, sample_rate)
    if inst == "drone":          # slow tremolo: unease
        t = np.arange(len(out), dtype=np.float32) / sample_rate
        out *= 0.75 + 0.25 * np.sin(2 * np.pi * 0.35 * t)
    out = add_room(out, sample_rate)[:n]
    rms = float(np.sqrt(np.mean(out.astype(np.float64) ** 2))) if n else 0.0
    return out * (SECTION_RMS / rms) if rms > 0 else out


def add_room(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """A few decaying echoes: a cheap sense of space (not a real reverb)."""
    y = x.copy()
    for delay_s, gain in ((0.031, 0.35), (0.053, 0.28), (0.089, 0.2), (0.137, 0.14), (0.211, 0.09)):
        d = int(delay_s * sample_rate)
        y[d:] += gain * x[:-d]
    return y


def mood_music(moods: list[Mood], shot_starts_s: list[float], total_s: float, sample_rate: int,
               seed: int, crossfade_s: float = CROSSFADE_S) -> np.ndarray:
    """(round(total_s * sample_rate),) float32: the background track of the whole video.

    Runs of consecutive shots with the same mood play as one section; where the mood changes the two
    sections overlap by `crossfade_s` with equal-power fades centred on the shot boundary.
    Read from the active cache (aigc_video.cache) when the same track was made before.
    """
    from ..cache import memo, source_digest
    parts = {"moods": [repr(m) for m in moods], "starts": [round(s, 6) for s in shot_starts_s],
             "total_s": round(total_s, 6), "sample_rate": sample_rate, "seed": seed, "crossfade_s": crossfade_s,
             "code": source_digest(__file__)}
    return memo("music", parts, lambda: _mood_music(moods, shot_starts_s, total_s, sample_rate, seed, crossfade_s))


def _mood_music(moods: list[Mood], shot_starts_s: list[float], total_s: float, sample_rate: int,
                seed: int, crossfade_s: float) -> np.ndarray:
    n = int(round(total_s * sample_rate))
    out = np.zeros(n, np.float32)
    if not moods or n == 0:
        return out
    rng = np.random.default_rng(seed)
    key_root = int(rng.integers(45, 57))                  # A2..G#3: one key for the whole piece
    # Sections: [start_s, end_s, mood] of runs of equal mood labels.
    sections: list[list] = []
    for mood, start in zip(moods, shot_starts_s):
        if sections and sections[-1][2].label == mood.label:
            continue
        if sections:
            sections[-1][1] = start
        sections.append([start, total_s, mood])
    half = crossfade_s / 2
    for i, (start, end, mood) in enumerate(sections):
        section_rng = np.random.default_rng([seed, i])
        style = style_for(mood, key_root, section_rng)
        a = max(0.0, start - half) if i else 0.0
        b = min(total_s, end + half) if i < len(sections) - 1 else total_s
        ia, ib = int(round(a * sample_rate)), min(n, int(round(b * sample_rate)))
        audio = synthesize_section(style, (ib - ia) / sample_rate, sample_rate, section_rng)
        gain = np.ones(ib - ia, np.float32)
        nf = int(round(crossfade_s * sample_rate))
        if i:                                             # fade in (equal power)
            k = min(nf, ib - ia)
            gain[:k] = np.sin(np.linspace(0, np.pi / 2, k, dtype=np.float32))
        if i < len(sections) - 1:                         # fade out
            k = min(nf, ib - ia)
            gain[-k:] *= np.cos(np.linspace(0, np.pi / 2, k, dtype=np.float32))
        out[ia:ib] += audio[: ib - ia] * gain
    # Soft edges: no click where the video starts, a short fade where it ends mid-note.
    k_in, k_out = min(n, int(0.02 * sample_rate)), min(n, int(FADE_OUT_S * sample_rate))
    out[:k_in] *= np.linspace(0.0, 1.0, k_in, dtype=np.float32)
    out[n - k_out:] *= np.linspace(1.0, 0.0, k_out, dtype=np.float32)
    return out
