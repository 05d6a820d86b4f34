import shutil

import pytest

HAS_ESPEAK = shutil.which("espeak-ng") is not None


@pytest.fixture
def small_pipeline_kwargs():
    """Settings that keep an end-to-end run to a second or two."""
    return dict(engine="render", size=(160, 90), fps=8, seed=3)
