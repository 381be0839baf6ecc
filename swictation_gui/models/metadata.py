"""The encoder metadata sherpa-onnx requires, parsed and checked before sherpa ever sees it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from swictation_gui.errors import ModelError

REQUIRED_KEYS = ("vocab_size", "pred_rnn_layers", "pred_hidden", "subsampling_factor")
NORMALIZE_TYPES = ("per_feature", "", "NA")


@dataclass(frozen=True)
class ModelInfo:
    """What the encoder metadata says about a NeMo transducer.

    Attributes:
        vocab_size: Token count including the blank (metadata ``vocab_size`` + 1).
        pred_rnn_layers: L of the decoder state tensors.
        pred_hidden: H of the decoder state tensors.
        subsampling_factor: Encoder frames per 10 ms feature frame.
        normalize_type: "per_feature" or "" (none).
        feat_dim: Mel bins the encoder expects.
        is_tdt: True when the ``url`` key contains "tdt" (sherpa's rule).
    """

    vocab_size: int
    pred_rnn_layers: int
    pred_hidden: int
    subsampling_factor: int
    normalize_type: str
    feat_dim: int
    is_tdt: bool


def parse(meta: Mapping[str, str], encoder_name: str, default_feat_dim: int = 80) -> ModelInfo:
    """Validate encoder metadata the way sherpa-onnx 2.0.1 would, but with a message instead of _Exit.

    Raises:
        ModelError: a required key is missing or not a positive integer, or ``normalize_type``
            is one sherpa rejects.
    """
    values: dict[str, int] = {}
    for key in REQUIRED_KEYS:
        if key not in meta:
            raise ModelError(f"{encoder_name} lacks the metadata key '{key}' that sherpa-onnx needs; "
                             "it is not a sherpa-onnx NeMo export. Use the model from the sherpa-onnx releases.")
        try:
            values[key] = int(meta[key])
        except ValueError:
            raise ModelError(f"{encoder_name}: metadata '{key}' is {meta[key]!r}, not an integer.") from None
        if values[key] <= 0:
            raise ModelError(f"{encoder_name}: metadata '{key}' must be positive, found {values[key]}.")
    normalize = meta.get("normalize_type", "")
    if normalize not in NORMALIZE_TYPES:
        raise ModelError(f"{encoder_name}: unsupported metadata normalize_type={normalize!r} "
                         f"(expected one of {', '.join(repr(n) for n in NORMALIZE_TYPES)}).")
    try:
        feat_dim = int(meta.get("feat_dim", default_feat_dim))
    except ValueError:
        raise ModelError(f"{encoder_name}: metadata feat_dim={meta['feat_dim']!r} is not an integer.") from None
    if meta.get("is_giga_am", "0") not in ("0", ""):
        raise ModelError(f"{encoder_name} is a GigaAM model; only NVIDIA Parakeet-TDT models are supported.")
    return ModelInfo(
        vocab_size=values["vocab_size"] + 1,
        pred_rnn_layers=values["pred_rnn_layers"],
        pred_hidden=values["pred_hidden"],
        subsampling_factor=values["subsampling_factor"],
        normalize_type="" if normalize == "NA" else normalize,
        feat_dim=feat_dim,
        is_tdt="tdt" in meta.get("url", ""),
    )
