"""python -m aigc_video.materials install [--force] [--source DIR]"""
import argparse
import sys

from ..errors import DependencyMissing, InputError
from .install import install


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m aigc_video.materials")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("install", help="fetch (npm), verify and index the built-in material library")
    p.add_argument("--force", action="store_true", help="reinstall even when up to date")
    p.add_argument("--source", help="a folder holding the tarballs, instead of the npm registry")
    p.add_argument("--no-embed", action="store_true", help="skip the MiniLM embeddings (no torch needed)")
    args = parser.parse_args(argv)
    try:
        folder = install(force=args.force, source=args.source, embed=not args.no_embed, quiet=False)
    except (InputError, DependencyMissing) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
