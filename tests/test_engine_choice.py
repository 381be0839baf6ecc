"""The CPU engine self-test: ours is chosen only where it agrees with sherpa-onnx on test_wavs/ and is faster."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pytestqt.qtbot import QtBot

from swictation_gui.models import check
from swictation_gui.models.catalogue import ModelLocation, resolve
from swictation_gui.recognition import engine_choice, factory
from swictation_gui.recognition.base import FloatArray, Recognizer
from swictation_gui.recognition.ort_engine import OrtEngine
from swictation_gui.recognition.sherpa_engine import SherpaEngine
from tests.fixtures import synth_models as sm


@pytest.fixture(scope="module")
def random_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sm.with_test_wavs(sm.build_random(tmp_path_factory.mktemp("choice") / "random", seed=3))


@pytest.fixture(scope="module")
def other_weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sm.with_test_wavs(sm.build_random(tmp_path_factory.mktemp("choice") / "other", seed=11))


def _loaded(engine: OrtEngine | SherpaEngine) -> OrtEngine | SherpaEngine:
    engine.load()
    return engine


def _timer(ours_s: float, sherpa_s: float) -> engine_choice.Timer:
    """A deterministic clock: each engine's transcription really runs, its duration is set by the test."""
    def timed(engine: Recognizer, audio: FloatArray) -> float:
        engine.transcribe(audio, 16_000)
        return ours_s if engine.name == "onnxruntime" else sherpa_s
    return timed


def test_agreeing_and_faster_ours_is_chosen(random_model: Path) -> None:
    location = resolve(str(random_model))
    ours, ref = _loaded(OrtEngine(location)), _loaded(SherpaEngine(location))
    verdict = engine_choice.self_test(engine_choice.test_wavs(random_model), ours, ref, _timer(0.01, 0.02))
    assert verdict.engine == "onnxruntime"
    assert verdict.agree and verdict.wavs == 2
    assert "same transcripts as sherpa-onnx on 2 test wavs, 0.50× its time" in verdict.reason
    assert engine_choice.describe(verdict).startswith("CPU engine: onnxruntime (ours): ")


def test_agreeing_but_slower_ours_keeps_sherpa(random_model: Path) -> None:
    location = resolve(str(random_model))
    ours, ref = _loaded(OrtEngine(location)), _loaded(SherpaEngine(location))
    verdict = engine_choice.self_test(engine_choice.test_wavs(random_model), ours, ref, _timer(0.03, 0.02))
    assert (verdict.engine, verdict.agree) == ("sherpa", True)
    assert "not faster" in verdict.reason and "1.50×" in verdict.reason


def test_disagreement_keeps_sherpa_and_names_the_wav(random_model: Path, other_weights: Path) -> None:
    # Two real engines that disagree: ours loads a model with other random weights, sherpa-onnx this one.
    ours = _loaded(OrtEngine(resolve(str(other_weights))))
    ref = _loaded(SherpaEngine(resolve(str(random_model))))
    verdict = engine_choice.self_test(engine_choice.test_wavs(random_model), ours, ref, _timer(0.001, 1.0))
    assert (verdict.engine, verdict.agree) == ("sherpa", False)
    assert verdict.reason == "onnxruntime's transcript of test_wavs/0.wav differs from sherpa-onnx's"


def test_no_or_unreadable_test_wavs_keep_sherpa(band_model: Path, tmp_path: Path) -> None:
    assert engine_choice.verdict(resolve(str(band_model))) == engine_choice.NO_WAVS
    broken = sm.build_band(tmp_path / "broken")
    (broken / "test_wavs").mkdir()
    (broken / "test_wavs" / "0.wav").write_bytes(b"RIFF not really a wav")
    verdict = engine_choice.verdict(resolve(str(broken)))
    assert verdict.engine == "sherpa" and verdict.reason.startswith("test_wavs/0.wav cannot be read")


def test_verdict_is_cached_with_the_check_and_redone_when_files_change(tmp_path: Path, random_model: Path) -> None:
    folder = sm.with_test_wavs(sm.build_random(tmp_path / "m", seed=3))
    location = resolve(str(folder))
    assert engine_choice.cached(location) is None
    first = engine_choice.verdict(location)  # a real child process loads both engines
    assert first.agree and first.wavs == 2 and first.ours_ms > 0 and first.sherpa_ms > 0
    assert engine_choice.cached(location) == first
    assert engine_choice.describe_for(str(folder)) == engine_choice.describe(first)
    check.check_folder(location)  # an unchanged model keeps its check verdict and the engine verdict with it
    assert engine_choice.cached(location) == first

    wav = folder / "test_wavs" / "en.wav"
    os.utime(wav, ns=(wav.stat().st_atime_ns, wav.stat().st_mtime_ns + 1_000_000))
    assert engine_choice.cached(location) is None, "a changed test wav must invalidate the verdict"
    engine_choice.verdict(location)
    assert engine_choice.cached(location) is not None

    joiner = folder / location.files.joiner
    os.utime(joiner, ns=(joiner.stat().st_atime_ns, joiner.stat().st_mtime_ns + 1_000_000))
    assert engine_choice.cached(location) is None, "a changed model file must invalidate the verdict"
    check.check_folder(location)  # the check verdict is redone; the engine verdict is not carried over
    assert engine_choice.cached(location) is None


def test_pick_follows_the_setting_and_the_verdict(band_model: Path, random_model: Path) -> None:
    band = resolve(str(band_model))
    assert factory.pick(band, "auto", "cpu", "onnxruntime") == ("onnxruntime", "cpu")
    assert factory.pick(band, "auto", "cpu", "sherpa") == ("sherpa", "cpu")
    assert factory.pick(band, "auto", "cpu", "auto") == ("sherpa", "cpu")  # no test_wavs: the reference
    assert factory.pick(band, "sherpa", "cpu", "onnxruntime") == ("sherpa", "cpu")  # --engine wins
    location = resolve(str(random_model))
    expected = engine_choice.verdict(location).engine  # whichever was faster on this machine, both agree
    assert factory.pick(location, "auto", "cpu", "auto") == (expected, "cpu")
    assert engine_choice.cached(location) is not None


@pytest.mark.parametrize("way", ["settings", "command line"])
def test_an_install_in_the_app_or_the_cli_runs_the_self_test(tmp_path: Path, way: str, qtbot: QtBot,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Settings → Install from archive (the InstallJob) and `models download FILE` both keep a verdict; the bare
    ``models.install.install`` (no recognition below it) leaves that to its caller's ``on_installed``."""
    from swictation_gui.cli import main as cli_main
    from swictation_gui.models.install import install
    from swictation_gui.models.sources import source_for_file
    from swictation_gui.ui.install_job import InstallJob
    from tests.fixtures.archives import pack

    folder = sm.with_test_wavs(sm.build_random(tmp_path / "src" / "my-model", seed=3))
    archive = pack(folder, tmp_path / "my-model.tar.bz2", "my-model")
    bare = install(source_for_file(archive.path), root=tmp_path / "bare")
    assert engine_choice.cached(bare) is None
    root = tmp_path / "models"
    if way == "settings":
        job = InstallJob(root=root)
        done: list[object] = []
        job.succeeded.connect(done.append)
        job.failed.connect(done.append)
        assert job.install(lambda: source_for_file(archive.path))
        qtbot.waitUntil(lambda: bool(done) and not job.busy(), timeout=120_000)
        location = done[0]
    else:
        assert cli_main(["models", "download", str(archive.path), "--dir", str(root)]) == 0, capsys.readouterr()
        location = resolve(str(root / "my-model"))
    assert isinstance(location, ModelLocation)
    verdict = engine_choice.cached(location)
    assert verdict is not None and verdict.agree and verdict.wavs == 2


def test_a_self_test_that_does_not_finish_keeps_sherpa_and_is_not_cached(tmp_path: Path) -> None:
    location = resolve(str(sm.with_test_wavs(sm.build_random(tmp_path / "slow", seed=3))))
    verdict = engine_choice.verdict(location, timeout=0.01)  # the child cannot even start in 10 ms
    assert verdict.engine == "sherpa" and "took more than" in verdict.reason
    assert engine_choice.cached(location) is None
