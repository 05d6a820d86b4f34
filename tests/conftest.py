import os
import shutil

import pytest

HAS_ESPEAK = shutil.which("espeak-ng") is not None


@pytest.fixture(autouse=True, scope="session")
def _config_home(tmp_path_factory):
    """Signing identities made by tests go to a temp folder, not the user's ~/.config."""
    saved = os.environ.get("XDG_CONFIG_HOME")
    os.environ["XDG_CONFIG_HOME"] = str(tmp_path_factory.mktemp("config"))
    yield
    if saved is None:
        os.environ.pop("XDG_CONFIG_HOME", None)
    else:
        os.environ["XDG_CONFIG_HOME"] = saved


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


@pytest.fixture(autouse=True, scope="session")
def _cache_home(tmp_path_factory):
    """Shots, speech and music cached by tests go to a temp folder, not the user's ~/.cache."""
    saved = os.environ.get("AIGC_VIDEO_CACHE")
    os.environ["AIGC_VIDEO_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if saved is None:
        os.environ.pop("AIGC_VIDEO_CACHE", None)
    else:
        os.environ["AIGC_VIDEO_CACHE"] = saved
