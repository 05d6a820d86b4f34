"""Narration: each shot's text spoken by espeak-ng, resampled and placed on the timeline.

espeak-ng (Debian package `espeak-ng`) runs as a subprocess that writes a WAV to stdout. It is an
optional system tool: `espeak_path()` says whether it is there, and `compose` decides what a
missing one means (a warning or `DependencyMissing`).
"""
from __future__ import annotations

import functools
import io
import shutil
import subprocess
import wave
from dataclasses import dataclass

import numpy as np

from ..errors import DependencyMissing

# espeak-ng voices per Storyboard language. "cmn" reads Latin letters as English; the pinyin
# variant is the Mandarin voice that also reads Chinese characters.
VOICES = {"en": "en-us", "zh": "cmn-latn-pinyin"}
BASE_RATE_WPM = 165          # a calm narrating pace (espeak's default is 175)
MAX_RATE_WPM = 320           # above this espeak becomes hard to follow: truncate instead
LEAD_IN_S = 0.25             # the voice starts this long after its shot does
GAP_S = 0.1                  # silence kept between one shot's speech and the next one's
FADE_S = 0.05                # fade applied where speech is cut short
SILENCE_THRESHOLD = 0.01     # |sample| below this at the ends of a take counts as silence


@dataclass
class Speech:
    """One shot's spoken narration, placed on the timeline."""
    shot_index: int
    text: str
    start_s: float           # when the voice starts (after trimming espeak's leading silence)
    samples: np.ndarray      # (n,) float32 mono at the mix sample rate
    sample_rate: int
    rate_wpm: int            # the espeak rate that made it fit
    truncated: bool = False

    @property
    def end_s(self) -> float:
        return self.start_s + len(self.samples) / self.sample_rate


def espeak_path() -> str | None:
    """Where espeak-ng is, or None when it is not installed."""
    return shutil.which("espeak-ng")


def speak(text: str, language: str, *, rate_wpm: int = BASE_RATE_WPM,
          sample_rate: int = 48000) -> np.ndarray:
    """Speak `text` with espeak-ng: (n,) float32 mono in [-1, 1] at `sample_rate`, ends trimmed.
    Read from the active cache (aigc_video.cache) when this sentence was spoken before."""
    from ..cache import memo, source_digest
    parts = {"text": text, "voice": VOICES.get(language, VOICES["en"]), "rate": int(rate_wpm),
             "sample_rate": sample_rate, "espeak": espeak_version(), "code": source_digest(__file__)}
    return memo("tts", parts, lambda: _speak(text, language, rate_wpm, sample_rate))


@functools.lru_cache(maxsize=1)
def espeak_version() -> str:
    exe = espeak_path()
    if exe is None:
        return "none"
    try:
        return subprocess.run([exe, "--version"], capture_output=True, timeout=10).stdout.decode(errors="replace").strip()
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"


def _speak(text: str, language: str, rate_wpm: int, sample_rate: int) -> np.ndarray:
    exe = espeak_path()
    if exe is None:
        raise DependencyMissing("espeak-ng is not installed (apt-get install espeak-ng); it speaks the narration")
    voice = VOICES.get(language, VOICES["en"])
    # --stdin reads the whole text at once (without it espeak reads stdin line by line); passing the
    # text on stdin also keeps a text that starts with "-" from being read as an option.
    proc = subprocess.run([exe, "-v", voice, "-s", str(int(rate_wpm)), "--stdin", "--stdout"],
                          input=text.encode("utf-8"), capture_output=True, timeout=60, check=False)
    if proc.returncode != 0 or not proc.stdout:
        raise RuntimeError(f"espeak-ng failed (exit {proc.returncode}): {proc.stderr.decode(errors='replace')[:200]}")
    samples, rate = read_wav(proc.stdout)
    return trim_silence(resample(samples, rate, sample_rate))


def read_wav(data: bytes) -> tuple[np.ndarray, int]:
    """16-bit PCM WAV bytes -> ((n,) float32 mono, sample rate).

    espeak-ng writing to a pipe cannot seek back to fill in the data length, so the header's frame
    count is a placeholder: the samples are counted from the bytes actually read.
    """
    with wave.open(io.BytesIO(data)) as w:
        channels, width, rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
        raw = w.readframes(w.getnframes())
    if width != 2:
        raise RuntimeError(f"espeak-ng wrote {8 * width}-bit audio; 16-bit PCM was expected")
    pcm = np.frombuffer(raw[: len(raw) // (2 * channels) * 2 * channels], dtype="<i2")
    return (pcm.reshape(-1, channels).mean(axis=1) / 32768.0).astype(np.float32), rate


def resample(x: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Linear-interpolation resampling of a mono signal (speech at 22.05 kHz up to 48 kHz: going up,
    so no anti-alias filter is needed)."""
    if rate_in == rate_out or len(x) == 0:
        return x.astype(np.float32)
    n_out = int(round(len(x) * rate_out / rate_in))
    t = np.arange(n_out, dtype=np.float64) * (rate_in / rate_out)
    return np.interp(t, np.arange(len(x)), x).astype(np.float32)


def trim_silence(x: np.ndarray, threshold: float = SILENCE_THRESHOLD) -> np.ndarray:
    """Drop the silence espeak puts before and after the words (so cues start with the voice)."""
    loud = np.flatnonzero(np.abs(x) > threshold)
    return x[loud[0]: loud[-1] + 1] if len(loud) else x[:0]


def fade_out(x: np.ndarray, n_fade: int) -> np.ndarray:
    x = x.copy()
    n_fade = min(n_fade, len(x))
    if n_fade:
        x[-n_fade:] *= np.linspace(1.0, 0.0, n_fade, dtype=np.float32)
    return x


def speak_in_slot(shot_index: int, text: str, language: str, start_s: float, slot_s: float,
                  sample_rate: int, warnings: list[str]) -> Speech | None:
    """Speak `text` so it fits in `slot_s` seconds: faster if needed (up to MAX_RATE_WPM), then cut."""
    if not text.strip() or slot_s <= 0:
        return None
    rate = BASE_RATE_WPM
    samples = speak(text, language, rate_wpm=rate, sample_rate=sample_rate)
    # espeak's duration is close to inversely proportional to the rate, not exactly: try twice.
    for _ in range(2):
        length_s = len(samples) / sample_rate
        if length_s <= slot_s or rate >= MAX_RATE_WPM:
            break
        rate = min(MAX_RATE_WPM, int(np.ceil(rate * length_s / slot_s * 1.04)))
        samples = speak(text, language, rate_wpm=rate, sample_rate=sample_rate)
    truncated = False
    max_n = int(slot_s * sample_rate)
    if len(samples) > max_n:
        warnings.append(f"narration of shot {shot_index + 1} is {len(samples) / sample_rate:.1f} s even at "
                        f"{rate} words per minute, longer than its {slot_s:.1f} s slot: cut short")
        samples, truncated = fade_out(samples[:max_n], int(FADE_S * sample_rate)), True
    return Speech(shot_index, text, start_s, samples, sample_rate, rate, truncated)


def speech_slots(shot_starts_s: list[float], total_s: float) -> list[tuple[float, float]]:
    """(start, length) in seconds of each shot's narration slot: from LEAD_IN_S after the shot
    starts to GAP_S before the next shot's voice starts (or before the end of the video)."""
    starts = [s + LEAD_IN_S for s in shot_starts_s]
    ends = [s - GAP_S for s in starts[1:]] + [total_s - GAP_S]
    return [(s, max(0.0, e - s)) for s, e in zip(starts, ends)]


def narrate(texts: list[str], languages: list[str], shot_starts_s: list[float], total_s: float,
            sample_rate: int, warnings: list[str], *, strict: bool = False) -> list[Speech]:
    """Every shot's narration, timed to its shot; shots with no narration text are skipped.

    If espeak-ng fails on a sentence, `strict` raises; otherwise that shot goes unspoken, with a warning.
    """
    speeches = []
    for i, ((start, slot), text, lang) in enumerate(zip(speech_slots(shot_starts_s, total_s), texts, languages)):
        try:
            speech = speak_in_slot(i, text, lang, start, slot, sample_rate, warnings)
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            if strict:
                raise
            warnings.append(f"narration of shot {i + 1} could not be spoken ({error}); the shot is silent")
            continue
        if speech is not None:
            speeches.append(speech)
    return speeches


def render_track(speeches: list[Speech], n_samples: int) -> np.ndarray:
    """All speeches laid on one (n_samples,) float32 track."""
    track = np.zeros(n_samples, np.float32)
    for sp in speeches:
        a = int(round(sp.start_s * sp.sample_rate))
        b = min(n_samples, a + len(sp.samples))
        if b > a:
            track[a:b] += sp.samples[: b - a]
    return track
