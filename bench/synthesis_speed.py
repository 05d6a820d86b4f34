"""Speed of the synthesis stage: TTS per sentence, music per second of audio, H.264 encoding at
1280x720, and `compose` end to end (clips already rendered), against real time.

    .venv/bin/python bench/synthesis_speed.py [--size 1280x720] [--fps 24] [--repeats 3]

Clips come from the procedural renderer on a parsed 4-sentence script (English and Chinese), so the
encoder sees typical frames. Rates are medians over repeats, per wall second and per second of this
process's CPU time (all threads; robust to other load on a shared machine: on 2 cores, real time x3
at 24 fps needs under 2 / 72 s = 28 ms of CPU per frame for the whole pipeline). Baseline, measured
in the same run: copying the frames out of the timeline without encoding. Writes
bench/results/synthesis_speed.{json,md}.
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from aigc_video.limits import parse_size
from aigc_video.scene import plan
from aigc_video.scene.render import render_shot
from aigc_video.synthesis import compose, tts
from aigc_video.synthesis.compose import SAMPLE_RATE
from aigc_video.synthesis.encode import encode, probe
from aigc_video.synthesis.music import mood_music
from aigc_video.synthesis.transitions import timeline_frames
from aigc_video.understand import parse
from machine import describe as describe_machine  # bench/machine.py

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ("A red ball bounces across the green grass. Three white boats sail slowly on the calm sea. "
          "Two red cars drive left in the rainy city at night. 一只黄色的星星在雪地里旋转。")
SENTENCES = {"en": "A small yellow star spins slowly over the calm blue sea.", "zh": "一只红色的小球在绿色的草地上跳来跳去。"}
PRESETS = ("ultrafast", "superfast", "veryfast")




def timed(fn, repeats: int) -> tuple[float, float]:
    """Median (wall seconds, CPU seconds) of `fn()` over `repeats` runs after one warm-up."""
    fn()
    walls, cpus = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--fps", type=int, default=24)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "synthesis_speed"))
    args = ap.parse_args()
    w, h = parse_size(args.size)
    results: dict = {"machine": describe_machine(), "size": f"{w}x{h}", "fps": args.fps, "repeats": args.repeats}

    # TTS: one sentence per language (espeak-ng subprocess + resampling to 48 kHz).
    for lang, text in SENTENCES.items():
        wall, _ = timed(lambda: tts.speak(text, lang, sample_rate=SAMPLE_RATE), args.repeats * 3)
        seconds = len(tts.speak(text, lang, sample_rate=SAMPLE_RATE)) / SAMPLE_RATE
        results[f"tts_{lang}_ms_per_sentence"] = 1000 * wall
        results[f"tts_{lang}_speech_s"] = seconds

    # Music: 60 s across all six moods.
    storyboard = parse(SCRIPT)
    moods = [s.mood for s in storyboard.shots]
    wall, _ = timed(lambda: mood_music(moods, [0.0, 15.0, 30.0, 45.0][: len(moods)], 60.0, SAMPLE_RATE, 0), args.repeats)
    results["music_ms_per_audio_s"] = 1000 * wall / 60.0

    # Frames: the render engine's clips for the script.
    scene = plan(storyboard, size=(w, h), fps=args.fps, seed=0)
    clips = [render_shot(shot, w, h) for shot in scene.shots]
    n = scene.total_frames
    results["n_frames"], results["video_s"] = n, n / args.fps
    audio = np.zeros(round(n * SAMPLE_RATE / args.fps), np.float32)

    def copy_only():
        for frame in timeline_frames(clips, scene):
            np.ascontiguousarray(frame)
    wall, cpu = timed(copy_only, args.repeats)
    results["baseline_timeline_fps"] = n / wall

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "bench.mp4"
        results["encode"] = {}
        for preset in PRESETS:
            wall, cpu = timed(lambda: encode(timeline_frames(clips, scene), n, out, width=w, height=h, fps=args.fps,
                                             audio=audio, sample_rate=SAMPLE_RATE, preset=preset), args.repeats)
            results["encode"][preset] = {"wall_fps": n / wall, "cpu_ms_per_frame": 1000 * cpu / n,
                                         "kbit_per_s": out.stat().st_size * 8 / 1000 / (n / args.fps)}
            print(f"encode {preset:9s}: {n / wall:6.1f} fps wall, {1000 * cpu / n:5.1f} ms CPU/frame, "
                  f"{results['encode'][preset]['kbit_per_s']:.0f} kbit/s")
        for subs in ("srt", "burn"):
            wall, cpu = timed(lambda: compose(clips, storyboard, scene, out, subtitles=subs), args.repeats)
            results[f"compose_{subs}"] = {"wall_s": wall, "realtime_x": (n / args.fps) / wall,
                                          "cpu_ms_per_frame": 1000 * cpu / n}
            print(f"compose ({subs}): {wall:.2f} s for {n / args.fps:.1f} s of video = x{(n / args.fps) / wall:.1f} "
                  f"real time, {1000 * cpu / n:.1f} ms CPU/frame")
        results["probe"] = probe(out)
    print(json.dumps({k: v for k, v in results.items() if k.startswith(("tts", "music", "baseline"))}, indent=1))

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    lines = [f"# Synthesis speed\n\n{results['machine']}; {w}x{h} at {args.fps} fps, {n} frames "
             f"({n / args.fps:.1f} s); medians of {args.repeats} runs.\n\n",
             f"- TTS (espeak-ng + resample): {results['tts_en_ms_per_sentence']:.0f} ms per English sentence "
             f"({results['tts_en_speech_s']:.1f} s of speech), {results['tts_zh_ms_per_sentence']:.0f} ms per Chinese one\n",
             f"- Music: {results['music_ms_per_audio_s']:.1f} ms per second of audio\n",
             f"- Baseline (timeline frames, no encoding): {results['baseline_timeline_fps']:.0f} fps\n\n",
             "| x264 preset | fps (wall) | CPU ms / frame | kbit/s |\n|---|---:|---:|---:|\n"]
    lines += [f"| {p} | {r['wall_fps']:.0f} | {r['cpu_ms_per_frame']:.1f} | {r['kbit_per_s']:.0f} |\n"
              for p, r in results["encode"].items()]
    lines.append("\n| compose | wall s | x real time | CPU ms / frame |\n|---|---:|---:|---:|\n")
    lines += [f"| subtitles={s} | {results[f'compose_{s}']['wall_s']:.2f} | {results[f'compose_{s}']['realtime_x']:.1f} "
              f"| {results[f'compose_{s}']['cpu_ms_per_frame']:.1f} |\n" for s in ("srt", "burn")]
    out.with_suffix(".md").write_text("".join(lines))


if __name__ == "__main__":
    main()
