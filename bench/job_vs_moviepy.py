"""The whole job against a MoviePy composite of the same length and size, side by side.

    .venv/bin/pip install moviepy        # a benchmark dependency only; the package never imports it
    .venv/bin/python bench/job_vs_moviepy.py [--size 1280x720] [--repeats 3]

Ours: `Pipeline(engine="render", subtitles="burn")` on examples/story.txt, the whole job
(understand, plan, draw, espeak-ng narration, music, burned subtitles, H.264/AAC encode, C2PA and
watermark), cache off. MoviePy: what people write instead, for the same duration, size and fps:
a background (a gradient ImageClip), one moving sprite (a disc ImageClip with a position that is
a function of time), a subtitle (TextClip, DejaVu Sans) over the whole video, and our finished
audio mix as an AudioArrayClip, written with libx264 at the same preset and CRF. MoviePy's
composite is far less work for the picture (one sprite, no narration or music to make), so the
ratio is conservative. Runs alternate; medians. Writes bench/results/job_vs_moviepy.{json,md}.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from aigc_video import Pipeline
from aigc_video.limits import parse_size
from aigc_video.synthesis.encode import CRF, PRESET
from machine import describe as describe_machine  # bench/machine.py

ROOT = Path(__file__).resolve().parents[1]
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def cpu_now() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def moviepy_job(duration: float, audio: np.ndarray, sr: int, w: int, h: int, fps: int, path: Path) -> None:
    from moviepy import AudioArrayClip, CompositeVideoClip, ImageClip, TextClip
    grad = np.zeros((h, w, 3), np.uint8)
    grad[..., 2] = np.linspace(60, 200, h, dtype=np.uint8)[:, None]
    grad[..., 1] = np.linspace(20, 90, w, dtype=np.uint8)[None, :]
    background = ImageClip(grad).with_duration(duration)
    r = h // 8
    yy, xx = np.mgrid[-r:r, -r:r]
    disc = np.zeros((2 * r, 2 * r, 4), np.uint8)
    disc[..., 0], disc[..., 1] = 230, 60
    disc[..., 3] = np.where(xx ** 2 + yy ** 2 <= r * r, 255, 0)
    sprite = (ImageClip(disc[..., :3]).with_mask(ImageClip(disc[..., 3] / 255.0, is_mask=True))
              .with_duration(duration)
              .with_position(lambda t: (int((w - 2 * r) * t / duration), int(h * 0.55 + 40 * np.sin(6 * t)))))
    subtitle = (TextClip(font=FONT, text="A happy pink balloon bounces across a green grass field.",
                         font_size=max(16, h // 24), color="white", stroke_color="black", stroke_width=2)
                .with_duration(duration).with_position(("center", int(h * 0.85))))
    video = CompositeVideoClip([background, sprite, subtitle], size=(w, h)).with_audio(
        AudioArrayClip(audio[:, None], fps=sr))
    video.write_videofile(str(path), fps=fps, codec="libx264", preset=PRESET, audio_codec="aac", audio_fps=sr,
                          ffmpeg_params=["-crf", str(CRF), "-pix_fmt", "yuv420p"], logger=None)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--fps", type=int, default=24)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--script", default="examples/story.txt")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "job_vs_moviepy"))
    args = ap.parse_args()
    w, h = parse_size(args.size)
    text = (ROOT / args.script).read_text(encoding="utf-8")
    pipe = Pipeline(engine="render", size=(w, h), fps=args.fps, seed=0, subtitles="burn", use_cache=False)
    runs: dict[str, dict[str, list[float]]] = {"ours": {"wall": [], "cpu": []}, "moviepy": {"wall": [], "cpu": []}}
    with tempfile.TemporaryDirectory() as folder:
        first = pipe.generate(text, Path(folder) / "warm.mp4", keep_frames=False)   # warm-up, and the audio
        duration, audio, sr = first.report["output"]["duration_s"], first.audio, first.sample_rate
        moviepy_job(1.0, audio[:sr], sr, w, h, args.fps, Path(folder) / "warm_m.mp4")

        def ours() -> None:
            pipe.generate(text, Path(folder) / "ours.mp4", keep_frames=False)

        def theirs() -> None:
            moviepy_job(duration, audio, sr, w, h, args.fps, Path(folder) / "moviepy.mp4")
        for r in range(args.repeats):
            for name, fn in ((("ours", ours), ("moviepy", theirs)) if r % 2 == 0 else (("moviepy", theirs), ("ours", ours))):
                c, t = cpu_now(), time.perf_counter()
                fn()
                runs[name]["wall"].append(time.perf_counter() - t)
                runs[name]["cpu"].append(cpu_now() - c)
                print(name, round(runs[name]["wall"][-1], 2), flush=True)
    med = {n: {k: statistics.median(v) for k, v in r.items()} for n, r in runs.items()}
    ratio = med["moviepy"]["wall"] / med["ours"]["wall"]
    result = {"machine": describe_machine(), "load_at_end": os.getloadavg()[0], "size": args.size, "fps": args.fps,
              "video_seconds": duration, "x264_preset": PRESET, "crf": CRF, "runs": runs, "median": med,
              "speedup_wall_ours_vs_moviepy": round(ratio, 2), "target": 5.0}
    lines = [f"# Whole job: ours vs a MoviePy composite, {duration:.1f} s of {args.size} @ {args.fps} fps",
             "", f"Machine: {result['machine']}; load {result['load_at_end']:.1f} at the end; "
             f"medians of {args.repeats} alternating runs; x264 `{PRESET}` CRF {CRF} for both.", "",
             "| job | wall s | CPU s (incl. children) |", "|---|---:|---:|",
             f"| ours: understand + plan + draw + TTS + music + burned subtitles + encode + C2PA | "
             f"{med['ours']['wall']:.2f} | {med['ours']['cpu']:.2f} |",
             f"| MoviePy: background + moving sprite + subtitle + audio, composited and encoded | "
             f"{med['moviepy']['wall']:.2f} | {med['moviepy']['cpu']:.2f} |",
             "", f"**Ours is {ratio:.2f}x faster (wall)**; target ≥ 5x.", "",
             "Command: `.venv/bin/python bench/job_vs_moviepy.py`"]
    Path(args.out + ".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    Path(args.out + ".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
