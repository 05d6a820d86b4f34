"""Recipe: train the judge's kind and motion classifiers on scene-engine renders.

    .venv/bin/python -m aigc_video.eval.train_judge [--shots 700] [--seed 0] [--data-out F.npz]
    .venv/bin/python -m aigc_video.eval.train_judge --data A.npz B.npz   # train on saved samples

1. setup: random shots (never a held-out composition), planned and rendered at the judge's size,
   three in four degraded like a small learned model's output (64x64 round trip, blur, noise);
2. detect and track them with the judge's own detector, and label each track with the planned
   object it follows (training may look at the answer; judging never does);
3. train CNNs on blob patches -> kind (an ensemble of 3, some patches turned) and an MLP on
   track features -> motion (torch, 1 thread);
4. calibrate each kind's on-screen area against its planned diameter, on crisp renders;
5. save checkpoints/judge.safetensors + judge.json, with the held-out accuracies.
Collecting 1000 shots takes about 8 minutes on a shared core, training about 7 (the shipped
checkpoint: 2000 shots, seeds 0 and 1, collected with --data-out and trained with --data).
"""
from __future__ import annotations

import argparse
import time
from collections import defaultdict

import numpy as np

from ..scene import plan
from ..scene.render import render_shot
from ..storyboard import Action, Mood, Setting, Shot, Storyboard, Subject
from ..vocab import (BACKGROUND_TIME, BACKGROUNDS, COLORS, DIRECTED_MOTIONS, DIRECTIONS, MOODS, MOTIONS,
                     OBJECTS, SIZES, SPEEDS, TIMES, WEATHERS)
from . import degrade
from .detector import judge_size
from .faithfulness import ROTATION_INVISIBLE, motion_features, motion_table, observe
from ..held_out import is_held_out
from .judge_model import Judge, JudgeConfig, kind_prefix

FPS = 12
SIZE = (160, 96)  # (width, height): the judge's working size for 16:10-ish output
DEGRADE_LEVELS = (0.0, 0.35, 0.7, 1.0)
ROTATE_SHARE = 0.1    # kind patches shown turned by a random angle in training (spins: 1 motion in 13)
# Kinds whose outline repeats after a small turn (the sun's 12 rays: every 30 degrees), so a
# spin shows between adjacent frames at some rates and vanishes at others (30 degrees a frame).
ROTATION_AMBIGUOUS = frozenset({"sun"})


# ---------------------------------------------------------------- 1. random shots

def _pick(rng, items):
    items = list(items)
    return items[int(rng.integers(len(items)))]


def random_subject(rng: np.random.Generator, count_max: int) -> Subject:
    while True:
        kind, color, motion = _pick(rng, OBJECTS), _pick(rng, COLORS), _pick(rng, MOTIONS)
        direction = _pick(rng, DIRECTIONS) if motion in DIRECTED_MOTIONS else None
        if not is_held_out(color, kind, motion, direction):
            break
    speed = _pick(rng, ["normal", "normal", "slow", "fast"])
    count = 1 if rng.random() < 0.75 else int(rng.integers(2, count_max + 1))
    return Subject(kind, color, _pick(rng, SIZES), count, Action(motion, direction, speed))


def random_shot(rng: np.random.Generator) -> Shot:
    n = 1 if rng.random() < 0.6 else (2 if rng.random() < 0.7 else 3)
    subjects = [random_subject(rng, 3 if n == 1 else 2) for _ in range(n)]
    bg = _pick(rng, BACKGROUNDS)
    time_ = BACKGROUND_TIME[bg] if rng.random() < 0.7 else _pick(rng, TIMES)
    weather = "clear" if rng.random() < 0.7 else _pick(rng, WEATHERS)
    mood = _pick(rng, MOODS)
    return Shot(text="", subjects=subjects, setting=Setting(bg, time_, weather),
                mood=Mood(mood, *MOODS[mood]), duration_s=float(rng.uniform(2.0, 4.5)))


# ---------------------------------------------------------------- 2. detect and label

def _screen_xy(shot_plan, obj) -> np.ndarray:
    """(T, 2) planned centre on screen (fractions of the frame), camera applied."""
    cam = shot_plan.camera
    z = np.asarray(cam.zoom or [1.0] * shot_plan.n_frames)
    pan = np.asarray(cam.pan_x or [0.0] * shot_plan.n_frames)
    x, y = np.asarray(obj.track.x), np.asarray(obj.track.y)
    return np.stack([z * (x - 0.5 - pan) + 0.5, z * (y - 0.5) + 0.5], 1)


def label_tracks(shot_plan, tracks, aspect):
    """Greedy one-to-one match of tracks to planned objects by mean screen distance."""
    pairs = []
    screen = [_screen_xy(shot_plan, o) for o in shot_plan.objects]
    for ti, tr in enumerate(tracks):
        f = tr.frames
        for oi, (obj, xy) in enumerate(zip(shot_plan.objects, screen)):
            d = np.hypot((tr.xy[:, 0] - xy[f, 0]) * aspect, tr.xy[:, 1] - xy[f, 1]).mean()
            if d < 0.6 * max(obj.track.scale):
                pairs.append((d, ti, oi))
    out, used = {}, set()
    for _, ti, oi in sorted(pairs):
        if ti not in out and oi not in used:
            out[ti] = oi
            used.add(oi)
    return out


def _separated(shot_plan, oi: int, frame: int) -> bool:
    """The object is drawn apart from every other object on this frame (no merged blob)."""
    me = shot_plan.objects[oi].track
    for j, other in enumerate(shot_plan.objects):
        if j == oi:
            continue
        o = other.track
        if np.hypot(me.x[frame] - o.x[frame], me.y[frame] - o.y[frame]) < 0.55 * (me.scale[frame] + o.scale[frame]):
            return False
    return True


def collect(n_shots: int, seed: int, log=print) -> dict:
    """Render, degrade, detect and label n_shots random shots."""
    rng = np.random.default_rng(seed)
    w, h = SIZE
    hh, ww = judge_size(h, w)
    data = defaultdict(list)
    for k in range(n_shots):
        shot = random_shot(rng)
        sp = plan(Storyboard([shot]), size=SIZE, fps=FPS, seed=int(rng.integers(1 << 30))).shots[0]
        frames = render_shot(sp, w, h)
        strength = float(_pick(rng, DEGRADE_LEVELS))
        frames = degrade.learned_like(frames, strength, seed=k)
        tracks = observe(frames, sp).tracks   # exactly what the judge will see
        for ti, oi in label_tracks(sp, tracks, ww / hh).items():
            obj, tr = sp.objects[oi], tracks[ti]
            motion = shot.subjects[obj.subject_index].action.motion
            if motion == "spin" and obj.kind in ROTATION_AMBIGUOUS:
                continue  # seen turning at some spin rates and not at others: no clear label
            if motion == "spin" and obj.kind in ROTATION_INVISIBLE:
                motion = "still"  # a spinning circle looks still; teach it as what it looks like
            # The raw track (faithfulness.motion_table) and its length, so that features can be
            # recomputed from saved data.
            data["track_raw"].append(motion_table(tr, ww / hh))
            data["track_n_frames"].append(sp.n_frames)
            data["motion_y"].append(MOTIONS.index(motion))
            data["motion_group"].append(k)
            good = [b for b in tr.blobs if obj.track.opacity[b.frame] > 0.6 and _separated(sp, oi, b.frame)]
            for b in [good[i] for i in rng.permutation(len(good))[:4]]:
                data["kind_x"].append(b.patch)
                data["kind_y"].append(list(OBJECTS).index(obj.kind))
                data["kind_group"].append(k)
            if strength == 0:
                for b in good:
                    z = sp.camera.zoom[b.frame] if sp.camera.zoom else 1.0
                    data[f"area:{obj.kind}"].append(b.area / (obj.track.scale[b.frame] * z) ** 2)
        if (k + 1) % 100 == 0:
            log(f"  collected {k + 1}/{n_shots} shots: {len(data['kind_y'])} patches, {len(data['motion_y'])} tracks")
    return data


# ---------------------------------------------------------------- 3. train

def _fit(model, x, y, train_idx, epochs, lr, batch, augment, log, name, shuffle_seed=0):
    import torch

    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * ((len(train_idx) + batch - 1) // batch))
    g = torch.Generator().manual_seed(shuffle_seed)
    for epoch in range(epochs):
        model.train()
        perm = train_idx[torch.randperm(len(train_idx), generator=g).numpy()]
        total = 0.0
        for i in range(0, len(perm), batch):
            idx = perm[i:i + batch]
            xb, yb = augment(torch.from_numpy(x[idx]), g), torch.from_numpy(y[idx])
            loss = torch.nn.functional.cross_entropy(model(xb), yb, label_smoothing=0.05)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        if (epoch + 1) % max(1, epochs // 5) == 0:
            log(f"  {name} epoch {epoch + 1}/{epochs} loss {total / len(perm):.3f}")


def _accuracy(probs: np.ndarray, y: np.ndarray) -> float:
    return float((probs.argmax(1) == y).mean()) if len(y) else float("nan")


def train(data: dict, seed: int, log=print) -> Judge:
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(1)
    cfg = JudgeConfig()
    rng = np.random.default_rng(seed)

    def split(groups):
        groups = np.asarray(groups)
        held = set(rng.choice(np.unique(groups), size=max(1, len(np.unique(groups)) // 7), replace=False))
        val = np.array([g in held for g in groups])
        return np.flatnonzero(~val), np.flatnonzero(val)

    # Kind CNN, mirroring judge_model.Judge.kind_probs layer for layer.
    from .judge_model import kind_input

    kx = kind_input(np.stack(data["kind_x"]).astype(np.float32))
    ky = np.array(data["kind_y"], np.int64)
    ch = cfg.kind_channels

    class KindNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            layers, c_in = [], kx.shape[1]
            for i, c in enumerate(ch):
                layers += [torch.nn.Conv2d(c_in, c, 3, padding=1), torch.nn.ReLU()]
                if i < len(ch) - 1:
                    layers.append(torch.nn.MaxPool2d(2))
                c_in = c
            self.body = torch.nn.Sequential(*layers)
            self.head = torch.nn.Linear(2 * c_in, len(cfg.kinds))

        def forward(self, x):
            f = self.body(x)
            return self.head(torch.cat([f.mean((2, 3)), f.amax((2, 3))], 1))

    def flip(xb, g):
        # Things that face a way are drawn mirrored when they move left: either facing is fine.
        m = torch.rand(len(xb), generator=g) < 0.5
        xb = xb.clone()
        xb[m] = xb[m].flip(-1)
        # Any kind may spin, so any kind may be seen at any angle; the training tracks hold few
        # spins, so show some patches turned (a hexagon turned 30 degrees is still a hexagon).
        r = torch.rand(len(xb), generator=g) < ROTATE_SHARE
        if r.any():
            angle = (torch.rand(int(r.sum()), generator=g) * 2 - 1) * np.pi
            cos, sin = torch.cos(angle), torch.sin(angle)
            zero = torch.zeros_like(cos)
            theta = torch.stack([torch.stack([cos, -sin, zero], 1), torch.stack([sin, cos, zero], 1)], 1)
            grid = torch.nn.functional.affine_grid(theta, list(xb[r].shape), align_corners=False)
            xb[r] = torch.nn.functional.grid_sample(xb[r], grid, align_corners=False)
        return xb

    # An ensemble of kind nets (same data, other initial weights and batch orders): one small
    # net's answer on a borderline patch (a white boat whose sail melts into the sky) flips from
    # one training run to the next; the members' mean probability is steadier.
    tr_idx, va_idx = split(data["kind_group"])
    log(f"kind: {len(tr_idx)} train / {len(va_idx)} val patches, {cfg.kind_members} nets")
    kind_nets = []
    for member in range(cfg.kind_members):
        torch.manual_seed(seed + 1000 * member)
        kind_nets.append(KindNet())
        _fit(kind_nets[-1], kx, ky, tr_idx, epochs=30, lr=4e-3, batch=128, augment=flip, log=log,
             name=f"kind[{member}]", shuffle_seed=member)

    # Motion MLP on standardized features.
    mx = np.stack([motion_features(r, int(n))
                   for r, n in zip(data["track_raw"], data["track_n_frames"])]).astype(np.float32)
    my = np.array(data["motion_y"], np.int64)
    m_tr, m_va = split(data["motion_group"])
    mean, std = mx[m_tr].mean(0), mx[m_tr].std(0) + 1e-3
    mxs = ((mx - mean) / std).astype(np.float32)
    hidden = cfg.motion_hidden
    motion_net = torch.nn.Sequential(
        torch.nn.Linear(mx.shape[1], hidden), torch.nn.ReLU(), torch.nn.Dropout(0.1),
        torch.nn.Linear(hidden, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, len(cfg.motions)))
    log(f"motion: {len(m_tr)} train / {len(m_va)} val tracks")
    _fit(motion_net, mxs, my, m_tr, epochs=150, lr=3e-3, batch=64,
         augment=lambda xb, g: xb + 0.05 * torch.randn(xb.shape, generator=g), log=log, name="motion")

    # Export to the numpy judge.
    weights = {}
    for member, kind_net in enumerate(kind_nets):
        prefix = kind_prefix(member)
        convs = [m for m in kind_net.body if isinstance(m, torch.nn.Conv2d)]
        for i, conv in enumerate(convs):
            weights[f"{prefix}.conv{i}.weight"] = conv.weight.detach().numpy()
            weights[f"{prefix}.conv{i}.bias"] = conv.bias.detach().numpy()
        weights[f"{prefix}.head.weight"] = kind_net.head.weight.detach().numpy()
        weights[f"{prefix}.head.bias"] = kind_net.head.bias.detach().numpy()
    lin = [m for m in motion_net if isinstance(m, torch.nn.Linear)]
    for name, m in zip(("motion.fc0", "motion.fc1", "motion.head"), lin):
        weights[f"{name}.weight"] = m.weight.detach().numpy()
        weights[f"{name}.bias"] = m.bias.detach().numpy()

    # 4. Area calibration.
    cfg.area_ratio = {k: float(np.median(data[f"area:{k}"])) for k in cfg.kinds if data.get(f"area:{k}")}
    cfg.motion_feature_mean = [float(v) for v in mean]
    cfg.motion_feature_std = [float(v) for v in std]
    judge = Judge(cfg, weights)
    motion_net.eval()
    with torch.no_grad():
        torch_kind = np.mean([torch.softmax(net.eval()(torch.from_numpy(kx[va_idx[:64]])), 1).numpy()
                              for net in kind_nets], 0)
    np_kind = judge.kind_probs(np.stack(data["kind_x"])[va_idx[:64]].astype(np.float32))
    assert np.allclose(torch_kind, np_kind, atol=1e-4), "numpy kind classifier disagrees with torch"
    kind_acc = _accuracy(judge.kind_probs(np.stack(data["kind_x"])[va_idx].astype(np.float32)), ky[va_idx])
    motion_acc = _accuracy(judge.motion_probs(mx[m_va]), my[m_va])
    cfg.trained = {"patches": int(len(ky)), "tracks": int(len(my)), "val_kind_accuracy": round(kind_acc, 4),
                   "val_motion_accuracy": round(motion_acc, 4), "fps": FPS, "size": list(SIZE),
                   "degrade_levels": list(DEGRADE_LEVELS)}
    log(f"val accuracy: kind {kind_acc:.3f}, motion {motion_acc:.3f}")
    return judge


def save_data(data: dict, path: str) -> None:
    """Collected samples as .npz (so training can be re-run without re-rendering); the ragged
    raw tracks are stored concatenated with their lengths."""
    arrays = {k.replace(":", "__"): np.asarray(v) for k, v in data.items() if k != "track_raw"}
    arrays["track_raw"] = np.concatenate(data["track_raw"])
    arrays["track_len"] = np.array([len(r) for r in data["track_raw"]])
    np.savez_compressed(path, **arrays)


def load_data(paths: list[str]) -> dict:
    """Merge .npz files from `save_data`; sample groups are renumbered so files never share one."""
    data = defaultdict(list)
    offset = 0
    for path in paths:
        z = np.load(path)
        for k in z.files:
            key = k.replace("__", ":")
            if key == "track_len":
                continue
            values = list(z[k])
            if key == "track_raw":
                values = np.split(z[k], np.cumsum(z["track_len"])[:-1])
            if key.endswith("_group"):
                values = [int(g) + offset for g in values]
            data[key].extend(values)
        offset += 1 + max(int(np.max(z[k])) for k in z.files if k.endswith("_group") and len(z[k]))
    return data


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shots", type=int, default=700)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data-out", help="also save the collected samples to this .npz")
    p.add_argument("--data", nargs="*", help="train on these saved .npz files instead of collecting")
    p.add_argument("--collect-only", action="store_true")
    args = p.parse_args(argv)
    t0 = time.time()
    if args.data:
        data = load_data(args.data)
        args.shots = None
    else:
        data = collect(args.shots, args.seed)
        print(f"collected in {time.time() - t0:.0f} s")
        if args.data_out:
            save_data(data, args.data_out)
    if args.collect_only:
        return 0
    judge = train(data, args.seed)
    judge.config.trained["seconds"] = round(time.time() - t0)
    judge.config.trained["shots"] = args.shots
    judge.save()
    print(f"saved judge checkpoint after {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
