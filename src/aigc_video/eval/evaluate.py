"""Run a prompt suite through an engine and measure it: faithfulness, understanding, temporal
quality, distance to real renders (FVD/FID-style), and diversity over seeds.

    evaluate("render", "basic", seeds=(0, 1)) -> metrics dict (JSON-ready)

The steps, per prompt and seed: 1. parse the text, 2. plan the scene, 3. generate each shot's
frames with the engine (a shot a learned engine was not trained on, `engines.outside_training`,
is drawn by the scene engine, as the Pipeline does), 4. judge them against the storyboard (shots
with materials, props or settings outside vocab.BACKGROUNDS by the open-world judge,
open_world.py; the others by the vocabulary judge, faithfulness.py), 5. measure temporal quality; then
over the suite: 6. Fréchet distances of the engine's videos to independent scene-engine renders
of the same prompts (other seeds), 7. diversity over seeds.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .. import limits
from ..errors import InputError
from .detector import judge_size
from . import open_world
from .faithfulness import ATTRIBUTES as VOCAB_ATTRIBUTES
from .faithfulness import judge_shot
from .suites import load_suite
from .temporal import flicker, frame_order, track_jerk

DEFAULT_SIZE = (160, 96)
DEFAULT_FPS = 12
REFERENCE_SEED_OFFSET = 1000   # reference renders use seeds the judged videos never use
MAX_SEEDS = 16
THUMBS_PER_SHOT = 6
# Every verdict either judge gives, in report order.
ATTRIBUTES = VOCAB_ATTRIBUTES + tuple(a for a in open_world.ATTRIBUTES if a not in VOCAB_ATTRIBUTES)


@dataclass
class ShotResult:
    prompt_id: str
    text: str
    seed: int
    shot: int
    verdicts: dict[str, bool]
    details: dict
    understood: dict[str, bool]
    temporal: dict
    thumbs: np.ndarray = field(repr=False)     # (THUMBS_PER_SHOT, h, w, 3) uint8 for the contact sheet
    engine: str = ""          # the engine that drew the shot (the scene engine for a fallback)
    judge: str = "vocabulary"  # "vocabulary" (faithfulness.py) or "open_world" (open_world.py)

    @property
    def fully_correct(self) -> bool:
        return bool(self.verdicts) and all(self.verdicts.values())


@dataclass
class SuiteResult:
    suite: str
    engine: str
    metrics: dict
    shots: list[ShotResult]


def _thumbs(frames: np.ndarray, n: int = THUMBS_PER_SHOT, height: int = 72) -> np.ndarray:
    from .imageops import resize

    idx = np.linspace(0, len(frames) - 1, n).round().astype(int)
    h, w = frames.shape[1:3]
    return np.clip(resize(frames[idx], height, int(round(height * w / h / 2)) * 2), 0, 255).astype(np.uint8)


def _temporal(frames: np.ndarray, shot_plan, verdict) -> dict:
    h, w = judge_size(frames.shape[1], frames.shape[2])
    # Where the objects are on every frame (for flicker, which is judged outside them): each
    # track's nearest sighting in time, as a box a little larger than the object; for the
    # open-world judge, which has no tracks, the planned boxes.
    mask = np.zeros((len(frames), h, w), bool)
    if isinstance(verdict, open_world.OpenWorldVerdict):
        for o in shot_plan.objects:
            for f in range(min(len(frames), len(o.track.x))):
                rad = int(np.ceil(0.6 * o.track.scale[f] * h)) + 1
                cy, cx = int(o.track.y[f] * h), int(o.track.x[f] * w)
                mask[f, max(cy - rad, 0):cy + rad + 1, max(cx - rad, 0):cx + rad + 1] = True
    for r in verdict.readings:
        seen = r.track.frames
        for f in range(len(frames)):
            b = r.track.blobs[int(np.argmin(np.abs(seen - f)))]
            rad = max(2, int(np.ceil(0.8 * b.extent * h)))
            cy, cx = int(b.y * h), int(b.x * w)
            mask[f, max(cy - rad, 0):cy + rad + 1, max(cx - rad, 0):cx + rad + 1] = True
    order = frame_order(frames)
    # A frozen picture is only a fault when something should move.
    order["frozen"] = bool(order["frozen"] and any(o.track.x[0] != o.track.x[-1] or o.track.y[0] != o.track.y[-1]
                                                   or len(set(o.track.scale)) > 1 or len(set(o.track.rotation)) > 1
                                                   or len(set(o.track.opacity)) > 1 for o in shot_plan.objects))
    jerk = [track_jerk(r.track, w / h) for r in verdict.readings]
    return {"flicker": round(flicker(frames, mask), 4), "jerk": round(float(np.median(jerk)), 5) if jerk else None,
            **{k: (round(v, 4) if isinstance(v, float) else v) for k, v in order.items()}}


def _check(suite: str, seeds, size, fps) -> tuple[tuple[int, ...], tuple[int, int], int]:
    load_suite(suite)  # raises InputError on an unknown name
    seeds = tuple(int(s) for s in seeds)
    if not 1 <= len(seeds) <= MAX_SEEDS:
        raise InputError(f"seeds: {len(seeds)} given, the limit is 1..{MAX_SEEDS}")
    for s in seeds:
        limits.check_seed(s)
    return seeds, limits.check_size(*size), limits.check_fps(fps)


def run_suite(engine, suite: str, seeds=(0,), size=DEFAULT_SIZE, fps: int = DEFAULT_FPS,
              engine_options: dict | None = None, distances: bool = True, log=None,
              limit: int | None = None) -> SuiteResult:
    """Everything `evaluate` measures, plus per-shot thumbnails for the contact sheet.
    limit: judge only the suite's first `limit` prompts (quick looks, tests)."""
    from ..engines import get_engine, outside_training
    from ..scene import plan as plan_scene
    from ..understand import parse

    log = log or (lambda msg: None)
    seeds, size, fps = _check(suite, seeds, size, fps)
    if isinstance(engine, str):
        engine = get_engine(engine, **(engine_options or {}))
    prompts = load_suite(suite)
    if limit is not None:
        if not isinstance(limit, int) or limit < 1:
            raise InputError(f"limit {limit!r} must be a positive number of prompts")
        prompts = prompts[:limit]
    name = getattr(engine, "name", str(engine))
    fallback = None
    t0 = time.time()
    shots: list[ShotResult] = []
    videos: dict[tuple[str, int], list[np.ndarray]] = {}
    gen_seconds = 0.0
    for p in prompts:
        storyboard = parse(p.text)
        understood = p.understood(storyboard)
        for seed in seeds:
            scene_plan = plan_scene(storyboard, size=size, fps=fps, seed=seed)
            for shot, shot_plan in zip(storyboard.shots, scene_plan.shots):
                # A learned engine hands the shots it was not trained on to the scene engine,
                # as the Pipeline does (the report says which engine drew each shot).
                drawer = engine
                if name != "render" and outside_training(shot_plan) is not None:
                    fallback = fallback or get_engine("render")
                    drawer = fallback
                t = time.time()
                frames = drawer.generate(shot_plan, *size, fps)
                gen_seconds += time.time() - t
                if open_world.needs_open_world(shot_plan):
                    verdict, judge = open_world.judge_shot(frames, shot, shot_plan, fps), "open_world"
                else:
                    verdict, judge = judge_shot(frames, shot, shot_plan), "vocabulary"
                shots.append(ShotResult(p.id, p.text, seed, shot_plan.index, verdict.verdicts, verdict.details,
                                        understood, _temporal(frames, shot_plan, verdict), _thumbs(frames),
                                        getattr(drawer, "name", name), judge))
                videos.setdefault((p.id, seed), []).append(frames)
            r = shots[-1]
            log(f"{p.id} seed {seed}: {'ok ' if r.fully_correct else 'BAD'} "
                + " ".join(f"{k}={'y' if v else 'n'}" for k, v in r.verdicts.items()))

    metrics = summarize(shots)
    metrics["settings"] = {"suite": suite, "engine": name, "seeds": list(seeds),
                           "size": list(size), "fps": fps, "prompts": len(prompts)}
    if distances:
        metrics.update(_distances(prompts, seeds, size, fps, videos, parse, plan_scene))
    metrics["timing"] = {"generate_s": round(gen_seconds, 2), "total_s": round(time.time() - t0, 2)}
    return SuiteResult(suite, metrics["settings"]["engine"], metrics, shots)


def summarize(shots: list[ShotResult]) -> dict:
    """Per-attribute accuracy (over shots that claim the attribute), share fully correct,
    understanding accuracy, and temporal means."""
    per_attr = {}
    for a in ATTRIBUTES:
        vals = [s.verdicts[a] for s in shots if a in s.verdicts]
        if vals:
            per_attr[a] = {"accuracy": round(float(np.mean(vals)), 4), "n": len(vals)}
    understood = {}
    for key in sorted({k for s in shots for k in s.understood}):
        vals = [s.understood[key] for s in shots if key in s.understood and s.shot == 0]
        understood[key] = round(float(np.mean(vals)), 4)
    temporal = {
        "flicker_mean": round(float(np.mean([s.temporal["flicker"] for s in shots])), 4),
        "jerk_median": round(float(np.median([s.temporal["jerk"] for s in shots if s.temporal["jerk"] is not None] or [0])), 5),
        "frozen_share": round(float(np.mean([s.temporal["frozen"] for s in shots])), 4),
        "shuffled_share": round(float(np.mean([s.temporal["shuffled"] for s in shots])), 4),
    }
    return {
        "shots": len(shots),
        "fully_correct": round(float(np.mean([s.fully_correct for s in shots])), 4) if shots else 0.0,
        "per_attribute": per_attr,
        "understood": understood,
        "temporal": temporal,
        "drawn_by_engine": {e: round(float(np.mean([s.engine == e for s in shots])), 4)
                            for e in sorted({s.engine for s in shots})},
        "judged_by": {j: round(float(np.mean([s.judge == j for s in shots])), 4)
                      for j in sorted({s.judge for s in shots})},
        "per_shot": [{"prompt": s.prompt_id, "text": s.text, "seed": s.seed, "shot": s.shot,
                      "verdicts": s.verdicts, "seen": s.details, "temporal": s.temporal,
                      "engine": s.engine, "judge": s.judge} for s in shots],
    }


def _distances(prompts, seeds, size, fps, videos, parse, plan_scene) -> dict:
    """FVD/FID-style distances to scene-engine renders of the same prompts at other seeds, and
    diversity over seeds. Skipped (with the reason) when torch or the checkpoint is missing."""
    try:
        from .diversity import feature_diversity, pixel_diversity
        from .features import default_encoder
        from .fvd import frechet_from_features

        encoder = default_encoder()
    except Exception as e:  # torch or the checkpoint missing: faithfulness still stands
        return {"distances_skipped": f"{type(e).__name__}: {e}"}
    from ..scene.render import render_shot

    gen_clip, gen_frame, ref_clip, ref_frame = [], [], [], []
    per_prompt_feats: dict[str, list[np.ndarray]] = {}
    per_prompt_videos: dict[str, list[np.ndarray]] = {}
    for (pid, seed), clips in videos.items():
        for v in clips:
            f = encoder.clip_features(v, fps)
            gen_clip.append(f)
            gen_frame.append(encoder.frame_features(v, fps))
        per_prompt_feats.setdefault(pid, []).append(np.mean([encoder.video_feature(v, fps) for v in clips], 0))
        per_prompt_videos.setdefault(pid, []).append(clips[0])
    for p in prompts:
        storyboard = parse(p.text)
        for seed in seeds:
            ref_plan = plan_scene(storyboard, size=size, fps=fps, seed=seed + REFERENCE_SEED_OFFSET)
            for sp in ref_plan.shots:
                v = render_shot(sp, *size)
                ref_clip.append(encoder.clip_features(v, fps))
                ref_frame.append(encoder.frame_features(v, fps))
    out = {
        "fvd": round(frechet_from_features(np.concatenate(gen_clip), np.concatenate(ref_clip)), 3),
        "frame_fd": round(frechet_from_features(np.concatenate(gen_frame), np.concatenate(ref_frame)), 3),
        "distance_note": "our encoder, not comparable to published FVD/FID",
    }
    if len(seeds) > 1:
        out["diversity"] = {
            "feature": round(float(np.mean([feature_diversity(f) for f in per_prompt_feats.values()])), 4),
            "pixel": round(float(np.mean([pixel_diversity(v) for v in per_prompt_videos.values()])), 3),
        }
    return out


def evaluate(engine, suite: str, seeds=(0,), size=DEFAULT_SIZE, fps: int = DEFAULT_FPS,
             engine_options: dict | None = None, distances: bool = True) -> dict:
    """Metrics of `engine` (a name for `engines.get_engine`, or an Engine) on a prompt suite.

    Returns a JSON-ready dict: fully_correct (share of shots with every judged attribute
    correct), per_attribute {attribute: {accuracy, n}}, understood (parser vs the suite's
    expectations), temporal (flicker, jerk, frozen/shuffled shares), fvd and frame_fd (our
    encoder; not comparable to published numbers), diversity (when 2+ seeds), per_shot
    verdicts, settings and timing. Raises InputError on an unknown suite or engine, or bad
    seeds, size or fps."""
    return run_suite(engine, suite, seeds, size, fps, engine_options, distances).metrics
