"""Our H.264/AAC encoder against MoviePy's on the same frames, side by side in one run.

    .venv/bin/pip install moviepy        # a benchmark dependency only; the package never imports it
    .venv/bin/python bench/encode_vs_moviepy.py [--frames 192] [--size 1280x720] [--repeats 3]

Both encode the same 192 frames of 1280x720 (the scene engine's render of a script, held in
memory) at 24 fps with the same 8 s mono track, libx264 with the same preset and CRF
(superfast, 22: the pipeline's), AAC audio. MoviePy gets its frames from an ImageSequenceClip and
pipes them to its ffmpeg binary (imageio-ffmpeg); ours is `aigc_video.synthesis.encode.encode`.
Runs alternate (ours, MoviePy, ours, ...) so background load hits both alike; medians of wall
time and of CPU time (this process plus its children). A third row, "x264 alone", encodes the same
frames already converted to YUV (outside the timing), without audio, at the same settings: what
no encoder at these settings can beat, so MoviePy's time over it is the best ratio possible here.
Writes bench/results/encode_vs_moviepy.{json,md}.
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

from aigc_video.limits import parse_size
from aigc_video.scene import plan
from aigc_video.scene.render import render_shot
from aigc_video.synthesis.encode import CRF, PRESET, _converted, encode, new_video_stream, probe
from aigc_video.understand import parse
from machine import describe as describe_machine  # bench/machine.py

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ("A red ball bounces across the green grass. Three white boats sail slowly on the calm sea. "
          "Two red cars drive left in the rainy city at night.")
SR = 48000


def frames_for(n: int, w: int, h: int) -> list[np.ndarray]:
    scene = plan(parse(SCRIPT), size=(w, h), fps=24, seed=0)
    out: list[np.ndarray] = []
    for shot in scene.shots:
        out.extend(render_shot(shot, w, h, fps=24))
    while len(out) < n:
        out.extend(out[: n - len(out)])
    return out[:n]


def cpu_now() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def ours(frames, audio, path, w, h, fps) -> None:
    encode(iter(frames), len(frames), path, width=w, height=h, fps=fps, audio=audio, sample_rate=SR,
           preset=PRESET, crf=CRF)


def x264_alone(yuv, path, w, h, fps) -> None:
    import av
    with av.open(str(path), "w", format="mp4") as container:
        stream = new_video_stream(container, w, h, fps, PRESET, CRF)
        for k, frame in enumerate(yuv):
            frame.pts = k
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def moviepy(frames, audio, path, w, h, fps) -> None:
    from moviepy import AudioArrayClip, ImageSequenceClip
    clip = ImageSequenceClip(frames, fps=fps).with_audio(AudioArrayClip(audio[:, None], fps=SR))
    clip.write_videofile(str(path), fps=fps, codec="libx264", preset=PRESET, audio_codec="aac",
                         audio_fps=SR, ffmpeg_params=["-crf", str(CRF), "-pix_fmt", "yuv420p"], logger=None)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=192)
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--fps", type=int, default=24)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "encode_vs_moviepy"))
    args = ap.parse_args()
    w, h = parse_size(args.size)
    frames = frames_for(args.frames, w, h)
    t = np.arange(int(round(args.frames * SR / args.fps))) / SR
    audio = (0.2 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    yuv = [vf for _, vf in _converted(iter(frames), len(frames), w, h)]
    runs: dict[str, dict[str, list[float]]] = {n: {"wall": [], "cpu": []} for n in ("ours", "moviepy", "x264 alone")}
    sizes = {}
    alone = lambda frames, audio, path, w, h, fps: x264_alone(yuv, path, w, h, fps)   # noqa: E731
    order = (("ours", ours), ("moviepy", moviepy), ("x264 alone", alone))
    with tempfile.TemporaryDirectory() as folder:
        for name, fn in order[:2]:   # warm-up (imports, first ffmpeg start)
            fn(frames[:24], audio[: SR], Path(folder) / f"warm_{name}.mp4", w, h, args.fps)
        for r in range(args.repeats):
            for name, fn in order if r % 2 == 0 else order[::-1]:
                path = Path(folder) / f"{name}.mp4"
                c, t0 = cpu_now(), time.perf_counter()
                fn(frames, audio, path, w, h, args.fps)
                runs[name]["wall"].append(time.perf_counter() - t0)
                runs[name]["cpu"].append(cpu_now() - c)
                sizes[name] = path.stat().st_size
        infos = {name: probe(Path(folder) / f"{name}.mp4") for name in ("ours", "moviepy")}
    med = {n: {k: statistics.median(v) for k, v in r.items()} for n, r in runs.items()}
    ratio = med["moviepy"]["wall"] / med["ours"]["wall"]
    result = {
        "machine": describe_machine(), "load_after": os.getloadavg()[0], "frames": args.frames, "size": args.size,
        "fps": args.fps, "x264_preset": PRESET, "crf": CRF, "repeats": args.repeats,
        "runs": runs, "median": med, "bytes": sizes,
        "speedup_wall_ours_vs_moviepy": round(ratio, 2),
        "best_possible_ratio": round(med["moviepy"]["wall"] / med["x264 alone"]["wall"], 2),
        "cpu_ratio_moviepy_over_ours": round(med["moviepy"]["cpu"] / med["ours"]["cpu"], 2),
        "probe": {n: {k: i[k] for k in ("codec", "pix_fmt", "n_frames", "audio_codec")} for n, i in infos.items()},
        "target": 1.5,
    }
    lines = [f"# Encode: ours vs MoviePy, {args.frames} frames of {args.size} @ {args.fps} fps + AAC",
             "", f"Machine: {result['machine']}; load {result['load_after']:.1f} at the end.",
             f"x264 preset `{PRESET}`, CRF {CRF} for both; medians of {args.repeats} alternating runs.", "",
             "| encoder | wall s | CPU s (incl. children) | MB |", "|---|---:|---:|---:|",
             *[f"| {n} | {med[n]['wall']:.2f} | {med[n]['cpu']:.2f} | {sizes[n] / 1e6:.2f} |" for n in runs],
             "", f"**Ours is {ratio:.2f}x faster than MoviePy (wall)**; target ≥ 1.5x. x264 alone, on frames "
             f"converted beforehand and without audio, is {result['best_possible_ratio']:.2f}x faster than MoviePy: "
             "at the same preset and CRF no encoder can do better than that here.",
             "", "Command: `.venv/bin/python bench/encode_vs_moviepy.py`"]
    Path(args.out + ".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    Path(args.out + ".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
