"""Frame engines by name. Each adapter turns a ShotPlan into frames; the other stages never change."""
from __future__ import annotations

from ..errors import InputError
from .base import Engine

ENGINES = ("flow", "render")
# The learned model is the default; "render" draws the same plan procedurally, faster and exactly
# as planned (MODEL_CARD.md, "Which engine?", compares them on the evaluation suites).
DEFAULT_ENGINE = "flow"


def get_engine(name: str, **options) -> Engine:
    if name == "render":
        from .render import RenderEngine
        return RenderEngine(**options)
    if name == "flow":
        from .flow import FlowEngine  # needs the [ml] extra
        return FlowEngine(**options)
    raise InputError(f"engine {name!r} is unknown; choose one of {', '.join(ENGINES)}")
