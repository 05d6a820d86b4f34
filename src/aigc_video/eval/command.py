"""`aigc-video eval`: run a prompt suite through an engine, print the table, write the results.

    aigc-video eval --engine render --suite basic [--seeds 2] [--out DIR] [--size 160x96] [--fps 12]

Writes metrics.json, table.md and contact_sheet.png into --out (default eval_out/SUITE_ENGINE).
Cheap to import: the heavy parts load inside `run`.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..engines import DEFAULT_ENGINE
from ..errors import InputError
from .suites import SUITES as SUITE_NAMES


def register(subparsers) -> None:
    p = subparsers.add_parser("eval", help="measure an engine on a prompt suite (faithfulness, FVD-style, temporal)",
                              description=__doc__.splitlines()[0])
    p.add_argument("--engine", default=DEFAULT_ENGINE, help="engine name (render, the default; flow)")
    p.add_argument("--suite", default="basic", help=f"one of {', '.join(SUITE_NAMES)}")
    p.add_argument("--seeds", type=int, default=1, help="seeds 0..K-1 per prompt (K in 1..16); 2+ adds diversity")
    p.add_argument("--out", default=None, help="output folder (default eval_out/SUITE_ENGINE)")
    p.add_argument("--size", default="160x96", help="WIDTHxHEIGHT of the judged videos (default 160x96)")
    p.add_argument("--fps", type=int, default=12, help="frames per second (default 12)")
    p.add_argument("--no-distances", action="store_true", help="skip the FVD/FID-style distances (faster)")
    p.add_argument("--limit", type=int, default=None, help="judge only the first N prompts of the suite")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import sys

    from .. import limits
    from .evaluate import MAX_SEEDS, run_suite
    from .report import contact_sheet, markdown_table

    if args.suite not in SUITE_NAMES:
        raise InputError(f"suite {args.suite!r} is unknown; choose one of {', '.join(SUITE_NAMES)}")
    if not isinstance(args.seeds, int) or not 1 <= args.seeds <= MAX_SEEDS:
        raise InputError(f"--seeds {args.seeds!r} is outside the limit 1..{MAX_SEEDS}")
    size = limits.parse_size(args.size)
    limits.check_fps(args.fps)
    out = Path(args.out or f"eval_out/{args.suite}_{args.engine}")
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {str(out)!r} exists and is not a folder")
    from ..engines import get_engine

    engine = get_engine(args.engine)  # InputError on an unknown name, before any work
    result = run_suite(engine, args.suite, seeds=range(args.seeds), size=size, fps=args.fps,
                       distances=not args.no_distances, log=lambda m: print(m, file=sys.stderr),
                       limit=args.limit)
    table = markdown_table(result.metrics)
    out.mkdir(parents=True, exist_ok=True)
    _write(out / "metrics.json", json.dumps(result.metrics, ensure_ascii=False, indent=1))
    _write(out / "table.md", table)
    contact_sheet(result.shots, out / "contact_sheet.png")
    print(table)
    print(f"wrote {out / 'metrics.json'}, {out / 'table.md'}, {out / 'contact_sheet.png'}")
    return 0


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.partial")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
