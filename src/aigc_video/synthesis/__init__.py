"""Synthesis: clips + storyboard -> the finished video (transitions, narration, mood music,
subtitles, H.264/AAC MP4)."""
from .compose import Video, compose
from .subtitles import Cue

__all__ = ["Cue", "Video", "compose"]
