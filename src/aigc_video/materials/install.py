"""Install the built-in material library: two pinned npm tarballs, checked against their sha512
integrity, of which only the JSON files the index needs are kept, then the index is built.

    python -m aigc_video.materials install [--force] [--source DIR]

The data folder is $AIGC_VIDEO_DATA, else <sys.prefix>/share/aigc-video/materials. It is
written under a temporary name and renamed when complete, so a reader never sees half of it.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import DependencyMissing, InputError

MANIFEST = "manifest.json"
FORMAT = 2  # bump when the index layout changes: an old install is then rebuilt


class MaterialsNotInstalled(InputError):
    """The built-in material library is not in the data folder."""


@dataclass(frozen=True)
class Package:
    key: str            # folder in the data folder
    npm: str            # npm package name
    version: str
    integrity: str      # npm's "sha512-<base64>"
    files: tuple[str, ...]  # members of the tarball to keep (under package/)

    @property
    def tarball(self) -> str:
        """The file name `npm pack` gives: '@scope/name' -> 'scope-name-<version>.tgz'."""
        return f"{self.npm.lstrip('@').replace('/', '-')}-{self.version}.tgz"


PACKAGES: tuple[Package, ...] = (
    Package("fluent-emoji-flat", "@iconify-json/fluent-emoji-flat", "1.2.6",
            "sha512-RY47RgPb47fYUiyrA64sIOL0+UU02s29sXpNBbIQRBUlPlfNFTKUmZDERGuxDs/7yNGWqQYvuaSYM1M4fRXlUw==",
            ("icons.json", "chars.json", "info.json")),
    Package("emojibase", "emojibase-data", "17.0.0",
            "sha512-Yvgb5AWoHViHV/gq1qr5ZAarcBip+B27/ZLRsUJkbgAEaLlZ/fof9g882LTpmEpyhBNEC0m2SEmItljHsTygjA==",
            ("en/data.json", "zh/data.json", "meta/groups.json", "LICENSE")),
)
# Emojibase supplies the names only; the pictures (and so the licence a video must credit) are
# Fluent's. Both are MIT.
EMOJIBASE_LICENCE = {"title": "MIT", "spdx": "MIT", "url": "https://github.com/milesj/emojibase/blob/master/LICENSE"}
EMOJIBASE_AUTHOR = {"name": "Miles Johnson", "url": "https://github.com/milesj/emojibase"}


def data_dir() -> Path:
    env = os.environ.get("AIGC_VIDEO_DATA")
    return Path(env) if env else Path(sys.prefix) / "share" / "aigc-video" / "materials"


def read_manifest(folder: Path | None = None) -> dict | None:
    path = (folder or data_dir()) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _current(manifest: dict | None, packages: tuple[Package, ...]) -> bool:
    if not manifest or manifest.get("format") != FORMAT:
        return False
    pinned = {(p.npm, p.version, p.integrity) for p in packages}
    return {(s["package"], s["version"], s["integrity"]) for s in manifest.get("sets", [])} == pinned


def is_installed(folder: Path | None = None) -> bool:
    """True when the data folder holds an index built from the pinned packages."""
    return _current(read_manifest(folder), PACKAGES)


def not_installed_error(folder: Path | None = None) -> MaterialsNotInstalled:
    return MaterialsNotInstalled(
        f"the material library is not installed in {folder or data_dir()}; run "
        "`aigc-video materials install` or `python -m aigc_video.materials install` "
        "(needs npm and the npm registry once; set AIGC_VIDEO_DATA to choose the folder)")


def integrity_of(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def _fetch(pkg: Package, workdir: Path, source: Path | None) -> Path:
    """The package's tarball: from `source` when given, else from the npm registry."""
    if source is not None:
        path = Path(source) / pkg.tarball
        if not path.is_file():
            raise InputError(f"{path} is missing: the source folder must hold {pkg.tarball}")
        return path
    npm = shutil.which("npm")
    if npm is None:
        raise DependencyMissing("npm is not installed; it fetches the material library's tarballs. Install "
                                "Node.js (e.g. `apt-get install npm`) or pass --source DIR holding "
                                + ", ".join(p.tarball for p in PACKAGES))
    done = subprocess.run([npm, "pack", f"{pkg.npm}@{pkg.version}", "--silent"], cwd=workdir,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise DependencyMissing(f"`npm pack {pkg.npm}@{pkg.version}` failed: {done.stderr.strip()[-500:]}")
    return workdir / pkg.tarball


def _extract(pkg: Package, tarball: Path, dest: Path) -> None:
    found = integrity_of(tarball)
    if found != pkg.integrity:
        raise InputError(f"{tarball.name}: checksum mismatch, refusing to install it "
                         f"(expected {pkg.integrity}, got {found})")
    with tarfile.open(tarball, "r:gz") as tar:
        for name in pkg.files:
            member = tar.getmember(f"package/{name}")   # KeyError: a tarball without it
            out = dest / pkg.key / name
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(tar.extractfile(member).read())


def _set_entry(pkg: Package, dest: Path) -> dict:
    entry = {"name": pkg.key, "package": pkg.npm, "version": pkg.version, "integrity": pkg.integrity}
    if pkg.key == "fluent-emoji-flat":
        info = json.loads((dest / pkg.key / "info.json").read_text(encoding="utf-8"))
        entry.update(title=info.get("name"), licence=info.get("license"), author=info.get("author"), role="pictures")
    else:
        entry.update(title="Emojibase data (CLDR names, en + zh)", licence=EMOJIBASE_LICENCE,
                     author=EMOJIBASE_AUTHOR, role="names")
    return entry


def install(force: bool = False, source: str | Path | None = None, folder: str | Path | None = None,
            packages: tuple[Package, ...] = PACKAGES, embed: bool = True, quiet: bool = True) -> Path:
    """Fetch, verify, extract and index the material library; return the data folder.

    Skipped when the folder already holds an index of the pinned versions (unless `force`).
    `source`: a folder holding the tarballs instead of the npm registry; `embed=False` skips the
    MiniLM embeddings (then only exact and synonym lookups work)."""
    from . import index

    folder = Path(folder) if folder is not None else data_dir()
    if not force and _current(read_manifest(folder), packages):
        if not quiet:
            print(f"the material library in {folder} is up to date")
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=".materials-", dir=folder.parent) as tmp:
        tmp = Path(tmp)
        stage, downloads = tmp / "data", tmp / "downloads"
        stage.mkdir()
        downloads.mkdir()
        # 1. fetch and verify the tarballs, keep only the JSON the index reads
        for pkg in packages:
            _extract(pkg, _fetch(pkg, downloads, source), stage)
        # 2. build the index (entries, bodies, embeddings)
        count = index.build(stage, embed=embed)
        # 3. manifest last: its presence marks a complete install
        manifest = {"format": FORMAT, "subjects": count, "embedding": "all-MiniLM-L6-v2" if embed else None,
                    "sets": [_set_entry(p, stage) for p in packages]}
        (stage / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        # 4. swap in: rename the old folder aside, the new one in, then delete the old
        old = tmp / "old"
        if folder.exists():
            os.replace(folder, old)
        os.replace(stage, folder)
    if not quiet:
        print(f"installed {count} subjects into {folder} in {time.perf_counter() - t0:.1f} s")
    return folder
