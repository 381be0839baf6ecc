"""Tray icons: one SVG per state, rendered crisp at panel sizes, plus a live level ring when recording."""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtSvg import QSvgRenderer

from swictation_gui.core.status import AppStatus

SIZES = (16, 22, 24, 32, 48, 64)
LEVEL_STEPS = 8
"""The recording icon shows the input level in this many steps (fewer icon swaps, no visible loss)."""


TrayState = AppStatus
"""What the app is doing, as the tray shows it: one icon per pipeline status (``core/status.py``)."""


def asset_path(name: str) -> Path:
    """Path of a bundled asset file (``swictation_gui/assets/<name>``)."""
    return Path(str(resources.files("swictation_gui").joinpath("assets", name)))


_renderers: dict[TrayState, QSvgRenderer] = {}
_cache: dict[tuple[TrayState, int], QIcon] = {}


def _renderer(state: TrayState) -> QSvgRenderer:
    renderer = _renderers.get(state)
    if renderer is None:
        renderer = QSvgRenderer(str(asset_path(f"{state.value}.svg")))
        if not renderer.isValid():
            raise FileNotFoundError(f"Tray icon {state.value}.svg is missing or invalid")
        _renderers[state] = renderer
    return renderer


def level_step(level: float) -> int:
    """Quantize a peak amplitude 0..1 to 0..LEVEL_STEPS on a -48..0 dBFS scale."""
    if not math.isfinite(level) or level <= 0:
        return 0
    fraction = (20 * math.log10(min(level, 1.0)) + 48) / 48
    return max(0, min(LEVEL_STEPS, round(fraction * LEVEL_STEPS)))


def render(state: TrayState, size: int, step: int = 0) -> QPixmap:
    """The icon for ``state`` at ``size`` pixels; ``step`` > 0 adds the level ring (recording only)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    _renderer(state).render(painter, QRectF(0, 0, size, size))
    if state is TrayState.RECORDING and step > 0:
        # A bright arc grows clockwise from the top around the red disc as the voice gets louder.
        width = max(2.0, size / 8)
        inset = width / 2
        rect = QRectF(inset, inset, size - 2 * inset, size - 2 * inset)
        pen = QPen(QColor("#7CFF8A"), width)
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        painter.setPen(pen)
        painter.drawArc(rect, 90 * 16, -int(360 * 16 * step / LEVEL_STEPS))
    painter.end()
    return pixmap


def icon(state: TrayState, level: float = 0.0) -> QIcon:
    """A cached multi-size icon for ``state`` (and the level, when recording). GUI thread only."""
    step = level_step(level) if state is TrayState.RECORDING else 0
    key = (state, step)
    cached = _cache.get(key)
    if cached is None:
        cached = QIcon()
        for size in SIZES:
            cached.addPixmap(render(state, size, step))
        _cache[key] = cached
    return cached


def app_icon() -> QIcon:
    """The application icon (windows, About, the desktop entry)."""
    return QIcon(str(asset_path("swictation-gui.svg")))
