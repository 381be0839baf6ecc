"""Token ids to text with sherpa-onnx 2.0.1's rules for NeMo BPE vocabularies.

Rules (see shared reference §2.3): a token's leading "▁" becomes a space; with SentencePiece byte
fallback, ``<0xHH>`` tokens contribute the raw byte (invalid UTF-8 becomes U+FFFD); the pieces are
concatenated; a space is dropped when it sits between two CJK characters or right before a
punctuation character (not at index 0); then every leading space is removed. ``<unk>``, trailing
and double spaces are kept. Pure functions: any thread.
"""

from __future__ import annotations

from collections.abc import Sequence

from swictation_gui.models.tokens import TokenTable

WORD_START = "▁"

_PUNCT_RANGES = ((0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E),
                 (0x3000, 0x303F), (0xFF01, 0xFF0F), (0xFF1A, 0xFF20))
_CJK_RANGES = ((0x1100, 0x11FF), (0x2E80, 0xA4CF), (0xA840, 0xD7AF), (0xF900, 0xFAFF),
               (0xFE30, 0xFE4F), (0xFF65, 0xFFDC), (0x20000, 0x2FFFF))


def _in(ranges: tuple[tuple[int, int], ...], ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in ranges)


def is_punctuation(ch: str) -> bool:
    """sherpa's punctuation set: ASCII punctuation (including ' $ ( -) and CJK/fullwidth marks."""
    return _in(_PUNCT_RANGES, ch)


def is_cjk(ch: str) -> bool:
    """sherpa's CJK ranges (Hangul Jamo, CJK, Yi, Hangul syllables, compatibility forms, ext. B+)."""
    return _in(_CJK_RANGES, ch)


def token_string(symbol: str) -> str:
    """The string sherpa reports for one token: a leading "▁" becomes a space."""
    return " " + symbol[1:] if symbol.startswith(WORD_START) else symbol


def _byte_value(symbol: str) -> int | None:
    if len(symbol) == 6 and symbol.startswith("<0x") and symbol.endswith(">"):
        try:
            return int(symbol[3:5], 16)
        except ValueError:
            return None
    return None


def remove_spaces(text: str) -> str:
    """Drop spaces between CJK characters or before punctuation (never index 0), then all leading spaces."""
    if len(text) >= 2:
        kept = [text[0]]
        last = len(text) - 1
        for i in range(1, len(text)):
            ch = text[i]
            if ch == " " and i < last:
                nxt = text[i + 1]
                if is_punctuation(nxt) or (is_cjk(text[i - 1]) and is_cjk(nxt)):
                    continue
            kept.append(ch)
        text = "".join(kept)
    return text.lstrip(" ")


def join_symbols(symbols: Sequence[str], byte_fallback: bool) -> str:
    """The transcript text of a token sequence (symbols as in tokens.txt)."""
    buf = bytearray()
    for sym in symbols:
        value = _byte_value(sym) if byte_fallback else None
        if value is not None:
            buf.append(value)
        else:
            buf += token_string(sym).encode("utf-8")
    return remove_spaces(buf.decode("utf-8", errors="replace"))


class TextBuilder:
    """Turns token ids into (text, token strings) for one vocabulary."""

    def __init__(self, table: TokenTable) -> None:
        self._symbols = table.symbols
        self._strings = tuple(token_string(s) for s in table.symbols)
        self._byte_fallback = table.byte_fallback

    def build(self, ids: Sequence[int]) -> tuple[str, tuple[str, ...]]:
        """Text and per-token strings (what sherpa puts in ``result.text`` and ``result.tokens``)."""
        text = join_symbols([self._symbols[i] for i in ids], self._byte_fallback)
        return text, tuple(self._strings[i] for i in ids)
