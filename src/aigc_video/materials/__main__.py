"""python -m aigc_video.materials install|find|info (the same as `aigc-video materials ...`)."""
import argparse
import sys

from ..errors import DependencyMissing, InputError
from .command import add_arguments


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m aigc_video.materials")
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (InputError, DependencyMissing) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
