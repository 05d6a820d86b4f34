"""Our own video feature encoder for Fréchet distances (I3D weights cannot be downloaded here).

A small (2D + temporal) CNN trained on scene-engine renders. Two streams: an appearance stream on
RGB plus its high-pass (fine detail), mixed over time, and a motion stream on frame differences
(a cheap stand-in for the optical-flow stream of two-stream I3D). Targets: the main subject's
kind, colour, motion and displacement, the background, per frame which colour of object covers
each cell of an 8x8 grid, and damage awareness (how soft/noisy a clip was made, whether a
stretch plays backwards). Clip features (for the FVD-style score, 32-d) see 8 frames sampled at
4 per second, squashed to 64x64; frame features (for the FID-style score) are the appearance
stream's per-frame features, blind to motion.

The numbers it yields are NOT comparable to published FVD/FID: different network, different
training data, different clip length and resolution, far fewer samples. They rank videos of
this domain against each other under this checkpoint only.

    .venv/bin/python -m aigc_video.eval.features --train     # ~10 minutes on one shared core

Checkpoint: checkpoints/video_encoder.safetensors + video_encoder.json.
"""
from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ..errors import DependencyMissing
from ..vocab import BACKGROUNDS, COLORS, MOTIONS, OBJECTS
from .imageops import resize

CHECKPOINT_DIR = Path(__file__).parent / "checkpoints"
NAME = "video_encoder"


@dataclass
class EncoderConfig:
    size: int = 64                        # frames are resized (squashed) to size x size
    clip_frames: int = 8                  # frames per clip
    clip_rate: float = 4.0                # clip frames per second of video
    channels: tuple[int, ...] = (16, 32, 64)
    feature_dim: int = 32                 # small: Fréchet statistics of a suite's few clips stay stable
    heads: dict = field(default_factory=lambda: {
        "kind": len(OBJECTS), "color": len(COLORS), "motion": len(MOTIONS), "background": len(BACKGROUNDS)})
    trained: dict = field(default_factory=dict)


def _torch():
    try:
        import torch
    except ImportError as e:  # pragma: no cover - depends on the install
        raise DependencyMissing("the video encoder needs torch: pip install 'aigc-video[ml]'") from e
    return torch


def build_network(cfg: EncoderConfig):
    """The encoder as a torch module: (B, T, 3, S, S) float in [0, 1] -> dict of outputs."""
    torch = _torch()
    nn = torch.nn

    class VideoEncoder(nn.Module):
        def __init__(self):
            super().__init__()
            layers, c_in = [], 6     # RGB + its high-pass (fine detail: what blur removes, noise adds)
            for c in cfg.channels:   # stride-2 3x3 convs: 64 -> 32 -> 16 -> 8
                layers += [nn.Conv2d(c_in, c, 3, stride=2, padding=1), nn.BatchNorm2d(c), nn.ReLU(),
                           nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU()]
                c_in = c
            self.frame_net = nn.Sequential(*layers)
            # Dense head: which colour of object (or none) covers each cell of the 8x8 grid. A
            # per-cell target teaches the trunk to see small objects far faster than a label per clip.
            self.layout_head = nn.Conv2d(c_in, len(COLORS) + 1, 1)
            # Mean and max over space: objects are small, a mean alone drowns them in background.
            self.frame_proj = nn.Linear(2 * c_in, cfg.feature_dim)
            # Temporal mixing on the 8x8 maps: sees how things move, not only what they are.
            self.temporal = nn.Sequential(
                nn.Conv3d(c_in, c_in, (3, 1, 1), padding=(1, 0, 0)), nn.BatchNorm3d(c_in), nn.ReLU(),
                nn.Conv3d(c_in, c_in, (3, 3, 3), padding=1), nn.BatchNorm3d(c_in), nn.ReLU())
            # Motion stream on frame differences (a cheap stand-in for the optical-flow stream of
            # two-stream I3D): sees what changes between frames, and how steadily.
            m_layers, m_in = [], 3
            for c in cfg.channels:
                m_layers += [nn.Conv2d(m_in, c // 2, 3, stride=2, padding=1), nn.BatchNorm2d(c // 2), nn.ReLU()]
                m_in = c // 2
            self.motion_net = nn.Sequential(*m_layers)
            self.motion_temporal = nn.Sequential(
                nn.Conv1d(2 * m_in, 2 * m_in, 3, padding=1), nn.BatchNorm1d(2 * m_in), nn.ReLU())
            # A 2x2 layout of the pooled maps (where things are matters for direction) + global max,
            # + the motion stream's mean and max over time.
            self.clip_proj = nn.Linear(5 * c_in + 4 * m_in, cfg.feature_dim)
            self.heads = nn.ModuleDict({k: nn.Linear(cfg.feature_dim, n) for k, n in cfg.heads.items()})
            self.velocity_head = nn.Linear(cfg.feature_dim, 3)   # main subject's dx, dy, log area change
            # Damage awareness (a quality metric must notice it): how soft/noisy the clip was made
            # and whether a stretch of it plays backwards. Trained on damages other than the
            # blur-only, noise-only, shuffle and freeze sweeps the validation applies.
            self.quality_head = nn.Linear(cfg.feature_dim, 1)
            self.order_head = nn.Linear(cfg.feature_dim, 2)
            # Per-frame heads train the frame features (the FID-style score) on what a still shows.
            self.frame_heads = nn.ModuleDict({k: nn.Linear(cfg.feature_dim, cfg.heads[k])
                                              for k in ("kind", "color", "background")})

        def forward(self, x):
            b, t = x.shape[:2]
            frames = x.flatten(0, 1)
            high = frames - torch.nn.functional.avg_pool2d(frames, 3, 1, 1, count_include_pad=False)
            maps = self.frame_net(torch.cat([frames * 2 - 1, high * 4], 1))  # (B*T, C, 8, 8)
            frame_feat = self.frame_proj(torch.cat([maps.mean((2, 3)), maps.amax((2, 3))], 1))  # (B*T, D)
            layout = self.layout_head(maps)                                   # (B*T, n_colours + 1, 8, 8)
            maps = maps.unflatten(0, (b, t)).transpose(1, 2)                  # (B, C, T, 8, 8)
            mixed = self.temporal(maps)
            where = torch.nn.functional.adaptive_avg_pool2d(mixed.mean(2), 2).flatten(1)  # (B, 4C)
            diff = (x[:, 1:] - x[:, :-1]).flatten(0, 1) * 4                   # (B*(T-1), 3, S, S)
            m = self.motion_net(diff)
            m = torch.cat([m.mean((2, 3)), m.amax((2, 3))], 1).unflatten(0, (b, t - 1)).transpose(1, 2)
            m = self.motion_temporal(m)                                       # (B, 2M, T-1)
            clip_feat = self.clip_proj(torch.cat([where, mixed.amax((2, 3, 4)), m.mean(2), m.amax(2)], 1))  # (B, D)
            out = {"clip": clip_feat, "frame": frame_feat.unflatten(0, (b, t)), "layout": layout}
            hidden = torch.nn.functional.relu(clip_feat)
            out.update({k: h(hidden) for k, h in self.heads.items()})
            out["velocity"] = self.velocity_head(hidden)
            out["quality"] = self.quality_head(hidden)[:, 0]
            out["order"] = self.order_head(hidden)
            frame_hidden = torch.nn.functional.relu(frame_feat)
            out.update({f"frame_{k}": h(frame_hidden) for k, h in self.frame_heads.items()})  # (B*T, n)
            return out

    return VideoEncoder()


def sample_clips(video: np.ndarray, cfg: EncoderConfig, fps: int, max_clips: int = 4) -> np.ndarray:
    """(T, H, W, 3) uint8 -> (n, clip_frames, S, S, 3) float32 in [0, 1]: frames taken at
    clip_rate per second, clips starting at evenly spread offsets (fewer for short videos;
    a video too short for one clip repeats its last frame)."""
    stride = max(1, int(round(fps / cfg.clip_rate)))
    span = (cfg.clip_frames - 1) * stride + 1
    n_start = max(1, min(max_clips, len(video) - span + 1))
    starts = np.linspace(0, max(len(video) - span, 0), n_start).round().astype(int)
    idx = np.minimum(starts[:, None] + stride * np.arange(cfg.clip_frames)[None], len(video) - 1)
    small = resize(video[np.unique(idx)], cfg.size, cfg.size) / 255.0
    lookup = {f: i for i, f in enumerate(np.unique(idx))}
    return small[np.vectorize(lookup.get)(idx)].astype(np.float32)


class VideoFeatures:
    """The trained encoder: `clip_features` and `frame_features` of (T, H, W, 3) uint8 videos."""

    def __init__(self, cfg: EncoderConfig, net, fps: int = 12):
        self.cfg, self.net, self.fps = cfg, net.eval(), fps

    def _run(self, clips: np.ndarray) -> dict:
        torch = _torch()
        with torch.no_grad():
            x = torch.from_numpy(clips).permute(0, 1, 4, 2, 3).contiguous()
            return {k: v.numpy() for k, v in self.net(x).items()}

    def clip_features(self, video: np.ndarray, fps: int | None = None) -> np.ndarray:
        """(n_clips, D) features of up to 8 clips of the video (evenly spread starts)."""
        return self._run(sample_clips(video, self.cfg, fps or self.fps, max_clips=8))["clip"]

    def frame_features(self, video: np.ndarray, fps: int | None = None) -> np.ndarray:
        """(n_frames, D) per-frame features of the frames the clips sample."""
        clips = sample_clips(video, self.cfg, fps or self.fps, max_clips=1)
        return self._run(clips)["frame"].reshape(-1, self.cfg.feature_dim)

    def video_feature(self, video: np.ndarray, fps: int | None = None) -> np.ndarray:
        """One (D,) vector per video: the mean of its clip features (for diversity)."""
        return self.clip_features(video, fps).mean(0)

    def save(self, directory: Path = CHECKPOINT_DIR) -> None:
        from safetensors.torch import save_file

        directory.mkdir(parents=True, exist_ok=True)
        tmp_w, tmp_c = directory / f".{NAME}.safetensors.partial", directory / f".{NAME}.json.partial"
        save_file({k: v.contiguous() for k, v in self.net.state_dict().items()}, str(tmp_w))
        tmp_c.write_text(json.dumps(asdict(self.cfg), indent=1))
        tmp_w.replace(directory / f"{NAME}.safetensors")
        tmp_c.replace(directory / f"{NAME}.json")

    @classmethod
    def load(cls, directory: Path = CHECKPOINT_DIR, fps: int = 12) -> "VideoFeatures":
        from safetensors.torch import load_file

        path = directory / f"{NAME}.safetensors"
        if not path.exists():
            raise FileNotFoundError(f"video encoder checkpoint {path} is missing; train it with "
                                    "`python -m aigc_video.eval.features --train`")
        raw = json.loads((directory / f"{NAME}.json").read_text())
        raw["channels"] = tuple(raw["channels"])
        cfg = EncoderConfig(**raw)
        net = build_network(cfg)
        net.load_state_dict(load_file(str(path)))
        return cls(cfg, net, fps)


# ------------------------------------------------------------------ training recipe

def _frames_of(shot_plan, frames: list[int]):
    """The same shot reduced to some of its frames (tracks and camera subsampled)."""
    import dataclasses

    def sub(values):
        return [values[i] for i in frames] if values else values

    objects = [dataclasses.replace(o, track=dataclasses.replace(
        o.track, **{k: sub(getattr(o.track, k)) for k in ("x", "y", "scale", "rotation", "opacity")}))
        for o in shot_plan.objects]
    camera = dataclasses.replace(shot_plan.camera, pan_x=sub(shot_plan.camera.pan_x), zoom=sub(shot_plan.camera.zoom))
    return dataclasses.replace(shot_plan, n_frames=len(frames), objects=objects, camera=camera)


def make_dataset(n_shots: int, seed: int, cfg: EncoderConfig, fps: int = 12, log=print) -> dict:
    """Render n_shots random shots (never held-out compositions) and cut one clip from each.

    Targets come from the storyboard and the plan (training may look at the answer): main
    subject's kind, colour, motion; the background; the main subject's displacement and area
    change over the clip; and per frame, which colour of object covers each cell of an 8x8 grid."""
    from ..scene import plan
    from ..scene.render import render_masks, render_shot
    from ..storyboard import Storyboard
    from .train_judge import random_shot

    rng = np.random.default_rng(seed)
    clips, layouts, velocity = [], [], []
    labels = {k: [] for k in cfg.heads}
    stride = int(round(fps / cfg.clip_rate))
    span = (cfg.clip_frames - 1) * stride + 1
    colour_index = {c: i for i, c in enumerate(COLORS)}
    for i in range(n_shots):
        shot = random_shot(rng)
        shot.duration_s = max(shot.duration_s, span / fps + 0.2)
        sp = plan(Storyboard([shot]), size=(128, 72), fps=fps, seed=int(rng.integers(1 << 30))).shots[0]
        # Render only the frames one clip samples, from a random start.
        start = int(rng.integers(0, sp.n_frames - span + 1))
        keep = list(range(start, start + span, stride))
        sub = _frames_of(sp, keep)
        clips.append(resize(render_shot(sub, 128, 72), cfg.size, cfg.size) / 255.0)
        cover = render_masks(sub, 8, 8)                                   # (T, n_obj, 8, 8)
        grid = np.full((len(keep), 8, 8), len(COLORS), np.int64)          # "no object"
        if cover.shape[1]:
            best = cover.argmax(1)
            on = cover.max(1) > 0.3
            obj_colour = np.array([colour_index[o.color] for o in sub.objects])
            grid[on] = obj_colour[best[on]]
        layouts.append(grid)
        main = shot.subjects[0]
        tr = sub.objects[0].track   # the plan's first object draws the main subject
        velocity.append([(tr.x[-1] - tr.x[0]) * 4, (tr.y[-1] - tr.y[0]) * 4,
                         np.log((tr.scale[-1] * max(tr.opacity[-1], 0.05)) / (tr.scale[0] * max(tr.opacity[0], 0.05)))])
        labels["kind"].append(list(OBJECTS).index(main.kind))
        labels["color"].append(list(COLORS).index(main.color))
        labels["motion"].append(MOTIONS.index(main.action.motion))
        labels["background"].append(BACKGROUNDS.index(shot.setting.background))
        if (i + 1) % 250 == 0:
            log(f"  rendered {i + 1}/{n_shots} clips")
    return {"clips": (np.stack(clips) * 255).round().astype(np.uint8), "layout": np.stack(layouts),
            "velocity": np.array(velocity, np.float32),
            **{k: np.array(v, np.int64) for k, v in labels.items()}}


def damage(x, g):
    """Damage a third of the clips like a small learned model's output (32x32 round trip, blur,
    noise; strength 0..1 is the target) and reverse a 3-5 frame stretch of another third.
    x: (B, T, 3, S, S) in [0, 1]. Returns (x', strength (B,), reversed (B,) int64)."""
    torch = _torch()
    F = torch.nn.functional
    b, t, c, size, _ = x.shape
    kind = torch.randint(0, 3, (b,), generator=g)
    strength = torch.zeros(b)
    reversed_ = torch.zeros(b, dtype=torch.int64)
    x = x.clone()
    for i in range(b):
        if kind[i] == 1:
            s = float(torch.rand(1, generator=g)) * 0.8 + 0.2
            small = F.interpolate(x[i], size=size // 2, mode="area")
            k = max(1, int(round(2 * s))) * 2 + 1
            small = F.avg_pool2d(small, k, stride=1, padding=k // 2, count_include_pad=False) if s > 0.5 else small
            big = F.interpolate(small, size=size, mode="bilinear", align_corners=False)
            x[i] = (big + 0.06 * s * torch.randn(big.shape, generator=g)).clamp(0, 1)
            strength[i] = s
        elif kind[i] == 2:
            n = int(torch.randint(3, 6, (1,), generator=g))
            a = int(torch.randint(0, t - n + 1, (1,), generator=g))
            x[i, a:a + n] = x[i, a:a + n].flip(0)
            reversed_[i] = 1
    return x, strength, reversed_


def train(n_shots: int = 1200, epochs: int = 8, seed: int = 0, log=print) -> VideoFeatures:
    torch = _torch()
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    cfg = EncoderConfig()
    t0 = time.time()
    data = make_dataset(n_shots, seed, cfg, log=log)
    log(f"dataset: {n_shots} clips in {time.time() - t0:.0f} s")
    n_val = n_shots // 10
    net = build_network(cfg)
    opt = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-4)
    batch = 32
    steps = epochs * ((n_shots - n_val) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    g = torch.Generator().manual_seed(seed)
    x_all = torch.from_numpy(data["clips"]).permute(0, 1, 4, 2, 3)          # (N, T, 3, S, S) uint8
    y_all = {k: torch.from_numpy(data[k]) for k in cfg.heads}
    layout_all = torch.from_numpy(data["layout"])                              # (N, T, 8, 8)
    velocity_all = torch.from_numpy(data["velocity"])
    cell_weight = torch.ones(len(COLORS) + 1)
    cell_weight[-1] = 0.2   # most cells are empty; objects are what matters
    ce = torch.nn.functional.cross_entropy
    for epoch in range(epochs):
        net.train()
        perm = n_val + torch.randperm(n_shots - n_val, generator=g)
        total = 0.0
        for i in range(0, len(perm) - batch + 1, batch):
            idx = perm[i:i + batch]
            x, strength, reversed_ = damage(x_all[idx].float() / 255, g)
            out = net(x)
            loss = torch.nn.functional.mse_loss(out["quality"], strength) + ce(out["order"], reversed_)
            loss = loss + sum(ce(out[k], y_all[k][idx]) for k in cfg.heads)
            loss = loss + ce(out["layout"], layout_all[idx].flatten(0, 1), weight=cell_weight)
            loss = loss + torch.nn.functional.mse_loss(out["velocity"], velocity_all[idx])
            loss = loss + 0.5 * sum(ce(out[f"frame_{k}"], y_all[k][idx].repeat_interleave(cfg.clip_frames))
                                    for k in ("kind", "color", "background"))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        log(f"  epoch {epoch + 1}/{epochs} loss {total / len(perm):.3f} ({time.time() - t0:.0f} s)")
    net.eval()
    with torch.no_grad():
        out = net(x_all[:n_val].float() / 255)
    acc = {k: round(float((out[k].argmax(1) == y_all[k][:n_val]).float().mean()), 4) for k in cfg.heads}
    log(f"validation accuracy: {acc}")
    cfg.trained = {"clips": n_shots, "epochs": epochs, "seconds": round(time.time() - t0),
                   "val_accuracy": acc, "seed": seed}
    return VideoFeatures(cfg, net)


_CACHED: VideoFeatures | None = None


def default_encoder() -> VideoFeatures:
    global _CACHED
    if _CACHED is None:
        _CACHED = VideoFeatures.load()
    return _CACHED


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="train the eval video encoder")
    p.add_argument("--train", action="store_true")
    p.add_argument("--shots", type=int, default=1200)
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    if not args.train:
        p.error("nothing to do: pass --train")
    enc = train(args.shots, args.epochs, args.seed)
    enc.save()
    print(f"saved {CHECKPOINT_DIR / NAME}.safetensors")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
