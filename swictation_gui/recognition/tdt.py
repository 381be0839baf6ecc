"""Greedy TDT decoding exactly as sherpa-onnx 2.0.1 (``DecodeOneTDT``), on onnxruntime sessions.

The loop (shared reference §2.2): the joiner scores (encoder frame t, decoder output); the token is
the first maximum of the token logits, the skip is the index of the first maximum of the duration
logits (may be 0). A non-blank token is emitted at frame t with duration = skip, and only then does
the decoder (prediction network) advance. At most 5 tokens per frame; a blank with skip 0 advances
one frame. Timestamps and durations are ``frames * 0.01 * subsampling_factor`` in float32, as in C++.

Cost: one joiner run per step and one decoder run per emitted token. Inputs are preallocated and
refilled in place, the decoder output after the initial blank is computed once per model, the
encoder frame is a zero-copy view, and only the outputs we use are fetched. No log-softmax per
step (sherpa computes one for ``ys_log_probs``, which we do not report). I/O binding was measured
and left out: on a tiny joiner ``run()`` costs ~6 µs per call, an IOBinding that must re-bind the
frame each step ~4.9 µs; against 60-500 µs of real joiner compute that is noise.

A decoder is owned by one thread (the engine's worker); it is not thread-safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

MAX_TOKENS_PER_FRAME = 5  # sherpa's max_tokens_per_frame for TDT


@dataclass(frozen=True)
class Hypothesis:
    """Greedy result: token ids with the encoder frame and skip (duration index) of each."""

    ids: tuple[int, ...]
    frames: tuple[int, ...]
    skips: tuple[int, ...]
    joiner_runs: int = 0


def frames_to_seconds(frames: tuple[int, ...], subsampling_factor: int) -> tuple[float, ...]:
    """``frame * (0.01 * subsampling)`` with sherpa's float32 arithmetic (so times compare exactly)."""
    if not frames:
        return ()
    shift = np.float32(0.01 * subsampling_factor)
    values = np.asarray(frames, dtype=np.float32) * shift
    return tuple(float(v) for v in values)


class TdtGreedyDecoder:
    """Runs the decoder and joiner sessions of one model.

    Args:
        decoder: onnxruntime session of decoder.onnx (targets, target_length, state1, state2).
        joiner: onnxruntime session of joiner.onnx (encoder_outputs, decoder_outputs).
        vocab_size: Tokens including the blank (the last id).
        pred_layers, pred_hidden: Shape ``[L, 1, H]`` of each decoder state.
    """

    def __init__(self, decoder: Any, joiner: Any, vocab_size: int, pred_layers: int, pred_hidden: int) -> None:
        self._dec = decoder
        self._joi = joiner
        self.vocab_size = vocab_size
        self.blank = vocab_size - 1
        d_in = [i.name for i in decoder.get_inputs()]
        d_out = [o.name for o in decoder.get_outputs()]
        self._j_in = [i.name for i in joiner.get_inputs()]
        self._j_out = [joiner.get_outputs()[0].name]
        # Positional I/O: names differ between exports, order does not.
        self._d_in = d_in
        self._d_out = [d_out[0], d_out[2], d_out[3]]  # skip prednet_lengths
        self._targets = np.zeros((1, 1), dtype=np.int32)
        self._target_len = np.ones((1,), dtype=np.int32)
        self._zero_state = np.zeros((pred_layers, 1, pred_hidden), dtype=np.float32)
        self._primed: tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.float32]] | None = None

    def _step_decoder(self, token: int, s1: npt.NDArray[np.float32], s2: npt.NDArray[np.float32],
                      ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        self._targets[0, 0] = token
        out, n1, n2 = self._dec.run(self._d_out, {self._d_in[0]: self._targets, self._d_in[1]: self._target_len,
                                                  self._d_in[2]: s1, self._d_in[3]: s2})
        return out, n1, n2

    def _start(self) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """Decoder output and state after the blank from zero state (the same for every utterance)."""
        if self._primed is None:
            self._primed = self._step_decoder(self.blank, self._zero_state, self._zero_state)
        return self._primed

    def decode(self, encoder_out: npt.NDArray[np.float32], num_frames: int) -> Hypothesis:
        """Greedy-decode ``encoder_out`` of shape [T, D] (C-contiguous), using its first ``num_frames`` rows."""
        enc = np.ascontiguousarray(encoder_out, dtype=np.float32)
        dim = enc.shape[1]
        vocab, blank = self.vocab_size, self.blank
        j_enc, j_dec = self._j_in
        j_out = self._j_out
        run_joiner = self._joi.run
        dec_out, s1, s2 = self._start()
        ids: list[int] = []
        frames: list[int] = []
        skips: list[int] = []
        t = 0
        this_frame = 0
        steps = 0
        total = min(num_frames, enc.shape[0])
        while t < total:
            logits = run_joiner(j_out, {j_enc: enc[t].reshape(1, dim, 1), j_dec: dec_out})[0].reshape(-1)
            steps += 1
            y = int(logits[:vocab].argmax())
            skip = int(logits[vocab:].argmax())
            if y != blank:
                ids.append(y)
                frames.append(t)
                skips.append(skip)
                dec_out, s1, s2 = self._step_decoder(y, s1, s2)
                this_frame += 1
            if skip > 0:
                this_frame = 0
            if this_frame >= MAX_TOKENS_PER_FRAME:
                this_frame = 0
                skip = 1
            if y == blank and skip == 0:
                this_frame = 0
                skip = 1
            t += skip
        return Hypothesis(tuple(ids), tuple(frames), tuple(skips), steps)
