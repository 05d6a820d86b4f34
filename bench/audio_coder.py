"""FFmpeg's AAC encoder: its "fast" coder against the default "twoloop", on our own audio.

    .venv/bin/python bench/audio_coder.py [--repeats 5] [--out bench/results/audio_coder]

The audio is the finished mix (narration + mood music) of a 3-shot script, 10 s at 48 kHz mono,
encoded at 128 kbit/s in frames of one video frame's samples, as synthesis/encode.py sends it.
Per coder: the median encode time of --repeats runs (alternating) and the SNR of the decoded track
against the mix (the decoder trims the encoder's priming, so the two line up sample for sample).
SNR does not weigh what the ear hears (twoloop shapes its noise to be masked), so it is reported
beside the time, not as a verdict on its own. Writes <out>.json and <out>.md.
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from aigc_video import Pipeline
from aigc_video.synthesis.encode import AUDIO_BITRATE
from machine import describe as describe_machine  # bench/machine.py

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ("A red ball bounces across the green grass.\nA blue star spins slowly in space.\n"
          "A white bird flies left in the night sky.")
CODERS = ("twoloop", "fast")


def encode_track(audio: np.ndarray, sr: int, coder: str, path: Path) -> float:
    """Seconds to encode `audio` into `path` (AAC in MP4) with `coder`."""
    start = time.perf_counter()
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=sr, layout="mono", options={"aac_coder": coder})
        stream.bit_rate = AUDIO_BITRATE
        step = sr // 24
        for i in range(0, len(audio), step):
            frame = av.AudioFrame.from_ndarray(audio[None, i:i + step], format="fltp", layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = sr, i, Fraction(1, sr)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return time.perf_counter() - start


def snr_db(audio: np.ndarray, path: Path) -> float:
    with av.open(str(path)) as container:
        decoded = np.concatenate([f.to_ndarray()[0] for f in container.decode(audio=0)])
    n = min(len(audio), len(decoded))
    error = decoded[:n] - audio[:n]
    return float(10 * np.log10(np.mean(audio[:n] ** 2) / np.mean(error ** 2)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "audio_coder"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        made = Pipeline(engine="render", seed=0, use_cache=False).generate(SCRIPT, Path(folder) / "mix.mp4")
        audio, sr = made.audio.astype(np.float32), made.sample_rate
        times: dict[str, list[float]] = {c: [] for c in CODERS}
        for r in range(args.repeats):
            for coder in (CODERS if r % 2 == 0 else CODERS[::-1]):
                times[coder].append(encode_track(audio, sr, coder, Path(folder) / f"{coder}.m4a"))
        rows = {c: {"seconds": round(statistics.median(times[c]), 4),
                    "snr_db": round(snr_db(audio, Path(folder) / f"{c}.m4a"), 2)} for c in CODERS}
    result = {"machine": describe_machine(), "audio_seconds": round(len(audio) / sr, 2), "bitrate": AUDIO_BITRATE,
              "repeats": args.repeats, "coders": rows,
              "speedup_fast_vs_twoloop": round(rows["twoloop"]["seconds"] / rows["fast"]["seconds"], 2)}
    lines = [f"# AAC coder: fast against twoloop, {result['audio_seconds']:.0f} s of our own mix at "
             f"{AUDIO_BITRATE // 1000} kbit/s", "", f"Machine: {result['machine']}; medians of {args.repeats} "
             "alternating runs.", "", "| coder | encode s | SNR dB |", "|---|---:|---:|"]
    lines += [f"| {c} | {rows[c]['seconds']:.3f} | {rows[c]['snr_db']:.1f} |" for c in CODERS]
    lines += ["", f"fast is {result['speedup_fast_vs_twoloop']:.2f}x faster; synthesis/encode.py uses it.", "",
              "Command: `.venv/bin/python bench/audio_coder.py`"]
    Path(args.out + ".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    Path(args.out + ".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
