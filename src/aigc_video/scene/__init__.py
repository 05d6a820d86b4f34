"""The scene stage: Storyboard -> ScenePlan (`plan`), and the procedural renderer (`render`)."""
from .planner import plan
from .sceneplan import Camera, PlannedObject, ScenePlan, ShotPlan, Track

__all__ = ["plan", "ScenePlan", "ShotPlan", "PlannedObject", "Track", "Camera"]
