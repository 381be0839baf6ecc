"""ONNX graphs of random-weight Parakeet-TDT stand-ins: a full FastConformer encoder, LSTM decoder, joiner.

The graphs follow the NeMo exports that sherpa-onnx ships (shared reference parakeet-architecture.md):

* encoder: ``audio_signal [B,C,T]``, ``length [B]`` → dw_striding ×8 subsampling (Conv2d 3×3 s2 → ReLU,
  then twice depthwise 3×3 s2 + pointwise 1×1 → ReLU; Linear(256·C/8 → d)); ``n_layers`` conformer blocks
  (½ FF, rel-pos MHSA with u/v biases and NeMo's rel_shift, conv module pointwise → GLU → depthwise k=9 →
  BatchNorm → swish → pointwise, ½ FF, LayerNorm); a 9999-row positional table stored in the graph; the
  padding mask of ``length`` applied to the scores and the conv module, as in NeMo; → ``outputs [B,d,T']``,
  ``encoded_lengths [B]``.
* decoder: embedding + ``pred_layers`` ONNX LSTMs of 640 (the project's ``synth_models._write_decoder``).
* joiner: Linear(enc → 640) + Linear(640 → 640) → ReLU → Linear(640 → V + 5), ``[B,T,U,V+5]``.

Weights are random (std 1/√fan_in); the last projection of every residual branch is scaled by
``residual_scale`` so that encoder frames keep depending on the input.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from tests.fixtures import synth_models as sm

SUB_CHANNELS = 256
CONV_KERNEL = 9


@dataclass(frozen=True)
class StandinConfig:
    """Sizes of one stand-in (defaults: the 110M English model)."""

    feat_dim: int = 80
    d_model: int = 512
    n_layers: int = 17
    n_heads: int = 8
    ff_dim: int = 2048
    bias: bool = True
    vocab: int = 1024                 # without the blank
    pred_layers: int = 1
    pred_hidden: int = 640
    joint_dim: int = 640
    pos_rows: int = 9999              # NeMo's RelPositionalEncoding(max_len=5000): 2·5000 − 1 rows
    sub_channels: int = SUB_CHANNELS
    residual_scale: float = 0.1

    @property
    def sub_out(self) -> int:
        """Flattened channels × frequency after three stride-2 convolutions."""
        freq = self.feat_dim
        for _ in range(3):
            freq = (freq - 1) // 2 + 1
        return self.sub_channels * freq

    def dims(self) -> sm.ModelDims:
        """The sizes the metadata and the tensor shapes agree on."""
        return sm.ModelDims(self.feat_dim, self.d_model, self.vocab + 1, self.pred_hidden, self.pred_layers, 8,
                            "per_feature")

    def scaled(self, **changes: object) -> StandinConfig:
        """A copy with some sizes changed (tests build tiny variants through the same code)."""
        return replace(self, **changes)  # type: ignore[arg-type]


GPU_110M = StandinConfig()
CPU_06B = StandinConfig(feat_dim=128, d_model=1024, n_layers=24, ff_dim=4096, bias=False, vocab=8192,
                        pred_layers=2)


def encoder_params(c: StandinConfig) -> int:
    """Trainable parameters of the encoder (no positional table, no BatchNorm running statistics)."""
    d, b = c.d_model, int(c.bias)
    sub = (9 * c.sub_channels + c.sub_channels) + 2 * (9 * c.sub_channels + c.sub_channels
                                                       + c.sub_channels ** 2 + c.sub_channels)
    sub += c.sub_out * d + d
    ff = d * c.ff_dim + c.ff_dim * b + c.ff_dim * d + d * b
    attn = 4 * (d * d + d * b) + d * d + 2 * d
    conv = d * 2 * d + 2 * d * b + CONV_KERNEL * d + d * b + 2 * d + d * d + d * b
    norms = 5 * 2 * d
    return sub + c.n_layers * (2 * ff + attn + conv + norms)


def decoder_params(c: StandinConfig) -> int:
    """Embedding + LSTM weights and both biases."""
    h = c.pred_hidden
    return (c.vocab + 1) * h + c.pred_layers * (8 * h * h + 8 * h)


def joiner_params(c: StandinConfig) -> int:
    """Encoder and decoder projections and the output layer, with biases."""
    j = c.joint_dim
    return c.d_model * j + j + c.pred_hidden * j + j + j * (c.vocab + 1 + sm.NUM_DURATIONS) + c.vocab + 1 + 5


class _Weights:
    """Random float32 tensors, std 1/√fan_in unless told."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def normal(self, shape: tuple[int, ...], std: float) -> np.ndarray:
        out = self.rng.standard_normal(shape, dtype=np.float32)
        out *= np.float32(std)
        return out

    def linear(self, fan_in: int, fan_out: int, scale: float = 1.0) -> np.ndarray:
        return self.normal((fan_in, fan_out), scale / np.sqrt(fan_in))


class _Encoder:
    """Accumulates the encoder graph for one config."""

    def __init__(self, c: StandinConfig, seed: int) -> None:
        self.c = c
        self.g = sm._Graph()
        self.w = _Weights(seed)

    def const(self, value: object, dtype: type = np.float32) -> str:
        return self.g.const(value, dtype)

    def i64(self, *values: int) -> str:
        return self.g.const(list(values), np.int64)

    def linear(self, x: str, fan_in: int, fan_out: int, scale: float = 1.0, bias: bool | None = None) -> str:
        y = self.g.op("MatMul", [x, self.const(self.w.linear(fan_in, fan_out, scale))])
        if self.c.bias if bias is None else bias:
            y = self.g.op("Add", [y, self.const(self.w.normal((fan_out,), 0.02))])
        return y

    def conv(self, x: str, shape: tuple[int, ...], bias: bool, **attrs: object) -> str:
        fan_in = int(np.prod(shape[1:]))
        inputs = [x, self.const(self.w.normal(shape, 1.0 / np.sqrt(fan_in)))]
        if bias:
            inputs.append(self.const(self.w.normal((shape[0],), 0.02)))
        return self.g.op("Conv", inputs, **attrs)

    def layer_norm(self, x: str) -> str:
        d = self.c.d_model
        return self.g.op("LayerNormalization", [x, self.const(np.ones(d, np.float32)),
                                                self.const(np.zeros(d, np.float32))], axis=-1, epsilon=1e-5)

    def swish(self, x: str) -> str:
        return self.g.op("Mul", [x, self.g.op("Sigmoid", [x])])

    def subsampling(self) -> tuple[str, str]:
        """[B,C,T] → [B,T',d] and the lengths after three stride-2 convolutions."""
        g, ch = self.g, self.c.sub_channels
        x = g.op("Unsqueeze", [g.op("Transpose", ["audio_signal"], perm=[0, 2, 1]), self.i64(1)])  # [B,1,T,C]
        strided = {"strides": [2, 2], "pads": [1, 1, 1, 1], "kernel_shape": [3, 3]}
        x = g.op("Relu", [self.conv(x, (ch, 1, 3, 3), True, **strided)])
        for _ in range(2):
            x = self.conv(x, (ch, 1, 3, 3), True, group=ch, **strided)
            x = g.op("Relu", [self.conv(x, (ch, ch, 1, 1), True, kernel_shape=[1, 1])])
        x = g.op("Reshape", [g.op("Transpose", [x], perm=[0, 2, 1, 3]), self.i64(0, 0, -1)])  # [B,T',256·F']
        x = self.linear(x, self.c.sub_out, self.c.d_model, bias=True)
        length = "length"
        for _ in range(3):
            length = g.op("Add", [g.op("Div", [g.op("Sub", [length, self.i64(1)]), self.i64(2)]), self.i64(1)])
        return x, length

    def masks(self, x: str, length: str) -> tuple[str, str, str, str]:
        """Frame count T' [1], valid frames [B,1,T'], attention mask [B,1,T',T'] and the 2T'−1 positions."""
        g = self.g
        t = g.op("Shape", [x], start=1, end=2)
        ar = g.op("Range", [self.const(0, np.int64), g.op("Squeeze", [t]), self.const(1, np.int64)])
        valid = g.op("Less", [g.op("Unsqueeze", [ar, self.i64(0)]), g.op("Unsqueeze", [length, self.i64(1)])])
        mask = g.op("And", [g.op("Unsqueeze", [valid, self.i64(1, 3)]), g.op("Unsqueeze", [valid, self.i64(1, 2)])])
        center = (self.c.pos_rows + 1) // 2
        table = self.w.normal((self.c.pos_rows, self.c.d_model), 1.0)
        start = g.op("Sub", [self.i64(center), t])
        end = g.op("Add", [self.i64(center - 1), t])
        pos = g.op("Slice", [self.const(table), start, end, self.i64(0)])  # [2T'−1, d]
        return t, g.op("Unsqueeze", [valid, self.i64(1)]), mask, pos

    def feed_forward(self, x: str) -> str:
        c, g = self.c, self.g
        h = self.swish(self.linear(self.layer_norm(x), c.d_model, c.ff_dim))
        y = self.linear(h, c.ff_dim, c.d_model, scale=c.residual_scale)
        return g.op("Add", [x, g.op("Mul", [y, self.const(0.5)])])

    def attention(self, x: str, t: str, mask: str, pos: str) -> str:
        c, g = self.c, self.g
        d, h = c.d_model, c.n_heads
        dk = d // h
        xn = self.layer_norm(x)
        heads = self.i64(0, 0, h, dk)
        q = g.op("Reshape", [self.linear(xn, d, d), heads])                                   # [B,T,H,dk]
        k = g.op("Transpose", [g.op("Reshape", [self.linear(xn, d, d), heads])], perm=[0, 2, 3, 1])
        v = g.op("Transpose", [g.op("Reshape", [self.linear(xn, d, d), heads])], perm=[0, 2, 1, 3])
        p = g.op("Reshape", [self.linear(pos, d, d, bias=False), self.i64(1, -1, h, dk)])
        p = g.op("Transpose", [p], perm=[0, 2, 3, 1])                                         # [1,H,dk,2T−1]
        q_u = g.op("Transpose", [g.op("Add", [q, self.const(self.w.normal((h, dk), 0.02))])], perm=[0, 2, 1, 3])
        q_v = g.op("Transpose", [g.op("Add", [q, self.const(self.w.normal((h, dk), 0.02))])], perm=[0, 2, 1, 3])
        ac = g.op("MatMul", [q_u, k])                                                         # [B,H,T,T]
        bd = g.op("MatMul", [q_v, p])                                                         # [B,H,T,2T−1]
        # NeMo rel_shift: pad one zero column left, view as [B,H,2T,T], drop the first row, view back.
        bd = g.op("Pad", [bd, self.i64(0, 0, 0, 1, 0, 0, 0, 0)])
        bd = g.op("Reshape", [bd, g.op("Concat", [self.i64(0, 0, -1), t], axis=0)])
        bd = g.op("Slice", [bd, self.i64(1), self.i64(2 ** 62), self.i64(2)])
        bd = g.op("Reshape", [bd, g.op("Concat", [self.i64(0, 0), t, self.i64(-1)], axis=0)])
        bd = g.op("Slice", [bd, self.i64(0), t, self.i64(3)])                                # [B,H,T,T]
        scores = g.op("Mul", [g.op("Add", [ac, bd]), self.const(1.0 / np.sqrt(dk))])
        scores = g.op("Where", [mask, scores, self.const(-10000.0)])
        attn = g.op("Where", [mask, g.op("Softmax", [scores], axis=-1), self.const(0.0)])
        ctx = g.op("Transpose", [g.op("MatMul", [attn, v])], perm=[0, 2, 1, 3])
        ctx = g.op("Reshape", [ctx, self.i64(0, 0, d)])
        return g.op("Add", [x, self.linear(ctx, d, d, scale=c.residual_scale)])

    def conv_module(self, x: str, valid: str) -> str:
        c, g = self.c, self.g
        d = c.d_model
        y = g.op("Transpose", [self.layer_norm(x)], perm=[0, 2, 1])                          # [B,d,T]
        y = self.conv(y, (2 * d, d, 1), c.bias, kernel_shape=[1])
        a, b = f"glu_a{g._n}", f"glu_b{g._n}"
        g.multi("Split", [y, self.i64(d, d)], [a, b], axis=1)
        y = g.op("Where", [valid, g.op("Mul", [a, g.op("Sigmoid", [b])]), self.const(0.0)])
        y = self.conv(y, (d, 1, CONV_KERNEL), c.bias, group=d, kernel_shape=[CONV_KERNEL],
                      pads=[CONV_KERNEL // 2] * 2)
        bn = [self.const(np.ones(d, np.float32)), self.const(np.zeros(d, np.float32)),
              self.const(self.w.normal((d,), 0.1)), self.const(np.ones(d, np.float32) + self.w.normal((d,), 0.1) ** 2)]
        y = self.swish(g.op("BatchNormalization", [y, *bn], epsilon=1e-5))
        fan = 1.0 / np.sqrt(d) * c.residual_scale
        inputs = [y, self.const(self.w.normal((d, d, 1), fan))] + ([self.const(self.w.normal((d,), 0.02))]
                                                                     if c.bias else [])
        y = g.op("Conv", inputs, kernel_shape=[1])
        return g.op("Add", [x, g.op("Transpose", [y], perm=[0, 2, 1])])

    def build(self) -> sm._Graph:
        g = self.g
        x, length = self.subsampling()
        g.op("Identity", [length], "encoded_lengths")
        t, valid, mask, pos = self.masks(x, length)
        for _ in range(self.c.n_layers):
            x = self.feed_forward(x)
            x = self.attention(x, t, mask, pos)
            x = self.conv_module(x, valid)
            x = self.layer_norm(self.feed_forward(x))
        g.op("Transpose", [x], "outputs", perm=[0, 2, 1])
        return g


def encoder_graph(c: StandinConfig, seed: int = 0) -> sm._Graph:
    """The encoder graph's nodes and initializers (inputs/outputs: ``synth_models._encoder_io``)."""
    return _Encoder(c, seed).build()


def decoder_weights(c: StandinConfig, seed: int = 1) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray,
                                                                                   np.ndarray]]]:
    """Embedding (blank row zero, NeMo's blank_as_pad) and per-layer ONNX LSTM W, R, B."""
    w = _Weights(seed)
    h = c.pred_hidden
    emb = w.normal((c.vocab + 1, h), 1.0)
    emb[-1] = 0.0
    lstm = [(w.normal((1, 4 * h, h), h ** -0.5), w.normal((1, 4 * h, h), h ** -0.5), w.normal((1, 8 * h), 0.1))
            for _ in range(c.pred_layers)]
    return emb, lstm


def joiner_graph(c: StandinConfig, blank_bias: float, enc_mean: np.ndarray | None = None,
                 seed: int = 2) -> sm._Graph:
    """NeMo's joint network; ``blank_bias`` is added to the blank logit (sets how often tokens come out).

    ``enc_mean`` (the mean encoder frame on speech) goes into the encoder projection's bias so that the
    joint hidden layer sees how frames differ, not what they share (else every frame gives the same
    token and duration); a trained joiner's bias does the same.
    """
    w = _Weights(seed)
    g = sm._Graph()
    j, out_dim = c.joint_dim, c.vocab + 1 + sm.NUM_DURATIONS
    enc = g.op("Transpose", ["encoder_outputs"], perm=[0, 2, 1])                              # [B,T,D]
    dec = g.op("Transpose", ["decoder_outputs"], perm=[0, 2, 1])                              # [B,U,H]
    w_enc = w.normal((c.d_model, j), 2.0 / np.sqrt(c.d_model))
    b_enc = w.normal((j,), 0.1)
    if enc_mean is not None:
        b_enc -= enc_mean.astype(np.float32) @ w_enc
    enc = g.op("Add", [g.op("MatMul", [enc, g.const(w_enc)]), g.const(b_enc)])
    dec = g.op("Add", [g.op("MatMul", [dec, g.const(w.normal((c.pred_hidden, j), 2.0 / np.sqrt(c.pred_hidden)))]),
                       g.const(w.normal((j,), 0.1))])
    s = g.op("Relu", [g.op("Add", [g.op("Unsqueeze", [enc, g.const([2], np.int64)]),
                                   g.op("Unsqueeze", [dec, g.const([1], np.int64)])])])  # [B,T,U,j]
    bias = w.normal((out_dim,), 0.1)
    bias[c.vocab] += blank_bias
    g.op("Add", [g.op("MatMul", [s, g.const(w.normal((j, out_dim), 3.0 / np.sqrt(j)))]), g.const(bias)], "outputs")
    return g

