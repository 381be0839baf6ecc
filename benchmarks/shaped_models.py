"""Parakeet-shaped synthetic models: real vocabulary, decoder and joiner sizes, with a cheap encoder.

The decoder (LSTM prediction net) and joiner have the dimensions of the real exports, so the
greedy loop costs what it costs with the real models; the encoder is a single projection, so
these rows isolate feature extraction and decoding overhead (the real encoder is what a GPU
speeds up, and it is the same ONNX graph for both engines).

Shapes (shared reference §1.1): 110M: 80 bins, encoder dim 512, 1 LSTM layer of 640, joint 640,
1024 tokens + blank + 5 durations. 0.6B v3: 128 bins, encoder dim 1024, 2 layers of 640, joint 640,
8192 tokens + blank + 5 durations. Needs the ``onnx`` package (a test dependency).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.fixtures import synth_models as sm

SHAPES = {
    "110m-shaped": {"feat_dim": 80, "enc_dim": 512, "pred_layers": 1, "tokens": 1024, "layout": "plain"},
    "v3-shaped": {"feat_dim": 128, "enc_dim": 1024, "pred_layers": 2, "tokens": 8192, "layout": "int8"},
}
PRED_HIDDEN = 640
JOINT_DIM = 640


def build_shaped(out: Path, shape: str, seed: int = 0, blank_bias: float = 2.0) -> Path:
    """A model folder with the decoder/joiner sizes of ``shape`` (a key of ``SHAPES``)."""
    cfg = SHAPES[shape]
    feat_dim, enc_dim, layers, n_tokens = (int(cfg["feat_dim"]), int(cfg["enc_dim"]), int(cfg["pred_layers"]),
                                           int(cfg["tokens"]))
    rng = np.random.default_rng(seed)
    vocab = n_tokens + 1
    dims = sm.ModelDims(feat_dim, enc_dim, vocab, PRED_HIDDEN, layers, 8, "per_feature")
    enc_path, dec_path, joi_path = sm._names(out, str(cfg["layout"]))

    def rand(*shape_: int, scale: float = 1.0) -> np.ndarray:
        return (rng.standard_normal(shape_) * scale).astype(np.float32)

    g = sm._Graph()
    x = g.op("Transpose", [sm._subsample8(g)], perm=[0, 2, 1])
    h = g.op("Tanh", [g.op("MatMul", [x, g.const(rand(feat_dim, enc_dim, scale=feat_dim ** -0.5))])])
    g.op("Transpose", [h], "outputs", perm=[0, 2, 1])
    g.save(enc_path, "encoder", *sm._encoder_io(dims), meta=sm.encoder_metadata(dims))

    emb = rand(vocab, PRED_HIDDEN, scale=0.5)
    emb[-1] = 0.0
    lstm = [(rand(1, 4 * PRED_HIDDEN, PRED_HIDDEN, scale=PRED_HIDDEN ** -0.5),
             rand(1, 4 * PRED_HIDDEN, PRED_HIDDEN, scale=PRED_HIDDEN ** -0.5),
             rand(1, 8 * PRED_HIDDEN, scale=0.1)) for _ in range(layers)]
    sm._write_decoder(dec_path, dims, emb, lstm)

    out_dim = vocab + sm.NUM_DURATIONS
    bias = np.zeros(out_dim, np.float32)
    bias[vocab - 1] = blank_bias
    g = sm._Graph()
    enc_t = g.op("Transpose", ["encoder_outputs"], perm=[0, 2, 1])
    dec_t = g.op("Transpose", ["decoder_outputs"], perm=[0, 2, 1])
    s = g.op("Add", [g.op("MatMul", [enc_t, g.const(rand(enc_dim, JOINT_DIM, scale=enc_dim ** -0.5 * 2))]),
                     g.op("MatMul", [dec_t, g.const(rand(PRED_HIDDEN, JOINT_DIM, scale=PRED_HIDDEN ** -0.5 * 2))])])
    s = g.op("Relu", [g.op("Add", [s, g.const(rand(JOINT_DIM, scale=0.1))])])
    o = g.op("Add", [g.op("MatMul", [s, g.const(rand(JOINT_DIM, out_dim, scale=JOINT_DIM ** -0.5 * 3))]),
                     g.const(bias)])
    g.op("Unsqueeze", [o, g.const([2], np.int64)], "outputs")
    g.save(joi_path, "joiner", *sm._joiner_io(dims, out_dim))
    sm.write_tokens(out / "tokens.txt", [f"▁w{i}" if i % 3 else f"x{i}" for i in range(n_tokens)])
    return out
