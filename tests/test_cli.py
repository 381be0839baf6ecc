"""The command line as a user runs it: transcribe, models, doctor (real subprocesses)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile
import soxr

from swictation_gui.models.catalogue import CPU_MODEL, installed_dir
from swictation_gui.settings import ModelChoice, Settings, SettingsStore
from tests.fixtures import synth_models as sm
from tests.fixtures.wav_headers import write_u8_wav

PHRASE = ["sol", "do", "la", "re"]  # all below 4 kHz, so an 8 kHz file can carry them


def swictation(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "swictation_gui", *args], capture_output=True, text=True,
                          timeout=timeout, check=False, env=dict(os.environ))


@pytest.fixture(scope="module")
def wavs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The same tone phrase as 16 kHz float, 8 kHz, 44.1 kHz, stereo and int16 files."""
    folder = tmp_path_factory.mktemp("wavs")
    audio = sm.band_phrase(PHRASE, feat_dim=80)
    files = {}
    for name, data, rate, subtype in [
        ("f32_16k", audio, 16000, "FLOAT"),
        ("pcm16_8k", soxr.resample(audio, 16000, 8000), 8000, "PCM_16"),
        ("f32_44k", soxr.resample(audio, 16000, 44100), 44100, "FLOAT"),
        ("stereo_48k", np.stack([soxr.resample(audio, 16000, 48000)] * 2, axis=1), 48000, "PCM_24"),
        ("pcm16_16k", audio, 16000, "PCM_16"),
    ]:
        path = folder / f"{name}.wav"
        soundfile.write(path, data, rate, subtype=subtype)
        files[name] = path
    return files


def test_transcribe_prints_the_words_for_every_format(band_model: Path, wavs: dict[str, Path]) -> None:
    for name, path in wavs.items():
        proc = swictation("transcribe", "--model", str(band_model), str(path))
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == " ".join(PHRASE) + "\n", name


def test_transcribe_json_and_many_files(band_model: Path, wavs: dict[str, Path]) -> None:
    proc = swictation("transcribe", "--json", "--model", str(band_model), str(wavs["f32_16k"]), str(wavs["pcm16_8k"]))
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["engine"] == "sherpa-onnx" and report["device"] == "cpu"
    assert [r["text"] for r in report["results"]] == [" ".join(PHRASE)] * 2
    first = report["results"][0]
    assert first["tokens"] == [" " + w for w in PHRASE]
    assert len(first["timestamps"]) == 4 and first["timings_ms"]["total"] > 0


def test_bad_files_fail_with_exit_2_and_the_others_still_run(band_model: Path, wavs: dict[str, Path],
                                                           tmp_path: Path) -> None:
    text_file = tmp_path / "notes.wav"
    text_file.write_text("definitely not audio")
    missing = tmp_path / "missing.wav"
    proc = swictation("transcribe", "--model", str(band_model), str(text_file), str(wavs["f32_16k"]), str(missing))
    assert proc.returncode == 2
    assert proc.stdout == f"{wavs['f32_16k']}: {' '.join(PHRASE)}\n"
    errors = proc.stderr.strip().splitlines()
    assert len(errors) == 2
    assert "notes.wav: not a readable audio file" in errors[0]
    assert "missing.wav: no such file" in errors[1]


def test_catalogue_model_by_key_and_models_listing(band_model_int8: Path, wavs: dict[str, Path]) -> None:
    proc = swictation("transcribe", "--model", "cpu", str(wavs["f32_16k"]))
    assert proc.returncode == 2 and "models download cpu" in proc.stderr
    shutil.copytree(band_model_int8, installed_dir(CPU_MODEL))  # stands in for the real 0.6B archive
    listing = json.loads(swictation("models", "--json").stdout)
    status = {m["key"]: m["status"] for m in listing["models"]}
    assert status == {"gpu": "not installed", "cpu": "ok"}
    # The 128-bin model needs its own tones: the catalogue entry loads with the int8 names.
    wav = wavs["f32_16k"].parent / "p128.wav"
    soundfile.write(wav, sm.band_phrase(PHRASE, feat_dim=128), 16000)
    proc = swictation("transcribe", "--model", "cpu", str(wav))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == " ".join(PHRASE)
    assert swictation("transcribe", str(wav)).stdout.strip() == " ".join(PHRASE)  # default: first installed


def test_models_listing_reports_a_broken_install(band_model_int8: Path) -> None:
    target = installed_dir(CPU_MODEL)
    shutil.copytree(band_model_int8, target)
    (target / "joiner.int8.onnx").write_bytes(b"")
    text = swictation("models").stdout
    assert "broken: joiner.int8.onnx" in text and "empty" in text


def test_doctor_reports_each_area_with_fixes() -> None:
    proc = swictation("doctor", "--json", timeout=180)
    findings = json.loads(proc.stdout)
    topics = {f["topic"]: f for f in findings}
    for topic in ("python", "sherpa-onnx", "onnxruntime", "onnxruntime providers", "display", "model gpu", "model cpu"):
        assert topic in topics, topic
    assert topics["sherpa-onnx"]["detail"] == "2.0.1"
    cuda = topics["CUDA"]
    if cuda["level"] != "ok":  # onnxruntime-gpu without a usable GPU: say so, and why
        assert cuda["detail"].startswith("cuda requested, running on cpu: "), cuda
    assert topics["model cpu"]["level"] == "warn" and topics["model cpu"]["fix"] == "swictation-gui models download cpu"
    assert all(f["fix"] for f in findings if f["level"] != "ok")
    assert proc.returncode == (1 if any(f["level"] == "fail" for f in findings) else 0)


def test_version_and_usage_errors() -> None:
    proc = swictation("--version")
    assert proc.returncode == 0 and "swictation-gui" in proc.stdout
    proc = swictation("transcribe")
    assert proc.returncode == 2 and "FILE" in proc.stderr
    proc = swictation("--help")  # the subcommands, and the tray app's own options
    assert proc.returncode == 0 and "transcribe" in proc.stdout and "--max-record-seconds N" in proc.stdout


def test_app_options_with_separate_values_reach_the_app(band_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    proc = swictation("--model-dir", str(band_model), "--hotkey", "f9")
    assert "invalid choice" not in proc.stderr
    assert proc.returncode == 1 and "No graphical display" in proc.stderr


def test_damaged_rate_and_absurd_length_headers_fail_alone_with_exit_2(band_model: Path, wavs: dict[str, Path],
                                                                       tmp_path: Path) -> None:
    one_hz = write_u8_wav(tmp_path / "1hz.wav", 1, 100)            # resampled, it would be 1.6 M samples per 100
    two_ghz = write_u8_wav(tmp_path / "2ghz.wav", 2_000_000_000, 1000)  # resampled to nothing: an empty line
    long = write_u8_wav(tmp_path / "long.wav", 1000, int(3.5 * 3600 * 1000), sparse=True)
    proc = swictation("transcribe", "--model", str(band_model), str(one_hz), str(wavs["f32_16k"]), str(two_ghz),
                      str(long))
    assert proc.returncode == 2
    assert proc.stdout == f"{wavs['f32_16k']}: {' '.join(PHRASE)}\n"
    assert proc.stderr.strip().splitlines() == [
        f"error: {one_hz}: the sample rate 1 Hz is outside the 1 kHz to 384 kHz that can be transcribed "
        "(a damaged file header?).",
        f"error: {two_ghz}: the sample rate 2,000,000,000 Hz is outside the 1 kHz to 384 kHz that can be "
        "transcribed (a damaged file header?).",
        f"error: {long}: the audio is 3.5 hours long; at most 3 hours can be transcribed at once "
        "(split it into shorter files).",
    ]


def test_without_model_the_settings_choice_is_used_even_a_custom_folder(band_model: Path, wavs: dict[str, Path],
                                                                        tmp_path: Path) -> None:
    SettingsStore().save(Settings(model=ModelChoice.CUSTOM, custom_model_dir=str(band_model)))
    proc = swictation("transcribe", "--json", str(wavs["f32_16k"]))
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["model"] == str(band_model) and report["model_choice"] == str(band_model)
    assert report["model_from"] == "settings"
    assert [r["text"] for r in report["results"]] == [" ".join(PHRASE)]
    SettingsStore().save(Settings(model=ModelChoice.CUSTOM, custom_model_dir=str(tmp_path / "gone")))
    proc = swictation("transcribe", str(wavs["f32_16k"]))  # never a silent switch to another model
    assert proc.returncode == 2 and str(tmp_path / "gone") in proc.stderr
