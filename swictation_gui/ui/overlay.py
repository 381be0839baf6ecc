"""The recording overlay: a small always-on-top indicator (state, live level, elapsed time) that never takes focus.

It is an override-redirect X11 window (``X11BypassWindowManagerHint``) that says it accepts no input focus
(``WindowDoesNotAcceptFocus``, WM_HINTS input=False), is shown without activation and lets every mouse event through,
so the window the user dictates into keeps the focus. On native Wayland there is no such window type for a Qt client
(sway focuses every new toplevel), so the overlay stays hidden there and the tray says the state. GUI thread only.
It runs no timer of its own while recording (the level monitor's ticks redraw it), and none at all when idle.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QRect, QRectF, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QCursor,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QRegion,
)
from PySide6.QtWidgets import QWidget

from swictation_gui.core.status import AppStatus

CANCELLED_MS = 1200   # how long "Cancelled" stays up
BOTTOM_MARGIN = 64    # pixels between the overlay and the bottom of the screen's free area
LABELS = {"recording": "Recording", "transcribing": "Transcribing…", "cancelled": "Cancelled"}
_COLOURS = {"recording": "#e5484d", "transcribing": "#f5a524", "cancelled": "#8b8d98"}
FLAGS = (Qt.WindowType.Tool | Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint
         | Qt.WindowType.WindowDoesNotAcceptFocus | Qt.WindowType.X11BypassWindowManagerHint)


class RecordingOverlay(QWidget):
    """The indicator; :meth:`show_status` drives it from the tray's status (GUI thread)."""

    def __init__(self) -> None:
        super().__init__(None, FLAGS)
        self.setObjectName("recordingOverlay")
        self.setWindowTitle("Swictation recording indicator")
        for attribute in (Qt.WidgetAttribute.WA_ShowWithoutActivating, Qt.WidgetAttribute.WA_TransparentForMouseEvents,
                          Qt.WidgetAttribute.WA_X11DoNotAcceptFocus):
            self.setAttribute(attribute)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.enabled = True
        # Wayland: no "never focus me" toplevel for Qt clients; showing it would take the focus from the target.
        self.supported = QGuiApplication.platformName() != "wayland"
        self.state = ""          # "recording", "transcribing", "cancelled", or "" (hidden)
        self.level = 0.0
        self._started = 0.0
        self._elapsed = 0.0
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF(), 10.0))
        font.setBold(True)
        self.setFont(font)
        metrics = QFontMetrics(font)
        text_w = max(metrics.horizontalAdvance(label) for label in LABELS.values())
        self._text_w = text_w
        self._time_w = metrics.horizontalAdvance("00:00")
        height = metrics.height() + 20
        self.resize(14 + 12 + 8 + text_w + 18 + 96 + 12 + self._time_w + 14, height)  # no size hints: not resizable
        if QGuiApplication.platformName() == "xcb":  # rounded ends (other platforms, e.g. offscreen, have no masks)
            path = QPainterPath()
            path.addRoundedRect(QRectF(self.rect()), height / 2, height / 2)
            self.setMask(QRegion(path.toFillPolygon().toPolygon()))
        self._hide_timer = QTimer(self)
        self._hide_timer.setSingleShot(True)
        self._hide_timer.setInterval(CANCELLED_MS)
        self._hide_timer.timeout.connect(self._end_flash)

    # ----------------------------------------------------------------- inputs

    def set_enabled(self, enabled: bool) -> None:
        """The "overlay" setting; off hides it at once."""
        self.enabled = enabled
        if not enabled:
            self._set_state("")

    def show_status(self, status: AppStatus) -> None:
        """The tray's status changed: recording and transcribing show, anything else hides (after a flash)."""
        state = {AppStatus.RECORDING: "recording", AppStatus.TRANSCRIBING: "transcribing"}.get(status, "")
        if state == "" and self.state == "cancelled":
            return  # "Cancelled" stays up for its moment
        self._set_state(state)

    def set_level(self, level: float) -> None:
        """A level tick while recording (peak 0..1); also advances the elapsed time."""
        if self.state == "recording":
            self.level = min(max(level, 0.0), 1.0)
            self._elapsed = time.monotonic() - self._started
            self.update()

    def show_cancelled(self) -> bool:
        """Say "Cancelled" for a moment; False when the overlay is off (the caller tells the user another way)."""
        if not self.enabled or not self.supported:
            return False
        self._set_state("cancelled")
        self._hide_timer.start()
        return True

    # ----------------------------------------------------------------- state

    def _end_flash(self) -> None:
        if self.state == "cancelled":
            self._set_state("")

    def _set_state(self, state: str) -> None:
        if not self.enabled or not self.supported:
            state = ""
        if state != "cancelled":
            self._hide_timer.stop()
        if state == "recording" and self.state != "recording":
            self._started, self._elapsed, self.level = time.monotonic(), 0.0, 0.0
        if state != "recording":
            self.level = 0.0
        self.state = state
        if not state:
            self.hide()
            return
        if not self.isVisible():
            self._place()
            self.show()
        self.update()

    def _place(self) -> None:
        """Bottom centre of the screen the pointer is on."""
        screen = QGuiApplication.screenAt(QCursor.pos()) or QGuiApplication.primaryScreen()
        area = screen.availableGeometry()
        self.move(area.x() + (area.width() - self.width()) // 2,
                  area.y() + area.height() - self.height() - BOTTOM_MARGIN)

    # ----------------------------------------------------------------- drawing

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        """Dot, state, level bar and elapsed time on a dark pill."""
        del event
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        h = self.height()
        p.fillRect(self.rect(), QColor("#1d1f24"))
        colour = QColor(_COLOURS.get(self.state, "#8b8d98"))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour)
        p.drawEllipse(QRectF(14, (h - 12) / 2, 12, 12))
        x = 14 + 12 + 8
        p.setPen(QColor("#f1f1f3"))
        p.drawText(QRect(x, 0, self._text_w, h), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                   LABELS.get(self.state, ""))
        x += self._text_w + 18
        bar = QRectF(x, (h - 8) / 2, 96, 8)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#3a3d45"))
        p.drawRoundedRect(bar, 4, 4)
        if self.level > 0:  # a square root, so quiet speech still moves the bar
            p.setBrush(colour)
            p.drawRoundedRect(QRectF(bar.x(), bar.y(), max(8.0, bar.width() * self.level ** 0.5), bar.height()), 4, 4)
        x += 96 + 12
        seconds = int(self._elapsed)
        p.setPen(QColor("#c9cbd2"))
        p.drawText(QRect(x, 0, self._time_w, h), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                   f"{seconds // 60}:{seconds % 60:02d}")
        p.end()
