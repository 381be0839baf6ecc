"""Broken model folders give one clear line and exit code 2, never a crash or sherpa's exit 255."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import onnx
import pytest
import soundfile

from swictation_gui import paths
from swictation_gui.errors import ModelError
from swictation_gui.models import check
from swictation_gui.models.catalogue import resolve
from tests.fixtures import synth_models as sm


def _drop_meta(key: str) -> Callable[[Path], None]:
    def breaker(folder: Path) -> None:
        model = onnx.load(str(folder / "encoder.onnx"))
        kept = [p for p in model.metadata_props if p.key != key]
        del model.metadata_props[:]
        model.metadata_props.extend(kept)
        onnx.save(model, str(folder / "encoder.onnx"))
    return breaker


def _set_meta(key: str, value: str) -> Callable[[Path], None]:
    def breaker(folder: Path) -> None:
        model = onnx.load(str(folder / "encoder.onnx"))
        for prop in model.metadata_props:
            if prop.key == key:
                prop.value = value
        onnx.save(model, str(folder / "encoder.onnx"))
    return breaker


def _truncate(name: str) -> Callable[[Path], None]:
    def breaker(folder: Path) -> None:
        data = (folder / name).read_bytes()
        (folder / name).write_bytes(data[: len(data) // 2])
    return breaker


def _write(name: str, text: str) -> Callable[[Path], None]:
    return lambda folder: (folder / name).write_text(text, encoding="utf-8")  # type: ignore[func-returns-value]


def _tokens_minus_one(folder: Path) -> None:
    symbols = [ln.split()[0] for ln in (folder / "tokens.txt").read_text(encoding="utf-8").splitlines()]
    kept = symbols[1:]  # one word fewer, <blk> still last
    (folder / "tokens.txt").write_text("".join(f"{s} {i}\n" for i, s in enumerate(kept)), encoding="utf-8")


# (case id, breaker, substrings the one-line message must contain)
CASES: list[tuple[str, Callable[[Path], None], tuple[str, ...]]] = [
    ("missing-joiner", lambda f: (f / "joiner.onnx").unlink(), ("joiner.onnx is missing",)),
    ("empty-encoder", _write("encoder.onnx", ""), ("encoder.onnx", "empty")),
    ("truncated-encoder", _truncate("encoder.onnx"), ("encoder.onnx", "not a valid ONNX model")),
    ("truncated-decoder", _truncate("decoder.onnx"), ("decoder.onnx", "not a valid ONNX model")),
    ("garbage-joiner", _write("joiner.onnx", "this is not onnx"), ("joiner.onnx", "not a valid ONNX")),
    ("no-vocab-size", _drop_meta("vocab_size"), ("encoder.onnx", "vocab_size")),
    ("no-pred-hidden", _drop_meta("pred_hidden"), ("encoder.onnx", "pred_hidden")),
    ("bad-normalize", _set_meta("normalize_type", "global"), ("encoder.onnx", "normalize_type")),
    ("not-tdt", _set_meta("url", "https://example.invalid/rnnt"), ("not a TDT model",)),
    ("tokens-count", _tokens_minus_one, ("tokens.txt", "expects")),
    ("tokens-no-blank", _write("tokens.txt", "▁a 0\n▁b 1\n"), ("tokens.txt", "<blk>")),
    ("tokens-malformed", _write("tokens.txt", "▁a 0 extra\n<blk> 1\n"), ("tokens.txt", "line 1")),
    ("tokens-gap", _write("tokens.txt", "▁a 0\n<blk> 5\n"), ("tokens.txt", "gaps")),
]


@pytest.mark.parametrize(("case", "breaker", "needles"), CASES, ids=[c[0] for c in CASES])
def test_check_folder_explains_each_fault(band_model: Path, tmp_path: Path, case: str,
                                          breaker: Callable[[Path], None], needles: tuple[str, ...]) -> None:
    folder = tmp_path / "model"
    shutil.copytree(band_model, folder)
    breaker(folder)
    with pytest.raises(ModelError) as info:
        check.check_folder(resolve(str(folder)))
    message = str(info.value)
    assert "\n" not in message
    for needle in needles:
        assert needle in message, message
    assert str(folder) in message  # the remedy names the folder


CLI_CASES = [*CASES[::3], CASES[5]]


@pytest.mark.parametrize(("case", "breaker", "needles"), CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_cli_exits_2_with_one_line(band_model: Path, tmp_path: Path, case: str,
                                   breaker: Callable[[Path], None], needles: tuple[str, ...]) -> None:
    folder = tmp_path / "model"
    shutil.copytree(band_model, folder)
    breaker(folder)
    wav = tmp_path / "a.wav"
    soundfile.write(wav, sm.band_phrase(["do"]), 16000)
    proc = subprocess.run([sys.executable, "-m", "swictation_gui", "transcribe", "--model", str(folder), str(wav)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert all(n in lines[0] for n in needles)


def test_verdicts_are_cached_until_a_file_changes(band_model: Path, tmp_path: Path) -> None:
    folder = tmp_path / "model"
    shutil.copytree(band_model, folder)
    location = resolve(str(folder))
    info = check.check_folder(location)
    assert info.feat_dim == 80 and info.vocab_size == 9 and info.is_tdt
    cache = json.loads((paths.cache_dir() / "model-checks.json").read_text())
    entry = cache[str(folder.resolve())]
    assert entry["ok"] and entry["fingerprint"] == check.fingerprint(location)
    # A cached verdict is used as is: poison it and see that it is believed...
    entry["info"]["feat_dim"] = 99
    (paths.cache_dir() / "model-checks.json").write_text(json.dumps(cache))
    assert check.check_folder(location).feat_dim == 99
    # ...until a model file changes, which forces a fresh probe.
    _drop_meta("vocab_size")(folder)
    with pytest.raises(ModelError, match="vocab_size"):
        check.check_folder(location)


def test_catalogue_model_not_installed_says_how_to_install() -> None:
    with pytest.raises(ModelError, match="swictation-gui models download cpu"):
        resolve("cpu")
