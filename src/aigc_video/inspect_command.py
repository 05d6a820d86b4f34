"""`aigc-video inspect FILE [--json]`: is this video generated, and can that be checked?

Prints the C2PA manifest's status (valid / tampered / absent, with its claims) and the invisible
watermark (found with its payload / not found). Cheap to import: PyAV and c2pa load when it runs.
A missing file, a non-video or a truncated MP4 raises InputError (exit 2).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from .errors import InputError


def register(subparsers) -> None:
    p = subparsers.add_parser("inspect", help="check a video's C2PA manifest and invisible watermark",
                              description="Report whether FILE carries a valid, tampered or no C2PA "
                                          "manifest, and whether its frames carry the aigc-video watermark.")
    p.add_argument("file", help="an MP4")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run)


def inspect_video(path: str | Path) -> dict:
    """{"file", "video": probe, "manifest": {...} , "watermark": {...}} for one video file."""
    from .synthesis import provenance, watermark
    from .synthesis.encode import probe

    path = Path(path)
    if not path.exists():
        raise InputError(f"{str(path)!r} does not exist")
    if not path.is_file():
        raise InputError(f"{str(path)!r} is not a file")
    _check_boxes(path)
    try:
        info = probe(path)
    except Exception as e:   # PyAV: not a container, no video stream, truncated before the index
        raise InputError(f"{str(path)!r} is not a readable video ({type(e).__name__}: {e})") from None
    if not info["n_frames"]:
        raise InputError(f"{str(path)!r} has no video frames")
    lumas = watermark.read_luma(path)
    if len(lumas) < min(info["frames_stored"], 2):
        raise InputError(f"{str(path)!r} is truncated: {len(lumas)} of {info['frames_stored']} stored frames decode")
    try:
        manifest = provenance.read_manifest(path)
    except Exception as e:   # noqa: BLE001 - c2pa missing, or a manifest it cannot parse at all
        manifest = {"status": "unknown", "error": f"{type(e).__name__}: {e}"}
    mark = watermark.detect_frames(lumas).to_dict()
    return {"file": str(path), "video": {k: info[k] for k in ("width", "height", "fps", "n_frames", "duration_s")},
            "manifest": manifest, "watermark": mark}


def _check_boxes(path: Path) -> None:
    """An MP4's top-level boxes must tile the file exactly; a cut-off download ends mid-box."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) < 8 or head[4:8] != b"ftyp":
            return                         # not an MP4: PyAV's probe says what it is, or is not
        pos = 0
        while pos < size:
            f.seek(pos)
            header = f.read(16)
            if len(header) < 8:
                break
            box = int.from_bytes(header[:4], "big")
            if box == 1:
                box = int.from_bytes(header[8:16], "big")
            elif box == 0:                 # "to the end of the file"
                return
            if box < 8:
                break
            pos += box
        if pos != size:
            raise InputError(f"{str(path)!r} is a truncated or damaged MP4 (its boxes end at byte "
                             f"{pos}, the file at {size})")


def run(args: argparse.Namespace) -> int:
    result = inspect_video(args.file)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    m, w = result["manifest"], result["watermark"]
    v = result["video"]
    print(f"{result['file']}: {v['width']}x{v['height']}, {v['n_frames']} frames, {v['duration_s']:.1f} s")
    status = m["status"]
    if status == "valid":
        status += " (signer trusted on this machine)" if m.get("trusted") else " (signer not on this machine's trust list)"
    elif status == "tampered":
        status += f": {', '.join(m.get('failures', []))}"
    elif status == "unknown":
        status += f": {m.get('error')}"
    print(f"C2PA manifest: {status}")
    claims = m.get("claims") or {}
    if claims:
        print(f"  claim generator: {', '.join(claims.get('claim_generator', []))}")
        print(f"  signed by: {claims.get('signer')} (issuer {claims.get('issuer')})"
              + (f" at {claims['signed_at']}" if claims.get("signed_at") else ""))
        for a in claims.get("actions", []):
            print(f"  action: {a.get('action')} ({a.get('digitalSourceType')})")
        gen = claims.get("generation") or {}
        if gen:
            print(f"  engine: {gen.get('engine')}; video id {gen.get('video_id')}; watermark {gen.get('watermark')}")
            for name, digest in (gen.get("model_sha256") or {}).items():
                print(f"  model {name}: sha256 {digest}")
            if gen.get("prompt") is not None:
                print(f"  prompt: {gen['prompt']}")
    if w["found"]:
        print(f"watermark: found, payload {w['payload']} (video id {w['video_id']}, "
              f"confidence {w['confidence']:.2f}, sync z {w['sync_z']:.1f})")
    else:
        print(f"watermark: not found (sync z {w['sync_z']:.1f})")
    return 0


def add_generate_arguments(p: argparse.ArgumentParser) -> None:
    """`generate`'s provenance flags: the marks are on unless one of these turns them off."""
    p.add_argument("--no-c2pa", action="store_true", help="leave out the signed C2PA manifest (recorded in the report)")
    p.add_argument("--no-watermark", action="store_true", help="leave out the invisible watermark (recorded in the report)")
    p.add_argument("--no-provenance", action="store_true", help="both of the above")
    p.add_argument("--no-prompt-in-manifest", action="store_true", help="keep the prompt out of the C2PA manifest")
    p.add_argument("--sign-cert", metavar="PEM", help="your organisation's certificate chain (leaf first) to sign "
                   "the manifest with (default: a local identity made on first use in ~/.config/aigc-video)")
    p.add_argument("--sign-key", metavar="PEM", help="the private key of --sign-cert")


def pipeline_options(args: argparse.Namespace) -> dict:
    """Pipeline keyword arguments from `add_generate_arguments`' flags."""
    return {"c2pa": not (args.no_c2pa or args.no_provenance),
            "watermark": not (args.no_watermark or args.no_provenance),
            "prompt_in_manifest": not args.no_prompt_in_manifest,
            "sign_cert": args.sign_cert, "sign_key": args.sign_key}
