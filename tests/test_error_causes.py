"""A load failure keeps its one-line message for the user and its full cause for the log."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from swictation_gui.errors import ModelError
from swictation_gui.models import check
from swictation_gui.models.catalogue import resolve
from swictation_gui.recognition import providers
from swictation_gui.recognition.ort_engine import OrtEngine


def test_onnxruntime_load_failure_keeps_its_cause(band_model: Path, monkeypatch: pytest.MonkeyPatch,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    cause = RuntimeError("first line of the cause\nsecond line only the log keeps")

    def fail(*args: object, **kwargs: object) -> providers.SessionResult:
        raise cause

    monkeypatch.setattr(providers, "create_session", fail)
    caplog.set_level(logging.DEBUG, logger="swictation")
    with pytest.raises(ModelError) as info:
        OrtEngine(resolve(str(band_model))).load()
    assert "first line of the cause" in str(info.value) and "second line" not in str(info.value)
    assert info.value.__cause__ is cause
    assert any(r.exc_info and r.exc_info[1] is cause for r in caplog.records)


def test_the_probe_child_logs_the_cause_of_a_corrupt_model(band_model: Path, tmp_path: Path,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "model"
    shutil.copytree(band_model, folder)
    data = (folder / "decoder.onnx").read_bytes()
    (folder / "decoder.onnx").write_bytes(data[: len(data) // 2])
    caplog.set_level(logging.DEBUG, logger="swictation")
    with pytest.raises(ModelError, match=r"decoder\.onnx is not a valid ONNX model") as info:
        check.check_folder(resolve(str(folder)), use_cache=False)
    assert "Traceback" not in str(info.value)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Traceback (most recent call last)" in logged and "InferenceSession" in logged
