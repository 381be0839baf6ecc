"""The sherpa-onnx engine through our Recognizer interface, on real synthetic models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soxr

from swictation_gui.errors import AudioInputError
from swictation_gui.models.catalogue import resolve
from swictation_gui.recognition.base import Recognizer, Transcript
from swictation_gui.recognition.engine_base import SILENCE_PEAK, WARM_UP_SECONDS
from swictation_gui.recognition.sherpa_engine import SherpaEngine
from tests.fixtures import synth_models as sm

PHRASE = ["do", "mi", "la", "re"]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> SherpaEngine:
    folder = sm.build_band(tmp_path_factory.mktemp("eng"), feat_dim=128, layout="int8")
    eng = SherpaEngine(resolve(str(folder)), max_segment_seconds=3.0)
    eng.load()
    return eng


def test_is_a_recognizer(engine: SherpaEngine) -> None:
    assert isinstance(engine, Recognizer)
    assert engine.name == "sherpa-onnx"
    assert engine.device.active == "cpu" and not engine.device.fell_back


def test_same_words_at_any_rate_layout_and_type(engine: SherpaEngine) -> None:
    audio = sm.band_phrase(PHRASE, feat_dim=128)
    expected = " ".join(PHRASE)
    assert engine.transcribe(audio, 16000).text == expected
    for rate in (8000, 44100):
        resampled = soxr.resample(audio, 16000, rate).astype(np.float32)
        assert engine.transcribe(resampled, rate).text == expected, rate
    stereo = np.stack([audio, audio * 0.5], axis=1)
    assert engine.transcribe(stereo, 16000).text == expected
    pcm16 = np.round(audio * 32767).astype(np.int16)
    assert engine.transcribe(pcm16, 16000).text == expected


def test_transcript_carries_tokens_times_and_stage_timings(engine: SherpaEngine) -> None:
    t = engine.transcribe(sm.band_phrase(["do", "re"], feat_dim=128), 16000)
    assert t.tokens == (" do", " re")
    assert len(t.timestamps) == 2 and 0.0 <= t.timestamps[0] < t.timestamps[1]
    assert t.audio_seconds == pytest.approx(0.2 + 2 * 0.65, abs=0.01)
    assert {"resample", "features", "model", "total"} <= set(t.timings_ms)


def test_silence_and_tiny_inputs_give_empty_text(engine: SherpaEngine) -> None:
    assert engine.transcribe(np.zeros(32000, np.float32), 16000).text == ""
    assert engine.transcribe(np.full(79, 0.3, np.float32), 16000).text == ""
    assert engine.transcribe(np.zeros(0, np.float32), 16000).text == ""


def test_nan_is_a_clear_error(engine: SherpaEngine) -> None:
    audio = sm.band_phrase(["do"], feat_dim=128)
    audio[100] = np.nan
    with pytest.raises(AudioInputError, match="NaN"):
        engine.transcribe(audio, 16000)


def test_long_audio_is_split_in_pauses_without_losing_words(engine: SherpaEngine) -> None:
    words = ["do", "re", "mi", "fa", "sol", "la", "ti", "hi"] * 2  # ~10.6 s, segments of at most 3 s
    t = engine.transcribe(sm.band_phrase(words, feat_dim=128), 16000)
    assert t.text == " ".join(words)
    assert list(t.timestamps) == sorted(t.timestamps)
    assert t.timestamps[-1] > 9.0  # offsets of later segments are applied


def test_warm_up_runs_the_model_on_audible_noise_of_each_length(engine: SherpaEngine,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Warm-up must really decode (not be skipped as silence), once per warm-up length."""
    real = engine._recognize
    ran: list[tuple[int, float, Transcript]] = []

    def spy(samples: np.ndarray) -> Transcript:  # type: ignore[type-arg]
        result = real(samples)
        ran.append((samples.size, float(np.max(np.abs(samples))), result))
        return result

    monkeypatch.setattr(engine, "_recognize", spy)
    engine.warm_up()
    assert [n for n, _, _ in ran] == [int(s * 16_000) for s in WARM_UP_SECONDS]
    assert all(peak >= SILENCE_PEAK for _, peak, _ in ran), "warm-up audio would be skipped as silence"
    assert all(isinstance(t, Transcript) and t.audio_seconds > 0 for _, _, t in ran)


def test_cuda_request_reports_the_truth(band_model: Path) -> None:
    eng = SherpaEngine(resolve(str(band_model)), device="cuda")
    assert eng.device.active == "cpu" and eng.device.fell_back
    assert eng.device.describe() == "cuda requested, running on cpu: the sherpa-onnx PyPI wheel is built without CUDA"


def test_unicode_text(unicode_model: Path) -> None:
    eng = SherpaEngine(resolve(str(unicode_model)))
    eng.load()
    assert eng.transcribe(np.full(16000, 0.1, np.float32), 16000).text == "café — naïve ß 日本語 😀"
