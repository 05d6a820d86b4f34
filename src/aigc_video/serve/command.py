"""`aigc-video serve`: the web studio and job API on uvicorn. Cheap to import (the CLI imports it
to build its parser); FastAPI and uvicorn are imported only when the server runs."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

TOKEN_ENV = "AIGC_VIDEO_TOKEN"


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "serve", help="run the web studio and job API",
        description="Serve the studio page and the REST API; generation runs in worker processes. "
                    "Binds to loopback; another address needs an access token.")
    add_arguments(p)
    p.set_defaults(func=run)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--data-dir", type=Path, default=None,
                   help="job store and videos (default $XDG_DATA_HOME/aigc-video or ~/.local/share/aigc-video)")
    p.add_argument("--workers", type=int, default=1,
                   help="generation processes, each one job at a time (default 1)")
    p.add_argument("--batch", type=int, default=1,
                   help="a worker takes up to N queued jobs of one learned engine at once and draws "
                        "their shots together (default 1: measured no faster on a CPU, "
                        "bench/results/batch_throughput.md)")
    p.add_argument("--token", default=os.environ.get(TOKEN_ENV),
                   help=f"access token required on every API call (default ${TOKEN_ENV}); "
                        "needed to bind a non-loopback address")
    p.add_argument("--max-queued", type=int, default=32, help="waiting jobs before new ones get 429")
    p.add_argument("--requeue-interrupted", action="store_true",
                   help="at start, queue again the jobs a crash cut off (default: mark them interrupted)")
    p.add_argument("--log-level", default="info", choices=("critical", "error", "warning", "info", "debug"))


def settings_from(args: argparse.Namespace):
    from .app import Settings, default_data_dir

    return Settings(host=args.host, port=args.port, data_dir=args.data_dir or default_data_dir(),
                    workers=args.workers, batch=args.batch, token=args.token or None, max_queued=args.max_queued,
                    requeue_interrupted=args.requeue_interrupted)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app

    settings = settings_from(args)
    app = create_app(settings)  # checks the settings: InputError (exit 2) for a public host without token
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    url = f"http://{host}:{settings.port}/"
    if settings.token:
        url += f"?token={settings.token}"
    print(f"aigc-video studio: {url}  (data in {settings.data_dir})", file=sys.stderr, flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=args.log_level,
                timeout_graceful_shutdown=5)
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m aigc_video.serve.command`: the same as `aigc-video serve`."""
    from ..errors import InputError

    parser = argparse.ArgumentParser(prog="aigc-video serve")
    add_arguments(parser)
    try:
        return run(parser.parse_args(argv))
    except InputError as e:
        print(f"aigc-video serve: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
