"""Token strings to text with sherpa-onnx's rules (the model-based checks are in test_parity.py)."""

from __future__ import annotations

from pathlib import Path

from swictation_gui.models.tokens import read_tokens
from swictation_gui.recognition.text import TextBuilder, is_cjk, is_punctuation, join_symbols, token_string
from tests.fixtures import synth_models as sm


def test_the_reference_sentence() -> None:
    pieces = ["▁", "▁Hello", ",", "▁world", "▁.", "▁it", "'", "s", "▁'", "▁$", "5", "▁(", "ok", ")", "▁-",
              "▁你", "▁好", "▁Ça", "▁va", "▁", "?", "▁end", "▁"]
    assert join_symbols(pieces, byte_fallback=False) == "Hello, world. it's'$5(ok)- 你好 Ça va? end "


def test_only_a_leading_word_mark_becomes_a_space() -> None:
    assert token_string("▁a▁b") == " a▁b"
    assert token_string("ab▁") == "ab▁"
    assert join_symbols(["▁▁x"], False) == "▁x"


def test_all_leading_spaces_go_but_double_and_trailing_stay() -> None:
    assert join_symbols(["▁", "▁", "▁a", "▁", "▁b", "▁"], False) == "a  b "


def test_space_at_index_zero_rule() -> None:
    # A space before punctuation is dropped only from index 1 on; index 0 goes as a leading space.
    assert join_symbols(["▁,", "▁a"], False) == ", a"
    assert join_symbols(["x", "▁,"], False) == "x,"


def test_cjk_spacing() -> None:
    assert join_symbols(["▁日", "▁本", "▁go", "▁語"], False) == "日本 go 語"
    assert is_cjk("한") and is_cjk("日") and not is_cjk("a")
    assert is_punctuation("'") and is_punctuation("$") and is_punctuation("。") and not is_punctuation("é")


def test_byte_fallback_and_unk() -> None:
    assert join_symbols(["▁caf", "<0xC3>", "<0xA9>", "▁ok", "<unk>"], True) == "café ok<unk>"
    assert join_symbols(["▁caf", "<0xC3>", "<0xA9>"], False) == "caf<0xC3><0xA9>"
    assert join_symbols(["▁a", "<0xE4>", "▁b"], True) == "a\ufffd b"


def test_text_builder_uses_the_token_table(tmp_path: Path) -> None:
    sm.write_tokens(tmp_path / "tokens.txt", ["▁caf", "<unk>", *[f"<0x{i:02X}>" for i in range(256)]])
    table = read_tokens(tmp_path / "tokens.txt")
    assert table.byte_fallback
    ids = [0, 2 + 0xC3, 2 + 0xA9, 1]
    text, tokens = TextBuilder(table).build(ids)
    assert text == "café<unk>"
    assert tokens == (" caf", "<0xC3>", "<0xA9>", "<unk>")
