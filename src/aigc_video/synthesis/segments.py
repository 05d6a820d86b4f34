"""Encoded segments: the video's H.264 made shot by shot and joined without re-encoding, so that a
shot whose frames did not change is read back from the cache instead of encoded again.

Each shot on the timeline makes two segments: the blend with the previous shot's tail that enters
it (when a transition does), and the rest of its frames up to where the next shot starts. Each is
encoded by an encoder of its own, so it starts on an IDR frame and refers to no other segment;
same settings give the same SPS/PPS, so the segments' packets can follow one another in one MP4
stream (synthesis/encode.py joins them and checks that they do).

A segment's key is the sha256 of everything its encoded frames depend on: the cache keys of its
shot (and of the previous one, for a blend: cache.drawn_key, over the shot plan, the engine's code
and weights, seed, size, fps), the transition, where it starts in the shot and its length, the
subtitles burned into it (text and frames), the watermark's payload, the x264 settings, the
versions of PyAV and its codec libraries and the source of the modules that make the frames here.
Editing one sentence changes its shot's key, so only that shot's segment and the blends on either
side of it are encoded again. VAE morphs are never stored (the morph's weights are not in the key).

The watermark's payload is part of the key: it identifies the video (synthesis/provenance.py), so
segments are reused across edits only when the payload stays the same, i.e. when the videos belong
to one `project` (Pipeline(project=...), `--project`).
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from ..cache import digest, source_digest
from ..scene.sceneplan import ScenePlan

# The modules whose code turns clips into the frames x264 sees.
_FRAME_SOURCES = ("encode.py", "segments.py", "transitions.py", "subtitles.py", "watermark.py", "compose.py")


@dataclass(frozen=True)
class Segment:
    start: int            # first frame in the video
    end: int              # one past its last frame
    key: str | None       # cache key; None: never stored or read back

    @property
    def n_frames(self) -> int:
        return self.end - self.start


def plan_segments(plan: ScenePlan, shot_keys: list[str | None], cues: list, cue_index: np.ndarray,
                  video_parts: dict) -> list[Segment]:
    """Per shot, a segment of the blend that enters it (when a transition does) and one of the
    rest of its frames, so that an edited shot takes its own segments and the blends on either
    side with it, nothing more. shot_keys: each shot's cache.drawn_key (None: never stored); cues
    and cue_index (per frame, -1 for none): the subtitles burned into the frames ([] and all -1
    when none are); video_parts: what every frame depends on (watermark payload, encoder
    settings, size, fps)."""
    bounds = list(plan.shot_start_frames()) + [plan.total_frames]
    here = Path(__file__).parent
    common = {"video": video_parts, "sources": {name: source_digest(str(here / name)) for name in _FRAME_SOURCES},
              "codecs": {"av": av.__version__, **{k: list(v) for k, v in av.library_versions.items()}}}

    def segment(start: int, end: int, shot_start: int, shots: list[str | None], enter: list | None) -> Segment:
        key = None
        if all(shots):
            key = digest({**common, "shots": shots, "offset": start - shot_start, "frames": end - start,
                          "enter": enter, "subtitles": burned_runs(cues, cue_index[start:end])})
        return Segment(start, end, key)

    segments = []
    for i, shot in enumerate(plan.shots):
        start, end = bounds[i], bounds[i + 1]
        blend = min(shot.transition_frames, end - start) if i > 0 else 0
        if blend:
            # the morph's weights are not in the key: its frames are never stored
            previous = shot_keys[i - 1] if shot.transition != "morph" else None
            segments.append(segment(start, start + blend, start, [previous, shot_keys[i]],
                                    [shot.transition, shot.transition_frames]))
        if start + blend < end:
            segments.append(segment(start + blend, end, start, [shot_keys[i]], None))
    return segments


def burned_runs(cues: list, which: np.ndarray) -> list[list]:
    """[first frame, last frame + 1, text] of each stretch of one cue on screen in `which`."""
    runs: list[list] = []
    for k, cue in enumerate(which.tolist()):
        if cue < 0:
            continue
        if runs and runs[-1][2] == cues[cue].text and runs[-1][1] == k:
            runs[-1][1] = k + 1
        else:
            runs.append([k, k + 1, cues[cue].text])
    return runs


def frames_needed(segments: list[Segment], stored: dict[int, bytes], n_frames: int) -> np.ndarray:
    """(n_frames,) bool: the frames of the segments that must be encoded now."""
    needed = np.ones(n_frames, bool)
    for i in stored:
        needed[segments[i].start:segments[i].end] = False
    return needed


def read_stored(cache, segments: list[Segment], width: int, height: int, fps: int, preset: str,
                crf: int) -> dict[int, bytes]:
    """{index: encoded bytes} of the segments the cache holds. Each is checked before it is used:
    one H.264 stream of this size, as many frames as the segment, and the SPS/PPS x264 writes now
    (`reference_extradata`); one that fails is removed from the cache and encoded again."""
    found: dict[int, bytes] = {}
    reference = None
    for i, segment in enumerate(segments):
        array = cache.get("segments", segment.key) if segment.key else None
        if array is None:
            continue
        data = array.tobytes()
        if reference is None:
            reference = reference_extradata(width, height, fps, preset, crf)
        if stream_info(data, fps) != (reference, width, height, segment.n_frames):
            cache.discard("segments", segment.key)
            continue
        found[i] = data
    return found


def stream_info(data: bytes, fps: int) -> tuple[bytes, int, int, int] | None:
    """(extradata, width, height, frames shown at `fps`) of an encoded segment's H.264 stream:
    its last frame's index + 1 (held frames are stored once: synthesis/encode.py); None when the
    bytes are not an MP4 holding exactly one H.264 stream."""
    try:
        with av.open(io.BytesIO(data)) as part:
            if len(part.streams) != 1 or not part.streams.video or part.streams.video[0].codec_context.name != "h264":
                return None
            stream = part.streams.video[0]
            last = max((packet.pts for packet in part.demux(stream) if packet.pts is not None), default=None)
            shown = 0 if last is None else round(float(last * stream.time_base * fps)) + 1
            return bytes(stream.codec_context.extradata or b""), stream.width, stream.height, shown
    except (av.FFmpegError, ValueError):
        return None


def reference_extradata(width: int, height: int, fps: int, preset: str, crf: int) -> bytes:
    """The SPS/PPS that x264 writes for these settings: what a segment read back must carry to be
    joined to the ones encoded now (one black frame, encoded and thrown away)."""
    from .encode import new_video_stream
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = new_video_stream(container, width, height, fps, preset, crf)
        frame = av.VideoFrame(width, height, "yuv420p")
        for plane, value in zip(frame.planes, (16, 128, 128)):
            np.frombuffer(plane, np.uint8)[:] = value
        frame.pts = 0
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    # read back: the encoder's own extradata is Annex B, the MP4 holds it as avcC
    info = stream_info(buffer.getvalue(), fps)
    return info[0] if info is not None else b""
