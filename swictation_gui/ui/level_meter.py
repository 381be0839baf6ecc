"""A horizontal input-level bar with a falling peak marker, fed by ``set_level``."""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, QSize, Qt, QTimer, Slot
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget


def level_to_fraction(level: float) -> float:
    """Map a peak amplitude (0..1) to bar length on a -60..0 dBFS scale, so speech fills it sensibly."""
    if not math.isfinite(level) or level <= 0.0:
        return 0.0
    db = 20.0 * math.log10(min(level, 1.0))
    return max(0.0, min(1.0, (db + 60.0) / 60.0))


class LevelMeter(QWidget):
    """Shows the microphone level; the app calls :meth:`set_level` about 20-30 times a second.

    The peak marker holds for a moment and then falls, so short syllables stay visible.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("levelMeter")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(14)
        self._fraction = 0.0
        self._peak = 0.0
        self._decay = QTimer(self)
        self._decay.setInterval(50)
        self._decay.timeout.connect(self._fall)
        self.setAccessibleName("Microphone level")

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        """A wide, short bar (GUI thread)."""
        return QSize(240, 16)

    def fraction(self) -> float:
        """Current bar length, 0..1 (GUI thread)."""
        return self._fraction

    @Slot(float)
    def set_level(self, level: float) -> None:
        """New peak amplitude 0..1 (GUI thread; connect across threads with a queued signal)."""
        self._fraction = level_to_fraction(level)
        if self._fraction >= self._peak:
            self._peak = self._fraction
        if not self._decay.isActive():
            self._decay.start()
        self.update()

    def _fall(self) -> None:
        self._peak = max(self._fraction, self._peak - 0.02)
        if self._peak <= self._fraction:
            self._decay.stop()
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        """Draw the track, the green-to-red bar and the peak marker (GUI thread)."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        track = self.palette().color(self.backgroundRole()).darker(115)
        painter.setPen(QColor(0, 0, 0, 60))
        painter.setBrush(track)
        painter.drawRoundedRect(rect, 3, 3)
        if self._fraction > 0:
            bar = QRectF(rect.left(), rect.top(), rect.width() * self._fraction, rect.height())
            # Green for speech, amber above -6 dBFS (loud), red above -1.5 dBFS (about to clip).
            colour = QColor("#2e9d4f") if self._fraction < 0.9 else QColor("#e0a21b") \
                if self._fraction < 0.975 else QColor("#d0342c")
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawRoundedRect(bar, 3, 3)
        if self._peak > 0:
            x = rect.left() + rect.width() * self._peak
            painter.setPen(QColor("#1b5e30"))
            painter.drawLine(int(x), int(rect.top()) + 1, int(x), int(rect.bottom()) - 1)
        painter.end()
