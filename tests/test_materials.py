"""The material library: install (fake tarballs), lookup with known answers, action icons,
recolouring measured on the rendered pixels, user folders and their bad inputs."""
import base64
import importlib
import hashlib
import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest

from aigc_video import materials
from aigc_video.errors import InputError
from aigc_video.materials import raster, user
from aigc_video.materials.library import MIN_SIMILARITY

inst = importlib.import_module("aigc_video.materials.install")   # the module; the package exports the function
installed = pytest.mark.skipif(not materials.is_installed(), reason=(
    f"material library not installed in {materials.data_dir()} (run `python -m aigc_video.materials install`)"))


# -- install, with tiny fake tarballs ---------------------------------------------------------
FAKE_ICONS = {"prefix": "fluent-emoji-flat", "width": 32, "height": 32,
              "icons": {"cat": {"body": '<path fill="#f3ad61" d="M4 4h24v24H4z"/>'},
                        "cat-dark": {"body": '<path fill="#000" d="M4 4h24v24H4z"/>'},
                        "cat-face": {"body": '<circle fill="#f3ad61" cx="16" cy="16" r="12"/>'}},
              "aliases": {}}
FAKE_CLDR = {"en": [{"label": "cat", "hexcode": "1F408", "tags": ["kitten", "pet"], "emoji": "🐈", "group": 3, "subgroup": 34},
                    {"label": "cat face", "hexcode": "1F431", "tags": ["cat", "kitten"], "emoji": "🐱", "group": 3, "subgroup": 34}],
             "zh": [{"label": "猫", "hexcode": "1F408", "tags": ["小猫"], "group": 3, "subgroup": 34},
                    {"label": "猫脸", "hexcode": "1F431", "tags": ["猫"], "group": 3, "subgroup": 34}]}


def _tarball(path: Path, files: dict[str, bytes]) -> str:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


@pytest.fixture
def fake_source(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    dump = lambda o: json.dumps(o).encode()  # noqa: E731
    ic, eb = inst.PACKAGES
    integrity = {
        ic.key: _tarball(src / ic.tarball, {"icons.json": dump(FAKE_ICONS), "info.json": dump({"name": "Fake"}),
                                            "chars.json": dump({"1f408": "cat", "1f431": "cat-face"})}),
        eb.key: _tarball(src / eb.tarball, {"en/data.json": dump(FAKE_CLDR["en"]), "zh/data.json": dump(FAKE_CLDR["zh"]),
                                            "meta/groups.json": dump({"groups": {"3": "animals-nature"},
                                                                      "subgroups": {"34": "animal-mammal"}}),
                                            "LICENSE": b"MIT"})}
    packages = tuple(inst.Package(p.key, p.npm, p.version, integrity[p.key], p.files) for p in inst.PACKAGES)
    return src, packages


def test_install_from_fake_tarballs_is_idempotent(fake_source, tmp_path):
    src, packages = fake_source
    dest = tmp_path / "data"
    inst.install(source=src, folder=dest, packages=packages, embed=False)
    manifest = json.loads((dest / "manifest.json").read_text())
    assert manifest["subjects"] == 2                      # cat and cat face; the dark skin variant skipped
    assert {s["version"] for s in manifest["sets"]} == {p.version for p in packages}
    entries = json.loads((dest / "index" / "entries.json").read_text())
    assert entries["exact"]["zh"]["猫"] == [0] and entries["entries"][1]["whole"] == "fluent-emoji-flat:cat"
    stamp = (dest / "manifest.json").stat().st_mtime_ns
    inst.install(source=src, folder=dest, packages=packages, embed=False)        # up to date: skipped
    assert (dest / "manifest.json").stat().st_mtime_ns == stamp
    inst.install(source=src, folder=dest, packages=packages, embed=False, force=True)
    assert (dest / "manifest.json").stat().st_mtime_ns != stamp
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".materials-")]  # no temp left


def test_install_refuses_a_checksum_mismatch(fake_source, tmp_path):
    src, _ = fake_source                                  # the tarballs do not match the pinned sums
    with pytest.raises(InputError, match="checksum mismatch"):
        inst.install(source=src, folder=tmp_path / "data", embed=False)
    assert not (tmp_path / "data").exists()


def test_install_without_npm_names_the_fix(tmp_path, monkeypatch):
    from aigc_video.errors import DependencyMissing
    monkeypatch.setattr(inst.shutil, "which", lambda name: None)
    with pytest.raises(DependencyMissing, match="npm is not installed.*--source"):
        inst.install(folder=tmp_path / "data", embed=False)


def test_not_installed_error_names_the_command(tmp_path, monkeypatch):
    monkeypatch.setenv("AIGC_VIDEO_DATA", str(tmp_path / "none"))
    assert materials.data_dir() == tmp_path / "none" and not materials.is_installed()
    with pytest.raises(materials.MaterialsNotInstalled, match="python -m aigc_video.materials install"):
        materials.Library.load()
    assert issubclass(materials.MaterialsNotInstalled, InputError)


def test_import_is_cheap():
    code = "import sys, aigc_video.materials; print('torch' in sys.modules, 'skia' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


# -- lookup (needs the installed data) ----------------------------------------------------------
@installed
@pytest.mark.parametrize("word, language, name, level", [
    ("cat", "en", "cat", "name"), ("cats", "en", "cat", "name"), ("kittens", "en", "cat", "synonym"),
    ("puppies", "en", "dog", "synonym"), ("dog", "en", "dog", "name"), ("panda", "en", "panda", "name"),
    ("teapot", "en", "teapot", "name"), ("couch", "en", "couch and lamp", "synonym"),
    ("sofa", "en", "couch and lamp", "synonym"), ("car", "en", "automobile", "synonym"),
    ("熊猫", "zh", "panda", "name"), ("汽车", "zh", "automobile", "name"), ("沙发", "zh", "couch and lamp", "synonym"),
    ("小狗", "zh", "dog", "synonym"),
])
def test_lookup_known_answers(word, language, name, level):
    m = materials.library().lookup(word, language)
    assert (m.name, m.matched_by) == (name, level)
    assert m.score == {"name": 1.0, "synonym": 0.9}[level] and m.query == word
    assert materials.Match.from_json(m.to_json()) == m


@installed
def test_lookup_by_embedding_and_nothing():
    pytest.importorskip("torch")
    lib = materials.library()
    m = lib.lookup("stallion")
    assert (m.name, m.matched_by) == ("horse", "embedding") and m.score >= MIN_SIMILARITY
    assert lib.lookup("xyzzyq") is None
    assert len(lib.candidates("xyzzyq", k=3)) == 3          # still something to suggest


@installed
def test_action_variant():
    lib = materials.library()
    assert lib.action_variant(lib.lookup("person"), "run").name == "person running"
    assert lib.action_variant(lib.lookup("man"), "run").asset_id == "fluent-emoji-flat:man-running"
    assert lib.action_variant("fluent-emoji-flat:woman", "swimming").name == "woman swimming"
    assert lib.action_variant(lib.lookup("girl"), "bike").name == "woman biking"
    assert lib.action_variant(lib.lookup("cat"), "run") is None
    assert lib.action_variant(lib.lookup("man"), "photosynthesise") is None


# -- rendering ------------------------------------------------------------------------------
def _hue(rgb) -> float:
    return float(raster.rgb_to_hsv(np.asarray(rgb, float) / 255)[..., 0])


@installed
def test_render_size_alpha_and_bbox():
    rgba = materials.render_rgba("fluent-emoji-flat:cat", 96)
    assert rgba.shape == (96, 96, 4) and rgba.dtype == np.uint8 and not rgba.flags.writeable
    assert 0.2 < (rgba[..., 3] > 0).mean() < 0.9 and (rgba[..., :3] <= rgba[..., 3:]).all()  # premultiplied
    x0, y0, x1, y1 = materials.alpha_bbox("fluent-emoji-flat:cat")
    assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1 and y1 > 0.85          # the cat stands on the bottom


@installed
def test_recolour_car_blue_keeps_wheels_and_windows():
    car = "fluent-emoji-flat:automobile"
    before, after = materials.render_rgba(car, 128), materials.render_rgba(car, 128, color=(30, 60, 230))
    opaque = (before[..., 3] == 255) & (after[..., 3] == 255)
    hsv_b, hsv_a = raster.rgb_to_hsv(before[..., :3] / 255), raster.rgb_to_hsv(after[..., :3] / 255)
    body = opaque & (hsv_b[..., 1] > 0.5) & (raster.hue_distance(hsv_b[..., 0], 0) < 30)   # the red body
    assert body.mean() > 0.1
    hues = hsv_a[..., 0][body]
    assert np.median(raster.hue_distance(hues, _hue((30, 60, 230)))) < 20
    windows = opaque & (before[..., :3] == (0x26, 0xC9, 0xFC)).all(-1)       # exact: no edge blends
    wheels = opaque & (before[..., :3] == (0x32, 0x1B, 0x41)).all(-1)
    assert windows.sum() > 50 and wheels.sum() > 50
    assert (before[windows] == after[windows]).all() and (before[wheels] == after[wheels]).all()


def test_recolour_plan_white_target_desaturates_and_keeps_shading():
    palette = np.array([[200, 40, 40], [150, 30, 30], [30, 30, 200]], np.uint8)
    new = raster.recolor_plan(palette, np.array([100, 20, 50]), (255, 255, 255))
    assert tuple(new[0]) == (255, 255, 255) and tuple(new[2]) == (30, 30, 200)
    assert new[1].max() - new[1].min() <= 1 and new[1][0] < 255                    # grey, still darker


# -- user folders ---------------------------------------------------------------------------
def _png(path: Path, color=(220, 40, 40), size=(40, 24)):
    import skia
    arr = np.zeros((size[1], size[0], 4), np.uint8)
    arr[4:-4, 4:-4] = (*color, 255)
    path.write_bytes(bytes(skia.Image.fromarray(arr).encodeToData()))


def _mp4(path: Path, frames=12):
    import av
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=12)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        for i in range(frames):
            img = np.full((32, 32, 3), i * 20, np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


@pytest.fixture
def user_dir(tmp_path):
    d = tmp_path / "assets"
    d.mkdir()
    _png(d / "my_red-kite.png")
    (d / "my_red-kite.txt").write_text("bird, 风筝, 红风筝\nsky toy")
    _png(d / "rex.png", color=(40, 200, 40))
    (d / "rex.json").write_text(json.dumps({"names": ["cat"], "tags": ["pet"], "licence": "CC0"}))
    (d / "star.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 20 10" width="20" height="10">'
                                '<rect width="20" height="10" fill="#3050e0"/></svg>')
    _mp4(d / "wave.mp4")
    (d / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    (d / "broken.svg").write_text("<svg><path")
    (d / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42 garbage")
    (d / "huge.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="9000" height="9000"/>')
    (d / "notes.md").write_text("ignored")
    return d


@installed
def test_user_folder(user_dir):
    lib = materials.Library.load(user_dir)
    assert sorted(lib.user.files) == ["user:my_red-kite.png", "user:rex.png", "user:star.svg", "user:wave.mp4"]
    warnings = "\n".join(lib.warnings)
    for name in ("broken.png", "broken.svg", "broken.mp4"):
        assert name in warnings
    assert "huge.svg" in warnings and "8192" in warnings
    kite = lib.lookup("my red kite")
    assert (kite.asset_id, kite.matched_by, kite.source) == ("user:my_red-kite.png", "name", "user")
    assert lib.lookup("sky toy").asset_id == "user:my_red-kite.png"                  # sidecar tag
    assert lib.lookup("风筝", "zh").asset_id == "fluent-emoji-flat:kite"              # a built-in name beats a user tag
    assert lib.lookup("红风筝", "zh").asset_id == "user:my_red-kite.png"
    cat = lib.lookup("cat")                                                          # user wins a tie
    assert (cat.asset_id, cat.licence) == ("user:rex.png", "CC0")
    assert lib.lookup("kitten").source == "fluent-emoji-flat"                        # built-in name beats nothing
    assert lib.lookup("dog").source == "fluent-emoji-flat"
    # drawing: fit into the square keeping the aspect, centred
    png = lib.render_rgba("user:my_red-kite.png", 40)
    assert png.shape == (40, 40, 4) and png[20, 20, 3] == 255 and png[2, 20, 3] == 0
    svg = lib.render_rgba("user:star.svg", 40)
    assert svg[20, 20, 3] == 255 and svg[5, 20, 3] == 0
    green = lib.render_rgba("user:rex.png", 40, color=(230, 40, 40))
    assert raster.hue_distance(_hue(green[20, 20, :3]), 0) < 20
    assert lib.frame_count("user:wave.mp4") == 12
    f0, f5 = lib.render_rgba("user:wave.mp4", 32), lib.render_rgba("user:wave.mp4", 32, frame=5)
    assert f0[16, 16, 0] < f5[16, 16, 0]
    assert (lib.render_rgba("user:wave.mp4", 32, frame=17) == f5).all()             # clips cycle


@installed
def test_user_folder_limits_and_errors(user_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(user, "MAX_FILE_BYTES", 300)
    lib = materials.Library.load(user_dir)
    assert any("wave.mp4" in w and "limit" in w for w in lib.warnings)
    with pytest.raises(InputError, match="nowhere"):
        materials.Library.load(tmp_path / "nowhere")
