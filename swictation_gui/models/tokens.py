"""Reading tokens.txt exactly as sherpa-onnx does, with errors that name the line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from swictation_gui.errors import ModelError

BLANK = "<blk>"


@dataclass(frozen=True)
class TokenTable:
    """The vocabulary of a model.

    Attributes:
        symbols: Symbol of each id, ``symbols[i]`` for id ``i`` (a bare-id line is a space).
        byte_fallback: True when ``<0x00>``..``<0xFF>`` exist with ids 255 apart (SentencePiece).
    """

    symbols: tuple[str, ...]
    byte_fallback: bool


def read_tokens(path: Path) -> TokenTable:
    """Parse ``path`` ("symbol id" per line).

    Raises:
        ModelError: unreadable file, a malformed line, duplicate or missing ids, or no
            ``<blk>`` as the last id.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ModelError(f"{path.name} is missing in {path.parent}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelError(f"{path} cannot be read as UTF-8 text ({exc}).") from None
    by_id: dict[int, str] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        fields = line.split()
        if len(fields) == 1:
            sym, id_text = " ", fields[0]
        elif len(fields) == 2:
            sym, id_text = fields
        else:
            raise ModelError(f"{path}: line {lineno} has {len(fields)} fields; expected 'symbol id'.")
        try:
            idx = int(id_text)
        except ValueError:
            raise ModelError(f"{path}: line {lineno} does not end with a token id: {line[:40]!r}.") from None
        if idx in by_id:
            raise ModelError(f"{path}: token id {idx} appears twice (line {lineno}).")
        by_id[idx] = sym
    if not by_id:
        raise ModelError(f"{path} is empty; it must list the model's tokens.")
    count = len(by_id)
    if sorted(by_id) != list(range(count)):
        raise ModelError(f"{path}: token ids are not 0..{count - 1} without gaps.")
    symbols = tuple(by_id[i] for i in range(count))
    if symbols[-1] != BLANK:
        raise ModelError(f"{path}: the last token must be {BLANK}, found {symbols[-1]!r}. "
                         "This is not a NeMo transducer vocabulary.")
    ids = {s: i for i, s in enumerate(symbols)}
    fallback = "<0x00>" in ids and "<0xFF>" in ids and ids["<0xFF>"] - ids["<0x00>"] == 255
    return TokenTable(symbols, fallback)
