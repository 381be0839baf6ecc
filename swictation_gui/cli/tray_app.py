"""Runs the tray app: options, the library preflight, the single-instance check, Qt and the exit (main thread)."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Sequence

from swictation_gui import log, preflight
from swictation_gui.cli import app_args
from swictation_gui.core.appconfig import load_config
from swictation_gui.core.events import EventLog
from swictation_gui.errors import SwictationError
from swictation_gui.platform import ipc
from swictation_gui.platform.stop_signals import StopSignals


def run(argv: Sequence[str] | None = None) -> int:
    """Run the tray app until Quit, SIGINT or SIGTERM; returns the exit code."""
    options = app_args.parse(sys.argv[1:] if argv is None else argv)
    events = EventLog(sys.stderr if options.log_json else None, options.log_transcripts,
                      options.log_transcripts and options.check_progressive)
    try:
        config, warnings = load_config(options)
    except (SwictationError, ValueError) as exc:
        print(f"swictation-gui: {exc}", file=sys.stderr)
        events.emit("fatal", message=str(exc))
        return 2
    if not _has_display():
        msg = ("No graphical display was found (DISPLAY and WAYLAND_DISPLAY are not set). "
               "Start swictation-gui from your desktop session.")
        print(f"swictation-gui: {msg}", file=sys.stderr)
        events.emit("fatal", message=msg)
        return 1
    missing = preflight.check()
    if missing is not None:
        # Qt is imported only below: a missing X11 library would abort the process inside QApplication (and a
        # missing libGL/libEGL would fail the import of QtGui) with messages that do not name the package.
        print(missing.message(), file=sys.stderr)
        events.emit("fatal", message=missing.message())
        return 2
    from PySide6.QtWidgets import QApplication

    from swictation_gui.app import Application
    from swictation_gui.ui import excepthooks

    qapp = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(qapp, QApplication)
    qapp.setQuitOnLastWindowClosed(False)
    qapp.setApplicationName("swictation-gui")
    target: list[Callable[[str, ipc.Reply | None], None]] = []
    control = ipc.ControlServer(lambda command, reply: target[0](command, reply) if target else None)
    try:
        control.start()
    except ipc.AlreadyRunningError:
        print("swictation-gui is already running; opening its settings.", file=sys.stderr)
        events.emit("already_running")
        try:
            ipc.send_command("settings")
        except ipc.IpcError as exc:
            print(f"swictation-gui: {exc}", file=sys.stderr)
        return 0
    except ipc.IpcError as exc:
        log.init.warning("No remote control this time: %s", exc)
    app = Application(config, events)
    excepthooks.install(lambda message: app.feedback.notify(message, "error"))
    target.append(app.inputs.post_command)
    stop_signals = StopSignals(lambda: app.inputs.post_command("quit"))
    stop_signals.install()
    for warning in warnings:
        app.feedback.notify(warning)
    app.start()
    code = int(qapp.exec())
    app.shutdown_now()
    excepthooks.uninstall()
    control.stop()
    stop_signals.uninstall()
    events.emit("exit", code=code)
    if not app.recognizer_idle:
        # A model load cannot be interrupted. Everything else is stopped and saved; end the process now rather
        # than let the interpreter tear onnxruntime down under the loading thread.
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _has_display() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    if os.environ.get("QT_QPA_PLATFORM", "").startswith(("offscreen", "minimal")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
