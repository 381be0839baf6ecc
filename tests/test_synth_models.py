"""The synthetic models load in sherpa-onnx and behave as their builders promise."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sherpa_onnx

from tests.fixtures import synth_models as sm

WORDS = ["do", "re", "mi", "fa", "sol", "la", "ti", "hi"]


def _sherpa(folder: Path, layout: str, feat_dim: int) -> Any:
    enc, dec, joi = sm.LAYOUTS[layout]
    return sherpa_onnx.OfflineRecognizer.from_transducer(
        encoder=str(folder / enc), decoder=str(folder / dec), joiner=str(folder / joi),
        tokens=str(folder / "tokens.txt"), model_type="nemo_transducer", feature_dim=feat_dim)


def _decode(rec: Any, audio: np.ndarray) -> Any:
    stream = rec.create_stream()
    stream.accept_waveform(16000, audio)
    rec.decode_stream(stream)
    return stream.result


@pytest.mark.parametrize(("fixture", "layout", "feat_dim"), [("band_model", "plain", 80),
                                                              ("band_model_int8", "int8", 128)])
def test_band_model_reads_each_tone_as_its_word(request: pytest.FixtureRequest, fixture: str, layout: str,
                                                feat_dim: int) -> None:
    rec = _sherpa(request.getfixturevalue(fixture), layout, feat_dim)
    for word in WORDS:
        assert _decode(rec, sm.band_phrase([word], feat_dim)).text == word
    phrase = ["la", "do", "do", "hi", "re"]  # a repeated word needs the pause between tones
    assert _decode(rec, sm.band_phrase(phrase, feat_dim)).text == " ".join(phrase)
    assert _decode(rec, np.zeros(16000, np.float32)).text == ""


def test_text_model_assembles_unicode(unicode_model: Path) -> None:
    rec = _sherpa(unicode_model, "plain", 80)
    assert _decode(rec, np.zeros(8000, np.float32)).text == "café — naïve ß 日本語 😀"


def test_script_model_hits_the_five_per_frame_cap(tmp_path: Path) -> None:
    folder = sm.build_script(tmp_path, ["▁ha", "▁x"], [("▁ha", 0), ("▁x", 1)])
    result = _decode(_sherpa(folder, "plain", 80), np.zeros(1600, np.float32))
    assert result.text == "ha ha ha ha ha x"


def test_random_model_has_the_real_export_layout(tmp_path: Path) -> None:
    import onnx

    folder = sm.build_random(tmp_path, seed=1, feat_dim=128, layout="int8")
    enc = onnx.load(str(folder / "encoder.int8.onnx"))
    meta = {p.key: p.value for p in enc.metadata_props}
    assert meta["vocab_size"] == str(len(sm.RANDOM_VOCAB)) and meta["feat_dim"] == "128"
    assert "tdt" in meta["url"]
    dec = onnx.load(str(folder / "decoder.int8.onnx"))
    assert [i.name for i in dec.graph.input] == ["targets", "target_length", "states.1", "onnx::LSTM_3"]
    assert any(n.op_type == "LSTM" for n in dec.graph.node)
    audio = (np.random.default_rng(0).standard_normal(32000) * 0.1).astype(np.float32)
    assert _decode(_sherpa(folder, "int8", 128), audio).tokens  # it emits something
