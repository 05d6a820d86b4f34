"""Provenance: the C2PA manifest (signing, validation, tampering), the invisible watermark (after
a CRF 28 re-encode, absent from unmarked video), and `aigc-video inspect`'s answers and exit codes."""
import json
import os
import stat
from pathlib import Path

import av
import numpy as np
import pytest

from aigc_video.cli import main
from aigc_video.errors import InputError
from aigc_video.inspect_command import inspect_video
from aigc_video.synthesis import provenance, watermark as wm
from aigc_video.synthesis.encode import encode, probe

pytest.importorskip("c2pa")

W, H, N_FRAMES = 640, 360, 16


def scene_frames(n=N_FRAMES, seed=0):
    """A flat background with a gradient sky and a moving block: like a scene-engine render."""
    rng = np.random.default_rng(seed)
    base = np.zeros((H, W, 3), np.uint8)
    base[:] = rng.integers(40, 200, 3)
    base[: H // 2] = np.linspace(90, 200, H // 2, dtype=np.uint8)[:, None, None]
    for k in range(n):
        f = base.copy()
        x = 20 + 6 * k
        f[180:260, x:x + 80] = (200, 40, 40)
        yield f


def reencode(src, dst, crf):
    with av.open(str(src)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    encode(iter(frames), len(frames), dst, width=W, height=H, fps=12, crf=crf, preset="medium")


@pytest.fixture(scope="module")
def marked(tmp_path_factory):
    folder = tmp_path_factory.mktemp("marked")
    payload = wm.Payload(wm.PROJECT_ID, 0x1234ABCD)
    marker = wm.Watermarker(payload, W, H)
    path = folder / "marked.mp4"
    manifest = provenance.generation_manifest(title="marked.mp4", engine="render", prompt="a red block",
                                              watermark=payload.hex(), video_id="1234abcd", version="test")
    identity = provenance.local_identity()
    encode(marker.stream(scene_frames()), N_FRAMES, path, width=W, height=H, fps=12,
           finalize=lambda tmp: provenance.sign_mp4(tmp, manifest, identity))
    plain = folder / "plain.mp4"
    encode(scene_frames(), N_FRAMES, plain, width=W, height=H, fps=12)
    return path, plain, payload


def test_local_identity_is_private_and_reused():
    first = provenance.local_identity()
    key = provenance.config_dir() / "signing-key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert provenance.local_identity().chain_pem == first.chain_pem      # made once
    assert first.alg == "es256" and "aigc-video signer" in first.subject


def test_signed_video_validates_and_still_plays(marked):
    path, _, _ = marked
    info = probe(path)
    assert info["faststart"] and info["codec"] == "h264" and info["n_frames"] == N_FRAMES
    with av.open(str(path)) as c:
        assert sum(1 for _ in c.decode(video=0)) == N_FRAMES
    m = provenance.read_manifest(path)
    assert m["status"] == "valid" and m["trusted"]
    assert m["claims"]["actions"][0] == {"action": "c2pa.created", "digitalSourceType": provenance.ALGORITHMIC}
    assert m["claims"]["generation"]["prompt"] == "a red block"
    # Another machine, without our CA on its trust list: intact, but not trusted.
    other = provenance.read_manifest(path, trust=b"")
    assert other["status"] == "valid" and not other["trusted"]


def test_tampered_frames_and_manifest_are_reported(marked, tmp_path):
    path, _, _ = marked
    data = bytearray(path.read_bytes())
    mdat = data.find(b"mdat")
    data[mdat + 500] ^= 0xFF                                   # one byte of the coded frames
    (tmp_path / "frames.mp4").write_bytes(data)
    assert provenance.read_manifest(tmp_path / "frames.mp4")["status"] == "tampered"
    data = bytearray(path.read_bytes())
    at = data.find(b"a red block")
    data[at] = ord("A")                                         # the prompt in the manifest
    (tmp_path / "prompt.mp4").write_bytes(data)
    assert provenance.read_manifest(tmp_path / "prompt.mp4")["status"] == "tampered"


def test_digital_source_type_and_model_hashes():
    assert provenance.digital_source_type("flow") == provenance.TRAINED
    assert provenance.digital_source_type("render") == provenance.ALGORITHMIC
    assert provenance.model_hashes("render") == {}
    hashes = provenance.model_hashes("flow")
    assert hashes and all(len(h) == 64 for h in hashes.values())


def test_payload_bits_round_trip():
    payload = wm.Payload(wm.PROJECT_ID, 0xCAFEF00D)
    bits = wm.coded_bits(payload)
    assert len(bits) == 64
    code = 2.0 * wm.conv_encode(bits) - 1.0
    assert len(code) == wm.N_CODED
    assert wm._decode(code) == payload
    noisy = code + np.random.default_rng(0).normal(0, 0.6, len(code))
    noisy[[3, 40, 41, 100, 150]] *= -1                         # wrong code bits: Viterbi corrects them
    assert wm._decode(noisy) == payload
    assert wm._decode(-code) is None                           # the CRC and project id guard


def test_watermark_survives_crf28_reencode(marked, tmp_path):
    path, _, payload = marked
    reencode(path, tmp_path / "crf28.mp4", crf=28)
    found, got, confidence = wm.detect(tmp_path / "crf28.mp4")
    assert found and got == payload and confidence > 0


def test_unmarked_video_has_no_watermark_and_no_manifest(marked):
    _, plain, _ = marked
    assert wm.detect(plain)[0] is False
    assert provenance.read_manifest(plain)["status"] == "absent"


def test_watermark_is_invisible_enough():
    frame = next(scene_frames())
    marked = wm.Watermarker(wm.Payload(wm.PROJECT_ID, 1), W, H).apply(frame)
    mse = np.mean((marked.astype(float) - frame) ** 2)
    assert 10 * np.log10(255 ** 2 / mse) >= 40


def read_luma_frames(path):
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="gray") for f in c.decode(video=0)]


def test_encoder_marks_the_luma_plane_as_the_rgb_mark_would(tmp_path):
    """encode(watermark=...) marks the converted frames' Y plane: detected, invisible, and the
    same luma change as marking R, G and B before the conversion."""
    payload = wm.Payload(wm.PROJECT_ID, 0x0BADF00D)
    marker = wm.Watermarker(payload, W, H)
    in_yuv, in_rgb, plain = tmp_path / "yuv.mp4", tmp_path / "rgb.mp4", tmp_path / "plain.mp4"
    encode(scene_frames(), N_FRAMES, in_yuv, width=W, height=H, fps=12, watermark=marker)
    encode(marker.stream(scene_frames()), N_FRAMES, in_rgb, width=W, height=H, fps=12)
    encode(scene_frames(), N_FRAMES, plain, width=W, height=H, fps=12)
    found, got, _ = wm.detect(in_yuv)
    assert found and got == payload
    y_yuv, y_rgb, y_plain = (np.stack(read_luma_frames(p)).astype(float) for p in (in_yuv, in_rgb, plain))
    assert 10 * np.log10(255 ** 2 / np.mean((y_yuv - y_plain) ** 2)) >= 40
    # the mark itself (marked minus plain) agrees in sign and size whichever way it was added
    mark_yuv, mark_rgb = (y_yuv - y_plain).mean(axis=0), (y_rgb - y_plain).mean(axis=0)
    assert np.corrcoef(mark_yuv.ravel(), mark_rgb.ravel())[0, 1] > 0.9
    assert 0.8 < np.abs(mark_yuv).mean() / np.abs(mark_rgb).mean() < 1.5


def test_luma_mark_stays_in_the_limited_range():
    marker = wm.Watermarker(wm.Payload(wm.PROJECT_ID, 5), W, H)
    for value, low, high in ((16, 16, 18), (235, 233, 235), (128, 126, 130)):
        luma = np.full((H, W), value, np.uint8)
        marker.apply_luma(luma)
        assert luma.min() == low and luma.max() == high     # +-2 levels, clipped to 16..235
    with pytest.raises(ValueError, match="expected uint8"):
        marker.apply_luma(np.zeros((H, W), np.float32))


def test_inspect_reports_both_marks(marked, capsys):
    path, _, payload = marked
    assert main(["inspect", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["manifest"]["status"] == "valid"
    assert out["watermark"]["found"] and out["watermark"]["payload"] == payload.hex()


@pytest.mark.parametrize("content", [None, b"not a video at all", "truncated"])
def test_inspect_bad_input_exits_2(marked, tmp_path, capsys, content):
    path = tmp_path / "bad.mp4"
    if content == "truncated":
        path.write_bytes(marked[0].read_bytes()[: 20_000])
    elif content is not None:
        path.write_bytes(content)
    assert main(["inspect", str(path)]) == 2
    assert "bad.mp4" in capsys.readouterr().err


def test_generate_marks_video_and_report(tmp_path, small_pipeline_kwargs):
    from aigc_video import Pipeline

    out = tmp_path / "gen.mp4"
    result = Pipeline(**small_pipeline_kwargs, audio=False).generate("A red ball rolls left.", out)
    section = result.report["provenance"]
    assert section["manifest"]["signed"] and section["watermark"]["applied"]
    info = inspect_video(out)
    assert info["manifest"]["status"] == "valid"
    assert info["manifest"]["claims"]["generation"]["video_id"] == section["video_id"]
    assert info["watermark"]["found"] and info["watermark"]["payload"] == section["watermark"]["payload"]
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".")]    # no temp files left

    off = tmp_path / "off.mp4"
    result = Pipeline(**small_pipeline_kwargs, audio=False, c2pa=False, watermark=False).generate(
        "A red ball rolls left.", off)
    assert result.report["provenance"]["manifest"]["signed"] is False
    assert result.report["provenance"]["watermark"]["applied"] is False
    info = inspect_video(off)
    assert info["manifest"]["status"] == "absent" and not info["watermark"]["found"]


def test_bad_signing_files_are_input_errors(tmp_path):
    (tmp_path / "c.pem").write_text("nope")
    (tmp_path / "k.pem").write_text("nope")
    with pytest.raises(InputError, match="sign-cert"):
        provenance.load_identity(tmp_path / "c.pem", tmp_path / "k.pem")
    with pytest.raises(InputError, match="go together"):
        provenance.prepare(text="x", engine="render", settings={}, width=64, height=64, title="x.mp4",
                           sign_cert=str(tmp_path / "c.pem"))


def test_morphs_and_the_learned_upscaler_are_declared(tmp_path):
    assert provenance.digital_source_type("render", morph=True) == provenance.COMPOSITE_TRAINED
    assert provenance.digital_source_type("flow", morph=True) == provenance.TRAINED
    assert provenance.model_hashes("render", morph=True).keys() == {"vae.safetensors"}
    up = provenance.CHECKPOINTS / "upscaler"
    assert "upscaler.safetensors" in provenance.model_hashes("gan", upscaler=up)
    plain = provenance.prepare(text="A red ball.", engine="render", settings={}, width=64, height=64,
                               title="a.mp4", c2pa=False)
    morphed = provenance.prepare(text="A red ball.\n[morph]\nA blue car.", engine="render", settings={},
                                 width=64, height=64, title="a.mp4", c2pa=False, morph=True)
    assert plain.report["digital_source_type"] == provenance.ALGORITHMIC
    assert morphed.report["digital_source_type"] == provenance.COMPOSITE_TRAINED
    learned = provenance.prepare(text="A red ball.", engine="gan", settings={}, width=64, height=64,
                                 title="a.mp4", c2pa=False, upscaler=up)
    bicubic = provenance.prepare(text="A red ball.", engine="gan", settings={}, width=64, height=64,
                                 title="a.mp4", c2pa=False)
    assert learned.report["video_id"] != bicubic.report["video_id"]     # other frames, another id


def test_a_render_script_with_a_morph_is_marked_as_a_composite(tmp_path):
    from aigc_video.pipeline import Pipeline
    pipe = Pipeline(engine="render", size=(64, 64), fps=12, audio=False, subtitles="none")
    morphed = pipe.generate("A red ball.\n[morph]\nA blue car.", tmp_path / "m.mp4", keep_frames=False)
    assert morphed.report["provenance"]["digital_source_type"] == provenance.COMPOSITE_TRAINED
    claims = provenance.read_manifest(tmp_path / "m.mp4")["claims"]
    assert claims["actions"][0]["digitalSourceType"] == provenance.COMPOSITE_TRAINED
    assert "vae.safetensors" in claims["generation"]["model_sha256"]
    cut = pipe.generate("A red ball.\n[cut]\nA blue car.", tmp_path / "c.mp4", keep_frames=False)
    assert cut.report["provenance"]["digital_source_type"] == provenance.ALGORITHMIC
