"""Engine "render": the procedural scene engine, crisp vector graphics at any resolution."""
from __future__ import annotations

import numpy as np

from ..scene.render import render_shot
from ..scene.sceneplan import ShotPlan


class RenderEngine:
    name = "render"

    def generate(self, shot: ShotPlan, width: int, height: int, fps: int) -> np.ndarray:
        # fps paces the weather and the waves, so they move at the same speed at any frame rate.
        return render_shot(shot, width, height, fps=fps)
