"""End to end: the real app joins its first dictation to text the user typed, read over AT-SPI.

The real app, Xvfb, the virtual microphone, a private session bus with at-spi2-core, and a Qt target window with
accessibility on. The user types into the window with real keys before and between dictations; the app remembers
nothing of that text, so only the characters before the caret, read from the window over the accessibility bus,
can give the space and the capitals. Without a session bus the app falls back to its remembered text, which is
shown by the same steps giving the fresh-start result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.desktop import a11y, xenv
from tests.desktop.fixtures import TargetWindow
from tests.desktop.pulse import VirtualMic, virtual_mic  # noqa: F401 - fixture
from tests.test_e2e_dictation import Keys, desk, say, screen, start_app, write_settings  # noqa: F401
from tests.test_e2e_harness import AppProcess, run_app  # noqa: F401 - fixture

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# The band model writes "re"; this makes it write like the 0.6B v3: a capital and a full stop.
SHOP = [{"pattern": "re", "replacement": "Shop today."}]


@pytest.fixture
def bus(screen: xenv.XDisplay, tmp_path: Path) -> Iterator[a11y.A11yBus]:  # noqa: F811
    with a11y.accessibility_bus_or_skip(screen, tmp_path) as started:
        yield started


def _user_types(screen: xenv.XDisplay, window: TargetWindow, text: str) -> None:  # noqa: F811
    expected = window.text() + text
    screen.xdotool("type", "--delay", "5", text)
    assert window.wait_text(expected) == expected


@pytest.mark.parametrize("atspi", [True, False], ids=["atspi", "no-session-bus"])
def test_dictations_join_to_the_text_the_user_typed(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        bus: a11y.A11yBus, band_model: Path, tmp_path: Path, atspi: bool) -> None:
    write_settings(tmp_path, replacements=SHOP, trailing_space=False)
    window = TargetWindow(screen, tmp_path / "target.txt", "text", "a11y-target", prefix=bus.prefix())
    try:
        window.focus()
        env = {"DBUS_SESSION_BUS_ADDRESS": bus.address} if atspi else {}
        app = start_app(run_app, screen, virtual_mic, band_model, tmp_path / "home", "--hotkey=f9", env=env)
        keys = Keys(screen, "f9")
        _user_types(screen, window, "Hello there.")
        say(app, keys, virtual_mic, ["re"], "first.wav")  # after a full stop: a space, and the capital stays
        first = "Hello there. Shop today." if atspi else "Hello there.Shop today."
        assert window.wait_text(first) == first, app.describe()
        _user_types(screen, window, " We went to the")
        say(app, keys, virtual_mic, ["re"], "second.wav")  # mid-sentence: a space, and the utterance's capital goes
        second = first + " We went to the" + (" shop today." if atspi else "Shop today.")
        assert window.wait_text(second) == second, app.describe()
    finally:
        window.close()
