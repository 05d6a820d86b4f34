"""The judge's two small learned parts, run in plain numpy (trained by `eval.train_judge`).

- Kind classifier: 3-layer CNNs over a blob's 24x24 patch (soft foreground mask + the blob's
  colours with its mean colour removed, so it judges shape and inner detail, not colour), an
  ensemble of `kind_members` nets whose probabilities are averaged.
- Motion classifier: an MLP over a track's features (path, area, contrast, shape change,
  resampled to a fixed length, and the spin cue of rotation.py), which tells `move down` from
  `fall` the way the planner draws them.

Plus a calibration table: each kind's on-screen area as a fraction of its planned diameter
squared, which turns a blob's area into a size class.

Checkpoint: `checkpoints/judge.safetensors` (weights) + `checkpoints/judge.json` (config).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ..vocab import MOTIONS, OBJECTS
from .detector import PATCH

CHECKPOINT_DIR = Path(__file__).parent / "checkpoints"
TRACK_STEPS = 16  # a track is resampled to this many instants


@dataclass
class JudgeConfig:
    kinds: tuple[str, ...] = tuple(OBJECTS)
    motions: tuple[str, ...] = MOTIONS
    patch: int = PATCH
    kind_channels: tuple[int, ...] = (16, 32, 48)
    kind_members: int = 3          # kind nets averaged (an ensemble: steadier on borderline patches)
    motion_hidden: int = 64
    # kind -> blob area / (planned diameter * frame height)^2, measured on renders.
    area_ratio: dict[str, float] = field(default_factory=dict)
    # Mean and std of the motion features (the MLP sees standardized inputs).
    motion_feature_mean: list[float] = field(default_factory=list)
    motion_feature_std: list[float] = field(default_factory=list)
    trained: dict = field(default_factory=dict)  # how it was trained and how well (for the record)


# ---------------------------------------------------------------- numpy layers

def conv3x3(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Same-padded 3x3 convolution: x (N, C, H, W), w (O, C, 3, 3) -> (N, O, H, W)."""
    n, c, h, wd = x.shape
    p = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    cols = np.stack([p[:, :, dy:dy + h, dx:dx + wd] for dy in range(3) for dx in range(3)], 2)
    # cols (N, C, 9, H, W) x w (O, C, 9) -> (N, O, H, W)
    return np.einsum("nckhw,ock->nohw", cols, w.reshape(w.shape[0], c, 9), optimize=True) + b[:, None, None]


def maxpool2(x: np.ndarray) -> np.ndarray:
    n, c, h, w = x.shape
    return x[:, :, :h // 2 * 2, :w // 2 * 2].reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0)


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


# ---------------------------------------------------------------- inputs

def kind_input(patches: np.ndarray) -> np.ndarray:
    """(N, P, P, 4) blob patches (RGB 0..1 + soft mask) -> (N, 7, P, P) classifier input:
    the mask; the colours minus the blob's own mean colour, inside the mask (inner detail, not
    colour); and the whole patch minus its mean (parts the mask misses: a white sail on a pale
    sky still shows its dark outline)."""
    rgb, mask = patches[..., :3], patches[..., 3:]
    wsum = mask.sum(axis=(1, 2), keepdims=True) + 1e-6
    mean = (rgb * mask).sum(axis=(1, 2), keepdims=True) / wsum
    detail = (rgb - mean) * mask * 2.0
    context = (rgb - rgb.mean(axis=(1, 2), keepdims=True)) * 2.0
    return np.concatenate([mask, detail, context], -1).transpose(0, 3, 1, 2).astype(np.float32)


def _resample(values: np.ndarray, frames: np.ndarray, n_frames: int, steps: int) -> np.ndarray:
    """Linear interpolation of per-sighting values onto `steps` instants spread over the shot."""
    t = np.linspace(0, n_frames - 1, steps)
    return np.stack([np.interp(t, frames, values[:, j]) for j in range(values.shape[1])], 1)


def track_features(frames: np.ndarray, xy: np.ndarray, area: np.ndarray, contrast: np.ndarray,
                   shape_change: np.ndarray, n_frames: int, turn: np.ndarray | None = None) -> np.ndarray:
    """Fixed-length motion features of one track.

    frames (n,) frame indices where the object was seen; xy (n, 2) centroids in frame heights;
    area (n,) in frame heights squared; contrast (n,) Lab distance to the background;
    shape_change (n,) centred-patch change against the previous sighting (0 = same shape);
    turn (n, 2) outline change against the same object one video frame away, and what is left
    of it after the best rotation (NaN where unknown; rotation.turn_change), or None.
    Positions are relative to the track's mean and scaled by its planned size, so the features
    describe the kind of motion, not where or how big."""
    frames = np.asarray(frames, float)
    size = np.sqrt(np.median(area)) + 1e-3
    rel = (xy - xy.mean(0)) / size
    path = _resample(rel, frames, n_frames, TRACK_STEPS)                     # (S, 2)
    log_area = np.log(area + 1e-5)
    la = _resample((log_area - np.median(log_area))[:, None], frames, n_frames, TRACK_STEPS)[:, 0]
    con = _resample((contrast / (contrast.max() + 1e-6))[:, None], frames, n_frames, TRACK_STEPS)[:, 0]
    seen = np.zeros(TRACK_STEPS)
    bins = np.minimum((frames / max(n_frames, 1) * TRACK_STEPS).astype(int), TRACK_STEPS - 1)
    seen[np.unique(bins)] = 1.0
    # Velocities per whole shot (not per frame), so the features do not depend on the fps.
    steps = (np.diff(xy, axis=0) / np.maximum(np.diff(frames), 1)[:, None] * n_frames / size
             if len(xy) > 1 else np.zeros((1, 2)))
    speed = np.linalg.norm(steps, axis=1)
    net = (xy[-1] - xy[0]) / size
    summary = np.array([
        np.log(speed.mean() + 1e-3), np.log(speed.std() + 1e-3),
        np.log(np.linalg.norm(net) + 1e-2), net[0], net[1],
        np.log(np.median(shape_change) + 1e-3) if len(shape_change) else np.log(1e-3),
        la[-1] - la[0], con[-1] - con[0],
        np.log(np.abs(np.diff(steps[:, 0])).mean() + 1e-3) if len(steps) > 1 else np.log(1e-3),
        np.log(np.abs(np.diff(steps[:, 1])).mean() + 1e-3) if len(steps) > 1 else np.log(1e-3),
        frames[0] / max(n_frames, 1), frames[-1] / max(n_frames, 1),
    ])
    return np.concatenate([path.reshape(-1), la, con, seen, summary, _path_shape(frames, xy, size, n_frames),
                           _turn_summary(turn)]).astype(np.float32)


def _turn_summary(turn: np.ndarray | None) -> np.ndarray:
    """Median outline change between adjacent video frames and the share of it a rotation
    explains (a spin: most of it; a still object's noise: none of it), on a log scale."""
    if turn is None or not np.isfinite(turn).all(1).any():
        return np.array([np.log(1e-3), np.log(1e-3)], np.float32)
    t = np.asarray(turn, float)[np.isfinite(turn).all(1)]
    change, explained = np.median(t[:, 0]), np.median(t[:, 0] - t[:, 1])
    return np.array([np.log(change + 1e-3), np.log(explained + 1e-3)], np.float32)


def _path_shape(frames: np.ndarray, xy: np.ndarray, size: float, n_frames: int) -> np.ndarray:
    """Hand-made path descriptors that tell the motions apart with little data:
    turning (orbit turns one way, zigzag back and forth), reversals (bounce, jump, zigzag),
    resting share (a jump rests between hops), vertical acceleration (a fall speeds up),
    straightness (net distance over path length)."""
    if len(xy) < 4:
        return np.zeros(9, np.float32)
    t = frames / max(n_frames - 1, 1)
    # Smooth over 3 sightings: detection jitter must not count as turning.
    k = np.ones(3) / 3
    sx = np.convolve(xy[:, 0], k, mode="valid")
    sy = np.convolve(xy[:, 1], k, mode="valid")
    v = np.stack([np.diff(sx), np.diff(sy)], 1) / size
    speed = np.linalg.norm(v, axis=1)
    moving = speed > 0.1 * (speed.max() + 1e-9)
    ang = np.arctan2(v[:, 1], v[:, 0])
    turn = np.angle(np.exp(1j * np.diff(ang)))[moving[1:] & moving[:-1]] if len(ang) > 1 else np.zeros(0)
    rev = lambda c: float(np.sum(np.diff(np.sign(c[np.abs(c) > 0.02 * (np.abs(c).max() + 1e-9)])) != 0))
    a = np.polyfit(t, xy[:, 1] / size, 2)[0] if len(t) >= 3 else 0.0
    path_len = np.linalg.norm(np.diff(xy, axis=0), axis=1).sum() / size
    net = np.linalg.norm(xy[-1] - xy[0]) / size
    # A hop rests on the ground between hops; a bounce only touches it.
    grounded = float(np.mean(xy[:, 1] >= xy[:, 1].max() - 0.08 * size))
    return np.array([
        abs(turn.sum()) / (2 * np.pi), np.abs(turn).sum() / (2 * np.pi),
        rev(v[:, 0]), rev(v[:, 1]), 1.0 - moving.mean(), np.sign(a) * np.log1p(abs(a)),
        net / (path_len + 1e-3), np.log(path_len + 1e-2), grounded,
    ], np.float32)


N_TRACK_FEATURES = TRACK_STEPS * 2 + TRACK_STEPS * 3 + 12 + 9 + 2


# ---------------------------------------------------------------- the model

def kind_prefix(member: int) -> str:
    """Weight-name prefix of the kind ensemble's member-th net."""
    return "kind" if member == 0 else f"kind{member}"


class Judge:
    """Holds the weights; `kind_probs` and `motion_probs` are numpy forward passes."""

    def __init__(self, config: JudgeConfig, weights: dict[str, np.ndarray]):
        self.config = config
        self.w = {k: np.asarray(v, np.float32) for k, v in weights.items()}

    def kind_probs(self, patches: np.ndarray) -> np.ndarray:
        """(N, P, P, 4) patches -> (N, n_kinds) probabilities."""
        inputs = kind_input(patches)
        probs = []
        for member in range(self.config.kind_members):
            p, x = kind_prefix(member), inputs
            for i in range(len(self.config.kind_channels)):
                x = relu(conv3x3(x, self.w[f"{p}.conv{i}.weight"], self.w[f"{p}.conv{i}.bias"]))
                if i < len(self.config.kind_channels) - 1:
                    x = maxpool2(x)
            x = np.concatenate([x.mean(axis=(2, 3)), x.max(axis=(2, 3))], 1)
            probs.append(softmax(x @ self.w[f"{p}.head.weight"].T + self.w[f"{p}.head.bias"]))
        return np.mean(probs, 0)

    def motion_probs(self, features: np.ndarray) -> np.ndarray:
        """(N, F) track features -> (N, n_motions) probabilities."""
        x = (features - np.array(self.config.motion_feature_mean, np.float32)) / np.array(
            self.config.motion_feature_std, np.float32)
        for i in range(2):
            x = relu(x @ self.w[f"motion.fc{i}.weight"].T + self.w[f"motion.fc{i}.bias"])
        return softmax(x @ self.w["motion.head.weight"].T + self.w["motion.head.bias"])

    # -------------------------------------------------------------- persistence

    def save(self, directory: Path = CHECKPOINT_DIR, name: str = "judge") -> None:
        from safetensors.numpy import save_file

        directory.mkdir(parents=True, exist_ok=True)
        tmp_w = directory / f".{name}.safetensors.partial"
        tmp_c = directory / f".{name}.json.partial"
        save_file({k: np.ascontiguousarray(v) for k, v in self.w.items()}, str(tmp_w))
        tmp_c.write_text(json.dumps(asdict(self.config), indent=1))
        tmp_w.replace(directory / f"{name}.safetensors")
        tmp_c.replace(directory / f"{name}.json")

    @classmethod
    def load(cls, directory: Path = CHECKPOINT_DIR, name: str = "judge") -> "Judge":
        from safetensors.numpy import load_file

        cfg = json.loads((directory / f"{name}.json").read_text())
        for k in ("kinds", "motions", "kind_channels"):
            cfg[k] = tuple(cfg[k])
        return cls(JudgeConfig(**cfg), load_file(str(directory / f"{name}.safetensors")))


_CACHED: Judge | None = None


def default_judge() -> Judge:
    """The shipped checkpoint, loaded once per process."""
    global _CACHED
    if _CACHED is None:
        path = CHECKPOINT_DIR / "judge.safetensors"
        if not path.exists():
            raise FileNotFoundError(f"judge checkpoint {path} is missing; train it with "
                                    "`python -m aigc_video.eval.train_judge`")
        _CACHED = Judge.load()
    return _CACHED
