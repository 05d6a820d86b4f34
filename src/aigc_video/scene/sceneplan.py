"""The ScenePlan: the layout of every shot, frame by frame (the output of `scene.plan`).

Coordinates are normalized: x in [0, 1] left to right, y in [0, 1] top to bottom, both of the
frame; `scale` is the object's diameter as a fraction of the frame height; `rotation` in degrees
clockwise; `opacity` in [0, 1]. A track holds one value per frame of the shot.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..materials import Match
from ..serde import JsonMixin
from ..storyboard import Mood


@dataclass
class Track(JsonMixin):
    x: list[float]
    y: list[float]
    scale: list[float]
    rotation: list[float]
    opacity: list[float]

    def __len__(self) -> int:
        return len(self.x)


@dataclass
class PlannedObject(JsonMixin):
    kind: str
    color: str
    size: str
    subject_index: int   # which Subject of the shot this object draws (count > 1 gives several)
    track: Track
    asset: Match | None = None  # a material drawn for a kind outside vocab.OBJECTS


@dataclass
class PlannedProp(JsonMixin):
    """A still thing of the setting (a sofa, a tree), drawn into the background."""
    name: str
    asset: Match
    x: float             # centre, fraction of the width
    y: float             # centre, fraction of the height
    scale: float         # side of the drawing's square, fraction of the height
    seat: float | None = None  # y (fraction of the height) where something can sit on it


@dataclass
class PictureRef(JsonMixin):
    """The user's picture a shot is drawn over (`--image`): where it was, what it was, its size."""
    path: str
    sha256: str
    width: int
    height: int


@dataclass
class Camera(JsonMixin):
    kind: str = "static"                                  # static | pan | zoom
    # Per frame: the view's centre offset (normalized) and zoom factor (1 = whole frame).
    pan_x: list[float] = field(default_factory=list)
    zoom: list[float] = field(default_factory=list)


@dataclass
class ShotPlan(JsonMixin):
    index: int
    n_frames: int
    background: str
    time: str
    weather: str
    mood: Mood
    objects: list[PlannedObject]
    camera: Camera
    seed: int                 # fixes this shot's random details (stars, rain drops, clouds)
    caption: str              # canonical English caption (what learned engines are given)
    transition: str = "cut"   # how this shot is entered: vocab.TRANSITIONS
    transition_frames: int = 0  # frames of overlap with the previous shot (0 for a cut)
    props: list[PlannedProp] = field(default_factory=list)  # drawn behind the objects
    assets: str | None = None   # the user's own material folder (--assets) its materials come from
    picture: PictureRef | None = None  # the background plate (`--image`; scene/picture.py)


@dataclass
class ScenePlan(JsonMixin):
    width: int
    height: int
    fps: int
    seed: int
    shots: list[ShotPlan]

    def shot_start_frames(self) -> list[int]:
        """First frame of each shot on the joined timeline; a crossfade overlaps the previous shot."""
        starts, t = [], 0
        for i, s in enumerate(self.shots):
            if i:
                t -= s.transition_frames
            starts.append(t)
            t += s.n_frames
        return starts

    @property
    def total_frames(self) -> int:
        if not self.shots:
            return 0
        return self.shot_start_frames()[-1] + self.shots[-1].n_frames

    @property
    def duration_s(self) -> float:
        return self.total_frames / self.fps
