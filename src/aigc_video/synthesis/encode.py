"""MP4 writing with PyAV: H.264 (libx264) yuv420p + AAC, faststart, written atomically; and probing."""
from __future__ import annotations

import contextvars
import io
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from fractions import Fraction
from pathlib import Path
from queue import Empty, Full, Queue

import av
import numpy as np

from ..atomic import atomic_path
from ..errors import InputError

# x264 speed/quality: "superfast" encodes 720p about 1.5x faster than "veryfast" on 2 cores at a
# similar look for flat, synthetic frames; crf 22 keeps edges clean at a modest bitrate.
PRESET = "superfast"
CRF = 22
AUDIO_BITRATE = 128_000
# FFmpeg's AAC encoder with its "fast" coder instead of the default "twoloop": on our own 10 s mix
# (voice + music) 0.16 s against 0.32 s (twoloop costs about what x264 spends on the same
# video at 640x360), with a higher SNR at 128 kbit/s: 34.8 dB against 26.3 (bench/audio_coder.py).
AUDIO_CODER = "fast"
# frames at a segment's start that are encoded even when held (joined_frames): x264's B-frames at
# "superfast" (3) + 1
JOIN_LEAD = 4


def check_output_path(output: str | Path) -> Path:
    """The output must be a .mp4 path in an existing, writable folder."""
    path = Path(output)
    if path.suffix.lower() != ".mp4":
        raise InputError(f"output {str(output)!r} must end in .mp4")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"output folder {str(folder)!r} does not exist")
    if path.is_dir():
        raise InputError(f"output {str(output)!r} is a folder, not a file")
    try:    # try it rather than trust permission bits (root ignores them; read-only mounts do not)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise InputError(f"output folder {str(folder)!r} is not writable ({error.strerror})") from None
    return path


def encode(frames: Iterable[np.ndarray], n_frames: int, output: str | Path, *, width: int, height: int,
           fps: int, audio: np.ndarray | None = None, sample_rate: int = 48000,
           progress: Callable[[float], None] | None = None, preset: str = PRESET, crf: int = CRF,
           finalize: Callable[[Path], None] | None = None, watermark=None,
           segments: list | None = None, stored: dict[int, bytes] | None = None,
           keep: Callable[[object, bytes], None] | None = None) -> Path:
    """Encode `n_frames` frames (H, W, 3) uint8 and an optional (n,) float32 mono track into `output`.

    The audio is padded or trimmed to exactly the video's length. The file is written to a temp file
    in the same folder and renamed into place only when complete; on any error nothing is left.
    `finalize(temp_path)` runs on the complete file before the rename (the C2PA signature).
    `watermark` (a synthesis.watermark.Watermarker) marks each frame's luma plane once converted.

    `segments` (synthesis/segments.py, covering the n_frames in order): the video is encoded
    segment by segment, each by an encoder of its own, and the segments are joined. `stored`
    {segment index: its encoded bytes, read back} are joined as they are: `frames` then holds only
    the other segments' frames, and `keep(segment, bytes)` receives each segment encoded now.
    """
    if width % 2 or height % 2:
        raise InputError(f"size {width}x{height} must have even sides (H.264 yuv420p needs even dimensions)")
    path = check_output_path(output)
    if audio is not None:
        n_audio = int(round(n_frames * sample_rate / fps))
        audio = np.asarray(audio, np.float32)[:n_audio]
        audio = np.pad(audio, (0, n_audio - len(audio)))
    with atomic_path(path) as tmp:
        with av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as container:
            sound = Sound(container, audio, sample_rate) if audio is not None else None
            try:
                if segments is None:
                    _write(container, frames, n_frames, width, height, fps, sound, progress, preset, crf, watermark)
                else:
                    _write_segments(container, frames, n_frames, width, height, fps, sound, progress, preset, crf,
                                    watermark, segments, stored or {}, keep)
                if sound is not None:
                    sound.finish()
            finally:     # the audio thread is done with its codec before the container closes
                if sound is not None:
                    sound.stop()
        if finalize is not None:
            finalize(tmp)
    return path


def new_video_stream(container, width: int, height: int, fps: int, preset: str, crf: int):
    """An H.264 yuv420p stream of `container` encoded by libx264 with these settings."""
    video = container.add_stream("libx264", rate=fps, options={"preset": preset, "crf": str(crf)})
    video.width, video.height, video.pix_fmt = width, height, "yuv420p"
    video.thread_count = 0      # x264's default: 1.5 threads a core, frame-parallel
    # Tagged BT.709 (1 in FFmpeg's colour enums), limited range (1 = MPEG): the matrix the frames
    # are converted with (_converted), and what browsers assume for HD, so colours do not shift.
    video.codec_context.colorspace = 1
    video.codec_context.color_primaries = 1
    video.codec_context.color_trc = 1
    video.codec_context.color_range = 1
    return video


class Sound:
    """The AAC stream of a video being written. The whole track is encoded in a thread of its own
    (AAC took 0.19 s of the main thread's 0.75 s when an edited 10 s video re-encoded one shot);
    the caller muxes its packets in step with the video's, so that the two interleave."""

    def __init__(self, container, audio: np.ndarray, sample_rate: int):
        self.container, self.audio, self.sample_rate = container, audio, sample_rate
        self.stream = self.worker = self.error = None
        self.packets: list = []      # appended by the worker, in order
        self.muxed = 0
        self._stop = threading.Event()

    def open(self) -> None:
        """Add the stream (after the video's: the video is stream 0), write the header, and start
        encoding. The header opens every stream's codec: done here, before the worker uses one."""
        self.stream = self.container.add_stream("aac", rate=self.sample_rate, layout="mono",
                                                options={"aac_coder": AUDIO_CODER})
        self.stream.bit_rate = AUDIO_BITRATE
        self.container.start_encoding()
        self.worker = threading.Thread(target=self._encode_all, name="aigc-video-audio", daemon=True)
        self.worker.start()

    def _encode_all(self) -> None:
        try:
            step = self.sample_rate // 10
            for start in range(0, len(self.audio), step):
                if self._stop.is_set():
                    return
                frame = av.AudioFrame.from_ndarray(self.audio[None, start:start + step], format="fltp", layout="mono")
                frame.sample_rate, frame.pts, frame.time_base = self.sample_rate, start, Fraction(1, self.sample_rate)
                self.packets.extend(self.stream.encode(frame))
            self.packets.extend(self.stream.encode(None))
        except BaseException as error:     # raised in the caller's thread by finish()
            self.error = error

    def send_until(self, seconds: float) -> None:
        """Mux the packets encoded so far that start before `seconds`."""
        while self.muxed < len(self.packets):
            packet = self.packets[self.muxed]
            if packet.pts is not None and packet.pts * packet.time_base >= seconds:
                break
            self.container.mux(packet)
            self.muxed += 1

    def finish(self) -> None:
        self.worker.join()
        if self.error is not None:
            raise self.error
        self.send_until(float("inf"))

    def stop(self) -> None:
        """Stop the worker (after an error elsewhere) and wait for it."""
        self._stop.set()
        if self.worker is not None:
            self.worker.join()


def _frames_in_threads(frames: Iterable[np.ndarray], n: int, width: int, height: int, watermark,
                       keep: Iterable[int] = ()) -> Iterator:
    """Three stages, each in a thread of its own: the frames are drawn in one, converted to YUV
    (and marked) in another, while the caller's thread runs x264. Yields (index, VideoFrame) of the
    frames to encode (`_converted`)."""
    return ahead(_converted(ahead(iter(frames)), n, width, height, watermark, keep))


def _write(container, frames, n_frames, width, height, fps, sound, progress, preset, crf, watermark) -> None:
    video = new_video_stream(container, width, height, fps, preset, crf)
    if sound is not None:
        sound.open()
    reported = -1
    report_every = max(1, n_frames // 100)
    converted = _frames_in_threads(frames, n_frames, width, height, watermark)
    try:
        for index, vf in converted:
            vf.pts = index
            vf.time_base = Fraction(1, fps)
            container.mux(video.encode(vf))
            if sound is not None:
                sound.send_until((index + 1) / fps)
            if progress is not None and (index // report_every != reported or index == n_frames - 1):
                reported = index // report_every
                progress((index + 1) / n_frames)
    finally:
        converted.close()
    container.mux(video.encode(None))


def _write_segments(container, frames, n_frames, width, height, fps, sound, progress, preset, crf, watermark,
                    segments, stored, keep) -> None:
    """The segments' H.264 packets one after the other in one stream, each segment's timestamps
    moved to its place; a segment not stored is encoded first, by an encoder of its own."""
    if sum(s.n_frames for s in segments) != n_frames or any(a.end != b.start for a, b in zip(segments, segments[1:])):
        raise ValueError(f"the segments do not cover the {n_frames} frames in order")
    new = [s for i, s in enumerate(segments) if i not in stored]
    n_new = sum(s.n_frames for s in new)
    # Only started when there is something to encode: otherwise the frames are never drawn.
    converted = _frames_in_threads(frames, n_new, width, height, watermark, joined_frames(new)) if n_new else iter(())
    video = extradata = first_dts = pending = None
    done = new_done = 0
    try:
        for i, segment in enumerate(segments):
            data = stored.get(i)
            if data is None:
                data = _encode_segment(converted, new_done, segment.n_frames, width, height, fps, preset, crf)
                new_done += segment.n_frames
                if keep is not None and segment.key:
                    keep(segment, data)
            with av.open(io.BytesIO(data)) as part:
                source = part.streams.video[0]
                if video is None:
                    video = container.add_stream_from_template(source)
                    extradata = bytes(source.codec_context.extradata or b"")
                    if sound is not None:
                        sound.open()
                elif bytes(source.codec_context.extradata or b"") != extradata:
                    raise RuntimeError(f"segment {i + 1} carries other H.264 parameters (SPS/PPS) than segment 1: "
                                       "the two cannot be joined")
                shift = Fraction(segment.start, fps)
                for packet in part.demux(source):
                    if packet.dts is None:      # the demuxer's end-of-stream marker
                        continue
                    moved = int(shift / packet.time_base)
                    packet.pts += moved
                    packet.dts += moved
                    packet.stream = video
                    if first_dts is None:
                        first_dts = packet.dts * packet.time_base
                    if pending is not None:     # muxed one packet late: the last one's duration is set below
                        container.mux(pending)
                    pending = packet
                    if sound is not None:
                        sound.send_until(float(packet.dts * packet.time_base))
            done += segment.n_frames
            if progress is not None:
                progress(done / n_frames)
        # The MP4 track ends at the last packet's decoding time + its duration, counted from the
        # first packet's. The segment's own last duration is one frame, which is short when its
        # last packet in decoding order is not its last frame (a B-frame's reordering, or a held
        # frame): the video would end early.
        if pending is not None:
            pending.duration = int((Fraction(n_frames, fps) - (pending.dts * pending.time_base - first_dts))
                                   / pending.time_base)
            container.mux(pending)
        if next(converted, None) is not None:
            raise ValueError(f"more frames than the {n_new} of the segments to encode")
    finally:
        if isinstance(converted, ahead):
            converted.close()


def joined_frames(segments: list) -> set[int]:
    """The frames of segments encoded one after the other (indices from the first one's start) that
    are encoded even when they repeat the one before: each segment's last frame, which ends it, and
    its first JOIN_LEAD frames. x264 starts a stream's decoding timestamps as far before its first
    frame as its first few frames span (B-frame delay): kept consecutive, the span is JOIN_LEAD - 1
    frames at most, as at a constant rate, and the joined stream's timestamps keep increasing."""
    keep, start = set(), 0
    for segment in segments:
        keep.update(range(start, start + min(JOIN_LEAD, segment.n_frames)))
        start += segment.n_frames
        keep.add(start - 1)
    return keep


def _encode_segment(frames: Iterator, start: int, n: int, width: int, height: int, fps: int, preset: str,
                    crf: int) -> bytes:
    """Frames start .. start + n - 1 of `frames` ((index, VideoFrame), those to encode: `_converted`)
    as an MP4 of one H.264 stream, in memory."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = new_video_stream(container, width, height, fps, preset, crf)
        index = start - 1
        while index < start + n - 1:
            index, vf = next(frames, (None, None))
            if vf is None:
                raise ValueError(f"a segment of {n} frames ended early")
            vf.pts = index - start
            vf.time_base = Fraction(1, fps)
            container.mux(stream.encode(vf))
        container.mux(stream.encode(None))
    return buffer.getvalue()


class ahead:
    """`items`, made in a thread of their own up to `depth` ahead of the caller, from the moment
    this is made (not from the first `next`): the frames are drawn and converted to YUV there while
    the caller waits in x264's encode, which releases the GIL. In one thread the two took turns and
    x264 left the second core half idle (CPU 1.5 s in 1.3 s of wall for 192 frames of 720p, where
    MoviePy's piped ffmpeg took 1.1 s). An exception in the thread is raised here, in the caller's.
    `close()` (or dropping the last reference) stops the thread; the caller that stops early must."""

    _DONE = object()

    def __init__(self, items: Iterator, depth: int = 4):
        self._queue: "Queue" = Queue(maxsize=depth)
        self._stop = threading.Event()
        queue, stop, done = self._queue, self._stop, self._DONE

        def produce() -> None:
            try:
                for item in items:
                    while not stop.is_set():
                        try:
                            queue.put((item, None), timeout=0.1)
                            break
                        except Full:
                            continue
                    if stop.is_set():
                        return
                queue.put((done, None))
            except BaseException as error:   # handed to the caller, who raises it
                queue.put((done, error))

        # In a copy of the caller's context: the active shot cache (cache.active) is a context variable.
        self._worker = threading.Thread(target=contextvars.copy_context().run, args=(produce,),
                                        name="aigc-video-frames", daemon=True)
        self._worker.start()
        self._finished = False

    def __iter__(self) -> "ahead":
        return self

    def __next__(self):
        if self._finished:
            raise StopIteration
        item, error = self._queue.get()
        if item is self._DONE:
            self._finished = True
            self._worker.join()
            if error is not None:
                raise error
            raise StopIteration
        return item

    def close(self) -> None:
        self._finished = True
        self._stop.set()
        while getattr(self, "_worker", None) is not None and self._worker.is_alive():   # unblock a producer waiting on a full queue
            try:
                self._queue.get_nowait()
            except Empty:
                self._worker.join(0.05)

    def __del__(self) -> None:
        self.close()


def _converted(frames: Iterable[np.ndarray], n_frames: int, width: int, height: int,
               watermark=None, keep: Iterable[int] = ()) -> Iterator[tuple[int, av.VideoFrame]]:
    """(index, yuv420p VideoFrame (BT.709, limited range)) of the `frames` to encode, their luma
    marked by `watermark` (run by `ahead`, in a thread of its own: the frames are drawn in another).

    Held frames: a frame equal to the one before is skipped, so the one before is shown until the
    next index (its MP4 sample lasts longer; the picture at every instant is the same). The learned
    engines draw 12 frames a second and show each twice at 24 fps, and x264 spent as long on a
    repeat as on a new frame (bench/results/held_frames.md). The first frame, the last, and each
    index in `keep` (`joined_frames`) are always encoded. A frame is compared with the one before,
    not a copy of it: as everywhere in the encoder, a frame must not change once yielded.

    A C-contiguous frame is wrapped as it is (VideoFrame.from_numpy_buffer, no copy), another one
    copied into a reused rgb24 VideoFrame; two reused swscale contexts, one thread each, convert
    it: making a VideoFrame and a scaler per frame had cost 1.5 s of wall time for 192 frames of
    720p (0.7 s CPU); this costs 0.45 s (docs/cost.md).
    Via BGR: swscale has a direct (unscaled) BGR24->YUV420P converter but not one from RGB24; the
    byte swap plus that path costs about 20% less than RGB24 through the scaler.
    """
    from av.video.reformatter import VideoReformatter
    rgb = av.VideoFrame(width, height, "rgb24")
    view = plane_array(rgb.planes[0], height, width * 3).reshape(height, width, 3)
    to_bgr, to_yuv = VideoReformatter(), VideoReformatter()
    keep = {0, n_frames - 1, *(int(i) for i in keep)}
    count = 0
    previous = None
    for frame in frames:
        if count >= n_frames:
            raise ValueError(f"more frames than the {n_frames} announced")
        if frame.shape != (height, width, 3) or frame.dtype != np.uint8:
            raise ValueError(f"frame {count} is {frame.dtype} {frame.shape}, expected uint8 ({height}, {width}, 3)")
        if count not in keep and same_picture(frame, previous):
            count += 1
            continue
        previous = frame
        if frame.flags.c_contiguous:
            source = av.VideoFrame.from_numpy_buffer(frame, format="rgb24")
        else:
            np.copyto(view, frame)
            source = rgb
        bgr = to_bgr.reformat(source, format="bgr24", threads=1)
        yuv = to_yuv.reformat(bgr, format="yuv420p", dst_colorspace="ITU709", threads=1)
        if watermark is not None:
            watermark.apply_luma(plane_array(yuv.planes[0], height, width))
        yield count, yuv
        count += 1
    if count != n_frames:
        raise ValueError(f"{count} frames were produced, {n_frames} were announced")


def same_picture(frame: np.ndarray, previous: np.ndarray | None) -> bool:
    """Whether two frames are equal, every byte: every 37th row first (about 20 us at 720p), which
    tells most different frames apart, then all of them (about 0.5 ms)."""
    if previous is None:    # (both frames' shapes were checked against the video's)
        return False
    return bool(np.array_equal(frame[::37], previous[::37]) and np.array_equal(frame, previous))


def plane_array(plane, rows: int, row_bytes: int) -> np.ndarray:
    """A writable (rows, row_bytes) uint8 view of a VideoFrame plane (its rows may be padded to
    line_size)."""
    return np.frombuffer(plane, np.uint8).reshape(rows, plane.line_size)[:, :row_bytes]


def top_level_atoms(path: str | Path) -> list[str]:
    """Names of an MP4's top-level boxes in file order (faststart puts 'moov' before 'mdat')."""
    names = []
    with open(path, "rb") as f:
        size_total = os.fstat(f.fileno()).st_size
        pos = 0
        while pos + 8 <= size_total:
            f.seek(pos)
            header = f.read(16)
            size = int.from_bytes(header[:4], "big")
            names.append(header[4:8].decode("latin-1"))
            if size == 1:
                size = int.from_bytes(header[8:16], "big")
            elif size == 0:
                break
            if size < 8:
                break
            pos += size
    return names


def probe(path: str | Path) -> dict:
    """What a video file holds: codec, pix_fmt, width, height, fps, n_frames, frames_stored,
    duration_s, the audio codec and sample rate (None without audio), and whether it is faststart.

    fps is the stream's frame rate (the H.264 header's timing, else FFmpeg's guess from the
    timestamps) and n_frames the frames shown at it over the video's duration; frames_stored those
    the file holds, fewer where a picture is held for several frames (the encoder's held frames,
    `_converted`: the guess from their timestamps would be too low)."""
    with av.open(str(path)) as container:
        v = container.streams.video[0]
        a = container.streams.audio[0] if container.streams.audio else None
        stored = v.frames
        if not stored:                      # containers without a frame count: demux and count
            stored = sum(1 for p in container.demux(v) if p.size)
        duration_s = container.duration / av.time_base if container.duration else float(v.duration * v.time_base)
        rate = v.codec_context.framerate or v.base_rate or v.average_rate
        n_frames = stored
        if rate and v.duration:
            n_frames = max(stored, round(float(v.duration * v.time_base * rate)))
        info = {
            "codec": v.codec_context.name,
            "pix_fmt": v.codec_context.pix_fmt,
            "width": v.codec_context.width,
            "height": v.codec_context.height,
            "fps": float(rate) if rate else None,
            "n_frames": int(n_frames),
            "frames_stored": int(stored),
            "duration_s": float(duration_s),
            "video_duration_s": float(v.duration * v.time_base) if v.duration else None,
            "audio_codec": a.codec_context.name if a else None,
            "sample_rate": a.codec_context.sample_rate if a else None,
            "audio_duration_s": float(a.duration * a.time_base) if a is not None and a.duration else None,
        }
    atoms = top_level_atoms(path)
    info["faststart"] = "moov" in atoms and "mdat" in atoms and atoms.index("moov") < atoms.index("mdat")
    return info
