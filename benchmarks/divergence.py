"""Where our engine's greedy path leaves sherpa-onnx's: ``python -m benchmarks.divergence [--model cpu|gpu]``.

On a stand-in (``benchmarks/standin.py``) and espeak-ng speech of 3, 10, 30 and 60 s (one piece each,
no 40 s split), it decodes with sherpa-onnx and with our onnxruntime path, then prints per length:
the tokens of each, the fraction of differing tokens (edit distance / sherpa's count), the first
divergent emission, and the joiner's margins at our decision there (token: top-1 minus the logit of
sherpa's token, or top-1 minus top-2 where sherpa emitted nothing; duration: top-1 minus top-2).
Small margins mean a near-tie that different int8 kernels (sherpa bundles onnxruntime 1.28, we use
1.31) may break differently.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz.distance import Levenshtein

from benchmarks import standin
from swictation_gui.bench import make_audio
from swictation_gui.models import tokens
from swictation_gui.models.catalogue import resolve
from swictation_gui.recognition import providers
from swictation_gui.recognition.features import FeatureExtractor
from swictation_gui.recognition.sherpa_engine import SherpaEngine
from swictation_gui.recognition.tdt import TdtGreedyDecoder

LENGTHS = (3.0, 10.0, 30.0, 60.0)


class _Recording:
    """A joiner session that keeps every output (benchmark only)."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.outputs: list[np.ndarray] = []

    def get_inputs(self) -> Any:
        return self.session.get_inputs()

    def get_outputs(self) -> Any:
        return self.session.get_outputs()

    def run(self, names: Any, feeds: Any) -> Any:
        out = self.session.run(names, feeds)
        self.outputs.append(np.array(out[0]).reshape(-1))
        return out


def compare(folder: Path, seconds: float) -> dict[str, Any]:
    """One length: both paths and the first divergence."""
    location = resolve(str(folder))
    ref = SherpaEngine(location)
    ref.load()
    audio = make_audio(seconds)[0]
    theirs = ref._recognize(audio)  # one piece, no 40 s split
    table = tokens.read_tokens(folder / location.files.tokens)
    by_text = {(" " + s[1:]) if s.startswith("▁") else s: i for i, s in enumerate(table.symbols)}
    ref_ids = [by_text[t] for t in theirs.tokens]
    ref_frames = [round(t / 0.08) for t in theirs.timestamps]

    names = location.files
    enc = providers.create_session(str(folder / names.encoder), "cpu", 2).session
    dec = providers.create_session(str(folder / names.decoder), "cpu", 2, spin=False).session
    joi = _Recording(providers.create_session(str(folder / names.joiner), "cpu", 2, spin=False).session)
    meta = enc.get_modelmeta().custom_metadata_map
    vocab = int(meta["vocab_size"]) + 1
    feats = FeatureExtractor(int(meta.get("feat_dim", 80)), "per_feature").compute(audio)
    e_in = [i.name for i in enc.get_inputs()]
    out, lens = enc.run(None, {e_in[0]: np.ascontiguousarray(feats.T[None]),
                               e_in[1]: np.array([feats.shape[0]], np.int64)})
    decoder = TdtGreedyDecoder(dec, joi, vocab, int(meta["pred_rnn_layers"]), int(meta["pred_hidden"]))
    hyp = decoder.decode(np.ascontiguousarray(out[0].T), int(lens[0]))
    row: dict[str, Any] = {"seconds": seconds, "sherpa_tokens": len(ref_ids), "ours_tokens": len(hyp.ids),
                           "differing": Levenshtein.distance(ref_ids, list(hyp.ids)) / max(1, len(ref_ids)),
                           "emission": None, "kind": "-", "token_margin": None, "duration_margin": None}
    step = first_divergence(joi.outputs, vocab, list(zip(ref_ids, ref_frames, strict=True)))
    if step is not None:
        row.update(step)
    return row


def first_divergence(outputs: list[np.ndarray], vocab: int, theirs: list[tuple[int, int]]) -> dict[str, Any] | None:
    """Replay our joiner decisions (same rules as ``tdt``) against sherpa's emissions; at the first step whose
    decision cannot be sherpa's, the margins of our choice. None when the paths are the same."""
    blank, t, k, this_frame = vocab - 1, 0, 0, 0
    for n, logits in enumerate(outputs):
        tok, dur = logits[:vocab], logits[vocab:]
        y, skip = int(tok.argmax()), int(dur.argmax())
        nxt = theirs[k] if k < len(theirs) else (blank, 1 << 30)
        want = nxt[0] if nxt[1] == t else blank
        d2 = np.sort(dur)[-2:]
        out = {"step": n, "frame": t, "emission": k, "duration_margin": float(d2[1] - d2[0])}
        if y != want:
            return {**out, "kind": "token", "token_margin": float(tok[y] - tok[want])}
        if y != blank:
            k += 1
            this_frame += 1
        this_frame = 0 if skip > 0 else this_frame
        if this_frame >= 5:
            this_frame, skip = 0, 1
        if y == blank and skip == 0:
            this_frame, skip = 0, 1
        after = theirs[k][1] if k < len(theirs) else 1 << 30
        if t + skip > after:  # we jump over a frame where sherpa emits: sherpa's skip differed here
            t2 = np.sort(tok)[-2:]
            return {**out, "kind": "duration", "token_margin": float(t2[1] - t2[0])}
        t += skip
    return None


def main() -> int:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=("cpu", "gpu"), default="cpu")
    parser.add_argument("--out", type=Path, default=standin.DEFAULT_OUT)
    parser.add_argument("--lengths", default=",".join(f"{s:g}" for s in LENGTHS))
    args = parser.parse_args()
    folder = standin.build(args.model, args.out)
    print(f"{folder.name}: sherpa-onnx vs our onnxruntime greedy path, espeak-ng speech, one piece")
    print(f"{'audio':>6} {'sherpa':>7} {'ours':>5} {'differing':>9} {'first at':>8} {'kind':>8} "
          f"{'token margin':>12} {'dur margin':>10}")
    for seconds in (float(s) for s in args.lengths.split(",")):
        r = compare(folder, seconds)
        fmt = (lambda v: "-" if v is None else f"{v:.4f}")  # noqa: E731
        print(f"{r['seconds']:>5g}s {r['sherpa_tokens']:>7} {r['ours_tokens']:>5} {r['differing']:>9.1%} "
              f"{'-' if r['emission'] is None else r['emission']:>8} {r['kind']:>8} {fmt(r['token_margin']):>12} "
              f"{fmt(r['duration_margin']):>10}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
