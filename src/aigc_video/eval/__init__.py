"""Evaluation: does a video show what its text says, how close is it to real renders, how steady.

    evaluate(engine, suite, seeds=(0,), size=(160, 96), fps=12) -> metrics dict
    faithfulness.score_shot(frames, shot, shot_plan) -> {attribute: correct}

Importing this package is cheap; the judge, encoder and engines load on first use.
"""
from __future__ import annotations


def evaluate(engine, suite: str, seeds=(0,), size=(160, 96), fps: int = 12,
             engine_options: dict | None = None, distances: bool = True) -> dict:
    """See `aigc_video.eval.evaluate.evaluate`."""
    from .evaluate import evaluate as _evaluate

    return _evaluate(engine, suite, seeds, size, fps, engine_options, distances)


__all__ = ["evaluate"]
