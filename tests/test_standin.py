"""The real-size stand-in builder (benchmarks/standin.py), tested through a scaled-down variant of each model.

The real-size stand-ins are hundreds of MB and built on demand for benchmarks; nothing here needs them.
The tiny variants go through the same code: FastConformer encoder graph, int8 quantization, metadata,
test_wavs, joiner calibration; sherpa-onnx must load them and our engine must agree with it.
"""

from __future__ import annotations

import json
from pathlib import Path

import onnx
import pytest

from benchmarks import standin
from benchmarks import standin_graph as sg
from swictation_gui.models.catalogue import resolve

TINY = {"d_model": 64, "n_layers": 2, "n_heads": 4, "ff_dim": 128, "vocab": 60, "pred_hidden": 32, "joint_dim": 32,
        "pos_rows": 1999, "sub_channels": 16}


@pytest.mark.parametrize("key", ["gpu", "cpu"])
def test_tiny_standin_loads_in_sherpa_and_our_engine_agrees(key: str, tmp_path: Path) -> None:
    config = standin.CONFIGS[key].scaled(**TINY)
    folder = standin.build(key, tmp_path, config)
    spec = standin.SPECS[key]
    assert folder.name == spec.name and resolve(str(folder)).spec == spec  # the catalogue's folder and layout
    assert sorted(p.name for p in folder.glob("*.onnx")) == sorted(spec.files.all()[:3])
    meta = {p.key: p.value for p in onnx.load(str(folder / spec.files.encoder), load_external_data=False)
            .metadata_props}
    assert meta["vocab_size"] == "60" and meta["pred_rnn_layers"] == str(config.pred_layers)
    assert "tdt" in meta["url"] and meta["normalize_type"] == "per_feature"
    ops = {n.op_type for n in onnx.load(str(folder / spec.files.encoder)).graph.node}
    if key == "cpu":  # dynamically quantized like sherpa-onnx's export; attention's own MatMuls stay float
        assert {"ConvInteger", "MatMulInteger", "DynamicQuantizeLinear", "MatMul"} <= ops
    else:
        assert "MatMulInteger" not in ops and {"Conv", "MatMul", "LayerNormalization", "Softmax"} <= ops
    info = json.loads((folder / "standin.json").read_text())
    assert abs(info["tokens_per_second"] - standin.TOKENS_PER_SECOND) < 1.0
    rows = standin.verify(folder)
    assert len(rows) == len(standin.TEST_WAVS[key])
    assert all(r["sherpa_tokens"] > 0 for r in rows)
    if key == "gpu":  # fp32: identical; int8 may differ across onnxruntime versions (benchmarks/README.md)
        assert all(r["same_text"] for r in rows), rows
    stamp = (folder / "standin.json").stat().st_mtime_ns  # a rebuild removes the folder and writes this last
    assert standin.build(key, tmp_path, config) == folder  # an identical build is reused
    assert (folder / "standin.json").stat().st_mtime_ns == stamp
    assert json.loads((folder / "standin.json").read_text()) == info


def test_parameter_counts_of_the_real_configs_are_within_5_percent() -> None:
    for key, config in standin.CONFIGS.items():
        real = standin.REAL[key]
        for part, count in (("encoder", sg.encoder_params(config)), ("decoder", sg.decoder_params(config)),
                            ("joiner", sg.joiner_params(config))):
            assert abs(count / real[part] - 1) < 0.05, (key, part, count)
