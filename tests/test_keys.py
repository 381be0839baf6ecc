"""Hotkey spec parsing, formatting, matching and risk warnings (pure, no display)."""

from __future__ import annotations

import pytest

from swictation_gui.errors import HotkeyError
from swictation_gui.platform.keys import (
    Hotkey,
    describe_hotkey,
    format_hotkey,
    hotkey_warning,
    key_from_keysym_name,
    key_matches,
    keysym_names,
    parse_hotkey,
)


@pytest.mark.parametrize(("spec", "modifiers", "key"), [
    ("ctrl_r", set(), "ctrl_r"),
    ("f9", set(), "f9"),
    ("F9", set(), "f9"),
    ("ctrl+alt+space", {"ctrl", "alt"}, "space"),
    (" Ctrl + Alt + Space ", {"ctrl", "alt"}, "space"),
    ("<ctrl>+<alt>+<space>", {"ctrl", "alt"}, "space"),
    ("space+alt+ctrl", {"ctrl", "alt"}, "space"),
    ("shift+f12", {"shift"}, "f12"),
    ("super+d", {"super"}, "d"),
    ("win+D", {"super"}, "d"),
    ("control_r", set(), "ctrl_r"),
    ("ctrl_l+shift", {"ctrl_l"}, "shift"),
    ("ctrl+-", {"ctrl"}, "minus"),
    ("alt+Return", {"alt"}, "enter"),
])
def test_parse(spec: str, modifiers: set[str], key: str) -> None:
    hotkey = parse_hotkey(spec)
    assert hotkey == Hotkey(frozenset(modifiers), key)


@pytest.mark.parametrize("spec", ["ctrl_r", "f9", "ctrl+alt+space", "shift+f12", "super+d", "ctrl_l+alt_r+f1",
                                  "ctrl+shift", "alt_gr", "ctrl+slash"])
def test_format_round_trips(spec: str) -> None:
    hotkey = parse_hotkey(spec)
    assert parse_hotkey(format_hotkey(hotkey)) == hotkey
    assert format_hotkey(parse_hotkey(format_hotkey(hotkey))) == format_hotkey(hotkey)


def test_format_orders_modifiers() -> None:
    assert format_hotkey(parse_hotkey("space+super+shift+alt+ctrl")) == "ctrl+alt+shift+super+space"


@pytest.mark.parametrize(("spec", "fragment"), [
    ("", "empty"),
    ("   ", "empty"),
    ("ctrl+", "empty part"),
    ("ctrl++a", "empty part"),
    ("ctrl+foo", "Unknown key 'foo'"),
    ("ctrl+a+b", "more than one main key"),
    ("ctrl+ctrl_r+a", "twice"),
    ("é", "Unknown key"),
])
def test_bad_specs(spec: str, fragment: str) -> None:
    with pytest.raises(HotkeyError, match=fragment):
        parse_hotkey(spec)


def test_modifier_only() -> None:
    assert parse_hotkey("ctrl_r").is_modifier_only
    assert parse_hotkey("ctrl+shift").is_modifier_only
    assert not parse_hotkey("f9").is_modifier_only
    assert not parse_hotkey("ctrl+alt+space").is_modifier_only


def test_describe() -> None:
    assert describe_hotkey(parse_hotkey("ctrl_r")) == "Right Ctrl"
    assert describe_hotkey(parse_hotkey("ctrl+alt+space")) == "Ctrl+Alt+Space"
    assert describe_hotkey(parse_hotkey("shift+f12")) == "Shift+F12"
    assert describe_hotkey(parse_hotkey("super+d")) == "Super+D"


def test_generic_modifier_matches_either_side() -> None:
    assert key_matches("ctrl", "ctrl_l")
    assert key_matches("ctrl", "ctrl_r")
    assert key_matches("ctrl_r", "ctrl_r")
    assert not key_matches("ctrl_r", "ctrl_l")
    assert not key_matches("ctrl", "alt_l")
    assert key_matches("space", "space")


def test_keysyms() -> None:
    assert keysym_names("ctrl") == ("Control_L", "Control_R")
    assert keysym_names("ctrl_r") == ("Control_R",)
    assert keysym_names("f9") == ("F9",)
    assert key_from_keysym_name("Control_R") == "ctrl_r"
    assert key_from_keysym_name("A") == "a"
    assert key_from_keysym_name("Meta_L") == "alt_l"
    assert key_from_keysym_name("dead_acute") is None


@pytest.mark.parametrize(("spec", "fragment"), [
    ("a", "type with"),
    ("space", "type with"),
    ("5", "type with"),
    ("ctrl+c", "copies"),
    ("ctrl+v", "pastes"),
    ("ctrl+x", "cuts"),
    ("ctrl+z", "undoes"),
    ("alt+f4", "closes the window"),
    ("alt+tab", "switches windows"),
    ("ctrl_r+c", "copies"),
    ("shift+a", "types a character"),
    ("shift", "capital letter"),
    ("ctrl", "shortcuts"),
    ("ctrl_l", "shortcuts"),
    ("caps_lock", "lock"),
    ("ctrl+alt+f2", "console"),
])
def test_risky_hotkeys_warn(spec: str, fragment: str) -> None:
    warning = hotkey_warning(parse_hotkey(spec))
    assert warning is not None
    assert fragment in warning


@pytest.mark.parametrize("spec", ["ctrl_r", "f9", "ctrl+alt+space", "shift+f12", "alt_r", "super_r", "ctrl+shift+d"])
def test_safe_hotkeys_do_not_warn(spec: str) -> None:
    assert hotkey_warning(parse_hotkey(spec)) is None


def test_cancel_key_is_one_key_without_modifiers() -> None:
    from swictation_gui.platform.keys import parse_cancel_key

    assert [parse_cancel_key(s) for s in ("esc", " Escape ", "F8", "", "  ", "off", None)] == \
        ["esc", "esc", "f8", None, None, None, None]
    for spec, fragment in (("ctrl+esc", "without modifiers"), ("ctrl_r", "without modifiers"),
                           ("banana", "cancel key 'banana'")):
        with pytest.raises(HotkeyError, match=fragment):
            parse_cancel_key(spec)


def test_cancel_key_conflicts_with_a_hotkey_that_contains_it() -> None:
    from swictation_gui.platform.keys import cancel_key_conflict

    assert cancel_key_conflict(parse_hotkey("ctrl+esc"), "esc") == (
        "The cancel key Esc is part of the hotkey Ctrl+Esc; choose another cancel key or another hotkey.")
    assert cancel_key_conflict(parse_hotkey("ctrl_r"), "esc") is None
    assert cancel_key_conflict(parse_hotkey("ctrl+esc"), None) is None
