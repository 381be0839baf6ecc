"""AT-SPI for real: Xvfb, a private session bus with at-spi2-core, and a Qt target window with accessibility on.

The user types and moves the caret with real X key events (xdotool); the reader must return exactly the characters
before the caret, found from the focused X window's process, as the injector asks for them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from swictation_gui.platform.atspi import CaretReader
from swictation_gui.platform.injection import X11Injector
from tests.desktop import a11y, xenv
from tests.desktop.fixtures import TargetWindow, xdisplay, xserver  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow


@pytest.fixture
def bus(xdisplay: xenv.XDisplay, tmp_path: Path) -> Iterator[a11y.A11yBus]:  # noqa: F811
    with a11y.accessibility_bus_or_skip(xdisplay, tmp_path) as started:
        yield started


@pytest.fixture
def window(xdisplay: xenv.XDisplay, bus: a11y.A11yBus,  # noqa: F811
           tmp_path: Path) -> Iterator[Callable[..., TargetWindow]]:
    started: list[TargetWindow] = []

    def start(mode: str = "text", accessible: bool = True) -> TargetWindow:
        name = f"a11y-target-{len(started)}"
        target = TargetWindow(xdisplay, tmp_path / f"{name}.txt", mode, name, prefix=bus.prefix(accessible))
        started.append(target)
        target.focus()
        return target

    yield start
    for target in started:
        target.close()


@pytest.fixture
def readers() -> Iterator[list[CaretReader]]:
    made: list[CaretReader] = []
    yield made
    for reader in made:
        reader.close()


def _injector(display: xenv.XDisplay, bus: a11y.A11yBus, readers: list[CaretReader],
              max_chars: int = 200) -> X11Injector:
    readers.append(CaretReader(bus.address, max_chars=max_chars))
    return X11Injector(display_name=display.name, caret=readers[-1])


def _settles(injector: X11Injector, expected: str) -> str | None:
    """What the injector reads once it reads ``expected`` (or the last reading after 10 s)."""
    xenv.wait_for(lambda: injector.text_before_caret() == expected, 10)
    return injector.text_before_caret()


def _type(display: xenv.XDisplay, target: TargetWindow, text: str, whole: str) -> None:
    display.xdotool("type", "--delay", "5", text)
    assert target.wait_text(whole) == whole


@pytest.mark.parametrize("mode", ["text", "line"])
def test_the_exact_characters_before_the_caret_as_the_user_moves_it(
        xdisplay: xenv.XDisplay, bus: a11y.A11yBus, window: Callable[..., TargetWindow], mode: str,  # noqa: F811
        readers: list[CaretReader]) -> None:
    target = window(mode)
    injector = _injector(xdisplay, bus, readers)
    assert _settles(injector, "") == ""
    _type(xdisplay, target, "Hello world. the end", "Hello world. the end")
    assert _settles(injector, "Hello world. the end") == "Hello world. the end"
    xdisplay.key_tap("Home")
    assert _settles(injector, "") == ""
    xdisplay.key_tap(*["Right"] * 5)
    assert _settles(injector, "Hello") == "Hello"
    xdisplay.key_tap("End", "Left", "Left", "Left")
    assert _settles(injector, "Hello world. the ") == "Hello world. the "
    xdisplay.key_tap("End", *["shift+Left"] * 4)  # a selection: typing replaces it, the context ends before it
    assert _settles(injector, "Hello world. the") == "Hello world. the"
    xdisplay.key_tap("End")
    assert injector.inject(" café").ok  # the app's own typing (xdotool loses the é in a QLineEdit)
    assert target.wait_text("Hello world. the end café") == "Hello world. the end café"
    assert _settles(injector, "Hello world. the end café") == "Hello world. the end café"


def test_newlines_and_the_bound_on_characters(
        xdisplay: xenv.XDisplay, bus: a11y.A11yBus, window: Callable[..., TargetWindow],  # noqa: F811
        readers: list[CaretReader]) -> None:
    target = window("text")
    injector = _injector(xdisplay, bus, readers, max_chars=12)
    _type(xdisplay, target, "First line.", "First line.")
    xdisplay.key_tap("Return")
    _type(xdisplay, target, "second", "First line.\nsecond")
    assert _settles(injector, "line.\nsecond") == "line.\nsecond"


def test_nothing_when_the_focused_window_is_not_accessible(
        xdisplay: xenv.XDisplay, bus: a11y.A11yBus, window: Callable[..., TargetWindow],  # noqa: F811
        readers: list[CaretReader]) -> None:
    accessible = window("text")
    _type(xdisplay, accessible, "Hello there.", "Hello there.")
    injector = _injector(xdisplay, bus, readers)
    assert _settles(injector, "Hello there.") == "Hello there."
    plain = window("text", accessible=False)  # not on the accessibility bus
    _type(xdisplay, plain, "Other text", "Other text")
    assert injector.text_before_caret() is None
    assert injector.caret.reason == "the focused application is not on the accessibility bus"
    accessible.focus()
    assert _settles(injector, "Hello there.") == "Hello there."


def test_nothing_without_an_accessibility_bus(xdisplay: xenv.XDisplay, tmp_path: Path) -> None:  # noqa: F811
    if reason := a11y.missing():
        pytest.skip(reason)
    from tests.fakes.portal import private_bus

    with private_bus(tmp_path) as address:
        target = TargetWindow(xdisplay, tmp_path / "t.txt", "text", "no-a11y",
                              prefix=["env", f"DBUS_SESSION_BUS_ADDRESS={address}"])
        try:
            target.focus()
            reader = CaretReader(address)
            injector = X11Injector(display_name=xdisplay.name, caret=reader)
            assert injector.text_before_caret() is None
            assert reader.reason == "no accessibility bus runs (org.a11y.Bus)"
            # Asking did not start one (D-Bus activation would have): the next lookup finds none either.
            assert injector.text_before_caret() is None
            assert reader.reason == "no accessibility bus runs (org.a11y.Bus)"
        finally:
            target.close()
    assert CaretReader("unix:path=/nonexistent/bus").before_caret(1) is None


def test_a_big_form_is_walked_within_the_bounds_and_beyond_them_gives_nothing(
        xdisplay: xenv.XDisplay, bus: a11y.A11yBus, window: Callable[..., TargetWindow],  # noqa: F811
        readers: list[CaretReader]) -> None:
    target = window("form")  # 120 labelled fields; the last one has the focus
    _type(xdisplay, target, "Dear Sir,", "Dear Sir,")
    injector = _injector(xdisplay, bus, readers)
    assert _settles(injector, "Dear Sir,") == "Dear Sir,"
    small = CaretReader(bus.address, max_nodes=50)
    readers.append(small)
    assert X11Injector(display_name=xdisplay.name, caret=small).text_before_caret() is None
    assert small.reason == "no focused text field among the first 50 widgets"
    hurried = CaretReader(bus.address, budget_s=0.0)
    readers.append(hurried)
    assert X11Injector(display_name=xdisplay.name, caret=hurried).text_before_caret() is None
    assert hurried.reason == "the accessibility bus did not answer within 0 ms"
