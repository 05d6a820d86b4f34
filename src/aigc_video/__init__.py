"""aigc-video: text (English or Chinese) to a finished video, offline, on a CPU.

    from aigc_video import Pipeline
    result = Pipeline(engine="render", size=(640, 360)).generate("a red ball bounces", "out.mp4")
"""
__version__ = "0.1.0"
__all__ = ["Pipeline", "GenerationResult", "InputError"]

from .errors import InputError


def __getattr__(name: str):
    # The pipeline pulls in the engines and PyAV; import it only when asked for.
    if name in ("Pipeline", "GenerationResult"):
        from . import pipeline
        return getattr(pipeline, name)
    raise AttributeError(f"module 'aigc_video' has no attribute {name!r}")
