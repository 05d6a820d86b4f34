"""What a video costs: wall time per stage, CPU time, peak memory, and a price estimate."""
from __future__ import annotations

import os
import resource
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

# On-demand price of one vCPU-hour on a general-purpose cloud VM (an assumption, not a quote;
# override with AIGC_VIDEO_PRICE_PER_CPU_HOUR). Used only to put CPU seconds into money.
DEFAULT_PRICE_PER_CPU_HOUR = 0.04


@dataclass
class CostMeter:
    """Times named stages; `summary()` adds CPU time, peak memory and the estimated price."""

    stages: dict[str, float] = field(default_factory=dict)
    _t0: float = field(default_factory=time.perf_counter)
    _cpu0: float = field(default_factory=time.process_time)

    @contextmanager
    def stage(self, name: str):
        t = time.perf_counter()
        try:
            yield
        finally:
            self.stages[name] = self.stages.get(name, 0.0) + time.perf_counter() - t

    def summary(self, video_seconds: float) -> dict:
        wall = time.perf_counter() - self._t0
        cpu = time.process_time() - self._cpu0
        price = float(os.environ.get("AIGC_VIDEO_PRICE_PER_CPU_HOUR", DEFAULT_PRICE_PER_CPU_HOUR))
        return {
            "stage_seconds": {k: round(v, 4) for k, v in self.stages.items()},
            "wall_seconds": round(wall, 4),
            "cpu_seconds": round(cpu, 4),
            "video_seconds": round(video_seconds, 4),
            "realtime_factor": round(video_seconds / wall, 3) if wall > 0 else None,
            "peak_rss_mib": round(peak_rss_mib(), 1),
            "price_per_cpu_hour_usd": price,
            "estimated_cost_usd": round(cpu / 3600 * price, 6),
        }


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
