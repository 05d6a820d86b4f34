"""`aigc-video materials`: install the material library, find what a word draws, list the sets.

    aigc-video materials install [--force] [--source DIR] [--no-embed]
    aigc-video materials find cat 熊猫 sofa [--assets DIR] [--json]
    aigc-video materials info

Cheap to import (the CLI imports it to build its parser).
"""
from __future__ import annotations

import argparse
import json


def register(subparsers) -> None:
    p = subparsers.add_parser("materials", help="the material library: install, find, info")
    add_arguments(p)


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="materials_command", required=True)
    i = sub.add_parser("install", help="fetch (npm), verify and index the built-in material library")
    i.add_argument("--force", action="store_true", help="reinstall even when up to date")
    i.add_argument("--source", help="a folder holding the tarballs, instead of the npm registry")
    i.add_argument("--no-embed", action="store_true", help="skip the MiniLM embeddings (no torch needed)")
    i.set_defaults(func=cmd_install)
    f = sub.add_parser("find", help="which material each word draws, with the match and its score")
    f.add_argument("words", nargs="+", help="English or Chinese nouns")
    f.add_argument("--assets", metavar="DIR", help="your own materials, searched first")
    f.add_argument("-k", type=int, default=3, help="candidates shown per word (default 3)")
    f.add_argument("--json", action="store_true")
    f.set_defaults(func=cmd_find)
    n = sub.add_parser("info", help="the installed sets: version, licence, subjects, folder")
    n.set_defaults(func=cmd_info)


def cmd_install(args: argparse.Namespace) -> int:
    from .install import install

    print(install(force=args.force, source=args.source, embed=not args.no_embed, quiet=False))
    return 0


def cmd_find(args: argparse.Namespace) -> int:
    from . import library
    from ..understand.tokens import has_han

    lib = library(args.assets)
    found = {}
    for word in args.words:
        language = "zh" if has_han(word) else "en"
        best = lib.lookup(word, language)
        found[word] = {"match": best.to_dict() if best else None,
                       "candidates": [m.to_dict() for m in lib.candidates(word, args.k, language)]}
    if args.json:
        print(json.dumps(found, ensure_ascii=False, indent=2))
        return 0
    for word, f in found.items():
        m = f["match"]
        head = (f"{m['asset_id']}  ({m['matched_by']} {m['score']:.2f}, {m['licence']})" if m
                else "not found")
        print(f"{word}: {head}")
        others = [c["name"] for c in f["candidates"] if not m or c["asset_id"] != m["asset_id"]]
        if others:
            print(f"    nearest: {', '.join(others)}")
    for w in lib.warnings:
        print(f"warning: {w}")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from .install import data_dir, is_installed, not_installed_error, read_manifest

    if not is_installed():
        raise not_installed_error()
    print(json.dumps({"folder": str(data_dir()), **read_manifest()}, ensure_ascii=False, indent=2))
    return 0
