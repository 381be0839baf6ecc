"""Input rules: any rate, mono or stereo, float or integer, finite only."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import soundfile

from swictation_gui.errors import AudioInputError
from swictation_gui.recognition import audio_input, segment
from tests.fixtures.wav_headers import write_u8_wav


def test_int16_is_scaled_to_unit_range() -> None:
    out = audio_input.to_mono_float(np.array([0, 16384, -32768, 32767], np.int16))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [0.0, 0.5, -1.0, 32767 / 32768], atol=1e-6)


def test_unsigned_8bit_is_centred() -> None:
    out = audio_input.to_mono_float(np.array([0, 128, 255], np.uint8))
    np.testing.assert_allclose(out, [-1.0, 0.0, 0.992], atol=0.01)


def test_stereo_is_downmixed_in_either_orientation() -> None:
    frames = np.stack([np.full(100, 0.2, np.float32), np.full(100, 0.4, np.float32)], axis=1)
    np.testing.assert_allclose(audio_input.to_mono_float(frames), np.full(100, 0.3), atol=1e-6)
    np.testing.assert_allclose(audio_input.to_mono_float(frames.T), np.full(100, 0.3), atol=1e-6)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_samples_are_rejected(bad: float) -> None:
    samples = np.zeros(1000, np.float32)
    samples[500] = bad
    with pytest.raises(AudioInputError, match="NaN or infinite"):
        audio_input.prepare(samples, 16000)


def test_wrong_shapes_and_types_are_rejected() -> None:
    with pytest.raises(AudioInputError, match="shape"):
        audio_input.to_mono_float(np.zeros((2, 2, 2), np.float32))
    with pytest.raises(AudioInputError, match="numbers"):
        audio_input.to_mono_float(np.array(["a", "b"]))
    with pytest.raises(AudioInputError, match="sample rate"):
        audio_input.prepare(np.zeros(10, np.float32), 0)


@pytest.mark.parametrize("rate", [8000, 22050, 44100, 48000])
def test_resampling_keeps_duration_and_pitch(rate: int) -> None:
    t = np.arange(rate) / rate
    out = audio_input.prepare((0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32), rate)
    assert abs(out.size - 16000) <= 2
    spectrum = np.abs(np.fft.rfft(out[1000:15000]))
    peak_hz = np.argmax(spectrum) * 16000 / 14000
    assert abs(peak_hz - 1000) < 5


def test_split_points_cut_in_pauses_and_bound_segment_length() -> None:
    rng = np.random.default_rng(0)
    loud = lambda s: (0.3 * rng.standard_normal(int(s * 16000))).astype(np.float32)  # noqa: E731
    quiet = lambda s: np.zeros(int(s * 16000), np.float32)  # noqa: E731
    audio = np.concatenate([loud(2.5), quiet(0.3), loud(2.0), quiet(0.3), loud(1.0)])
    cuts = segment.split_points(audio, max_seconds=3.0)
    bounds = [0, *cuts, audio.size]
    assert all(hi - lo <= 3 * 16000 for lo, hi in itertools.pairwise(bounds))
    for cut in cuts:  # every cut falls in a silent stretch
        assert np.all(audio[cut - 80:cut + 80] == 0.0)
    assert segment.split_points(audio[:16000], max_seconds=3.0) == []


def test_join_texts() -> None:
    assert segment.join_texts(["hello", " world ", "", "again"]) == "hello world again"
    assert segment.join_texts(["日本", "語"]) == "日本語"


@pytest.mark.parametrize("rate", [1, 999, 384_001, 2_000_000_000])
def test_rates_outside_1_khz_to_384_khz_are_refused(rate: int, tmp_path: Path) -> None:
    with pytest.raises(AudioInputError, match="1 kHz to 384 kHz"):
        audio_input.prepare(np.zeros(100, np.float32), rate)
    path = write_u8_wav(tmp_path / "bad.wav", rate, 100)
    with pytest.raises(AudioInputError, match=r"bad\.wav: the sample rate .* Hz is outside the 1 kHz to 384 kHz"):
        audio_input.read_file(path)


def test_rates_at_the_limits_are_accepted() -> None:
    assert audio_input.prepare(np.zeros(1000, np.float32), 1000).size == 16000
    assert abs(audio_input.prepare(np.zeros(384_000, np.float32), 384_000).size - 16000) <= 2


def test_a_header_longer_than_the_limit_is_refused_before_reading(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    frames = int((audio_input.MAX_SECONDS + 600) * 1000)
    path = write_u8_wav(tmp_path / "long.wav", 1000, frames, sparse=True)
    monkeypatch.setattr(soundfile.SoundFile, "read", lambda *a, **k: pytest.fail("samples were read"))
    with pytest.raises(AudioInputError, match=r"long\.wav: the audio is 3\.2 hours long; at most 3 hours"):
        audio_input.read_file(path)
    with pytest.raises(AudioInputError, match="at most 3 hours"):
        audio_input.prepare(np.zeros(frames, np.uint8), 1000)


@pytest.mark.parametrize(("rate", "channels", "subtype"), [(16000, 1, "FLOAT"), (44100, 2, "PCM_16"),
                                                           (8000, 1, "PCM_U8"), (48000, 2, "PCM_24")])
def test_read_file_gives_the_samples_prepare_gives(rate: int, channels: int, subtype: str, tmp_path: Path) -> None:
    rng = np.random.default_rng(rate)
    data = (0.3 * rng.standard_normal((3 * rate + 17, channels))).astype(np.float32)  # several blocks, odd end
    path = tmp_path / "a.wav"
    soundfile.write(path, data, rate, subtype=subtype)
    whole, _ = soundfile.read(str(path), dtype="float32", always_2d=True)
    np.testing.assert_array_equal(audio_input.read_file(path), audio_input.prepare(whole, rate))


def test_read_file_names_the_file_it_cannot_read(tmp_path: Path) -> None:
    with pytest.raises(AudioInputError, match=r"missing\.wav: no such file"):
        audio_input.read_file(tmp_path / "missing.wav")
    (tmp_path / "notes.wav").write_text("not audio")
    with pytest.raises(AudioInputError, match=r"notes\.wav: not a readable audio file \("):
        audio_input.read_file(tmp_path / "notes.wav")
