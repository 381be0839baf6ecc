"""``swictation-gui bench`` on a synthetic model: rows, parity flags, overhead ratio and error rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from swictation_gui import bench
from swictation_gui.cli import main
from swictation_gui.settings import ModelChoice, Settings, SettingsStore


def test_bench_json_on_a_band_model(band_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["bench", "--model", str(band_model), "--device", "cpu", "--device", "cuda",
                 "--repeats", "1", "--audio", "tones", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    rows = report["rows"]
    assert [(r["engine"], r["device"]) for r in rows] == [("sherpa", "cpu"), ("onnxruntime", "cpu"),
                                                         ("onnxruntime", "cuda")]
    for row in rows:
        assert not row["error"]
        assert set(row["lengths"]) == {"2.8", "30"}
        for data in row["lengths"].values():
            assert data["same_as_sherpa_cpu"] is True
            assert data["cold_ms"] > 0 and data["warm_ms"] > 0 and data["rtf"] > 0
            assert data["audio"] == "tones+noise"
    ours = rows[1]["lengths"]["30"]["stages_ms"]
    assert {"features", "encoder", "decode"} <= set(ours)
    assert abs(rows[1]["lengths"]["30"]["audio_s"] - 30.0) < 1e-6
    assert rows[2]["device_note"] in ("GPU (CUDA)",) or rows[2]["device_note"].startswith("cuda requested, running")
    assert {item["length"] for item in report["overhead"]} == {"2.8", "30"}


def test_a_broken_model_gives_an_error_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["bench", "--model", str(tmp_path / "missing"), "--engine", "onnxruntime", "--device", "cpu",
                 "--repeats", "1", "--audio", "tones"])
    out = capsys.readouterr().out
    assert code == 1
    assert "ERROR" in out and "does not exist" in out


def test_table_marks_differences_and_fallbacks() -> None:
    ref = bench.Row("m", "sherpa", "cpu", "CPU", lengths={"2.8": _length("a b")})
    ours = bench.Row("m", "onnxruntime", "cuda", "cuda requested, running on cpu: x",
                     lengths={"2.8": _length("a c")})
    rows = [ref, ours]
    bench.compare(rows)
    assert ref.lengths["2.8"]["same_as_sherpa_cpu"] is True
    assert ours.lengths["2.8"]["same_as_sherpa_cpu"] is False
    text = bench.table(rows)
    assert "cuda->cpu (fallback)" in text and " NO " in text
    assert "cuda requested, running on cpu: x" in text


def _length(text: str) -> dict[str, object]:
    return {"audio_s": 2.8, "audio": "tones+noise", "cold_ms": 2.0, "warm_ms": 1.0, "rtf": 0.001,
            "stages_ms": {"features": 0.5}, "text": text, "tokens": text.split(), "timestamps": [0.0]}


def test_audio_is_deterministic_and_exact_length() -> None:
    a, source = bench.make_audio(2.8, "tones")
    b, _ = bench.make_audio(2.8, "tones")
    assert source == "tones+noise" and a.size == 44_800 and (a == b).all()


def test_without_model_the_settings_choice_is_benchmarked(band_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    SettingsStore().save(Settings(model=ModelChoice.CUSTOM, custom_model_dir=str(band_model)))
    code = main(["bench", "--engine", "sherpa", "--device", "cpu", "--repeats", "1", "--audio", "tones", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["models"] == [{"model": str(band_model), "from": "settings"}]
    assert [(r["model"], r["error"]) for r in report["rows"]] == [(str(band_model), "")]


def test_without_any_model_bench_says_how_to_get_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--json"]) == 2
    assert "models download gpu" in capsys.readouterr().err
