"""`aigc-video train vae|flow|gan|cvae|upscaler --config configs/NAME.yaml [key=value ...] [--resume latest]`.

Cheap to import: torch and the recipes load only when the command runs.
"""
from __future__ import annotations

import argparse

RECIPES = ("vae", "flow", "gan", "cvae", "upscaler")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "train", help="train a learned model with its recipe",
        usage="aigc-video train {vae,flow,gan,cvae,upscaler} --config FILE [key=value ...] [--resume latest|DIR] [--no-progress]",
        description="Train a model from a YAML recipe config; key=value arguments override config entries "
                    "(dotted for nested ones, e.g. model.depth=2).")
    parser.add_argument("model", choices=RECIPES, help="which recipe to run")
    # The overrides follow the config file (`--config FILE key=value ...`): a trailing positional
    # list would not survive argparse once an option such as --resume comes after it.
    parser.add_argument("--config", required=True, nargs="+", metavar="ARG",
                        help="YAML recipe config, e.g. configs/flow_cpu.yaml, then config overrides")
    parser.add_argument("--resume", default=None, metavar="latest|DIR",
                        help="continue from the run's latest checkpoint (or a checkpoint folder)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (for logs)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json

    from .common import load_config
    path, *overrides = args.config
    config = load_config(path, overrides)
    if args.model == "vae":
        from .vae_recipe import train_vae as train
    elif args.model == "flow":
        from .flow_recipe import train_flow as train
    elif args.model == "gan":
        from .gan_recipe import train_gan as train
    elif args.model == "upscaler":
        from .upscaler_recipe import train_upscaler as train
    else:
        from .cvae_recipe import train_cvae as train
    result = train(config, resume=args.resume, progress=not args.no_progress)
    print(json.dumps(result, indent=2))
    return 0
