"""Child-process model probe: loads a folder with onnxruntime and sherpa-onnx, prints a JSON verdict.

sherpa-onnx calls ``_Exit(255)`` on bad metadata, so this runs only in a child process
(``python -m swictation_gui.models.probe FOLDER ENCODER DECODER JOINER TOKENS``).
"""

from __future__ import annotations

import dataclasses
import json
import sys
import traceback
from pathlib import Path
from typing import Any

from swictation_gui.errors import ModelError
from swictation_gui.models import metadata, tokens

_EXPECTED_IO = {"encoder": (2, 2), "decoder": (4, 4), "joiner": (2, 1)}


def _session(path: Path, role: str) -> Any:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    opts.log_severity_level = 3
    try:
        sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"{path.name} is not a valid ONNX model (truncated or corrupt?): {first[:200]}") from exc
    n_in, n_out = _EXPECTED_IO[role]
    if len(sess.get_inputs()) != n_in or len(sess.get_outputs()) != n_out:
        raise ModelError(f"{path.name} has {len(sess.get_inputs())} inputs and {len(sess.get_outputs())} outputs; "
                         f"a NeMo transducer {role} has {n_in} and {n_out}. Is it the right file?")
    return sess


def inspect(folder: Path, names: list[str]) -> metadata.ModelInfo:
    """Validate everything sherpa-onnx would, then load and run the model with sherpa-onnx."""
    enc_path, dec_path, joi_path, tok_path = (folder / n for n in names)
    table = tokens.read_tokens(tok_path)
    enc = _session(enc_path, "encoder")
    _session(dec_path, "decoder")
    joi = _session(joi_path, "joiner")
    info = metadata.parse(enc.get_modelmeta().custom_metadata_map, enc_path.name)
    if len(table.symbols) != info.vocab_size:
        raise ModelError(f"{tok_path.name} has {len(table.symbols)} tokens but {enc_path.name} expects "
                         f"{info.vocab_size} (vocab_size + blank). The files come from different models.")
    out_dim = joi.get_outputs()[0].shape[-1]
    if not isinstance(out_dim, int):
        raise ModelError(f"{joi_path.name}: the last output dimension must be static, found {out_dim!r}.")
    if not info.is_tdt:
        raise ModelError(f"{enc_path.name} is not a TDT model (its 'url' metadata lacks 'tdt'); "
                         "only Parakeet-TDT models are supported.")
    if out_dim <= info.vocab_size:
        raise ModelError(f"{joi_path.name} outputs {out_dim} logits; a TDT joiner for {info.vocab_size} tokens "
                         "must output more (tokens + durations). The files come from different models.")
    in_dim = enc.get_inputs()[0].shape[1]
    if isinstance(in_dim, int) and in_dim != info.feat_dim:
        info = dataclasses.replace(info, feat_dim=in_dim)
    _sherpa_smoke_test(folder, names, info)
    return info


def _sherpa_smoke_test(folder: Path, names: list[str], info: metadata.ModelInfo) -> None:
    import numpy as np
    import sherpa_onnx

    rec = sherpa_onnx.OfflineRecognizer.from_transducer(
        encoder=str(folder / names[0]), decoder=str(folder / names[1]), joiner=str(folder / names[2]),
        tokens=str(folder / names[3]), num_threads=1, feature_dim=info.feat_dim,
        decoding_method="greedy_search", model_type="nemo_transducer")
    stream = rec.create_stream()
    noise = (np.random.default_rng(0).standard_normal(8000) * 0.01).astype(np.float32)
    stream.accept_waveform(16000, noise)
    try:
        rec.decode_stream(stream)
    except Exception as exc:
        raise ModelError(f"sherpa-onnx loaded the model but could not run it: {str(exc)[:200]}") from exc


def main(argv: list[str]) -> int:
    """Print ``{"ok": true, "info": {...}}`` or ``{"ok": false, "error": "..."}`` on stdout."""
    folder, names = Path(argv[0]), argv[1:5]
    try:
        info = inspect(folder, names)
    except ModelError as exc:
        if exc.__cause__ is not None:  # the full cause goes to stderr, which the parent logs at debug level
            traceback.print_exception(exc.__cause__, file=sys.stderr)
        print(json.dumps({"ok": False, "error": str(exc)}))
        return 0
    print(json.dumps({"ok": True, "info": dataclasses.asdict(info)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
