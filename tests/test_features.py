"""Our features against what sherpa-onnx 2.0.1 feeds its encoder (read back with the probe model)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from swictation_gui.models import check
from swictation_gui.models.catalogue import resolve
from swictation_gui.recognition import features
from tests.fixtures import synth_models as sm


@pytest.fixture(scope="module")
def module_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("features-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SWICTATION_GUI_HOME", str(home))
        yield home


def _audio() -> np.ndarray:
    """Speech-like mix: tones, noise, a digitally silent stretch (hits the log guard) and a quiet tail."""
    rng = np.random.default_rng(7)
    t = np.arange(12_000) / 16_000
    x = (0.3 * np.sin(2 * np.pi * 300 * t) * np.sin(2 * np.pi * 2 * t)
         + 0.05 * rng.standard_normal(t.size)).astype(np.float32)
    x[4_000:5_600] = 0.0
    x[-2_000:] *= 0.001
    return x


def _sherpa_features(folder: Path, feat_dim: int, audio: np.ndarray) -> np.ndarray:
    import sherpa_onnx

    location = resolve(str(folder))
    check.check_folder(location)  # sherpa runs in-process only on a folder that passed the check
    names = location.files
    rec = sherpa_onnx.OfflineRecognizer.from_transducer(
        encoder=str(folder / names.encoder), decoder=str(folder / names.decoder), joiner=str(folder / names.joiner),
        tokens=str(folder / names.tokens), num_threads=1, feature_dim=feat_dim,
        decoding_method="greedy_search", model_type="nemo_transducer")
    stream = rec.create_stream()
    stream.accept_waveform(16_000, audio)
    rec.decode_stream(stream)
    return sm.probe_features(stream.result.tokens, stream.result.ys_log_probs, feat_dim)


@pytest.mark.parametrize("feat_dim, normalize_type, layout", [
    (80, "per_feature", "plain"), (128, "per_feature", "int8"), (80, "", "plain"), (128, "", "plain")])
def test_features_equal_sherpa(module_home: Path, tmp_path: Path, feat_dim: int, normalize_type: str,
                               layout: str) -> None:
    audio = _audio()
    folder = sm.build_probe(tmp_path / "probe", feat_dim=feat_dim, normalize_type=normalize_type, layout=layout)
    theirs = _sherpa_features(folder, feat_dim, audio)
    ours = features.FeatureExtractor(feat_dim, normalize_type).compute(audio)
    assert ours.shape == theirs.shape == (features.num_frames(audio.size), feat_dim)
    assert ours.dtype == np.float32
    assert float(np.max(np.abs(ours - theirs))) < 1e-4


@pytest.mark.parametrize("feat_dim, normalize_type", [(80, "per_feature"), (128, ""), (128, "per_feature")])
def test_numpy_method_is_close_to_kaldi(feat_dim: int, normalize_type: str) -> None:
    """The vectorized method differs only by FFT rounding (documented bound 1e-3, typically 1e-4)."""
    audio = _audio()
    kaldi = features.FeatureExtractor(feat_dim, normalize_type, "kaldi").compute(audio)
    fast = features.FeatureExtractor(feat_dim, normalize_type, "numpy").compute(audio)
    assert fast.shape == kaldi.shape
    assert float(np.max(np.abs(fast - kaldi))) < 1e-3
    assert float(np.mean(np.abs(fast - kaldi))) < 1e-5


@pytest.mark.parametrize("n", [80, 81, 159, 160, 239, 240, 399, 400, 401, 1234])
def test_frame_count_and_edges_match_kaldi(n: int) -> None:
    """snip_edges=False: (n + 80) // 160 frames, reflected edges, even for clips shorter than a frame."""
    audio = (np.random.default_rng(n).standard_normal(n) * 0.1).astype(np.float32)
    ref = features.kaldi_reference(audio, 80, "")
    fast = features.FeatureExtractor(80, "", "numpy").compute(audio)
    assert ref.shape[0] == fast.shape[0] == features.num_frames(n)
    assert float(np.max(np.abs(fast - ref))) < 1e-3


def test_per_feature_normalization_uses_population_std() -> None:
    x = np.array([[1.0, 10.0], [3.0, 10.0]], np.float32)
    out = features.normalize_per_feature(x)
    np.testing.assert_allclose(out[:, 0], [-1.0 / (1.0 + 1e-5), 1.0 / (1.0 + 1e-5)], rtol=1e-6)
    np.testing.assert_array_equal(out[:, 1], [0.0, 0.0])


def test_unknown_options_are_refused() -> None:
    with pytest.raises(ValueError, match="normalize_type"):
        features.FeatureExtractor(80, "all_features")
    with pytest.raises(ValueError, match="method"):
        features.FeatureExtractor(80, "", "torch")
