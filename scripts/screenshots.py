#!/usr/bin/env python3
"""Render the tray menu, each settings page and the tray icons to docs/screenshots/*.png (Xvfb + trayer).

Usage: .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

The script starts a private Xvfb with trayer, then runs itself again as a child on that display;
the child builds the real Tray and SettingsDialog, opens the tray menu with an xdotool right-click
(as a user would), and saves the pictures. Needs: Xvfb, trayer, xdotool, xsetroot, ImageMagick.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def parent(out: Path) -> int:
    """Start the display and the tray host, then run the child on it."""
    from tests.desktop import xenv

    out.mkdir(parents=True, exist_ok=True)
    with xenv.start_xvfb(1024, 640) as display, tempfile.TemporaryDirectory() as home:
        display.start_tray()  # first: it keeps a connection open, so Xvfb does not reset the root colour
        display.run("xsetroot", "-solid", "#4a6d8c")
        env = {**display.env, "PYTHONPATH": str(REPO), "SWICTATION_GUI_HOME": home,
               "QT_QPA_PLATFORMTHEME": "", "QT_SCALE_FACTOR": "1"}
        result = subprocess.run([sys.executable, __file__, "--child", "--out", str(out)], env=env, timeout=120,
                                check=False)
        return result.returncode


def child(out: Path) -> int:
    """Build the UI on the display and save each picture (runs under Xvfb)."""
    from PySide6.QtCore import QEventLoop, QPoint, QRect, QTimer
    from PySide6.QtGui import QColor, QFont, QImage, QPainter
    from PySide6.QtWidgets import QApplication

    from swictation_gui.settings import ModelChoice, Settings
    from swictation_gui.ui import icons
    from swictation_gui.ui.icons import TrayState
    from swictation_gui.ui.providers import Availability
    from swictation_gui.ui.settings_dialog import PAGES, SettingsDialog
    from swictation_gui.ui.tray import Tray

    app = QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    app.setQuitOnLastWindowClosed(False)

    def wait(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def wait_for(predicate: object, timeout_ms: int = 5000) -> None:
        assert callable(predicate)
        waited = 0
        while not predicate():
            if waited >= timeout_ms:
                raise TimeoutError("the UI did not reach the expected state")
            wait(20)
            waited += 20

    def xdotool(*args: str) -> None:
        subprocess.run(["xdotool", *args], check=True, timeout=10)

    def grab_screen(rect: QRect, name: str) -> None:
        with tempfile.NamedTemporaryFile(suffix=".png") as tmp:
            subprocess.run(["import", "-window", "root", tmp.name], check=True, timeout=30)
            image = QImage(tmp.name)
        image.copy(rect).save(str(out / name))
        print(f"wrote {out / name}")

    # --- tray and its menu -----------------------------------------------------------------------
    tray = Tray()
    tray.set_state(TrayState.READY)
    tray.set_info("Parakeet-TDT 110M English (fp32, GPU)", "GPU (CUDA)", "ctrl_r")
    tray.set_model("gpu")
    tray.set_last_transcript("Let's meet on Thursday at ten and go through the draft together.")
    tray.show()
    wait_for(lambda: tray.icon.geometry().x() > 0, 10000)
    geo = tray.icon.geometry()
    xdotool("mousemove", str(geo.center().x()), str(geo.center().y()), "click", "3")
    wait_for(tray.menu.isVisible)
    model_rect = tray.menu.actionGeometry(tray.model_menu.menuAction())
    hover = tray.menu.mapToGlobal(model_rect.center())
    xdotool("mousemove", str(hover.x()), str(hover.y()))
    wait_for(tray.model_menu.isVisible)
    wait(300)
    area = tray.menu.geometry().united(tray.model_menu.geometry()).united(geo).adjusted(-24, -6, 24, 24)
    area = area.intersected(QRect(QPoint(0, 0), app.primaryScreen().size()))
    grab_screen(area, "tray-menu.png")
    tray.menu.hide()

    # --- settings pages --------------------------------------------------------------------------
    def availability(choice: ModelChoice, folder: str | None) -> Availability:
        if choice is ModelChoice.GPU:
            return Availability(True, True)
        if choice is ModelChoice.CPU:
            return Availability(False, False, "Not installed: tray → Model → Download or add a model…, or run "
                                "swictation-gui models download cpu.")
        return Availability(False, False, "No folder chosen.")

    mics = ["Built-in Audio Analog Stereo", "Blue Yeti USB Microphone", "HD Pro Webcam C920"]
    from swictation_gui.text.replacements import Replacement
    demo = Settings(model=ModelChoice.GPU, input_device="Blue Yeti USB Microphone", spoken_commands=True,
                    vocabulary=("Kubernetes", "PyTorch", "Siobhan Nguyen"),
                    replacements=(Replacement("gonna", "going to"), Replacement("my email", "me@example.org"),
                                  Replacement(r"(\d+) percent", r"\1 %", regex=True)))
    dialog = SettingsDialog(demo,
                            model_availability=availability, input_devices=lambda: mics,
                            settings_path=Path("~/.config/swictation-gui/settings.json"))
    dialog.show()
    wait_for(dialog.isVisible)
    for page in PAGES:
        dialog.show_page(page)
        if page == "microphone":
            dialog.set_level(0.18)
        wait(150)
        dialog.grab().save(str(out / f"settings-{page}.png"))
        print(f"wrote {out / f'settings-{page}.png'}")
    dialog.hide()

    # --- history window ---------------------------------------------------------------------------
    import time as _time

    from swictation_gui.history.store import HistoryStore
    from swictation_gui.ui.history_window import HistoryWindow

    store = HistoryStore()
    now = _time.time()
    for ago, window_name, spoken, text in (
            (3600, "kate.Kate #0x2a00007", 4.2, "Deploy the new build to Kubernetes tonight."),
            (1800, "Slack.Slack #0x3c00012", 2.1, "Sounds good, I'll review it after lunch."),
            (300, "kate.Kate #0x2a00007", 6.8, "The period of the Renaissance saw great changes in art and science."),
            (30, "org.gnome.Terminal #0x4e00003", 1.4, "git push origin main")):
        store.add(text, window_name, spoken, at=now - ago)
    history = HistoryWindow(store, lambda _text: None)
    history.show()
    wait_for(history.isVisible)
    history.table.selectRow(1)
    wait(150)
    history.grab().save(str(out / "history.png"))
    print(f"wrote {out / 'history.png'}")
    history.hide()

    # --- icons on light and dark panels ----------------------------------------------------------
    sizes = (16, 22, 32, 48)
    states = list(TrayState)
    cell, label_h = 64, 18
    col_w = 140
    sheet = QImage(len(states) * col_w + 16, 2 * (cell + label_h) + 16, QImage.Format.Format_ARGB32)
    sheet.fill(QColor("#ffffff"))
    painter = QPainter(sheet)
    painter.setFont(QFont("DejaVu Sans", 8))
    for row, (bg, fg) in enumerate((("#eeeeee", "#222222"), ("#262626", "#eeeeee"))):
        top = 8 + row * (cell + label_h)
        painter.fillRect(0, top - 8 if row == 0 else top - 4, sheet.width(), cell + label_h + 4, QColor(bg))
        for col, state in enumerate(states):
            x = 12 + col * col_w
            for size in sizes:
                step = 5 if state is TrayState.RECORDING else 0
                painter.drawPixmap(x, top + (48 - size), icons.render(state, size, step))
                x += size + 3
            painter.setPen(QColor(fg))
            painter.drawText(QRect(8 + col * col_w, top + 50, col_w - 8, label_h), 0x84, state.value.replace("_", " "))
    painter.end()
    sheet.save(str(out / "tray-icons.png"))
    print(f"wrote {out / 'tray-icons.png'}")
    tray.hide()
    return 0


def main() -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.out.resolve())
    os.environ.pop("QT_QPA_PLATFORM", None)
    return parent(args.out.resolve())


if __name__ == "__main__":
    sys.exit(main())
