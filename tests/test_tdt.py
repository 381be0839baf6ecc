"""The greedy TDT loop on real onnxruntime sessions of scripted models: caps, skips, ties and state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

from swictation_gui.recognition.tdt import MAX_TOKENS_PER_FRAME, TdtGreedyDecoder, frames_to_seconds
from tests.fixtures import synth_models as sm


class CountingSession:
    """A real onnxruntime session that counts its runs."""

    def __init__(self, path: Path) -> None:
        self._sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        self.runs = 0

    def get_inputs(self) -> Any:
        return self._sess.get_inputs()

    def get_outputs(self) -> Any:
        return self._sess.get_outputs()

    def run(self, names: Any, feeds: Any) -> Any:
        self.runs += 1
        return self._sess.run(names, feeds)


def _decoder(folder: Path, vocab: int) -> tuple[TdtGreedyDecoder, CountingSession, CountingSession]:
    dec = CountingSession(folder / "decoder.onnx")
    joi = CountingSession(folder / "joiner.onnx")
    return TdtGreedyDecoder(dec, joi, vocab, 1, 2), dec, joi


def _frames(n: int) -> np.ndarray:
    """Encoder output of a script model: frame t carries the value t."""
    return np.arange(n, dtype=np.float32).reshape(n, 1)


def test_cap_skip_zero_blank_and_decoder_runs_only_on_emission(tmp_path: Path) -> None:
    script: list[tuple[str | None, int]] = [("▁a", 0)] * 2 + [(None, 0), ("▁b", 2), (None, 3), ("▁c", 0),
                                                              (None, 4), (None, 1), ("▁d", 1)]
    folder = sm.build_script(tmp_path, ["▁a", "▁b", "▁c", "▁d"], script)
    decoder, dec, joi = _decoder(folder, 5)
    hyp = decoder.decode(_frames(9), 9)
    # frame 0: 5 × a (cap) -> 1: 5 × a -> 2: blank skip 0 -> 3: b skip 2 -> 5: c skip 0 ... c (cap) -> 6: skip 4
    assert hyp.ids == (0,) * 5 + (0,) * 5 + (1,) + (2,) * MAX_TOKENS_PER_FRAME
    assert hyp.frames == (0,) * 5 + (1,) * 5 + (3,) + (5,) * 5
    assert hyp.skips == (0,) * 10 + (2,) + (0,) * 5
    assert dec.runs == 1 + len(hyp.ids)          # the priming blank, then one run per emitted token
    assert joi.runs == hyp.joiner_runs == 5 + 5 + 1 + 1 + 5 + 1
    # the cached priming run is reused by the next utterance
    decoder.decode(_frames(9), 9)
    assert dec.runs == 2 * len(hyp.ids) + 1


def test_encoded_length_limits_the_loop(tmp_path: Path) -> None:
    folder = sm.build_script(tmp_path, ["▁a"], [("▁a", 1)] * 6)
    decoder, _, _ = _decoder(folder, 2)
    assert decoder.decode(_frames(6), 3).frames == (0, 1, 2)
    assert decoder.decode(_frames(6), 0).ids == ()


def test_first_maximum_wins_on_ties(tmp_path: Path) -> None:
    folder = sm.build_script(tmp_path, ["▁a", "▁b"], [("▁a", 1)])
    real_joiner = CountingSession(folder / "joiner.onnx")

    class Tied(CountingSession):
        """The real joiner's I/O names with tied logits: tokens a and b at 1.0, durations 1 and 3 at 2.0."""

        def run(self, names: Any, feeds: Any) -> Any:
            self.runs += 1
            return [np.array([1.0, 1.0, 0.5, 0.0, 2.0, 0.0, 2.0, 0.0], np.float32).reshape(1, 1, 1, 8)]

    tied = Tied(folder / "joiner.onnx")
    decoder = TdtGreedyDecoder(CountingSession(folder / "decoder.onnx"), tied, 3, 1, 2)
    hyp = decoder.decode(_frames(2), 2)
    assert hyp.ids == (0, 0) and hyp.skips == (1, 1)
    assert tied.runs == 2 and real_joiner.runs == 0


def test_times_use_float32_like_sherpa() -> None:
    assert frames_to_seconds((0, 3, 7), 8) == tuple(float(np.float32(0.08) * np.float32(f)) for f in (0, 3, 7))
    assert frames_to_seconds((3,), 1) == (float(np.float32(0.01) * np.float32(3)),)
    assert frames_to_seconds((), 8) == ()
