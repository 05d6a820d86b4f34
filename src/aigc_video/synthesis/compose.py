"""compose: clips + storyboard + plan -> a finished MP4 (narration, mood music, subtitles) + SRT."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..cache import current as current_cache
from ..errors import DependencyMissing, InputError
from ..limits import check_seed
from ..modes import check_modes, require_morph
from ..scene.sceneplan import ScenePlan
from ..storyboard import Storyboard
from . import encode as encoding
from . import tts
from .mix import mix
from .music import mood_music
from .segments import frames_needed, plan_segments, read_stored
from .subtitles import Cue, cue_per_frame, make_cues, render_overlays, write_srt
from .transitions import MorphFn, check_clips, check_transitions, default_morph, timeline_frames, uses_morph

SAMPLE_RATE = 48000
DRAW_AHEAD_S = 2.0     # seconds of video drawn ahead of the encoder at most


@dataclass
class Video:
    path: Path
    srt_path: Path | None
    duration_s: float
    n_frames: int
    fps: int
    width: int
    height: int
    audio: np.ndarray | None          # (n,) float32 mono: the final mix, None when audio is off
    sample_rate: int
    cues: list[Cue] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds: tts, music, mix, subtitles, encode[, morph]
    transitions: list[dict] = field(default_factory=list)   # per shot after the first: how it is entered


def compose(clips: Sequence[np.ndarray] | Iterator[np.ndarray], storyboard: Storyboard, plan: ScenePlan, output: str | Path, *,
            audio: bool = True, narration: str = "auto", subtitles: str = "srt", seed: int = 0,
            progress: Callable[[float], None] | None = None, watermark=None,
            finalize: Callable[[Path], None] | None = None, encoder: dict | None = None,
            morph: MorphFn | None = None, shot_keys: list[str | None] | None = None) -> Video:
    """Join the shots' clips (a list, or an iterator that makes them one by one while the earlier
    ones are encoded) on the plan's timeline and write the finished video to `output` (.mp4),
    with its subtitles as an .srt of the same stem beside it (unless subtitles="none").

    audio=False makes a silent video (no narration, no music, no audio stream). narration="auto"
    speaks with espeak-ng when it is installed and warns when not; "require" raises
    DependencyMissing instead; "off" keeps the music only. subtitles="burn" also draws the cues
    into the frames. `watermark` (a synthesis.watermark.Watermarker) marks every finished frame;
    `finalize(temp_path)` runs on the complete MP4 before it is renamed into place (the C2PA
    signature). `encoder`: keyword arguments for encode.encode (x264 `preset`, `crf`). `morph`
    makes the frames of "morph" transitions (default: the shipped VAE's; DependencyMissing,
    before anything is written, when torch is not installed). `shot_keys` (cache.drawn_key of
    each shot) with an active cache (cache.active): the video is encoded shot by shot and the
    shots' encoded segments the cache holds are joined as they are (synthesis/segments.py).
    """
    # 1. Check inputs (before anything is written)
    check_modes(narration, subtitles)
    if narration == "require" and not audio:
        raise InputError("narration='require' needs audio=True (audio=False makes a silent video)")
    check_seed(seed)
    if len(storyboard.shots) != len(plan.shots):
        raise InputError(f"the storyboard has {len(storyboard.shots)} shots, the plan {len(plan.shots)}")
    if plan.width % 2 or plan.height % 2:
        raise InputError(f"size {plan.width}x{plan.height} must have even sides (H.264 yuv420p needs even dimensions)")
    if isinstance(clips, Sequence):
        check_clips(list(clips), plan)
    else:   # a lazy iterator: each clip is checked when the timeline reaches it
        check_transitions(plan)
    output = encoding.check_output_path(output)
    speak = audio and narration != "off"
    if speak and tts.espeak_path() is None and narration == "require":
        raise DependencyMissing("narration='require' but espeak-ng is not installed "
                                "(apt-get install espeak-ng), so the narration cannot be spoken")
    warnings: list[str] = []
    timings: dict[str, float] = {}
    morph_load_s = 0.0
    if uses_morph(plan):     # loaded now: a missing torch or checkpoint fails before any work
        t0 = time.perf_counter()
        if morph is None:
            require_morph()
            morph = default_morph()
        morph = _timed(morph, timings)
        morph_load_s = time.perf_counter() - t0
        timings["morph"] += morph_load_s
    fps, n_frames = plan.fps, plan.total_frames
    total_s = n_frames / fps
    # Encoded segments the cache holds are joined as they are (synthesis/segments.py). Their keys
    # are known now unless subtitles are burned into them (then only once the voice is timed).
    settings = {"preset": encoding.PRESET, "crf": encoding.CRF, **(encoder or {})}
    cache = current_cache()
    reusable = shot_keys is not None and cache is not None and cache.enabled
    reuse = None
    if reusable and subtitles != "burn":
        reuse = _reuse(plan, shot_keys, [], np.full(n_frames, -1), watermark, settings, cache)
    # The frames are drawn from now on, in a thread of their own, while the narration, music and
    # subtitles are made (espeak-ng and numpy leave a core free), up to DRAW_AHEAD_S ahead of the
    # encoder: a shot's clip is drawn whole before its first frame comes out, and the frames
    # buffered meanwhile keep x264 busy (720p: ~0.2 s a shot, when x264 used to wait). Not when
    # the cache may hold every segment: then the frames are drawn only if some are needed.
    started: list[encoding.ahead] = []

    def draw() -> encoding.ahead:
        started.append(encoding.ahead(iter(timeline_frames(clips, plan, morph)), depth=max(4, int(DRAW_AHEAD_S * fps))))
        return started[-1]

    def frames() -> Iterator[np.ndarray]:
        yield from (started[0] if started else draw())

    if not reusable or (reuse is not None and reuse["needed"].any()):
        draw()
    try:
        return _compose(frames(), storyboard, plan, output, audio=audio, narration=narration, subtitles=subtitles,
                        seed=seed, progress=progress, watermark=watermark, finalize=finalize, settings=settings,
                        morph=morph, shot_keys=shot_keys if reusable else None, reuse=reuse, warnings=warnings,
                        timings=timings, morph_load_s=morph_load_s, speak=speak)
    finally:
        for drawing in started:
            drawing.close()


def _reuse(plan: ScenePlan, shot_keys: list, cues: list, which: np.ndarray, watermark, settings: dict, cache) -> dict:
    """The video's segments, those the cache holds, the frames still needed (bool per frame) and
    how to store the others: encode()'s segments, stored and keep."""
    parts = {**settings, "size": [plan.width, plan.height], "fps": plan.fps,
             "watermark": watermark.payload.hex() if watermark is not None else None}
    segments = plan_segments(plan, shot_keys, cues, which, parts)
    stored = read_stored(cache, segments, plan.width, plan.height, plan.fps, settings["preset"], settings["crf"])
    return {"segments": segments, "stored": stored, "needed": frames_needed(segments, stored, plan.total_frames),
            "keep": lambda segment, data: cache.put("segments", segment.key, np.frombuffer(data, np.uint8))}


def _compose(drawn: Iterator[np.ndarray], storyboard: Storyboard, plan: ScenePlan, output: Path, *, audio, narration,
             subtitles, seed, progress, watermark, finalize, settings, morph, shot_keys, reuse, warnings, timings,
             morph_load_s, speak) -> Video:
    """compose's work once its inputs are checked, the frames coming from `drawn`; shot_keys: the
    segments may be in the cache, and `reuse` says which are when that was known before (`_reuse`)."""
    fps, n_frames = plan.fps, plan.total_frames
    total_s = n_frames / fps
    shot_starts_s = [f / fps for f in plan.shot_start_frames()]
    n_samples = int(round(n_frames * SAMPLE_RATE / fps))

    # 2. Narration: each shot's sentence spoken in its slot
    t0 = time.perf_counter()
    speeches: list[tts.Speech] = []
    if speak and tts.espeak_path() is None:
        warnings.append("espeak-ng is not installed (apt-get install espeak-ng): the video has no narration")
    elif speak:
        speeches = tts.narrate([s.narration for s in storyboard.shots], [s.language for s in storyboard.shots],
                               shot_starts_s, total_s, SAMPLE_RATE, warnings, strict=narration == "require")
    timings["tts"] = time.perf_counter() - t0

    # 3. Music and mix: the mood track ducked under the voice, peak-normalized
    t0 = time.perf_counter()
    final_mix = None
    if audio:
        music = mood_music([s.mood for s in storyboard.shots], shot_starts_s, total_s, SAMPLE_RATE, seed)
        timings["music"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        voice = tts.render_track(speeches, n_samples) if speeches else None
        final_mix = mix(voice, music, [(sp.start_s, sp.end_s) for sp in speeches], SAMPLE_RATE)
        timings["mix"] = time.perf_counter() - t0
    else:
        timings["music"] = timings["mix"] = 0.0

    # 4. Subtitles: timed to the voice, or to the shot's narration slot when nothing was spoken
    t0 = time.perf_counter()
    spoken = {sp.shot_index: sp for sp in speeches}
    spans = []
    for i, ((slot_start, slot_len), shot) in enumerate(zip(tts.speech_slots(shot_starts_s, total_s), storyboard.shots)):
        if not shot.narration.strip():
            continue
        sp = spoken.get(i)
        start, end = (sp.start_s, sp.end_s) if sp else (slot_start, slot_start + slot_len)
        spans.append((start, end, shot.narration, shot.language))
    cues = make_cues(spans, total_s) if subtitles != "none" else []
    overlays = render_overlays(cues, plan.width, plan.height, warnings) if subtitles == "burn" else []
    timings["subtitles"] = time.perf_counter() - t0

    # 5. Encode: frames streamed from the timeline (subtitles burned on the way), then the SRT.
    #    With the cache, shot by shot: the segments it holds are joined as they are, and only the
    #    other shots' frames are burned, converted and encoded.
    t0 = time.perf_counter()
    frames = drawn
    which = cue_per_frame(cues, n_frames, fps) if overlays else np.full(n_frames, -1)
    if shot_keys is not None and reuse is None:      # keyed by the burned subtitles too
        reuse = _reuse(plan, shot_keys, cues, which, watermark, settings, current_cache())
    segments = {}
    if reuse is not None:   # only the frames of the segments not stored are burned, converted and encoded
        needed = reuse["needed"]
        frames = (frame for k, frame in enumerate(frames) if needed[k])
        which = which[needed]
        segments = {k: reuse[k] for k in ("segments", "stored", "keep")}
    if overlays:
        frames = _burn(frames, overlays, which)
    encoding.encode(frames, n_frames, output, width=plan.width, height=plan.height, fps=fps,
                    audio=final_mix, sample_rate=SAMPLE_RATE, progress=progress, finalize=finalize,
                    watermark=watermark, **settings, **segments)   # marked once converted: over the subtitles too
    srt_path = None
    if subtitles != "none":
        srt_path = output.with_suffix(".srt")
        try:
            write_srt(cues, srt_path)
        except BaseException:
            output.unlink(missing_ok=True)   # no video without the subtitles it was asked with
            raise
    # The morph runs inside the frame stream: its time is its own, not the encoder's.
    timings["encode"] = time.perf_counter() - t0 - (timings.get("morph", 0.0) - morph_load_s)

    return Video(path=output, srt_path=srt_path, duration_s=total_s, n_frames=n_frames, fps=fps,
                 width=plan.width, height=plan.height, audio=final_mix, sample_rate=SAMPLE_RATE,
                 cues=cues, warnings=warnings, timings=timings, transitions=transitions_made(plan, morph))


def transitions_made(plan: ScenePlan, morph: MorphFn | None = None) -> list[dict]:
    """How each shot after the first is entered: {shot, transition, frames[, model]}."""
    out = []
    for i, shot in enumerate(plan.shots[1:], start=2):
        entry = {"shot": i, "transition": shot.transition, "frames": shot.transition_frames}
        if shot.transition == "morph" and shot.transition_frames:
            entry["model"] = getattr(morph, "name", None)
        out.append(entry)
    return out


class _timed:
    """A morph that adds its seconds to timings["morph"] and keeps its name."""

    def __init__(self, morph: MorphFn, timings: dict[str, float]):
        self.morph, self.timings, self.name = morph, timings, getattr(morph, "name", None)
        timings.setdefault("morph", 0.0)

    def __call__(self, tail, head, alphas):
        t0 = time.perf_counter()
        try:
            return self.morph(tail, head, alphas)
        finally:
            self.timings["morph"] += time.perf_counter() - t0


def _burn(frames: Iterator[np.ndarray], overlays, which: np.ndarray) -> Iterator[np.ndarray]:
    for k, frame in enumerate(frames):
        yield overlays[which[k]].apply(frame) if which[k] >= 0 else frame
