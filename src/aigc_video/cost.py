"""What a video costs: wall time per stage, CPU time, peak memory, FLOPs, energy and price models.

Every number that is not measured is an assumption named in the report next to it:

- FLOPs are counted only where a learned model runs (torch.utils.flop_counter.FlopCounterMode, once
  per model and input shape, then reused: counting slows a forward pass down). The scene engine
  (skia vector drawing), x264 and espeak do integer and branchy work that FLOPs do not describe:
  their FLOPs are reported as "n/a", never as 0.
- Energy: CPU seconds x watts per busy core (an assumed TDP share; AIGC_VIDEO_WATTS_PER_CORE).
- Dollars, per named price model: this CPU per core-hour (AIGC_VIDEO_PRICE_PER_CPU_HOUR), and a
  cloud GPU per hour, where only the learned model's FLOPs move to the GPU (at a cited peak times
  an assumed utilisation) and every other stage stays on the CPU at the CPU price.
"""
from __future__ import annotations

import json
import os
import resource
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

# On-demand price of one vCPU-hour on a general-purpose cloud VM (an assumption, not a quote;
# override with AIGC_VIDEO_PRICE_PER_CPU_HOUR). Used only to put CPU seconds into money.
DEFAULT_PRICE_PER_CPU_HOUR = 0.04
# Power of one busy core: a 2.5 GHz server Xeon draws about 150-250 W (TDP) over 16-28 cores, i.e.
# ~8-10 W a core; 10 W is the assumption (AIGC_VIDEO_WATTS_PER_CORE). Idle power is not counted.
DEFAULT_WATTS_PER_CORE = 10.0


@dataclass(frozen=True)
class GpuPriceModel:
    """A cloud GPU: dollars per hour, and how many FLOP/s the learned model would get out of it."""
    name: str
    usd_per_hour: float
    peak_flops: float          # dense bf16 FLOP/s from the vendor's datasheet
    utilisation: float         # assumed share of the peak a model this small reaches
    source: str

    @property
    def effective_flops(self) -> float:
        return self.peak_flops * self.utilisation


# H100 SXM: 989 TFLOP/s dense bf16 (NVIDIA H100 datasheet); ~$2.99/h on demand (Lambda's 2025 list
# price for one H100 SXM, an assumption). A 30 M-parameter DiT at batch 2 keeps a GPU this large
# mostly idle: 5% of the peak is assumed (large models reach 30-50%); kernel launch latency is
# not modelled, so small shots would take longer than this says.
H100 = GpuPriceModel("cloud_gpu_h100", usd_per_hour=2.99, peak_flops=989e12, utilisation=0.05,
                     source="NVIDIA H100 SXM datasheet, 989 TFLOP/s dense bf16; 5% utilisation assumed")


def price_per_cpu_hour() -> float:
    return float(os.environ.get("AIGC_VIDEO_PRICE_PER_CPU_HOUR", DEFAULT_PRICE_PER_CPU_HOUR))


def watts_per_core() -> float:
    return float(os.environ.get("AIGC_VIDEO_WATTS_PER_CORE", DEFAULT_WATTS_PER_CORE))


# FLOPs of one call, per (model identity, method, input shapes): counting is slow (the first video
# of a process ran ~1.5x slower under FlopCounterMode), reuse is free. Kept in memory and in
# <cache folder>/flops.json, so a new process does not count again.
_FLOP_CACHE: dict[str, int] = {}
_FLOP_LOCK = threading.Lock()
_FLOP_FILE_LOADED = False


def _flop_file():
    from .cache import default_folder
    return default_folder() / "flops.json"


def _load_flop_file() -> None:
    global _FLOP_FILE_LOADED
    if _FLOP_FILE_LOADED:
        return
    _FLOP_FILE_LOADED = True
    from . import __version__
    try:
        data = json.loads(_flop_file().read_text())
        if data.get("version") == __version__ and isinstance(data.get("flops"), dict):
            _FLOP_CACHE.update({k: int(v) for k, v in data["flops"].items() if isinstance(v, int)})
    except (OSError, ValueError, AttributeError):
        pass      # absent or damaged: counted again


def _save_flop_file() -> None:
    from . import __version__
    try:
        path = _flop_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".flops-{os.getpid()}.json")
        tmp.write_text(json.dumps({"version": __version__, "flops": _FLOP_CACHE}))
        os.replace(tmp, path)
    except OSError:
        pass      # not writable: counted again next process


def _shape_key(value) -> object:
    shape = getattr(value, "shape", None)
    if shape is not None:
        return ("T", tuple(shape), str(getattr(value, "dtype", "")))
    if isinstance(value, (list, tuple)):
        return tuple(_shape_key(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _shape_key(v)) for k, v in value.items()))
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    # a dataclass of tensors (the text embedding): its fields' shapes
    fields = getattr(value, "__dict__", None)
    return (type(value).__name__, _shape_key(fields)) if fields is not None else type(value).__name__


@dataclass
class FlopTally:
    """FLOPs and calls of learned models, per stage; `count(model, "forward", stage)` patches it."""
    flops: dict[str, int] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    counted_shapes: int = 0           # shapes counted with FlopCounterMode in this run (others reused)

    @contextmanager
    def count(self, obj, method: str, stage: str, model_id: str = ""):
        """Count the FLOPs of every `obj.method(...)` call made inside the block."""
        original = getattr(obj, method)

        def counted(*args, **kwargs):
            key = repr((model_id or type(obj).__name__, method, _shape_key(args), _shape_key(kwargs)))
            with _FLOP_LOCK:
                _load_flop_file()
                known = _FLOP_CACHE.get(key)
            if known is None:
                from torch.utils.flop_counter import FlopCounterMode
                with FlopCounterMode(display=False) as counter:
                    out = original(*args, **kwargs)
                known = int(counter.get_total_flops())
                with _FLOP_LOCK:
                    _FLOP_CACHE[key] = known
                    _save_flop_file()
                self.counted_shapes += 1
            else:
                out = original(*args, **kwargs)
            self.flops[stage] = self.flops.get(stage, 0) + known
            self.calls[stage] = self.calls.get(stage, 0) + 1
            return out

        setattr(obj, method, counted)     # an instance attribute: nn.Module.__call__ finds it
        try:
            yield self
        finally:
            try:
                delattr(obj, method)
            except AttributeError:
                setattr(obj, method, original)


@contextmanager
def count_engine_flops(engine, tally: FlopTally):
    """Count the FLOPs of a learned engine's networks (its latent generator and the VAE decoder);
    nothing to count for the scene engine."""
    model, vae = getattr(engine, "model", None), getattr(engine, "vae", None)
    if model is None:
        yield tally
        return
    model_id = f"{engine.name}:{getattr(engine, 'meta', {}).get('config', '')}"
    method, label = getattr(engine, "flops_method", "forward"), getattr(engine, "model_label", "diffusion transformer")
    with tally.count(model, method, f"frames: {label}", model_id + ":dit"):
        if vae is not None and hasattr(vae, "decode"):
            with tally.count(vae, "decode", "frames: vae decoder", model_id + ":vae"):
                yield tally
        else:
            yield tally


@dataclass
class CostMeter:
    """Times named stages; `summary()` adds CPU time, peak memory, FLOPs, energy and prices."""

    stages: dict[str, float] = field(default_factory=dict)
    flops: FlopTally = field(default_factory=FlopTally)
    shared: dict | None = None    # this job's share of work done for several jobs at once (`add_share`)
    _t0: float = field(default_factory=time.perf_counter)
    _cpu0: float = field(default_factory=time.process_time)

    def add_share(self, share: dict) -> None:
        """Count a share of work done before the job, for several jobs at once (serve/batch.py:
        {"wall_seconds", "cpu_seconds", "flops": {stage: n}, "calls": {stage: n}, ...}): its FLOPs
        and CPU time go into this job's totals and prices; its wall time, spent before the job
        started, is listed in `summary()["batch_share"]`, not in `wall_seconds`."""
        self.shared = share
        for stage, n in share.get("flops", {}).items():
            self.flops.flops[stage] = self.flops.flops.get(stage, 0) + int(n)
        for stage, n in share.get("calls", {}).items():
            self.flops.calls[stage] = self.flops.calls.get(stage, 0) + int(n)

    @contextmanager
    def stage(self, name: str):
        t = time.perf_counter()
        try:
            yield
        finally:
            self.stages[name] = self.stages.get(name, 0.0) + time.perf_counter() - t

    def summary(self, video_seconds: float, engine: str = "render") -> dict:
        wall = time.perf_counter() - self._t0
        cpu = time.process_time() - self._cpu0 + (self.shared or {}).get("cpu_seconds", 0.0)
        price = price_per_cpu_hour()
        out = {
            "stage_seconds": {k: round(v, 4) for k, v in self.stages.items()},
            "wall_seconds": round(wall, 4),
            "cpu_seconds": round(cpu, 4),
            "video_seconds": round(video_seconds, 4),
            "realtime_factor": round(video_seconds / wall, 3) if wall > 0 else None,
            "peak_rss_mib": round(peak_rss_mib(), 1),
            "price_per_cpu_hour_usd": price,
            "estimated_cost_usd": round(cpu / 3600 * price, 6),
        }
        out.update(estimate(cpu_seconds=cpu, wall_seconds=wall, flops=self.flops, engine=engine,
                            frame_seconds=self.stages.get("frames", 0.0)))
        if self.shared is not None:
            out["batch_share"] = self.shared
        return out


def estimate(*, cpu_seconds: float, wall_seconds: float, flops: FlopTally, engine: str,
             frame_seconds: float) -> dict:
    """FLOPs per stage, energy and dollars under each price model, with the assumptions named."""
    learned = sum(flops.flops.values())
    flop_table: dict[str, object] = dict(flops.flops)
    if not learned and engine == "render":
        flop_table["frames"] = ("n/a: the scene engine draws vector graphics with skia "
                                "(no learned model; FLOPs do not describe its work)")
    elif not learned:
        flop_table["frames"] = 0    # a learned engine that ran no network: every shot came from the cache
    flop_table["synthesis"] = "n/a: x264, AAC and espeak-ng are integer codecs and a formant synthesizer"
    joules = cpu_seconds * watts_per_core()
    cpu_usd = cpu_seconds / 3600 * price_per_cpu_hour()
    # On the GPU machine only the learned model's work moves; its CPU share is taken to be the
    # frames stage's wall time (the engine runs one shot at a time on all cores: an upper bound).
    gpu_s = learned / H100.effective_flops if learned else 0.0
    moved_cpu = min(cpu_seconds, frame_seconds * (os.cpu_count() or 1)) if learned else 0.0
    rest_cpu = cpu_seconds - moved_cpu
    gpu_usd = gpu_s / 3600 * H100.usd_per_hour + rest_cpu / 3600 * price_per_cpu_hour()
    return {
        "flops": {"total_learned": learned, "per_stage": flop_table, "calls": dict(flops.calls),
                  "counted_with": "torch.utils.flop_counter.FlopCounterMode, once per model and input shape"},
        "energy": {"joules": round(joules, 1), "watt_hours": round(joules / 3600, 4),
                   "assumption": f"{watts_per_core():g} W per busy core (TDP share) x CPU seconds"},
        "price_models": {
            "this_cpu": {"usd": round(cpu_usd, 6), "seconds": round(wall_seconds, 3),
                         "assumption": f"${price_per_cpu_hour():g} per core-hour x CPU seconds"},
            H100.name: {
                "usd": round(gpu_usd, 6) if learned else None,
                "gpu_seconds": round(gpu_s, 4) if learned else None,
                "cpu_seconds_left_on_cpu": round(rest_cpu, 3),
                "assumption": (f"${H100.usd_per_hour:g}/h; the learned model's FLOPs at "
                               f"{H100.effective_flops / 1e12:.1f} TFLOP/s ({H100.source}); every other "
                               f"stage stays on the CPU at the CPU price") if learned else
                              (f"n/a: engine {engine!r} has no learned model, a GPU does not speed it up"
                               if engine == "render" else "n/a: no learned-model work in this run (shots cached)"),
            },
        },
    }


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def format_table(report: dict) -> str:
    """The cost of one report as a plain-text table (what `aigc-video cost` prints)."""
    cost = report.get("cost") or {}
    if not cost:
        raise ValueError("the report has no 'cost' section")
    out = report.get("output", {})
    rows = [("video", f"{cost.get('video_seconds', out.get('duration_s', 0)):.2f} s, "
                      f"{out.get('width', '?')}x{out.get('height', '?')} @ {out.get('fps', '?')} fps, "
                      f"engine {report.get('engine', '?')}"),
            ("wall time", f"{cost['wall_seconds']:.2f} s ({cost.get('realtime_factor')}x real time)"),
            ("CPU time", f"{cost['cpu_seconds']:.2f} s"),
            ("peak memory", f"{cost['peak_rss_mib']:.0f} MiB")]
    for stage, seconds in cost.get("stage_seconds", {}).items():
        rows.append((f"  stage {stage}", f"{seconds:.3f} s"))
    flops = cost.get("flops")
    if flops:
        for stage, value in flops["per_stage"].items():
            rows.append((f"FLOPs {stage}", f"{value / 1e9:.2f} GFLOP" if isinstance(value, (int, float)) else value))
    energy = cost.get("energy")
    if energy:
        rows.append(("energy", f"{energy['joules']:.0f} J = {energy['watt_hours']:.3f} Wh ({energy['assumption']})"))
    for name, model in (cost.get("price_models") or {}).items():
        usd = model.get("usd")
        rows.append((f"$ {name}", (f"${usd:.6f}" if usd is not None else "n/a") + f"  ({model['assumption']})"))
    cache = report.get("cache")
    if cache:
        rows.append(("cache", f"{cache.get('status', '?')}: " + ", ".join(
            f"{k} {v['hits']} hit / {v['misses']} miss" for k, v in cache.get("counts", {}).items())))
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)
