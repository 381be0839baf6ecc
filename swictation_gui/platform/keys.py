"""Hotkey specs ("ctrl_r", "f9", "ctrl+alt+space"): parsing, formatting, matching and risk warnings (pure code).

A spec is a ``+``-joined list of key names. Modifiers may name a side (``ctrl_l``, ``ctrl_r``) or not (``ctrl``,
which matches either side). At most one key is not a modifier (the *main* key); a spec made only of modifiers is a
*modifier-only* hotkey such as ``ctrl_r``, whose last modifier is taken as its main key.
"""

from __future__ import annotations

from dataclasses import dataclass

from swictation_gui.errors import HotkeyError

# Modifier families, in display order, with their sided variants.
MODIFIER_FAMILIES: dict[str, tuple[str, str]] = {
    "ctrl": ("ctrl_l", "ctrl_r"),
    "alt": ("alt_l", "alt_r"),
    "shift": ("shift_l", "shift_r"),
    "super": ("super_l", "super_r"),
}
_FAMILY_OF: dict[str, str] = {side: family for family, sides in MODIFIER_FAMILIES.items() for side in sides}
_FAMILY_OF.update({family: family for family in MODIFIER_FAMILIES})
_FAMILY_OF["alt_gr"] = "alt_gr"
MODIFIERS: frozenset[str] = frozenset(_FAMILY_OF)


def modifier_family(name: str) -> str:
    """The family of a modifier name, one side or both ("ctrl_r" → "ctrl", "alt_gr" → "alt_gr")."""
    return _FAMILY_OF[name]
_MODIFIER_ORDER = ["ctrl", "ctrl_l", "ctrl_r", "alt", "alt_l", "alt_r", "alt_gr", "shift", "shift_l", "shift_r",
                   "super", "super_l", "super_r"]

_ALIASES: dict[str, str] = {
    "control": "ctrl", "ctl": "ctrl", "lctrl": "ctrl_l", "rctrl": "ctrl_r", "control_l": "ctrl_l",
    "control_r": "ctrl_r", "left_ctrl": "ctrl_l", "right_ctrl": "ctrl_r",
    "option": "alt", "lalt": "alt_l", "ralt": "alt_r", "left_alt": "alt_l", "right_alt": "alt_r", "altgr": "alt_gr",
    "lshift": "shift_l", "rshift": "shift_r", "left_shift": "shift_l", "right_shift": "shift_r",
    "meta": "super", "win": "super", "windows": "super", "cmd": "super", "command": "super", "logo": "super",
    "super_left": "super_l", "super_right": "super_r", "cmd_l": "super_l", "cmd_r": "super_r",
    "return": "enter", "escape": "esc", "del": "delete", "ins": "insert", "pgup": "page_up", "pageup": "page_up",
    "prior": "page_up", "pgdn": "page_down", "pagedown": "page_down", "next": "page_down", "spacebar": "space",
    "print": "print_screen", "prtsc": "print_screen", "printscreen": "print_screen", "capslock": "caps_lock",
    "numlock": "num_lock", "scrolllock": "scroll_lock", "back_space": "backspace", "apps": "menu",
    "-": "minus", "=": "equal", "[": "bracketleft", "]": "bracketright", ";": "semicolon", "'": "apostrophe",
    "`": "grave", "\\": "backslash", ",": "comma", ".": "period", "/": "slash",
}

# Main keys and their X11 keysym names (the first is the one to send; all of them match).
_NAMED_KEYSYMS: dict[str, tuple[str, ...]] = {
    "space": ("space",), "tab": ("Tab", "ISO_Left_Tab"), "enter": ("Return", "KP_Enter"), "esc": ("Escape",),
    "backspace": ("BackSpace",), "insert": ("Insert",), "delete": ("Delete",), "home": ("Home",), "end": ("End",),
    "page_up": ("Prior",), "page_down": ("Next",), "up": ("Up",), "down": ("Down",), "left": ("Left",),
    "right": ("Right",), "pause": ("Pause",), "scroll_lock": ("Scroll_Lock",), "print_screen": ("Print",),
    "menu": ("Menu",), "caps_lock": ("Caps_Lock",), "num_lock": ("Num_Lock",),
    "minus": ("minus",), "equal": ("equal",), "bracketleft": ("bracketleft",), "bracketright": ("bracketright",),
    "semicolon": ("semicolon",), "apostrophe": ("apostrophe",), "grave": ("grave",), "backslash": ("backslash",),
    "comma": ("comma",), "period": ("period",), "slash": ("slash",),
    "ctrl_l": ("Control_L",), "ctrl_r": ("Control_R",), "alt_l": ("Alt_L", "Meta_L"), "alt_r": ("Alt_R", "Meta_R"),
    "alt_gr": ("ISO_Level3_Shift", "Mode_switch"), "shift_l": ("Shift_L",), "shift_r": ("Shift_R",),
    "super_l": ("Super_L",), "super_r": ("Super_R",),
}
_NAMED_KEYSYMS.update({f"f{n}": (f"F{n}",) for n in range(1, 25)})
_NAMED_KEYSYMS.update({c: (c,) for c in "abcdefghijklmnopqrstuvwxyz0123456789"})

_KEY_FROM_KEYSYM: dict[str, str] = {}
for _name, _syms in _NAMED_KEYSYMS.items():
    for _sym in _syms:
        _KEY_FROM_KEYSYM.setdefault(_sym, _name)
_KEY_FROM_KEYSYM.update({c.upper(): c for c in "abcdefghijklmnopqrstuvwxyz"})

_TYPING_KEYS = frozenset(
    {*"abcdefghijklmnopqrstuvwxyz0123456789", "space", "tab", "enter", "backspace", "delete", "minus", "equal",
     "bracketleft", "bracketright", "semicolon", "apostrophe", "grave", "backslash", "comma", "period", "slash",
     "up", "down", "left", "right", "home", "end", "page_up", "page_down", "esc", "insert"})

_HUMAN = {"ctrl": "Ctrl", "alt": "Alt", "shift": "Shift", "super": "Super", "alt_gr": "AltGr", "esc": "Esc",
          "page_up": "Page Up", "page_down": "Page Down", "print_screen": "Print Screen", "caps_lock": "Caps Lock",
          "num_lock": "Num Lock", "scroll_lock": "Scroll Lock", "backspace": "Backspace"}

_EXAMPLES = "for example f9, ctrl_r, ctrl+alt+space or shift+f12"


@dataclass(frozen=True)
class Hotkey:
    """A normalized chord: ``modifiers`` (names as written, generic or sided) held while ``key`` goes down.

    For a modifier-only hotkey ``key`` is itself a modifier (``ctrl_r``), and ``modifiers`` holds the others.
    """

    modifiers: frozenset[str]
    key: str

    @property
    def is_modifier_only(self) -> bool:
        """True for hotkeys such as ``ctrl_r`` or ``ctrl+shift`` that have no non-modifier key."""
        return self.key in MODIFIERS

    @property
    def parts(self) -> tuple[str, ...]:
        """Every key name of the chord, modifiers first in display order, main key last."""
        return (*sorted(self.modifiers, key=_MODIFIER_ORDER.index), self.key)

    def __str__(self) -> str:
        return format_hotkey(self)


def _normalize_token(token: str, spec: str) -> str:
    raw = token.strip()
    if raw.startswith("<") and raw.endswith(">") and len(raw) > 2:  # pynput style: <ctrl>+<alt>+<space>
        raw = raw[1:-1]
    name = raw.lower().replace("-", "_") if len(raw) > 1 else raw.lower()
    name = _ALIASES.get(name, name)
    if name not in MODIFIERS and name not in _NAMED_KEYSYMS:
        raise HotkeyError(f"Unknown key {token.strip()!r} in the hotkey {spec!r}. Use key names {_EXAMPLES}.")
    return name


def parse_hotkey(spec: str) -> Hotkey:
    """Parse ``spec`` into a :class:`Hotkey`; raises ``HotkeyError`` with a message for the user."""
    text = spec.strip()
    if not text:
        raise HotkeyError(f"The hotkey is empty. Enter a key or key combination, {_EXAMPLES}.")
    tokens = text.split("+")
    if any(not t.strip() for t in tokens):
        raise HotkeyError(f"The hotkey {spec!r} has an empty part. Join key names with '+', {_EXAMPLES}.")
    names = [_normalize_token(t, spec) for t in tokens]
    mains = [n for n in names if n not in MODIFIERS]
    if len(mains) > 1:
        raise HotkeyError(f"The hotkey {spec!r} has more than one main key ({', '.join(mains)}). "
                          "Use modifiers (ctrl, alt, shift, super) plus at most one other key.")
    families = [_FAMILY_OF[n] for n in names if n in MODIFIERS]
    for family in set(families):
        if families.count(family) > 1:
            raise HotkeyError(f"The hotkey {spec!r} names {family} twice. Name each modifier once.")
    if mains:
        key = mains[0]
        modifiers = frozenset(n for n in names if n in MODIFIERS)
    else:
        key = names[-1]
        modifiers = frozenset(names[:-1])
    return Hotkey(modifiers=modifiers, key=key)


def format_hotkey(hotkey: Hotkey) -> str:
    """The canonical spec of ``hotkey`` (``parse_hotkey(format_hotkey(h)) == h``)."""
    return "+".join(hotkey.parts)


def describe_hotkey(hotkey: Hotkey) -> str:
    """A label for people: ``Right Ctrl``, ``Ctrl+Alt+Space``, ``F9``."""
    def label(name: str) -> str:
        side = ""
        if name in MODIFIERS and name[-2:] in ("_l", "_r"):
            name, side = name[:-2], ("Left " if name.endswith("_l") else "Right ")
        word = _HUMAN.get(name, name.replace("_", " ").title() if len(name) > 1 else name.upper())
        return side + word
    return "+".join(label(p) for p in hotkey.parts)


def key_matches(spec_name: str, actual: str) -> bool:
    """Whether the pressed key ``actual`` (a sided name such as ``ctrl_l``) satisfies ``spec_name`` (``ctrl``)."""
    if spec_name == actual:
        return True
    return spec_name in MODIFIER_FAMILIES and actual in MODIFIER_FAMILIES[spec_name]


def keysym_names(name: str) -> tuple[str, ...]:
    """The X11 keysym names that ``name`` matches (a generic modifier matches both sides)."""
    if name in MODIFIER_FAMILIES:
        return tuple(sym for side in MODIFIER_FAMILIES[name] for sym in _NAMED_KEYSYMS[side])
    return _NAMED_KEYSYMS[name]


def key_from_keysym_name(keysym_name: str) -> str | None:
    """Our key name for an X11 keysym name (``Control_R`` → ``ctrl_r``, ``A`` → ``a``); None when unknown."""
    return _KEY_FROM_KEYSYM.get(keysym_name)


_CONFLICTS: dict[tuple[frozenset[str], str], str] = {}


def _conflict(spec: str, what: str) -> None:
    hk = parse_hotkey(spec)
    _CONFLICTS[(frozenset(_FAMILY_OF[m] for m in hk.modifiers), hk.key)] = what


for _spec, _what in [
    ("ctrl+c", "copies"), ("ctrl+v", "pastes"), ("ctrl+x", "cuts"), ("ctrl+z", "undoes"), ("ctrl+y", "redoes"),
    ("ctrl+a", "selects all"), ("ctrl+s", "saves"), ("ctrl+w", "closes the tab or window"),
    ("ctrl+q", "quits the application"), ("ctrl+f", "opens Find"), ("ctrl+t", "opens a new tab"),
    ("ctrl+n", "opens a new window"), ("ctrl+o", "opens a file"), ("ctrl+p", "prints"),
    ("ctrl+shift+c", "copies in terminals"), ("ctrl+shift+v", "pastes in terminals"),
    ("ctrl+shift+z", "redoes"), ("alt+f4", "closes the window"), ("alt+tab", "switches windows"),
    ("alt+shift+tab", "switches windows"), ("ctrl+alt+delete", "logs out or reboots"),
    ("ctrl+alt+backspace", "can kill the X server"), ("ctrl+alt+t", "opens a terminal on many desktops"),
    ("super+l", "locks the screen"), ("super+d", "shows the desktop on many desktops"),
    ("alt+space", "opens the window menu"), ("super+space", "switches the keyboard layout on many desktops"),
    ("super+tab", "switches windows"), ("alt+f2", "opens the run dialog on many desktops"),
]:
    _conflict(_spec, _what)


def hotkey_warning(hotkey: Hotkey) -> str | None:
    """A warning for the settings dialog when ``hotkey`` will get in the user's way; None when it looks safe."""
    families = frozenset(_FAMILY_OF[m] for m in hotkey.modifiers)
    name = describe_hotkey(hotkey)
    known = _CONFLICTS.get((families, hotkey.key))
    if known:
        return f"{name} is a common shortcut (it {known}); holding it will also trigger that shortcut in many apps."
    if families == {"ctrl", "alt"} and hotkey.key.startswith("f") and hotkey.key[1:].isdigit():
        return f"{name} switches to a text console on Linux. Choose another key."
    if hotkey.key in ("caps_lock", "num_lock", "scroll_lock"):
        return f"{name} also toggles its lock every time you use it. Choose another key."
    if hotkey.is_modifier_only:
        family = _FAMILY_OF[hotkey.key]
        if family == "shift" and not families:
            return f"{name} is pressed for every capital letter, so dictation would start while you type."
        if not families and (hotkey.key in MODIFIER_FAMILIES or hotkey.key.endswith("_l")):
            return (f"{name} is part of many shortcuts, so each shortcut would also start (and then cancel) a "
                    "dictation. A right-hand key such as Right Ctrl is usually a better choice.")
        return None
    if not families and hotkey.key in _TYPING_KEYS:
        return (f"{name} is a key you type with: it would start dictation instead of typing. "
                "Add a modifier (e.g. ctrl+alt+space) or pick a key such as F9 or Right Ctrl.")
    if families == {"shift"} and hotkey.key in _TYPING_KEYS:
        return f"{name} types a character. Add Ctrl or Alt, or pick a key such as F9."
    return None


def parse_cancel_key(spec: str | None) -> str | None:
    """The canonical name of a cancel key (one key, no modifiers: "esc", "f8"); None when ``spec`` is empty or
    "off". Raises ``HotkeyError`` with a message for the user."""
    text = (spec or "").strip()
    if text.lower() in ("", "off", "none"):
        return None
    try:
        hotkey = parse_hotkey(text)
    except HotkeyError as exc:
        raise HotkeyError(str(exc).replace("hotkey", "cancel key")) from None
    if hotkey.modifiers or hotkey.is_modifier_only:
        raise HotkeyError(f"The cancel key {text!r} must be one key without modifiers, for example esc or f8 "
                          "(leave it empty for no cancel key).")
    return hotkey.key


def cancel_key_conflict(hotkey: Hotkey, cancel_key: str | None) -> str | None:
    """Why ``cancel_key`` cannot go with ``hotkey`` (it is one of the hotkey's keys); None when they fit."""
    if cancel_key is None or not any(key_matches(part, cancel_key) for part in hotkey.parts):
        return None
    return (f"The cancel key {describe_hotkey(parse_hotkey(cancel_key))} is part of the hotkey "
            f"{describe_hotkey(hotkey)}; choose another cancel key or another hotkey.")
