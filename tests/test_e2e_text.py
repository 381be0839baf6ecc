"""End-to-end text handling: the real app, Xvfb, the virtual microphone, real target windows.

The band model writes the words do, re, mi, … (lower case, no punctuation). Where a test needs a model
that writes capitals and punctuation (like the 0.6B v3), a replacement rule in the settings file turns a
band word into such a sentence: the replacement stage runs first, so everything after it sees the text
exactly as that model would have written it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.desktop import xenv
from tests.desktop.fixtures import REPO_ROOT, TargetWindow
from tests.desktop.pulse import VirtualMic, virtual_mic  # noqa: F401 - fixture
from tests.fixtures import synth_models
from tests.test_e2e_app import control
from tests.test_e2e_dictation import (  # noqa: F401 - desk, screen, target are fixtures
    Keys,
    desk,
    say,
    screen,
    start_app,
    target,
    write_settings,
)
from tests.test_e2e_harness import AppProcess, app_env, run_app  # noqa: F401 - fixture

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


CAPITALISING = [{"pattern": "do", "replacement": "I went to the"}, {"pattern": "re", "replacement": "Shop today."},
                {"pattern": "mi", "replacement": "It was shut."}]


def test_dictations_join_with_one_space_and_the_right_capital_and_a_new_window_starts_fresh(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        target: Callable[[str], TargetWindow], band_model: Path, tmp_path: Path) -> None:  # noqa: F811
    write_settings(tmp_path, replacements=CAPITALISING, trailing_space=False)
    first = target("text")
    app = start_app(run_app, screen, virtual_mic, band_model, tmp_path / "home", "--hotkey=f9")
    keys = Keys(screen, "f9")
    for i, word in enumerate(["do", "re", "mi"]):
        say(app, keys, virtual_mic, [word], f"w{i}.wav")
    want = "I went to the shop today. It was shut."
    assert first.wait_text(want) == want, app.describe()
    second = target("text")
    say(app, keys, virtual_mic, ["re"], "fresh.wav")
    assert second.wait_text("Shop today.") == "Shop today.", app.describe()
    assert first.text() == want


def test_scratch_that_removes_exactly_the_last_dictation(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        target: Callable[[str], TargetWindow], band_model: Path, tmp_path: Path) -> None:  # noqa: F811
    write_settings(tmp_path, spoken_commands=True, replacements=[{"pattern": "hi", "replacement": "scratch that"}])
    window = target("text")
    app = start_app(run_app, screen, virtual_mic, band_model, tmp_path / "home", "--hotkey=f9")
    keys = Keys(screen, "f9")
    say(app, keys, virtual_mic, ["do", "re"], "a.wav")
    say(app, keys, virtual_mic, ["sol", "la"], "b.wav")
    assert window.wait_text("do re sol la ") == "do re sol la ", app.describe()
    say(app, keys, virtual_mic, ["hi"], "scratch.wav")
    assert window.wait_text("do re ") == "do re ", app.describe()
    screen.key_down("x")  # the user types: the next "scratch that" must refuse
    screen.key_up("x")
    assert window.wait_text("do re x") == "do re x"
    mark = app.mark()
    say(app, keys, virtual_mic, ["hi"], "scratch2.wav")
    failed = app.wait_ev("injection_failed", 10, start=mark)
    assert window.text() == "do re x", app.describe()
    assert failed["seq"] is not None


def test_a_custom_word_is_corrected(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        target: Callable[[str], TargetWindow], band_model: Path, tmp_path: Path) -> None:  # noqa: F811
    write_settings(tmp_path, vocabulary=["Dorre"], trailing_space=False)
    window = target("text")
    app = start_app(run_app, screen, virtual_mic, band_model, tmp_path / "home", "--hotkey=f9")
    say(app, Keys(screen, "f9"), virtual_mic, ["do", "re", "mi"], "v.wav")
    assert window.wait_text("Dorre mi") == "Dorre mi", app.describe()


def _files_containing(root: Path, needle: bytes, skip: tuple[Path, ...] = ()) -> list[str]:
    found = []
    for folder, _dirs, files in os.walk(root):
        if any(Path(folder).is_relative_to(s) for s in skip):
            continue
        for name in files:
            path = Path(folder) / name
            try:
                if path.is_file() and not path.is_symlink() and needle in path.read_bytes():
                    found.append(str(path))
            except OSError:
                continue
    return found


@pytest.mark.parametrize("persist", [False, True])
def test_no_transcript_on_disk_unless_history_persistence_is_on(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        target: Callable[[str], TargetWindow], band_model: Path, tmp_path: Path, persist: bool) -> None:  # noqa: F811
    write_settings(tmp_path, history_persist=persist)
    home = tmp_path / "home"
    window = target("text")
    app = start_app(run_app, screen, virtual_mic, band_model, home, "--hotkey=f9")
    keys = Keys(screen, "f9")
    for i in range(10):
        say(app, keys, virtual_mic, ["sol", "ti", "hi", "la"], f"s{i}.wav")
    assert window.wait_text("sol ti hi la " * 10) == "sol ti hi la " * 10, app.describe()
    assert app.stop() == 0
    # The app's home (data, config, state, logs, cache) and all of /tmp except pytest's folders (this run's and
    # earlier runs'), which hold the target windows' records of what they received, and this checkout (a CI clone
    # may live in /tmp: this test's own source holds the words).
    found = _files_containing(home, b"sol ti hi la") + _files_containing(
        Path("/tmp"), b"sol ti hi la", skip=(tmp_path.parent.parent, REPO_ROOT))
    db = home / "data" / "history.sqlite3"
    if not persist:
        assert found == []
        assert not db.exists()
    else:
        assert found == [str(db)]
        assert stat.S_IMODE(db.stat().st_mode) == 0o600


def test_paste_last_types_the_newest_history_entry_into_another_window(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        target: Callable[[str], TargetWindow], band_model: Path, tmp_path: Path) -> None:  # noqa: F811
    write_settings(tmp_path, replacements=CAPITALISING)
    first = target("text")
    home = tmp_path / "home"
    app = start_app(run_app, screen, virtual_mic, band_model, home, "--hotkey=f9")
    say(app, Keys(screen, "f9"), virtual_mic, ["re"], "p.wav")
    assert first.wait_text("Shop today. ") == "Shop today. ", app.describe()
    second = target("line")
    result = control(app_env(screen, virtual_mic, home), "paste-last")
    assert result.returncode == 0, result.stderr
    assert second.wait_text("Shop today. ") == "Shop today. ", app.describe()
    assert first.text() == "Shop today. "


@pytest.fixture(scope="module")
def capitalising_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scripted model that writes like the 0.6B v3 (a capital, no final punctuation here): "Hello there"."""
    return synth_models.build_text(tmp_path_factory.mktemp("hello"), ["▁Hello", "▁there"], feat_dim=128,
                                   layout="int8")


def test_a_capitalising_model_continues_mid_sentence_without_the_utterance_capital(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        target: Callable[[str], TargetWindow], capitalising_model: Path, tmp_path: Path) -> None:  # noqa: F811
    write_settings(tmp_path, trailing_space=False)
    window = target("text")
    app = start_app(run_app, screen, virtual_mic, capitalising_model, tmp_path / "home", "--hotkey=f9")
    keys = Keys(screen, "f9")
    say(app, keys, virtual_mic, ["do"], "h1.wav")
    say(app, keys, virtual_mic, ["re"], "h2.wav")
    assert [e["text"] for e in app.of("transcript")] == ["Hello there", "Hello there"]
    assert window.wait_text("Hello there hello there") == "Hello there hello there", app.describe()


def test_the_paste_last_hotkey_types_the_last_dictation_into_the_focused_window(
        run_app: Callable[..., AppProcess], screen: xenv.XDisplay, virtual_mic: VirtualMic,  # noqa: F811
        target: Callable[[str], TargetWindow], band_model: Path, tmp_path: Path) -> None:  # noqa: F811
    write_settings(tmp_path, paste_last_hotkey="F10")
    first = target("text")
    app = start_app(run_app, screen, virtual_mic, band_model, tmp_path / "home", "--hotkey=f9")
    say(app, Keys(screen, "f9"), virtual_mic, ["sol", "do"], "k.wav")
    assert first.wait_text("sol do ") == "sol do ", app.describe()
    second = target("line")
    mark = app.mark()
    screen.key_down("F10")
    screen.key_up("F10")
    app.wait_ev("command", 10, start=mark, command="paste-last")
    assert second.wait_text("sol do ") == "sol do ", app.describe()
    assert first.text() == "sol do "
