"""Which desktop session this is (X11 or Wayland, which compositor) and the hotkey and text-output fallback chains.

Qt-free and side-effect-free: ``detect`` reads only the environment it is given and looks tools up on ``PATH``, so
every combination can be unit-tested. Each chain lists every backend best first, with the one the app uses marked
"active" and each other one "skipped" (with the reason) or "standby" (usable, but a better one is active), and the
fix that would make a skipped one usable. Runs on any thread.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass

Which = Callable[[str], str | None]

SWAY, HYPRLAND, KDE, GNOME, WLROOTS, OTHER = "sway", "hyprland", "kde", "gnome", "wlroots", "other"
VIRTUAL_KEYBOARD = (SWAY, HYPRLAND, WLROOTS)  # compositors with zwp_virtual_keyboard_v1 for any client (wtype works)
# KWin 5.27 offers the protocol to input methods only (checked with kwin_wayland --virtual: wtype says "Compositor
# does not support the virtual keyboard protocol"); wtype is still tried there, and its refusal is caught.
_TRY_WTYPE = {OTHER: "unknown compositor: the first text shows whether it works",
              KDE: "KWin 5.27 refuses it (it offers the protocol to input methods only); a refusal is caught and the "
                   "text left on the clipboard"}
_WLROOTS_NAMES = ("river", "wayfire", "labwc", "niri", "dwl", "cage", "hikari", "qtile")


@dataclass(frozen=True)
class SessionInfo:
    """What kind of session the app runs in.

    Attributes:
        kind: "wayland", "x11" or "none".
        compositor: For Wayland: "sway", "hyprland", "kde", "gnome", "wlroots" (another wlroots one) or "other".
            For X11 the desktop when known (e.g. "gnome", "kde"), else "".
        wayland_display: ``$WAYLAND_DISPLAY`` ("" when unset).
        x_display: ``$DISPLAY`` ("" when unset; on Wayland this is XWayland).
        desktop: ``$XDG_CURRENT_DESKTOP`` as set.
        dbus: A D-Bus session bus address is set (``$DBUS_SESSION_BUS_ADDRESS``): the desktop portals may answer.
    """

    kind: str
    compositor: str
    wayland_display: str = ""
    x_display: str = ""
    desktop: str = ""
    dbus: bool = False

    @property
    def wayland(self) -> bool:
        """A native Wayland session (XWayland windows are then the exception)."""
        return self.kind == "wayland"

    def describe(self) -> str:
        """One line for ``doctor`` and the log."""
        if self.kind == "none":
            return "no display (DISPLAY and WAYLAND_DISPLAY are unset)"
        if self.kind == "x11":
            desk = f", desktop {self.desktop}" if self.desktop else ""
            return f"X11 (DISPLAY={self.x_display}{desk})"
        xwayland = f", XWayland DISPLAY={self.x_display}" if self.x_display else ", no XWayland"
        return f"Wayland, compositor {self.compositor} (WAYLAND_DISPLAY={self.wayland_display}{xwayland})"


def _compositor(env: Mapping[str, str]) -> str:
    desktops = [d.strip().lower() for d in env.get("XDG_CURRENT_DESKTOP", "").split(":") if d.strip()]
    session = env.get("DESKTOP_SESSION", "").lower()
    if env.get("SWAYSOCK") or SWAY in desktops or session == SWAY:
        return SWAY
    if env.get("HYPRLAND_INSTANCE_SIGNATURE") or HYPRLAND in desktops:
        return HYPRLAND
    if env.get("KDE_FULL_SESSION") or KDE in desktops or "plasma" in session:
        return KDE
    if GNOME in desktops or "gnome" in session or env.get("GNOME_SETUP_DISPLAY"):
        return GNOME
    if any(name in desktops or session == name for name in _WLROOTS_NAMES):
        return WLROOTS
    return OTHER


def detect(env: Mapping[str, str] | None = None) -> SessionInfo:
    """The session described by ``env`` (default ``os.environ``).

    ``XDG_SESSION_TYPE=x11`` wins over a stray ``WAYLAND_DISPLAY``; a Wayland socket name (``WAYLAND_DISPLAY``) makes
    it Wayland even when ``XDG_SESSION_TYPE`` is missing (sway started from a TTY sets none).
    """
    env = os.environ if env is None else env
    wl, x = env.get("WAYLAND_DISPLAY", ""), env.get("DISPLAY", "")
    session_type = env.get("XDG_SESSION_TYPE", "").lower()
    desktop = env.get("XDG_CURRENT_DESKTOP", "")
    if wl and session_type != "x11":
        return SessionInfo("wayland", _compositor(env), wl, x, desktop, bool(env.get("DBUS_SESSION_BUS_ADDRESS")))
    if x:
        comp = _compositor(env)
        return SessionInfo("x11", "" if comp == OTHER else comp, wl, x, desktop)
    if session_type == "wayland":  # the variable says Wayland but the socket name is missing
        return SessionInfo("none", _compositor(env), "", "", desktop)
    return SessionInfo("none", "", "", "", desktop)


@dataclass(frozen=True)
class Link:
    """One backend in a fallback chain.

    Attributes:
        name: Backend name ("wtype", "compositor-bindings", …).
        status: "active" (the one in use), "standby" (usable after the active one) or "skipped".
        detail: For "skipped": why; otherwise what it does here.
        fix: What the user can do to make a skipped link usable ("" when nothing or not needed).
    """

    name: str
    status: str
    detail: str
    fix: str = ""


def _activate(links: list[Link], prefer: str = "") -> list[Link]:
    """Mark the first usable link (status "standby" on input) active; ``prefer``: that one, when usable."""
    out: list[Link] = []
    found = False
    preferred = any(link.name == prefer and link.status == "standby" for link in links)
    for link in links:
        if link.status == "standby" and not found and (not preferred or link.name == prefer):
            found = True
            link = Link(link.name, "active", link.detail, link.fix)
        out.append(link)
    return out


def active(links: list[Link]) -> Link | None:
    """The active link of a chain (None when nothing works)."""
    return next((link for link in links if link.status == "active"), None)


def _tool(which: Which, name: str, package: str) -> str:
    """"" when ``name`` is on PATH, else the install hint."""
    return "" if which(name) else f"install {package} (sudo apt install {package})"


def _portal_link(info: SessionInfo, have_dbus_lib: bool) -> Link:
    if info.compositor in (SWAY, WLROOTS):
        return Link("globalshortcuts-portal", "skipped", "the wlroots portal (xdg-desktop-portal-wlr) has no "
                    "GlobalShortcuts", "use the compositor binding below")
    if not info.dbus:
        return Link("globalshortcuts-portal", "skipped", "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset)",
                    "start the app inside your desktop session")
    if not have_dbus_lib:
        return Link("globalshortcuts-portal", "skipped", "the D-Bus library is missing", "pip install jeepney")
    return Link("globalshortcuts-portal", "standby", "the desktop's GlobalShortcuts portal reports press and release "
                "(hold mode; KDE Plasma 5.27+, GNOME 48+, Hyprland's portal); if it is missing or you decline the "
                "shortcut, the next link is used", "")


def hotkey_chain(info: SessionInfo, which: Which = shutil.which, have_xlib: bool = True,
                 have_dbus_lib: bool = True) -> list[Link]:
    """The hotkey backends for ``info``, best first, with the one the app uses marked active."""
    x_ok = bool(info.x_display) and have_xlib
    x_fix = "" if have_xlib else "pip install python-xlib"
    if not info.wayland:
        if x_ok:
            return [Link("x11-grab", "active", "X11 key grab: hold and toggle modes")]
        return [Link("x11-grab", "skipped", "no X display" if have_xlib else "python-xlib is missing",
                     x_fix or "run the app inside your desktop session")]
    links = [_portal_link(info, have_dbus_lib)]
    if info.compositor in (SWAY, HYPRLAND):
        links.append(Link("compositor-bindings", "standby",
                          f"{info.compositor} runs 'swictation-gui start' on press and 'swictation-gui stop' on "
                          "release (hold mode)", "print or install the binding: swictation-gui bindings"))
    elif info.compositor in (KDE, GNOME):
        links.append(Link("compositor-bindings", "standby",
                          "a custom shortcut runs 'swictation-gui toggle' (toggle mode: the desktop reports no "
                          "key release)", "add the shortcut shown by: swictation-gui bindings"))
    else:
        links.append(Link("compositor-bindings", "skipped", f"no known binding format for compositor "
                          f"'{info.desktop or 'unknown'}'", "bind a key to 'swictation-gui toggle' in your "
                          "compositor's settings"))
    links.append(Link("evdev", "skipped", "reading /dev/input directly is not part of this version yet"))
    if x_ok:
        links.append(Link("x11-grab", "standby", "XWayland key grab: only sees keys while an XWayland window has "
                          "focus"))
    else:
        links.append(Link("x11-grab", "skipped", "no XWayland display" if have_xlib else "python-xlib is missing",
                          x_fix))
    return _activate(links)


def injection_chain(info: SessionInfo, which: Which = shutil.which, have_xlib: bool = True,
                    method: str = "auto") -> list[Link]:
    """The text-output backends for ``info``, best first, with the one the app uses marked active (``method``
    "paste" makes the clipboard paste the active one where it works; wtype then only sends the shortcut)."""
    clip_fix = _tool(which, "wl-copy", "wl-clipboard") if info.wayland else ""
    clip = Link("clipboard-only", "standby", "the text is put on the clipboard and you are told to paste it")
    if not info.wayland:
        if info.x_display and have_xlib:
            return [Link("x11", "active", "XTest typing and clipboard paste, each checked")]
        return [Link("x11", "skipped", "no X display" if have_xlib else "python-xlib is missing",
                     "" if have_xlib else "pip install python-xlib"), clip]
    links: list[Link] = []
    wtype_fix = _tool(which, "wtype", "wtype")
    if info.compositor not in VIRTUAL_KEYBOARD:
        why = ("GNOME (Mutter) has no virtual-keyboard protocol" if info.compositor == GNOME
               else "this compositor may lack the virtual-keyboard protocol")
        if info.compositor in _TRY_WTYPE and not wtype_fix:
            links.append(Link("wtype", "standby", "virtual-keyboard typing (exact Unicode), tried: "
                              + _TRY_WTYPE[info.compositor]))
        else:
            links.append(Link("wtype", "skipped", why, "use the clipboard: paste with Ctrl+V"))
    elif wtype_fix:
        links.append(Link("wtype", "skipped", "wtype is not installed", wtype_fix))
    else:
        links.append(Link("wtype", "standby", "virtual-keyboard typing (exact Unicode) and the paste shortcut"))
    links.append(Link("remotedesktop-portal", "skipped", "the RemoteDesktop portal client is not part of this "
                      "version yet"))
    links.append(Link("ydotool", "skipped", "the ydotool backend is not part of this version yet"))
    wtype_ok = links[0].status == "standby"
    if clip_fix:
        links.append(Link("wl-copy-paste", "skipped", "wl-clipboard is not installed", clip_fix))
    elif not wtype_ok:
        links.append(Link("wl-copy-paste", "skipped", "no key sender for the paste shortcut (wtype)", ""))
    else:
        links.append(Link("wl-copy-paste", "standby", "clipboard + Ctrl+V through wtype, previous clipboard "
                          "restored when the paste was taken"))
    if info.x_display:
        links.append(Link("x11", "skipped", "XTest through XWayland reaches XWayland windows only and cannot tell "
                          "when its keys went nowhere"))
    links.append(clip if not clip_fix else Link(clip.name, "standby", "Qt's clipboard while the app runs", clip_fix))
    return _activate(links, "wl-copy-paste" if method == "paste" else "")
