"""OrtEngine through the Recognizer interface: factory, device report, inputs, errors, CUDA parity."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from swictation_gui.errors import ModelError
from swictation_gui.models.catalogue import resolve
from swictation_gui.recognition import factory, providers
from swictation_gui.recognition.base import Recognizer
from swictation_gui.recognition.ort_engine import OrtEngine
from swictation_gui.recognition.sherpa_engine import SherpaEngine
from tests.fixtures import synth_models as sm


def test_factory_builds_the_onnxruntime_engine(band_model: Path) -> None:
    engine = factory.create(resolve(str(band_model)), engine="onnxruntime", device="cpu")
    assert isinstance(engine, OrtEngine) and isinstance(engine, Recognizer)
    assert engine.name == "onnxruntime"
    assert factory.pick(resolve(str(band_model)), "auto", "cuda") == ("onnxruntime", "cuda")


def test_words_timings_silence_and_short_input(band_model_int8: Path) -> None:
    engine = OrtEngine(resolve(str(band_model_int8)))
    engine.load()
    engine.warm_up()
    assert engine.device.describe() == "CPU"
    t = engine.transcribe(sm.band_phrase(["mi", "sol"], feat_dim=128), 16_000)
    assert t.text == "mi sol"
    assert t.tokens == (" mi", " sol")
    assert {"features", "encoder", "decode", "total"} <= set(t.timings_ms)
    assert engine.transcribe(np.zeros(16_000, np.float32), 16_000).text == ""
    assert engine.transcribe(np.full(79, 0.3, np.float32), 16_000).text == ""
    stereo_48k = np.repeat(sm.band_phrase(["ti"], feat_dim=128), 3)[:, None].repeat(2, axis=1)
    assert engine.transcribe(stereo_48k, 48_000).text == "ti"


def test_cuda_request_reports_the_truth(band_model: Path) -> None:
    engine = OrtEngine(resolve(str(band_model)), device="cuda")
    assert engine.device.fell_back  # before loading nothing runs on CUDA
    engine.load()
    status = providers.cuda_status()
    assert engine.device.active == status.active
    if status.active == "cpu":
        assert engine.device.describe().startswith("cuda requested, running on cpu: ")
        assert engine.device.reason == status.reason
        assert "decoder/joiner on cpu" in engine.device.detail
    assert engine.transcribe(sm.band_phrase(["do", "fa"]), 16_000).text == "do fa"


def test_broken_model_raises_model_error(tmp_path: Path) -> None:
    folder = sm.build_band(tmp_path / "m")
    (folder / "joiner.onnx").write_bytes(b"\x08\x01garbage")
    with pytest.raises(ModelError, match=r"joiner\.onnx"):
        OrtEngine(resolve(str(folder))).load()


def test_unknown_devices_are_refused(band_model: Path) -> None:
    with pytest.raises(ModelError, match="device"):
        OrtEngine(resolve(str(band_model)), device="tpu")
    with pytest.raises(ModelError, match="decode device"):
        OrtEngine(resolve(str(band_model)), decode_device="tpu")


@pytest.mark.gpu
@pytest.mark.parametrize("decode_device", ["cpu", "cuda"])
def test_cuda_engine_matches_sherpa(tmp_path: Path, decode_device: str) -> None:
    if providers.cuda_status().active != "cuda":
        pytest.skip(f"no working CUDA provider: {providers.cuda_status().reason}")
    for seed in range(3):
        folder = sm.build_random(tmp_path / f"r{seed}", seed=seed, feat_dim=128, layout="int8")
        location = resolve(str(folder))
        mine = OrtEngine(location, device="cuda", decode_device=decode_device)
        mine.load()
        assert mine.device.active == "cuda"
        ref = SherpaEngine(location, num_threads=1)
        ref.load()
        audio = (np.random.default_rng(seed).standard_normal(32_000) * 0.1).astype(np.float32)
        a, b = mine.transcribe(audio, 16_000), ref.transcribe(audio, 16_000)
        assert (a.text, a.tokens, a.timestamps) == (b.text, b.tokens, b.timestamps)


def test_transcribe_command_uses_our_engine_and_reports_the_device(
        band_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    import soundfile

    from swictation_gui.cli import main

    wav = tmp_path / "phrase.wav"
    soundfile.write(str(wav), sm.band_phrase(["sol", "do"]), 16_000)
    code = main(["transcribe", str(wav), "--model", str(band_model), "--engine", "onnxruntime",
                 "--device", "cuda", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["engine"] == "onnxruntime"
    assert report["results"][0]["text"] == "sol do"
    status = providers.cuda_status()
    assert report["device"] == status.active
    assert report["device_note"] == ("GPU (CUDA)" if status.active == "cuda"
                                     else f"cuda requested, running on cpu: {status.reason}")
