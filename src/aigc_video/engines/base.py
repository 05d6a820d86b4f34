"""What a frame engine is: a ShotPlan in, frames out."""
from __future__ import annotations

from typing import Protocol

import numpy as np

from ..scene.sceneplan import ShotPlan


class Engine(Protocol):
    name: str

    def generate(self, shot: ShotPlan, width: int, height: int, fps: int) -> np.ndarray:
        """Frames of one shot: (shot.n_frames, height, width, 3) uint8, deterministic for shot.seed."""
        ...
