"""`aigc-video`: generate, plan, materials, eval, train, serve.

Exit status: 0 success, 2 bad input (the message on stderr names the problem), 1 internal error.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import traceback
from pathlib import Path

from . import limits
from .engines import DEFAULT_ENGINE
from .errors import DependencyMissing, InputError
from .inspect_command import add_generate_arguments as add_provenance_arguments, pipeline_options

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT = 0, 1, 2
# Subcommands owned by their own packages; each module has register(subparsers), cheap to import.
PLUGGED_COMMANDS = ("aigc_video.materials.command", "aigc_video.eval.command",
                    "aigc_video.training.command", "aigc_video.serve.command", "aigc_video.data.command",
                    "aigc_video.inspect_command", "aigc_video.cost_command")


def read_text(args: argparse.Namespace) -> str:
    """The prompt from the positional TEXT or from --script FILE (exactly one of them)."""
    if (args.text is None) == (args.script is None):
        raise InputError("give either TEXT or --script FILE (exactly one)")
    if args.text is not None:
        return limits.check_text(args.text)
    path = Path(args.script)
    if not path.is_file():
        raise InputError(f"script file {str(path)!r} does not exist")
    if path.stat().st_size > 4 * limits.MAX_TEXT_CHARS + 3:  # UTF-8 takes at most 4 bytes a character
        raise InputError(f"script file {str(path)!r} is {path.stat().st_size} bytes, over the limit "
                         f"of {limits.MAX_TEXT_CHARS} characters")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"script file {str(path)!r} is not UTF-8 (byte {e.start}: {e.reason})") from None
    return limits.check_text(text)


def stage_progress():
    """A progress bar per stage on a terminal; silent when stderr is not a terminal."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def progress(stage: str, fraction: float) -> None:
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=100, desc=f"{stage:<10}", unit="%", leave=True,
                                     bar_format="{desc} {bar} {percentage:3.0f}% {elapsed}")
        bar.n = int(round(100 * fraction))
        bar.refresh()

    def close() -> None:
        for bar in bars.values():
            bar.close()

    return progress, close


def add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("text", nargs="?", help="a prompt or a short script (one sentence per shot)")
    p.add_argument("--script", metavar="FILE", help="read the script from a UTF-8 text file")
    p.add_argument("--size", default=None, help="WIDTHxHEIGHT, even, 64..3840 per side "
                   "(default 640x360, or the --quality preset's)")
    p.add_argument("--fps", type=int, default=None, help=f"frames per second, {limits.MIN_FPS}..{limits.MAX_FPS} "
                   "(default 24, or the --quality preset's)")
    p.add_argument("--seed", type=int, default=0, help="fixes every random choice")
    p.add_argument("--assets", metavar="DIR", help="your own materials (PNG with alpha, SVG, JPG, "
                   "short MP4; named by file name or a .txt/.json of tags), preferred over the library's")
    p.add_argument("--image", metavar="PATH", help="animate a picture (PNG, JPEG, WebP; up to 40 megapixels, "
                   "16384 px a side): the background of every shot, the prompt's subjects drawn over it")
    p.add_argument("--transition", metavar="cut|crossfade|morph", default="crossfade",
                   help="how a shot is entered when the script puts no [cut]/[crossfade]/[morph] before it "
                        "(default crossfade; morph interpolates the video VAE's latents and needs the ml extra)")


def add_model_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", metavar="PATH", default=None,
                   help="a learned engine's checkpoint folder, e.g. a fine-tune's runs/NAME/final "
                        "(default: the shipped weights); needs --engine flow, gan or vae")
    p.add_argument("--upscaler", metavar="bicubic|learned|PATH", default=None,
                   help="how a learned engine's 96x56 frames reach the output size: bicubic, learned (the "
                        "shipped LayoutUpscaler: sharper objects, no bands, slower) or an upscaler checkpoint "
                        "folder (default: what measured best for the engine: learned for flow, bicubic for gan "
                        "and vae); needs --engine flow, gan or vae")


def engine_options(args: argparse.Namespace) -> dict:
    """The engine's keyword arguments from --model and --upscaler (Pipeline.check refuses them
    for render)."""
    options = {"checkpoint": args.model} if args.model is not None else {}
    if args.upscaler is not None:
        options["upscaler"] = args.upscaler
    return options


def cmd_generate(args: argparse.Namespace) -> int:
    from .cost_command import generate_settings
    from .pipeline import Pipeline

    text = read_text(args)
    pipeline = Pipeline(engine=args.engine, **generate_settings(args), seed=args.seed,
                        audio=not args.no_audio, narration=args.narration, subtitles=args.subtitles,
                        assets=args.assets, image=args.image, transition=args.transition,
                        engine_options=engine_options(args), **pipeline_options(args))
    progress, close = stage_progress()
    try:
        result = pipeline.generate(text, args.output, progress=progress, keep_frames=False)
    finally:
        close()
    if args.json:
        print(json.dumps(result.report, ensure_ascii=False, indent=2))
    else:
        cost = result.report["cost"]
        print(f"wrote {result.video_path} ({result.report['output']['duration_s']:.1f} s, "
              f"{len(result.storyboard.shots)} shots) in {cost['wall_seconds']:.1f} s "
              f"({cost['realtime_factor']}x real time)")
        for w in result.warnings:
            print(f"warning: {w}", file=sys.stderr)
    return EXIT_OK


def cmd_plan(args: argparse.Namespace) -> int:
    from .pipeline import Pipeline

    text = read_text(args)
    storyboard, plan = Pipeline(size=limits.parse_size(args.size or "640x360"), fps=args.fps or 24, seed=args.seed,
                                assets=args.assets, image=args.image, transition=args.transition).plan(text)
    if args.json:
        print(json.dumps({"storyboard": storyboard.to_dict(), "plan": plan.to_dict()}, ensure_ascii=False, indent=2))
        return EXIT_OK
    for shot in storyboard.shots:
        print(f"[{shot.language}] {shot.duration_s:4.1f}s  {shot.caption()}  (mood {shot.mood.label})")
        for s in shot.subjects:
            if s.asset is not None:
                a = s.asset
                print(f"        {s.kind}: {a.asset_id} ({a.licence}; {a.matched_by} {a.score:.2f})")
    if plan.shots and plan.shots[0].picture is not None:
        pic = plan.shots[0].picture
        print(f"image: {pic.path} ({pic.width}x{pic.height}, sha256 {pic.sha256})")
    for w in storyboard.warnings:
        print(f"warning: {w}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aigc-video", description="Text to video, offline, on a CPU.")
    sub = parser.add_subparsers(dest="command", required=True)

    g = sub.add_parser("generate", help="make a video from text")
    add_common(g)
    g.add_argument("-o", "--output", default="out.mp4", help="output .mp4 (an .srt and .report.json go beside it)")
    g.add_argument("--engine", default=DEFAULT_ENGINE,
                   help="frame engine: render (procedural, the default) | flow | gan | vae (learned; MODEL_CARD.md compares them)")
    add_model_argument(g)
    g.add_argument("--no-audio", action="store_true", help="no narration and no music")
    g.add_argument("--narration", default="auto", choices=("auto", "require", "off"),
                   help="auto: speak if espeak-ng is installed, else warn; require: fail without it")
    g.add_argument("--subtitles", default="srt", choices=("srt", "burn", "none"))
    g.add_argument("--json", action="store_true", help="print the report as JSON")
    add_provenance_arguments(g)
    from .cost_command import add_generate_arguments as add_cost_arguments
    add_cost_arguments(g)
    g.set_defaults(func=cmd_generate)

    p = sub.add_parser("plan", help="print the storyboard and scene plan without rendering")
    add_common(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_plan)

    for module in PLUGGED_COMMANDS:
        try:
            importlib.import_module(module).register(sub)
        except ModuleNotFoundError as e:
            if not e.name or not module.startswith(e.name):
                raise
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (InputError, DependencyMissing) as e:
        print(f"aigc-video: error: {e}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("aigc-video: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - the last line of defence: a clear message, exit 1
        if os.environ.get("AIGC_VIDEO_DEBUG"):
            traceback.print_exc()
        print(f"aigc-video: internal error: {type(e).__name__}: {e} "
              f"(set AIGC_VIDEO_DEBUG=1 for the traceback)", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
