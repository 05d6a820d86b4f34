"""Our own video feature encoder for Fréchet distances (I3D weights cannot be downloaded here).

A small (2D + temporal) CNN trained on scene-engine renders to predict what the storyboard says
(main subject's kind, colour and motion, and the background), so its features describe the
things this domain's videos are made of. Clip features (for the FVD-style score) see 8 frames
sampled at 4 per second; frame features (for the FID-style score) are the same network's
per-frame 2-D features, blind to motion.

The numbers it yields are NOT comparable to published FVD/FID: different network, different
training data, different clip length and resolution. They rank videos of this domain against
each other under this checkpoint only.

    .venv/bin/python -m aigc_video.eval.features --train     # ~2-4 minutes on one core

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
    size: int = 48                        # frames are resized (squashed) to size x size
    clip_frames: int = 8                  # frames per clip
    clip_rate: float = 4.0                # clip frames per second of video
    channels: tuple[int, ...] = (16, 32, 64)
    feature_dim: int = 64
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
            layers, c_in = [], 3
            for c in cfg.channels:   # stride-2 3x3 convs: 48 -> 24 -> 12 -> 6
                layers += [nn.Conv2d(c_in, c, 3, stride=2, padding=1), nn.GroupNorm(4, c), nn.SiLU()]
                c_in = c
            self.frame_net = nn.Sequential(*layers)
            self.frame_proj = nn.Linear(c_in, cfg.feature_dim)
            # Temporal mixing on the 6x6 maps: sees how things move, not only what they are.
            self.temporal = nn.Sequential(
                nn.Conv3d(c_in, c_in, (3, 1, 1), padding=(1, 0, 0)), nn.GroupNorm(4, c_in), nn.SiLU(),
                nn.Conv3d(c_in, c_in, (3, 3, 3), padding=1), nn.GroupNorm(4, c_in), nn.SiLU())
            # Keep a 2x2 layout of the pooled maps: where things are matters for motion direction.
            self.clip_proj = nn.Linear(4 * c_in, cfg.feature_dim)
            self.heads = nn.ModuleDict({k: nn.Linear(cfg.feature_dim, n) for k, n in cfg.heads.items()})
            self.frame_heads = nn.ModuleDict({k: nn.Linear(cfg.feature_dim, cfg.heads[k])
                                              for k in ("kind", "color", "background")})

        def forward(self, x):
            b, t = x.shape[:2]
            maps = self.frame_net(x.flatten(0, 1) * 2 - 1)                    # (B*T, C, 6, 6)
            frame_feat = self.frame_proj(maps.mean((2, 3)))                   # (B*T, D)
            maps = maps.unflatten(0, (b, t)).transpose(1, 2)                  # (B, C, T, 6, 6)
            mixed = self.temporal(maps).mean(2)                               # (B, C, 6, 6)
            pooled = torch.nn.functional.adaptive_avg_pool2d(mixed, 2).flatten(1)  # (B, 4C)
            clip_feat = self.clip_proj(pooled)                                # (B, D)
            out = {"clip": clip_feat, "frame": frame_feat.unflatten(0, (b, t))}
            out.update({k: h(torch.nn.functional.silu(clip_feat)) for k, h in self.heads.items()})
            out.update({f"frame_{k}": h(torch.nn.functional.silu(frame_feat)) for k, h in self.frame_heads.items()})
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
        """(n_clips, D) features of up to 4 clips of the video."""
        return self._run(sample_clips(video, self.cfg, fps or self.fps))["clip"]

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

    Labels come from the storyboard: main subject's kind, colour, motion; the background."""
    from ..scene import plan
    from ..scene.render import render_shot
    from ..storyboard import Storyboard
    from .train_judge import random_shot

    rng = np.random.default_rng(seed)
    clips, labels = [], {k: [] for k in cfg.heads}
    span = (cfg.clip_frames - 1) * int(round(fps / cfg.clip_rate)) + 1
    for i in range(n_shots):
        shot = random_shot(rng)
        shot.duration_s = max(shot.duration_s, span / fps + 0.2)
        sp = plan(Storyboard([shot]), size=(128, 72), fps=fps, seed=int(rng.integers(1 << 30))).shots[0]
        # Render only the frames one clip samples, from a random start.
        start = int(rng.integers(0, sp.n_frames - span + 1))
        keep = list(range(start, start + span, int(round(fps / cfg.clip_rate))))
        video = render_shot(_frames_of(sp, keep), 128, 72)
        clips.append(resize(video, cfg.size, cfg.size) / 255.0)
        main = shot.subjects[0]
        labels["kind"].append(list(OBJECTS).index(main.kind))
        labels["color"].append(list(COLORS).index(main.color))
        labels["motion"].append(MOTIONS.index(main.action.motion))
        labels["background"].append(BACKGROUNDS.index(shot.setting.background))
        if (i + 1) % 250 == 0:
            log(f"  rendered {i + 1}/{n_shots} clips")
    return {"clips": (np.stack(clips) * 255).round().astype(np.uint8),
            **{k: np.array(v, np.int64) for k, v in labels.items()}}


def train(n_shots: int = 1500, epochs: int = 8, seed: int = 0, log=print) -> VideoFeatures:
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
    ce = torch.nn.functional.cross_entropy
    for epoch in range(epochs):
        net.train()
        perm = n_val + torch.randperm(n_shots - n_val, generator=g)
        total = 0.0
        for i in range(0, len(perm) - batch + 1, batch):
            idx = perm[i:i + batch]
            out = net(x_all[idx].float() / 255)
            loss = sum(ce(out[k], y_all[k][idx]) for k in cfg.heads)
            # frame_* logits are (B*T, n), frames of a clip share its labels.
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
    p.add_argument("--shots", type=int, default=1500)
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
