"""The Desktop page of Settings: which hotkey and text-output backends this session uses, and why.

The same chains as ``swictation-gui doctor`` (``platform.session.chains``): each link in order, the active one
marked, each skipped one with its reason and fix. GUI thread only.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QFrame, QGroupBox, QLabel, QScrollArea, QVBoxLayout, QWidget

from swictation_gui.platform import session

_MARK = {"active": ("✔", "#2e7d32", "in use"), "standby": ("○", "#555555", "standby"),
         "skipped": ("✖", "#9e9e9e", "skipped")}


def chain_html(title: str, links: list[session.Link]) -> str:
    """One chain as rich text: a heading and one line per link."""
    rows = [f"<b>{html.escape(title)}</b>"]
    if session.active(links) is None:
        rows.append("<span style='color:#c62828'>Nothing works here; see the fixes below.</span>")
    for link in links:
        mark, colour, label = _MARK[link.status]
        line = (f"<span style='color:{colour}'>{mark}</span> <b>{html.escape(link.name)}</b> — {label}: "
                f"{html.escape(link.detail)}")
        if link.fix and link.status != "active":
            line += f"<br/>&nbsp;&nbsp;&nbsp;&nbsp;<i>Fix: {html.escape(link.fix)}</i>"
        rows.append(line)
    return "<br/>".join(rows)


class BackendsView(QGroupBox):
    """Shows the session and both chains; refreshed each time it is shown (tools may have been installed).

    Args:
        info: The session to describe (default: this one, detected on each refresh).
        method: The text-output method setting ("auto", "type" or "paste").
        evdev: The opt-in evdev hotkey setting.
    """

    def __init__(self, info: session.SessionInfo | None = None, method: str = "auto", evdev: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("desktopBackends")
        self._info = info
        self.method = method
        self.evdev = evdev
        layout = QVBoxLayout(self)
        self.session_label = self._label("desktopSession")
        self.hotkey_label = self._label("hotkeyChain")
        self.output_label = self._label("outputChain")
        for label in (self.session_label, self.hotkey_label, self.output_label):
            layout.addWidget(label)
        layout.addStretch(1)
        self.refresh()

    def _label(self, name: str) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def refresh(self) -> None:
        """Detect again and show the chains (GUI thread; only looks tools up on PATH)."""
        info = self._info or session.detect()
        hotkeys, outputs = session.chains(info, method=self.method, evdev=self.evdev)
        self.hotkey_chain, self.output_chain = hotkeys, outputs
        self.session_label.setText(f"Session: {html.escape(info.describe())}")
        self.hotkey_label.setText(chain_html("Hotkey", hotkeys))
        self.output_label.setText(chain_html("Text output", outputs))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        """Refresh whenever the page is shown."""
        self.refresh()
        super().showEvent(event)


class DesktopPage(QWidget):
    """The Desktop tab: a short note and the :class:`BackendsView`, scrolled when the chains are long."""

    def __init__(self, info: session.SessionInfo | None = None) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        note = QLabel("How this desktop delivers the hotkey and the text, best first. The first usable backend is "
                      "used; the others are shown with the reason they were skipped and what would make them work. "
                      "The same list is printed by: swictation-gui doctor")
        note.setWordWrap(True)
        layout.addWidget(note)
        self.backends = BackendsView(info)
        scroll = QScrollArea()
        scroll.setObjectName("desktopScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.backends)
        layout.addWidget(scroll, 1)

    def load(self, method: str, evdev: bool) -> None:
        """Show the chains for the text-output ``method`` and the ``evdev`` hotkey settings (GUI thread)."""
        self.backends.method = method
        self.backends.evdev = evdev
        self.backends.refresh()
