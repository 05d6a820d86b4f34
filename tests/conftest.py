import os
import shutil

import pytest

HAS_ESPEAK = shutil.which("espeak-ng") is not None


@pytest.fixture(autouse=True, scope="session")
def _private_homes(tmp_path_factory):
    """Signing identities and cached shots, speech and music made by tests go to temp folders,
    not the user's ~/.config and ~/.cache."""
    names = ("XDG_CONFIG_HOME", "AIGC_VIDEO_CACHE")
    saved = {name: os.environ.get(name) for name in names}
    for name in names:
        os.environ[name] = str(tmp_path_factory.mktemp(name.lower()))
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture
def small_pipeline_kwargs():
    """Settings that keep an end-to-end run to a second or two."""
    return dict(engine="render", size=(160, 90), fps=8, seed=3)


# CI replays the same examples every run (a red CI then always means a real regression);
# local runs keep exploring new ones.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    _hypothesis_settings.load_profile("ci")
