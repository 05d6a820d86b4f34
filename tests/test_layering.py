"""The design's arrows (DESIGN.md): inference never imports the training recipes, and the data
package never imports the evaluation package. Read from the source, so a lazy import inside a
function counts as much as one at the top."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "aigc_video"


def imported_packages(path: Path) -> set[str]:
    """Dotted names, relative to aigc_video, of every module `path` imports from the package."""
    module = ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:   # relative: resolve against the importing module's package
                base = module.split(".")[:-node.level]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.startswith("aigc_video"):
                target = node.module.removeprefix("aigc_video").lstrip(".")
            else:
                continue
            names.add(target)
            names.update(f"{target}.{a.name}" if target else a.name for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name.removeprefix("aigc_video.") for a in node.names if a.name.startswith("aigc_video"))
    return names


def test_imported_packages_resolves_relative_imports():
    found = imported_packages(PACKAGE / "engines" / "latent.py")
    assert "data.layout" in found and "models.io" in found


@pytest.mark.parametrize("package, forbidden", [("engines", "training"), ("models", "training"),
                                                ("sampling.py", "training"), ("data", "eval")])
def test_no_arrow_against_the_design(package, forbidden):
    files = [PACKAGE / package] if package.endswith(".py") else sorted((PACKAGE / package).rglob("*.py"))
    offenders = {f"{f.relative_to(PACKAGE)} imports {name}" for f in files for name in imported_packages(f)
                 if name == forbidden or name.startswith(forbidden + ".")}
    assert not offenders, sorted(offenders)
