#!/usr/bin/env python3
"""Render the tray menu, each settings page, the tray icons and the recording overlay to docs/screenshots/*.png.

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
from collections.abc import Callable
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
        # A fresh home folder, so that the pictures show the usual places (~/.local/share/…), not a temporary one.
        env = {**display.env, "PYTHONPATH": str(REPO), "HOME": home, "XDG_DATA_HOME": f"{home}/.local/share",
               "XDG_CONFIG_HOME": f"{home}/.config", "XDG_CACHE_HOME": f"{home}/.cache",
               "QT_QPA_PLATFORMTHEME": "", "QT_SCALE_FACTOR": "1"}
        env.pop("SWICTATION_GUI_HOME", None)
        result = subprocess.run([sys.executable, __file__, "--child", "--out", str(out)], env=env, timeout=120,
                                check=False)
        return result.returncode


def child(out: Path) -> int:
    """Build the UI on the display and save each picture (runs under Xvfb)."""
    from PySide6.QtCore import QEventLoop, QPoint, QRect, QTimer
    from PySide6.QtGui import QColor, QFont, QImage, QPainter
    from PySide6.QtWidgets import QApplication

    from swictation_gui.audio.sources import InputChoice
    from swictation_gui.models import catalogue
    from swictation_gui.recognition.base import DeviceReport
    from swictation_gui.settings import ModelChoice, Settings
    from swictation_gui.ui import icons
    from swictation_gui.ui.icons import TrayState
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
    tray.set_info("cpu", "CPU", "ctrl_r")
    tray.set_model("cpu")
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
    mics = [InputChoice("pulse:alsa_input.pci-0000_00_1f.3.analog-stereo", "Built-in Audio Analog Stereo"),
            InputChoice("pulse:alsa_input.usb-Blue_Microphones_Yeti-00.analog-stereo", "Yeti Stereo Microphone"),
            InputChoice("pulse:alsa_input.usb-046d_HD_Pro_Webcam_C920-02.analog-stereo", "HD Pro Webcam C920")]
    # The Model page as on a machine without CUDA: the CPU model installed and running, the GPU model
    # half downloaded (its row shows the progress and Cancel), no folder of your own yet.
    catalogue.installed_dir(catalogue.CPU_MODEL).mkdir(parents=True, exist_ok=True)
    no_cuda = DeviceReport("cuda", "cpu", "libcudnn.so.9 not found")
    from swictation_gui.text.replacements import Replacement
    demo = Settings(model=ModelChoice.CPU, input_device=mics[1].spec, spoken_commands=True,
                    vocabulary=("Kubernetes", "PyTorch", "Siobhan Nguyen"),
                    replacements=(Replacement("gonna", "going to"), Replacement("my email", "me@example.org"),
                                  Replacement(r"(\d+) percent", r"\1 %", regex=True)))
    dialog = SettingsDialog(demo,
                            cuda_report=lambda: no_cuda, input_devices=lambda: mics,
                            settings_path=Path("~/.config/swictation-gui/settings.json"))
    dialog.model_page.set_running("cpu", "CPU")
    gpu_row = dialog.model_page.rows["gpu"]
    gpu_row.set_state("downloading")
    gpu_row.set_progress(0.42)
    gpu_row.set_message("Downloading 192.3 / 458.0 MB — 8.4 MB/s, 0:31 left")
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

    # --- the recording overlay, as it shows at the bottom of the screen --------------------------------------
    from swictation_gui.core.status import AppStatus
    from swictation_gui.ui.overlay import RecordingOverlay

    overlay = RecordingOverlay()
    shots = []
    for status, level in ((AppStatus.RECORDING, 0.35), (AppStatus.TRANSCRIBING, 0.0)):
        overlay.show_status(status)
        if status is AppStatus.RECORDING:
            overlay._started -= 7.4  # as if recording for a few seconds
            overlay.set_level(level)
        wait_for(overlay.isVisible)
        wait(200)
        with tempfile.NamedTemporaryFile(suffix=".png") as tmp:
            subprocess.run(["import", "-window", "root", tmp.name], check=True, timeout=30)
            shots.append(QImage(tmp.name).copy(overlay.geometry().adjusted(-16, -12, 16, 12)))
    overlay.show_status(AppStatus.READY)
    pair = QImage(shots[0].width(), sum(shot.height() for shot in shots), QImage.Format.Format_ARGB32)
    painter = QPainter(pair)
    for index, shot in enumerate(shots):
        painter.drawImage(0, index * shots[0].height(), shot)
    painter.end()
    pair.save(str(out / "overlay.png"))
    print(f"wrote {out / 'overlay.png'}")

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

    wizard_pages(out, wait, wait_for)

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


def wizard_pages(out: Path, wait: Callable[[int], None], wait_for: Callable[..., None]) -> None:
    """Each page of the setup wizard at its default size, as on a machine without CUDA (runs under Xvfb)."""
    import dataclasses
    import socket

    from swictation_gui.models.catalogue import CATALOGUE
    from swictation_gui.settings import Settings
    from swictation_gui.ui.wizard import SetupWizard

    mics = ["Built-in Audio Analog Stereo", "Blue Yeti USB Microphone", "HD Pro Webcam C920"]
    reason = ("CUDA was requested but onnxruntime used the CPU: libcublasLt.so.12: cannot open shared object file: "
              "No such file or directory")
    wizard = SetupWizard(Settings(input_device="Blue Yeti USB Microphone"), False, reason, input_devices=lambda: mics,
                         root=Path("~/.local/share/swictation-gui/models"))  # shown as such; nothing is written
    wizard.show()
    wait_for(wizard.isVisible)
    shots = [("wizard-1-model.png", None), ("wizard-2-microphone.png", 0.22), ("wizard-3-hotkey.png", None),
             ("wizard-4-try.png", None)]
    for index, (name, level) in enumerate(shots):
        if index:
            wizard.next()
        if level is not None:
            wizard.set_level(level)
        if name == "wizard-4-try.png":
            wizard.try_page.box.setPlainText("Let's meet on Thursday at ten.")
            wizard.set_model_ready(True)
        wait(200)
        wizard.grab().save(str(out / name))
        print(f"wrote {out / name}")
    wizard.done(0)
    with socket.socket() as sock:  # a closed port: the download fails as it does offline
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    specs = [dataclasses.replace(spec, url=spec.url.replace("https://github.com", f"http://127.0.0.1:{port}"))
             for spec in CATALOGUE]
    offline = SetupWizard(Settings(), False, reason, input_devices=lambda: mics, specs=specs,
                          root=Path(tempfile.mkdtemp()))
    offline.show()
    offline.model_page.start_download()
    wait_for(lambda: offline.model_page.state == "failed", 20000)
    wait(200)
    offline.grab().save(str(out / "wizard-1-model-offline.png"))
    print(f"wrote {out / 'wizard-1-model-offline.png'}")
    offline.done(0)


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
