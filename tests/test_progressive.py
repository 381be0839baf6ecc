"""Progressive recognition with the real sherpa-onnx engine on the band model: stretches cut only in pauses,
joined text equal to the one-piece text, pieces never over 30 s, Silero VAD and the energy fallback."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import soundfile as sf
import soxr

from swictation_gui.models.catalogue import resolve
from swictation_gui.recognition.base import Transcript
from swictation_gui.recognition.progressive import MAX_PIECE_S, Stretches
from swictation_gui.recognition.sherpa_engine import SherpaEngine
from swictation_gui.recognition.vad import EnergyDetector, SileroDetector, make_detector
from tests.desktop.pulse import espeak_wav
from tests.fixtures.synth_models import band_phrase

RATE = 16_000
WORDS = ["do", "re", "mi", "fa", "sol", "la", "ti", "hi"]


class Recording:
    """The real engine, keeping every piece it was given (recognizer thread in the app; here the test's)."""

    def __init__(self, engine: SherpaEngine) -> None:
        self.engine = engine
        self.pieces: list[npt.NDArray[np.float32]] = []

    @property
    def name(self) -> str:
        return self.engine.name

    @property
    def device(self) -> object:
        return self.engine.device

    def load(self) -> None:
        self.engine.load()

    def warm_up(self) -> None:
        self.engine.warm_up()

    def transcribe(self, samples: npt.ArrayLike, sample_rate: int) -> Transcript:
        self.pieces.append(np.asarray(samples, dtype=np.float32).copy())
        return self.engine.transcribe(samples, sample_rate)


@pytest.fixture(scope="module")
def engine(band_model: Path) -> SherpaEngine:
    eng = SherpaEngine(resolve(str(band_model)))
    eng.load()
    return eng


def progressive(engine: SherpaEngine, audio: npt.NDArray[np.float32], rate: int = RATE, silero: Path | None = None,
                hold_s: float = 0.2) -> tuple[Transcript, Stretches, Recording]:
    """Feed ``audio`` as the app does during the hold (``hold_s`` chunks), then finish with the last chunk."""
    rec = Recording(engine)
    st = Stretches(rate, silero)
    step = int(hold_s * rate)
    chunks = [audio[i:i + step] for i in range(0, audio.size, step)]
    for chunk in chunks[:-1]:
        st.feed(rec, chunk)  # type: ignore[arg-type]
    return st.finish(rec, chunks[-1]), st, rec  # type: ignore[arg-type]


def assert_cut_in_silence(pieces: list[npt.NDArray[np.float32]], edge_s: float = 0.1) -> None:
    """Every boundary between two pieces lies in silence: the last/first ``edge_s`` of each side is quiet."""
    edge = int(edge_s * RATE)
    for before, after in itertools.pairwise(pieces):
        assert np.abs(before[-edge:]).max() < 1e-3, "a piece ends inside a sound"
        assert np.abs(after[:edge]).max() < 1e-3, "a piece starts inside a sound"


def test_band_phrase_with_pauses_is_cut_in_the_pauses_and_joins_to_the_one_piece_text(engine: SherpaEngine) -> None:
    audio = band_phrase(WORDS * 2, gap_s=0.5)
    one_piece = engine.transcribe(audio, RATE).text
    assert one_piece == " ".join(WORDS * 2)
    result, st, rec = progressive(engine, audio)
    assert result.text == one_piece
    assert st.detector == "energy" and st.pieces >= len(WORDS) * 2 - 1, st.pieces
    assert_cut_in_silence(rec.pieces)
    # At release only the last stretch was left: the rest was recognized during the hold.
    assert result.timings_ms["last_piece_s"] < 1.0
    assert result.timestamps == tuple(sorted(result.timestamps))


def test_short_gaps_are_not_pauses_so_words_stay_together(engine: SherpaEngine) -> None:
    audio = band_phrase(["do", "re", "mi"], gap_s=0.1)
    result, st, _rec = progressive(engine, audio)
    assert result.text == "do re mi" and st.pieces == 1


def test_device_rate_audio_is_resampled_as_one_stream(engine: SherpaEngine) -> None:
    audio = band_phrase(WORDS, gap_s=0.5)
    at_48k = soxr.resample(audio, RATE, 48_000).astype(np.float32)
    result, st, _rec = progressive(engine, at_48k, rate=48_000)
    assert result.text == engine.transcribe(audio, RATE).text == " ".join(WORDS)
    assert st.pieces > 1
    assert abs(result.audio_seconds - audio.size / RATE) < 0.01


def test_no_piece_exceeds_30_s_and_memory_stays_one_piece(engine: SherpaEngine) -> None:
    """75 s of words with gaps too short to be pauses: cut at the quietest points, never over 30 s of audio."""
    words = (WORDS * 20)[:150]
    audio = band_phrase(words, word_s=0.4, gap_s=0.1)
    assert audio.size / RATE > 70
    result, st, rec = progressive(engine, audio)
    assert max(p.size for p in rec.pieces) <= MAX_PIECE_S * RATE
    assert len(rec.pieces) >= 3
    assert st.peak_pending <= MAX_PIECE_S * RATE + 0.2 * RATE
    assert_cut_in_silence(rec.pieces, edge_s=0.02)
    assert result.text == " ".join(words)


def test_energy_detector_follows_the_noise_floor() -> None:
    rng = np.random.default_rng(1)
    noise = (rng.standard_normal(RATE) * 0.01).astype(np.float32)  # -40 dBFS hiss: not speech
    det = EnergyDetector()
    assert not any(det.push(noise))
    loud = noise + band_phrase(["do"], word_s=1.0, lead_s=0.0, gap_s=0.0)[:RATE]
    assert sum(det.push(loud)) > 0.3 * RATE / det.hop


def test_missing_or_broken_silero_file_falls_back_to_energy(tmp_path: Path) -> None:
    assert make_detector(tmp_path / "silero_vad.onnx").name == "energy"
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    assert make_detector(broken).name == "energy"


def espeak(text: str, path: Path) -> npt.NDArray[np.float32]:
    data, rate = sf.read(str(espeak_wav(text, path)), dtype="float32")
    return np.asarray(soxr.resample(data, rate, RATE), dtype=np.float32)


def test_silero_finds_the_pauses_in_espeak_speech_and_the_text_equals_one_piece(
        engine: SherpaEngine, silero_vad: Path, tmp_path: Path) -> None:
    gap = np.zeros(int(0.7 * RATE), np.float32)
    sentences = ["Hello there, how are you today.", "The weather is fine.", "Let us go for a walk."]
    audio = np.concatenate([gap] + [x for i, s in enumerate(sentences)
                                    for x in (espeak(s, tmp_path / f"{i}.wav"), gap)])
    assert SileroDetector(silero_vad).push(audio[:RATE // 2]) == [False] * (RATE // 2 // 512)
    one_piece = engine.transcribe(audio, RATE).text
    assert len(one_piece.split()) > 10
    result, st, rec = progressive(engine, audio, silero=silero_vad)
    assert st.detector == "silero"
    assert st.pieces >= len(sentences), st.pieces
    assert_cut_in_silence(rec.pieces)
    assert result.text == one_piece
