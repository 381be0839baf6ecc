"""Our onnxruntime engine against sherpa-onnx 2.0.1: same text, tokens, token times and durations."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from swictation_gui.models.catalogue import resolve
from swictation_gui.recognition.base import Transcript
from swictation_gui.recognition.ort_engine import OrtEngine
from swictation_gui.recognition.sherpa_engine import SherpaEngine
from tests.fixtures import synth_models as sm

# 4 seeds x (80 bins plain, 128 bins int8) x 5 signals = 40 random-weight cases.
RANDOM_MODELS = [(seed, 80, "plain") for seed in range(4)] + [(seed, 128, "int8") for seed in range(4, 8)]
SIGNALS_PER_MODEL = 5


@dataclass(frozen=True)
class Case:
    label: str
    ours: Transcript
    sherpa: Transcript


def _signals(seed: int) -> list[np.ndarray]:
    """Noise, a chirp-modulated noise, a tone mix, a burst between silences and a very short clip."""
    rng = np.random.default_rng(1000 + seed)
    n = int(rng.integers(12_000, 40_000))
    t = np.arange(n) / 16_000
    noise = rng.standard_normal(n).astype(np.float32)
    burst = np.zeros(n, np.float32)
    burst[n // 3: 2 * n // 3] = noise[n // 3: 2 * n // 3] * 0.3
    return [
        noise * 0.1,
        (noise * 0.5 * np.sin(2 * np.pi * 3 * t)).astype(np.float32),
        (0.2 * np.sin(2 * np.pi * 440 * t) + 0.1 * np.sin(2 * np.pi * 2500 * t) + 0.01 * noise).astype(np.float32),
        burst,
        noise[:1_300] * 0.2,
    ]


def _same(a: Transcript, b: Transcript) -> bool:
    return (a.text, a.tokens, a.timestamps, a.durations) == (b.text, b.tokens, b.timestamps, b.durations)


def _engines(folder: Path, **ours: object) -> tuple[OrtEngine, SherpaEngine]:
    location = resolve(str(folder))
    mine = OrtEngine(location, **ours)  # type: ignore[arg-type]
    mine.load()
    ref = SherpaEngine(location, num_threads=1)
    ref.load()
    return mine, ref


@pytest.fixture(scope="module")
def isolated_module_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("parity-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SWICTATION_GUI_HOME", str(home))
        yield home


@pytest.fixture(scope="module")
def random_cases(isolated_module_home: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Case]:
    cases: list[Case] = []
    for seed, feat_dim, layout in RANDOM_MODELS:
        folder = sm.build_random(tmp_path_factory.mktemp(f"random{seed}"), seed=seed, feat_dim=feat_dim, layout=layout)
        mine, ref = _engines(folder)
        for i, audio in enumerate(_signals(seed)):
            cases.append(Case(f"seed{seed}-{feat_dim}-{layout}-sig{i}", mine.transcribe(audio, 16_000),
                              ref.transcribe(audio, 16_000)))
    return cases


@pytest.mark.parametrize("index", range(len(RANDOM_MODELS) * SIGNALS_PER_MODEL))
def test_random_model_case_is_identical(random_cases: list[Case], index: int) -> None:
    case = random_cases[index]
    assert case.ours.text == case.sherpa.text, case.label
    assert case.ours.tokens == case.sherpa.tokens, case.label
    assert case.ours.timestamps == case.sherpa.timestamps, case.label
    assert case.ours.durations == case.sherpa.durations, case.label


def test_random_cases_exercise_the_hard_rules(random_cases: list[Case]) -> None:
    """The 40 cases must include duration-0 emissions and runs that hit the 5-per-frame cap."""
    assert len(random_cases) >= 40
    zero_durations = sum(d == 0.0 for c in random_cases for d in c.sherpa.durations)
    capped_runs = 0
    for c in random_cases:
        stamps = c.sherpa.timestamps
        capped_runs += sum(1 for i in range(len(stamps) - 4) if len(set(stamps[i:i + 5])) == 1
                           and (i == 0 or stamps[i - 1] != stamps[i]))
    assert zero_durations >= 10, zero_durations
    assert capped_runs >= 3, capped_runs
    assert sum(len(c.sherpa.tokens) for c in random_cases) >= 200
    assert all(_same(c.ours, c.sherpa) for c in random_cases)


def test_random_model_without_normalization(isolated_module_home: Path, tmp_path: Path) -> None:
    folder = sm.build_random(tmp_path / "m", seed=11, feat_dim=80, normalize_type="")
    mine, ref = _engines(folder)
    for audio in _signals(11):
        a, b = mine.transcribe(audio, 16_000), ref.transcribe(audio, 16_000)
        assert _same(a, b), (a.text, b.text)


def test_long_audio_is_split_the_same_way(isolated_module_home: Path, tmp_path: Path) -> None:
    folder = sm.build_random(tmp_path / "m", seed=3, feat_dim=80)
    location = resolve(str(folder))
    mine = OrtEngine(location, max_segment_seconds=2.0)
    mine.load()
    ref = SherpaEngine(location, num_threads=1, max_segment_seconds=2.0)
    ref.load()
    rng = np.random.default_rng(5)
    audio = (rng.standard_normal(16_000 * 5) * 0.2).astype(np.float32)
    audio[16_000 * 2 - 2_000: 16_000 * 2] = 0.0
    a, b = mine.transcribe(audio, 16_000), ref.transcribe(audio, 16_000)
    assert _same(a, b)
    assert max(a.timestamps) > 2.0


@pytest.mark.parametrize("fixture_name, feat_dim", [("band_model", 80), ("band_model_int8", 128)])
def test_band_model_words(request: pytest.FixtureRequest, fixture_name: str, feat_dim: int) -> None:
    folder: Path = request.getfixturevalue(fixture_name)
    mine, ref = _engines(folder)
    for words in (["do", "re", "mi"], ["la", "ti", "hi", "sol", "fa"], ["re"]):
        audio = sm.band_phrase(words, feat_dim=feat_dim)
        a, b = mine.transcribe(audio, 16_000), ref.transcribe(audio, 16_000)
        assert a.text == " ".join(words)
        assert _same(a, b)
    silence = np.zeros(16_000, np.float32)
    assert mine.transcribe(silence, 16_000).text == ""


PUNCT_PIECES = ["▁", "▁Hello", ",", "▁world", "▁.", "▁it", "'", "s", "▁'", "▁$", "5", "▁(", "ok", ")", "▁-",
                "▁你", "▁好", "▁Ça", "▁va", "▁", "?", "▁end", "▁"]
BYTE_SYMBOLS = ["<unk>", "▁caf", "▁ok", *[f"<0x{i:02X}>" for i in range(256)]]


def _script_cases(tmp: Path) -> list[tuple[str, Path, str | None]]:
    """(label, model folder, the text sherpa-onnx 2.0.1 is known to produce)."""
    cap_script: list[tuple[str | None, int]] = [("▁ha", 0)] * 8 + [("▁x", 1), (None, 0), ("▁y", 2), (None, 1),
                                                                    ("▁z", 0), ("▁z", 3), (None, 1), (None, 1)]
    bytes_script: list[tuple[str | None, int]] = [(p, 1) for p in
                                                  ["▁caf", "<0xC3>", "<0xA9>", "▁ok", "<unk>", "<0xE4>", "▁ok"]]
    return [
        ("punctuation-cjk", sm.build_text(tmp / "punct", PUNCT_PIECES), "Hello, world. it's'$5(ok)- 你好 Ça va? end "),
        ("cap-and-skips", sm.build_script(tmp / "cap", ["▁ha", "▁x", "▁y", "▁z"], cap_script), None),
        ("bytes-unk", sm.build_script(tmp / "bytes", BYTE_SYMBOLS, bytes_script), "café ok<unk>\ufffd ok"),
        ("int8-128", sm.build_text(tmp / "i8", ["▁Zürich", "▁", "!", "▁日", "本"], feat_dim=128, layout="int8"),
         "Zürich! 日本"),
    ]


def test_scripted_text_rules(isolated_module_home: Path, tmp_path: Path) -> None:
    audio = (np.random.default_rng(2).standard_normal(16_000) * 0.1).astype(np.float32)
    for label, folder, expected in _script_cases(tmp_path):
        mine, ref = _engines(folder)
        a, b = mine.transcribe(audio, 16_000), ref.transcribe(audio, 16_000)
        assert _same(a, b), (label, a.text, b.text, a.timestamps, b.timestamps)
        if expected is not None:
            assert a.text == expected, label
        if label == "cap-and-skips":
            # 5 × ha on frame 0 (cap), then the script continues from frame 1.
            assert a.tokens[:5] == (" ha",) * 5 and set(a.timestamps[:5]) == {0.0}
            assert a.tokens[5] == " ha" and a.timestamps[5] > 0.0
