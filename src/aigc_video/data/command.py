"""`aigc-video prepare DIR --out SHARDS`: real videos and pictures -> training shards.

Cheap to import: PyAV, skia and numpy load only when the command runs.
"""
from __future__ import annotations

import argparse


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "prepare", help="turn a folder of videos and pictures into training shards",
        description="Cut videos (MP4, MOV, WebM, MKV) at scene changes into clips of the recipe's size, "
                    "animate pictures (PNG, JPEG, WebP) by a slow push-in, drop near-black, frozen and "
                    "near-duplicate clips, and write shards + manifest.json (source, time range, licence). "
                    "Captions from NAME.json / NAME.txt sidecars or file names. Resumable.")
    p.add_argument("dir", metavar="DIR", help="folder of videos and pictures (searched recursively)")
    p.add_argument("--out", required=True, metavar="SHARDS", help="folder for the shards and manifest.json")
    p.add_argument("--config", metavar="FILE", help="take size, n_frames, fps and layout_factor from a "
                   "recipe config's data section (e.g. configs/flow_cpu.yaml)")
    p.add_argument("--size", help="WIDTHxHEIGHT of the clips (default 96x56, flow_cpu's)")
    p.add_argument("--frames", type=int, help="frames per clip (default 16)")
    p.add_argument("--fps", type=int, help="frames per second of the clips (default 12)")
    p.add_argument("--shard-size", type=int, default=256, help="clips per shard (default 256)")
    p.add_argument("--cut-threshold", type=float, default=0.12,
                   help="mean frame difference (fraction of 255) that counts as a scene change")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (for logs)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import InputError
    from .prepare import PrepareSettings, prepare

    settings = PrepareSettings(shard_size=args.shard_size, cut_threshold=args.cut_threshold)
    if args.config:
        from ..training.common import load_config
        data = load_config(args.config).get("data") or {}
        if "mix" in data:   # a fine-tune's sources: the clip format is the one a source states (they must agree)
            data = next((m for m in data["mix"] if isinstance(m, dict) and "size" in m), {})
        missing = [k for k in ("size", "n_frames", "fps") if k not in data]
        if missing:
            raise InputError(f"config {args.config!r} has no data.{', data.'.join(missing)}")
        settings.size, settings.n_frames, settings.fps = tuple(data["size"]), int(data["n_frames"]), int(data["fps"])
        settings.layout_factor = int(data.get("layout_factor", 1))
    if args.size:
        parts = args.size.lower().split("x")
        if len(parts) != 2 or not all(x.isdigit() for x in parts):
            raise InputError(f"size {args.size!r} is not of the form WIDTHxHEIGHT, e.g. 96x56")
        settings.size = (int(parts[0]), int(parts[1]))
    settings.n_frames = args.frames or settings.n_frames
    settings.fps = args.fps or settings.fps
    r = prepare(args.dir, args.out, settings, progress=not args.no_progress)
    dropped = ", ".join(f"{n} {why}" for why, n in sorted(r.dropped.items())) or "none"
    print(f"prepared {r.done} of {r.sources} files into {r.out} ({r.resumed} done earlier): {r.clips} clips kept, "
          f"dropped {dropped}; {r.footage_s / 60:.2f} min of footage in {r.wall_s / 60:.2f} min "
          f"({r.minutes_per_minute:.1f} min/min)")
    for key in r.skipped:
        print(f"warning: skipped {key} (unreadable; see manifest.json)")
    return 0
