"""The four stages end to end: text -> Storyboard -> ScenePlan -> frames -> MP4 + SRT + report."""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from . import limits
from .atomic import write_text_atomic
from .cost import CostMeter, count_engine_flops
from .engines import DEFAULT_ENGINE, LEARNED, get_engine, outside_training
from .errors import InputError
from .modes import check_modes, check_transition
from .scene import plan as plan_scene
from .scene.sceneplan import PictureRef, ScenePlan
from .storyboard import Storyboard
from .understand import parse

# progress(stage, fraction): stage is one of STAGES, fraction in [0, 1].
ProgressFn = Callable[[str, float], None]
STAGES = ("understand", "plan", "frames", "synthesis", "report")


@dataclass
class GenerationResult:
    storyboard: Storyboard
    plan: ScenePlan
    frames: list[np.ndarray]          # per shot (n_frames, H, W, 3) uint8; empty if keep_frames=False
    audio: np.ndarray | None          # the final mix, float32 mono
    sample_rate: int
    video_path: Path
    srt_path: Path | None
    report_path: Path
    report: dict
    warnings: list[str] = field(default_factory=list)


@dataclass
class Pipeline:
    """Settings of a run; `generate(text, output)` makes one video.

    engine: "render" (procedural scene engine, the default) or "flow" (learned; shots with
    materials or settings it was not trained on fall back to "render", and the report says so);
    assets: a folder of the user's own materials (PNG, SVG, JPG, MP4), preferred over the library's;
    size (width, height) in pixels;
    narration: "auto" (speak if espeak-ng is installed, else warn), "require" or "off";
    subtitles: "srt" (file beside the video), "burn" (file + burned into frames) or "none";
    image: a picture (PNG, JPEG, WebP) that becomes every shot's background plate, animated by a
    slow camera push-in, the prompt's subjects drawn over it; the video opens on the picture.
    quality: "draft" | "standard" | "high" (presets.py): size and fps when not given, the flow
    engine's steps when not in engine_options, and the x264 preset and CRF;
    cache: the cache folder (None: $XDG_CACHE_HOME/aigc-video); use_cache=False turns it off.
    project: a name the videos of one project share: their watermark's video id is the project's,
    so an edited script re-encodes only the shots that changed (synthesis/segments.py).
    transition: how shots without a [cut]/[crossfade]/[morph] directive are entered: "crossfade"
    (the default), "cut" or "morph" (latent interpolation with the shipped VAE; needs torch).
    engine_options: the engine's keyword arguments, e.g. {"checkpoint": FOLDER} for a learned
    engine's fine-tuned weights (`aigc-video generate --model FOLDER`; the report names it and the
    C2PA manifest hashes its files).
    """

    engine: str = DEFAULT_ENGINE
    assets: str | None = None
    image: str | None = None
    size: tuple[int, int] | None = None     # None: the quality preset's, else 640x360
    fps: int | None = None                  # None: the quality preset's, else 24
    seed: int = 0
    audio: bool = True
    narration: str = "auto"
    subtitles: str = "srt"
    engine_options: dict = field(default_factory=dict)
    # Provenance (synthesis/provenance.py, synthesis/watermark.py): a signed C2PA manifest and an
    # invisible watermark in every video, off only when asked; the report records both.
    c2pa: bool = True
    watermark: bool = True
    prompt_in_manifest: bool = True
    sign_cert: str | None = None
    sign_key: str | None = None
    quality: str | None = None
    cache: str | None = None
    use_cache: bool = True
    project: str | None = None
    transition: str = "crossfade"

    def __post_init__(self) -> None:
        from .presets import get_preset
        preset = get_preset(self.quality or "standard")    # InputError naming the choices
        self.size = tuple(self.size) if self.size is not None else preset.size
        self.fps = self.fps if self.fps is not None else preset.fps

    def check(self) -> None:
        limits.check_size(*self.size)
        limits.check_fps(self.fps)
        limits.check_seed(self.seed)
        check_modes(self.narration, self.subtitles)
        check_transition(self.transition)
        limits.check_project(self.project)
        check_checkpoint(self.engine, self.engine_options.get("checkpoint"))
        check_upscaler(self.engine, self.engine_options.get("upscaler"))
        if self.assets is not None:
            from . import materials
            materials.library(self.assets)   # a missing or unreadable folder: InputError, named
        self.picture()

    def picture(self) -> PictureRef | None:
        """The checked, fully decoded `image` (InputError naming the file when it is not a picture,
        is damaged, or is over the size limits), or None."""
        if self.image is None:
            return None
        from .scene.picture import read_picture
        return read_picture(self.image)

    def plan(self, text: str) -> tuple[Storyboard, ScenePlan]:
        """Stages 1 and 2 only: what `aigc-video plan` prints."""
        self.check()
        storyboard = parse(limits.check_text(text), assets=self.assets, transition=self.transition)
        check_duration(storyboard)
        return storyboard, plan_scene(storyboard, size=self.size, fps=self.fps, seed=self.seed,
                                      assets=self.assets, picture=self.picture())

    def generate(self, text: str, output: str | os.PathLike = "out.mp4", *,
                 progress: ProgressFn | None = None, keep_frames: bool = True,
                 native: dict[int, tuple] | None = None, native_cost: dict | None = None) -> GenerationResult:
        """native: {shot index: the learned engine's native frames of that shot}, drawn already
        together with other jobs' shots (`LatentEngine.draw_native`, serve/batch.py); native_cost:
        this video's share of that draw (CostMeter.add_share), counted in the report's cost."""
        # PyAV is imported only when a video is made, not for `plan`.
        from .synthesis import compose
        from .synthesis.encode import check_output_path
        from .synthesis.transitions import uses_morph

        progress = progress or (lambda stage, fraction: None)
        meter = CostMeter()
        if native_cost is not None:
            meter.add_share(native_cost)

        # 1. Check inputs: settings, text, and where the output goes, before any heavy work.
        self.check()
        limits.check_text(text)
        output = check_output_path(output)
        from .cache import Cache, active as cache_active, digest, drawn_key, shot_key
        from .presets import encoder_options, engine_options
        engine = get_engine(self.engine, **engine_options(self.quality, self.engine, self.engine_options))
        cache = Cache(self.cache, enabled=self.use_cache)
        picture = self.picture()

        # 2. Understand the text.
        with meter.stage("understand"):
            storyboard = parse(text, assets=self.assets, transition=self.transition)
            check_duration(storyboard)
        progress("understand", 1.0)

        # 3. Plan each shot's layout and motion.
        with meter.stage("plan"):
            scene_plan = plan_scene(storyboard, size=self.size, fps=self.fps, seed=self.seed,
                                    assets=self.assets, picture=picture)
        progress("plan", 1.0)
        # The marks (the signing identity checked now, before any frame is drawn) name what drew
        # the frames, which the plan says: VAE morphs make a scene-engine video a composite.
        marks = self._marks(text, engine, output, uses_morph(scene_plan))

        # 4. Generate the frames of every shot with the engine, lazily: synthesis pulls shot i + 1
        #    while the encoder works on shot i, so the engine and x264 share the cores.
        #    A learned engine hands the shots it was never trained on to the scene engine.
        clips: list[np.ndarray] = []
        shot_engines = _shot_engines(engine.name, scene_plan)
        fallback = get_engine("render") if any(e["engine"] != engine.name for e in shot_engines) else None
        native = {i: n for i, n in (native or {}).items() if shot_engines[i]["engine"] == engine.name}

        # What each shot's frames depend on: with the cache, the encoded segments are keyed by it.
        shot_keys = None
        if cache.enabled:
            assets = assets_state(self.assets)
            shot_keys = [digest({"drawn": drawn_key(shot, engine if e["engine"] == engine.name else fallback,
                                                    *self.size, self.fps), "assets": assets})
                         for shot, e in zip(scene_plan.shots, shot_engines)]

        def generate_clips():
            for i, shot in enumerate(scene_plan.shots):
                drawer = engine if shot_engines[i]["engine"] == engine.name else fallback
                with meter.stage("frames"), count_engine_flops(drawer, meter.flops):
                    key = shot_key(shot, drawer, *self.size, self.fps) if cache.enabled else None
                    clip = cache.get("shots", key) if key else None
                    if clip is None:
                        clip = drawer.generate(shot, *self.size, self.fps, **(
                            {"native": native[i]} if i in native else {}))
                        if key:
                            cache.put("shots", key, clip)
                    clips.append(clip)
                progress("frames", (i + 1) / len(scene_plan.shots))
                yield clips[-1] if keep_frames else clips.pop()

        # 5. Synthesize: transitions (a morph loads the VAE first), narration, music, subtitles,
        #    H.264/AAC encoding.
        clip_stream = generate_clips()
        with meter.stage("synthesis"), cache_active(cache):
            video = compose(
                clip_stream, storyboard, scene_plan, output,
                audio=self.audio, narration=self.narration if self.audio else "off",
                subtitles=self.subtitles, seed=self.seed,
                progress=lambda f: progress("synthesis", f),
                watermark=marks.watermarker, finalize=marks.sign, encoder=encoder_options(self.quality),
                shot_keys=shot_keys,
            )
        if keep_frames:   # every encoded segment came from the cache: the clips asked for are drawn now
            for _ in clip_stream:
                pass

        # 6. Write the report beside the video.
        warnings = storyboard.warnings + [
            f"shot {e['shot']}: drawn by the scene engine ({e['reason']} is outside what the "
            f"{engine.name} model was trained on)" for e in shot_engines if "reason" in e]
        warnings += video.warnings + cache.warnings
        report = {
            "video": str(video.path),
            "srt": str(video.srt_path) if video.srt_path else None,
            "settings": {k: v for k, v in asdict(self).items() if k != "engine_options"},
            "seed": self.seed,
            "engine": engine.name,
            "model": str(self.engine_options["checkpoint"]) if self.engine_options.get("checkpoint") else None,
            "shot_engines": shot_engines,
            "drawn_in_batch": [i + 1 for i in sorted(native)],
            "materials": materials_used(scene_plan),
            "image": picture.to_dict() if picture is not None else None,
            "text": text,
            "storyboard": storyboard.to_dict(),
            "plan": scene_plan.to_dict(),
            "transitions": video.transitions,
            "output": {"duration_s": video.duration_s, "n_frames": video.n_frames, "fps": video.fps,
                       "width": video.width, "height": video.height,
                       "has_audio": video.audio is not None},
            "synthesis_seconds": video.timings,
            "warnings": warnings,
        }
        report_path = output.with_name(output.stem + ".report.json")
        report["provenance"] = marks.report
        report["cache"] = cache.report()
        report["cost"] = meter.summary(video.duration_s, engine=engine.name)
        write_text_atomic(report_path, json.dumps(report, ensure_ascii=False, indent=2))
        progress("report", 1.0)

        return GenerationResult(
            storyboard=storyboard, plan=scene_plan, frames=clips if keep_frames else [],
            audio=video.audio, sample_rate=video.sample_rate, video_path=video.path,
            srt_path=video.srt_path, report_path=report_path, report=report, warnings=warnings,
        )


    def _marks(self, text: str, engine, output: Path, morph: bool):
        """The watermark and C2PA signature for this video (the signing identity checked now);
        morph: some transitions are drawn by the VAE."""
        from .synthesis.provenance import prepare
        own = ("engine_options", "c2pa", "watermark", "prompt_in_manifest", "sign_cert", "sign_key",
               "cache", "use_cache", "project")
        return prepare(text=text, engine=engine.name, settings={k: v for k, v in asdict(self).items() if k not in own},
                       width=self.size[0], height=self.size[1], title=output.name, c2pa=self.c2pa,
                       watermark=self.watermark, prompt_in_manifest=self.prompt_in_manifest,
                       sign_cert=self.sign_cert, sign_key=self.sign_key,
                       checkpoint=self.engine_options.get("checkpoint"),
                       upscaler=getattr(engine, "upscaler_dir", None), morph=morph, project=self.project)


def assets_state(folder: str | None) -> list | None:
    """[name, bytes, mtime] of every file in the user's materials folder: a shot drawn from a
    file that changed since is drawn again, not read back."""
    if folder is None:
        return None
    root = Path(folder)
    return sorted([str(p.relative_to(root)), st.st_size, st.st_mtime_ns]
                  for p in root.rglob("*") if p.is_file() for st in [p.stat()])


def check_checkpoint(engine: str, checkpoint) -> None:
    """A checkpoint folder goes with a learned engine, and must be a folder; whether it holds that
    engine's weights the engine itself says when it loads them."""
    if checkpoint is None:
        return
    if engine not in LEARNED:
        raise InputError(f"a model folder (--model) needs a learned engine ({', '.join(LEARNED)}); "
                         f"engine {engine!r} draws without weights")
    path = Path(checkpoint)
    if not path.exists():
        raise InputError(f"model folder {str(path)!r} does not exist")
    if not path.is_dir():
        raise InputError(f"model {str(path)!r} is a file; give the engine folder that holds it "
                         f"(e.g. runs/flow_finetune/final: flow.json + flow.safetensors + vae.*)")


def check_upscaler(engine: str, upscaler) -> None:
    """An upscaler goes with a learned engine: "bicubic", "learned" or an existing folder."""
    if upscaler is None:
        return
    if engine not in LEARNED:
        raise InputError(f"an upscaler (--upscaler) needs a learned engine ({', '.join(LEARNED)}); "
                         f"engine {engine!r} draws at the output size")
    if upscaler not in ("bicubic", "learned") and not Path(upscaler).is_dir():
        raise InputError(f"upscaler {str(upscaler)!r} is neither 'bicubic', 'learned' nor a checkpoint folder")


def _shot_engines(name: str, scene_plan: ScenePlan) -> list[dict]:
    """Which engine draws each shot, and why when it is not the one asked for."""
    out = []
    for i, shot in enumerate(scene_plan.shots):
        reason = outside_training(shot) if name != "render" else None
        out.append({"shot": i + 1, "engine": "render", "reason": reason} if reason
                   else {"shot": i + 1, "engine": name})
    return out


def materials_used(scene_plan: ScenePlan) -> list[dict]:
    """Every material a video shows, per shot: what it stands for, its asset, set, licence and
    match score."""
    out = []
    for i, shot in enumerate(scene_plan.shots):
        seen = set()
        for role, name, match in ([("subject", o.kind, o.asset) for o in shot.objects if o.asset]
                                  + [("prop", p.name, p.asset) for p in shot.props]):
            if (role, match.asset_id) in seen:
                continue
            seen.add((role, match.asset_id))
            out.append({"shot": i + 1, "role": role, "name": name, **match.to_dict()})
    return out


def check_duration(storyboard: Storyboard) -> None:
    if storyboard.duration_s > limits.MAX_VIDEO_SECONDS:
        raise InputError(f"the script would last {storyboard.duration_s:.1f} s, over the limit "
                         f"{limits.MAX_VIDEO_SECONDS:.0f} s; shorten it or split it")
