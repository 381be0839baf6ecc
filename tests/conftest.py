"""Shared fixtures: an isolated user home for every test, and synthetic models built once per run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures import synth_models

# Fixture modules shared by several test files (declared here once, so pytest rewrites their asserts).
pytest_plugins = ["tests.desktop.fixtures", "tests.fixtures.download_fixtures"]


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point every user directory (config, models, cache, logs) at a fresh temporary folder."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("SWICTATION_GUI_HOME", str(home))
    yield home


@pytest.fixture(scope="session")
def band_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Audio-dependent model, plain layout, 80 mel bins (the 110M model's shape)."""
    return synth_models.build_band(tmp_path_factory.mktemp("band80"), feat_dim=80, layout="plain")


@pytest.fixture(scope="session")
def band_model_int8(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Audio-dependent model, int8 file names, 128 mel bins (the 0.6B v3 model's shape)."""
    return synth_models.build_band(tmp_path_factory.mktemp("band128"), feat_dim=128, layout="int8")


@pytest.fixture(scope="session")
def unicode_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Says "café — naïve ß 日本語 😀" for any audio of at least 60 ms."""
    return synth_models.build_text(tmp_path_factory.mktemp("unicode"),
                                   ["▁café", "▁—", "▁naïve", "▁ß", "▁日本語", "▁😀"])


@pytest.fixture(scope="session")
def silero_vad() -> Path:
    """The Silero VAD file from the silero-vad wheel on PyPI (cached; tests/fixtures/silero.py)."""
    from tests.fixtures.silero import silero_vad_file

    found = silero_vad_file()
    if found is None:
        pytest.skip("silero_vad.onnx is not cached and `pip download silero-vad` failed (no network?)")
    return found
