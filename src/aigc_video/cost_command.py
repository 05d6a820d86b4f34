"""`aigc-video cost REPORT.json` prints what a made video cost; `aigc-video cost TEXT|--script FILE`
makes the video first (into a temporary folder unless -o is given) and prints the same table.

Also the generate options this module owns: --quality, --cache DIR, --no-cache, --project NAME.
"""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from .errors import InputError
from .presets import QUALITIES


def add_generate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quality", choices=QUALITIES, default=None,
                   help="draft | standard | high: size, fps, learned-engine steps, x264 preset and CRF "
                        "(explicit --size/--fps win)")
    p.add_argument("--cache", metavar="DIR", default=None,
                   help="cache folder for shots, speech and music (default $XDG_CACHE_HOME/aigc-video)")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    p.add_argument("--project", metavar="NAME", default=None,
                   help="videos of one project share their watermark's video id, so that an edited script "
                        "re-encodes only the shots that changed (default: each text its own id)")


def generate_settings(args: argparse.Namespace) -> dict:
    """Pipeline keyword arguments from the generate options (size/fps None: the preset's)."""
    from . import limits
    return {"size": limits.parse_size(args.size) if args.size else None, "fps": args.fps,
            "quality": args.quality, "cache": args.cache, "use_cache": not args.no_cache, "project": args.project}


def register(subparsers) -> None:
    from .cli import add_common, add_model_argument
    from .engines import DEFAULT_ENGINE
    p = subparsers.add_parser("cost", help="what a video costs: time, CPU, memory, FLOPs, energy, dollars",
                              description="Print the cost table of a report (REPORT.json), or make the "
                                          "video of TEXT / --script FILE and print its cost table.")
    add_common(p)
    p.add_argument("-o", "--output", default=None, help="keep the video made (default: a temporary folder)")
    p.add_argument("--engine", default=DEFAULT_ENGINE, help="render | flow | gan | vae")
    add_model_argument(p)
    p.add_argument("--json", action="store_true", help="print the cost section as JSON")
    add_generate_arguments(p)
    p.set_defaults(func=cmd_cost)


def cmd_cost(args: argparse.Namespace) -> int:
    from .cost import format_table
    if args.script is None and args.text is not None and args.text.endswith(".json"):
        report = read_report(Path(args.text))
    else:
        report = make_video(args)
    print(json.dumps(report["cost"], ensure_ascii=False, indent=2) if args.json else format_table(report))
    return 0


def read_report(path: Path) -> dict:
    if not path.is_file():
        raise InputError(f"report {str(path)!r} does not exist")
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"report {str(path)!r} is not JSON ({e})") from None
    if not isinstance(report, dict) or not isinstance(report.get("cost"), dict):
        raise InputError(f"report {str(path)!r} has no 'cost' section (is it a .report.json?)")
    return report


def make_video(args: argparse.Namespace) -> dict:
    from .cli import engine_options, read_text
    from .pipeline import Pipeline
    text = read_text(args)
    pipeline = Pipeline(engine=args.engine, seed=args.seed, assets=args.assets, image=args.image,
                        transition=args.transition, engine_options=engine_options(args), **generate_settings(args))
    if args.output:
        return pipeline.generate(text, args.output, keep_frames=False).report
    with tempfile.TemporaryDirectory(prefix="aigc-video-cost-") as folder:
        return pipeline.generate(text, Path(folder) / "video.mp4", keep_frames=False).report
