"""Text output through ``ydotool`` (a uinput virtual keyboard driven by the ``ydotoold`` daemon): the last resort.

ydotool types Linux key codes as if on a US keyboard layout, so only ASCII-safe text (printable ASCII, newline,
tab) is typed with it; any other text is put on the clipboard and the user is told to paste it. The kernel device
it writes to gives no sign whether a window took the keys (Mutter has been seen to drop them), so after typing the
text is also left on the clipboard, where the user finds it if nothing arrived.

The chain uses it only when the daemon's socket exists (``platform.session.ydotool_socket``). The text goes to
``ydotool type --file /dev/stdin``, which ydotool 0.1.x and 1.x both accept and which keeps text starting with "-"
from being read as an option. Runs on the injection worker thread.
"""

from __future__ import annotations

import subprocess

from swictation_gui import log
from swictation_gui.errors import InjectionError
from swictation_gui.platform.base import Clipboard, InjectionResult
from swictation_gui.platform.injection.common import LazyClipboard, clean_text, keep_for_user

_RUN_TIMEOUT = 60.0


def ascii_safe(text: str) -> bool:
    """Whether ydotool can type every character of ``text`` (printable ASCII, newline, tab)."""
    return all(0x20 <= ord(ch) <= 0x7E or ch in "\n\t" for ch in text)


class YdotoolInjector(LazyClipboard):
    """``TextInjector`` through ``ydotool type`` (see the module docstring).

    Args:
        clipboard: For text ydotool cannot type, and left holding the text after typing (default:
            ``create_clipboard()``).
        key_delay: Milliseconds between keys.
    """

    def __init__(self, clipboard: Clipboard | None = None, key_delay: int = 4) -> None:
        super().__init__(clipboard)
        self.key_delay = key_delay

    def inject(self, text: str) -> InjectionResult:
        """Type ``text`` with ydotool when it is ASCII-safe, else leave it on the clipboard (worker thread); never
        raises."""
        text = clean_text(text)
        if not text:
            return InjectionResult(ok=True, method="type")
        if not ascii_safe(text):
            others = "".join(sorted({ch for ch in text if not ascii_safe(ch)}))[:12]
            return keep_for_user(self.clipboard, "paste", text, InjectionError(
                f"ydotool types ASCII only and this text has other characters ({others})"))
        try:
            proc = subprocess.run(["ydotool", "type", "--key-delay", str(self.key_delay), "--file", "/dev/stdin"],
                                  input=text.encode("utf-8"), capture_output=True, timeout=_RUN_TIMEOUT, check=False)
            if proc.returncode != 0:
                detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
                raise InjectionError(f"ydotool failed: {detail[-1] if detail else f'exit status {proc.returncode}'}")
        except (OSError, subprocess.TimeoutExpired, InjectionError) as exc:
            log.injection.warning("ydotool typing failed: %s", exc)
            return keep_for_user(self.clipboard, "type", text, exc)
        log.injection.info("typed %d characters with ydotool (also left on the clipboard: delivery cannot be "
                           "checked)", len(text))
        try:
            self.clipboard.set_text(text)
        except Exception:
            log.injection.exception("could not leave the typed text on the clipboard")
        return InjectionResult(ok=True, method="type")
