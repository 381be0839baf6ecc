"""Session and compositor detection, the hotkey/text-output fallback chains, binding snippets and doctor's report."""

from __future__ import annotations

from pathlib import Path

import pytest

from swictation_gui.cli import doctor
from swictation_gui.errors import HotkeyError
from swictation_gui.platform import bindings, session

ALL_TOOLS = {"wtype", "wl-copy", "wl-paste", "swaymsg"}


def which_of(tools: set[str]) -> session.Which:
    return lambda name: f"/usr/bin/{name}" if name in tools else None


@pytest.mark.parametrize(("env", "kind", "compositor"), [
    ({"WAYLAND_DISPLAY": "wayland-1", "SWAYSOCK": "/run/sway.sock"}, "wayland", "sway"),
    ({"WAYLAND_DISPLAY": "wayland-1", "XDG_CURRENT_DESKTOP": "sway"}, "wayland", "sway"),
    ({"WAYLAND_DISPLAY": "wayland-1", "HYPRLAND_INSTANCE_SIGNATURE": "abc"}, "wayland", "hyprland"),
    ({"WAYLAND_DISPLAY": "wayland-0", "XDG_CURRENT_DESKTOP": "KDE", "DISPLAY": ":0"}, "wayland", "kde"),
    ({"WAYLAND_DISPLAY": "wayland-0", "XDG_CURRENT_DESKTOP": "ubuntu:GNOME", "XDG_SESSION_TYPE": "wayland"},
     "wayland", "gnome"),
    ({"WAYLAND_DISPLAY": "wayland-1", "XDG_CURRENT_DESKTOP": "river"}, "wayland", "wlroots"),
    ({"WAYLAND_DISPLAY": "wayland-1"}, "wayland", "other"),
    ({"DISPLAY": ":0", "XDG_CURRENT_DESKTOP": "GNOME", "XDG_SESSION_TYPE": "x11"}, "x11", "gnome"),
    ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "x11"}, "x11", ""),
    ({"DISPLAY": ":99"}, "x11", ""),
    ({"XDG_SESSION_TYPE": "wayland"}, "none", "other"),
    ({}, "none", ""),
])
def test_detect_reads_session_type_and_compositor(env: dict[str, str], kind: str, compositor: str) -> None:
    info = session.detect(env)
    assert (info.kind, info.compositor) == (kind, compositor)
    assert info.describe()


def names(chain: list[session.Link], status: str) -> list[str]:
    return [link.name for link in chain if link.status == status]


def test_sway_uses_bindings_and_wtype_and_says_why_the_others_are_skipped() -> None:
    info = session.detect({"WAYLAND_DISPLAY": "wayland-1", "SWAYSOCK": "/s"})
    hotkey = session.hotkey_chain(info, which_of(ALL_TOOLS))
    assert names(hotkey, "active") == ["compositor-bindings"]
    assert "bindings" in hotkey[1].fix
    assert all(link.detail for link in hotkey if link.status == "skipped")
    assert names(hotkey, "skipped") == ["globalshortcuts-portal", "evdev", "x11-grab"]
    text = session.injection_chain(info, which_of(ALL_TOOLS))
    assert names(text, "active") == ["wtype"]
    assert names(text, "standby") == ["wl-copy-paste", "clipboard-only"]
    paste = session.injection_chain(info, which_of(ALL_TOOLS), method="paste")
    assert names(paste, "active") == ["wl-copy-paste"] and "wtype" in names(paste, "standby")


def test_missing_wtype_and_wl_clipboard_each_get_their_install_fix() -> None:
    info = session.detect({"WAYLAND_DISPLAY": "wayland-1", "HYPRLAND_INSTANCE_SIGNATURE": "x"})
    text = session.injection_chain(info, which_of(set()))
    by_name = {link.name: link for link in text}
    assert by_name["wtype"].status == "skipped" and "apt install wtype" in by_name["wtype"].fix
    assert by_name["wl-copy-paste"].status == "skipped" and "wl-clipboard" in by_name["wl-copy-paste"].fix
    assert names(text, "active") == ["clipboard-only"]


def test_gnome_has_no_virtual_keyboard_and_uses_a_toggle_shortcut() -> None:
    info = session.detect({"WAYLAND_DISPLAY": "wayland-0", "XDG_CURRENT_DESKTOP": "GNOME", "DISPLAY": ":0"})
    text = session.injection_chain(info, which_of(ALL_TOOLS))
    assert "Mutter" in text[0].detail and text[0].status == "skipped"
    assert names(text, "active") == ["clipboard-only"]
    assert "x11" in names(text, "skipped")  # XWayland typing cannot tell when its keys went nowhere
    hotkey = session.hotkey_chain(info, which_of(ALL_TOOLS))
    assert session.active(hotkey) == hotkey[1] and "toggle" in hotkey[1].detail
    assert names(hotkey, "standby") == ["x11-grab"]


def test_kde_gnome_and_hyprland_ask_the_global_shortcuts_portal_first() -> None:
    for desktop in ({"XDG_CURRENT_DESKTOP": "KDE"}, {"XDG_CURRENT_DESKTOP": "GNOME"},
                    {"HYPRLAND_INSTANCE_SIGNATURE": "x"}):
        info = session.detect({"WAYLAND_DISPLAY": "wayland-0", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/b", **desktop})
        hotkey = session.hotkey_chain(info, which_of(ALL_TOOLS))
        assert names(hotkey, "active") == ["globalshortcuts-portal"], desktop
        assert "compositor-bindings" in names(hotkey, "standby")
        missing = session.hotkey_chain(info, which_of(ALL_TOOLS), have_dbus_lib=False)
        assert missing[0].fix == "pip install jeepney" and names(missing, "active") == ["compositor-bindings"]
    sway = session.detect({"WAYLAND_DISPLAY": "wayland-1", "SWAYSOCK": "/s", "DBUS_SESSION_BUS_ADDRESS": "x"})
    assert "wlroots" in session.hotkey_chain(sway)[0].detail


def test_unknown_compositor_falls_back_to_the_xwayland_grab() -> None:
    info = session.detect({"WAYLAND_DISPLAY": "wayland-1", "DISPLAY": ":1"})
    hotkey = session.hotkey_chain(info, which_of(ALL_TOOLS))
    assert names(hotkey, "active") == ["x11-grab"]
    assert session.hotkey_chain(info, which_of(ALL_TOOLS), have_xlib=False)[-1].fix == "pip install python-xlib"


def test_x11_chain_is_the_x11_backends() -> None:
    info = session.detect({"DISPLAY": ":0"})
    assert names(session.hotkey_chain(info), "active") == ["x11-grab"]
    assert names(session.injection_chain(info), "active") == ["x11"]
    assert session.active(session.hotkey_chain(session.detect({}))) is None


@pytest.mark.parametrize(("hotkey", "press", "release"), [
    ("f9", "bindsym --no-repeat F9 exec swgui start", "bindsym --release F9 exec swgui stop"),
    ("ctrl+alt+space", "bindsym --no-repeat Ctrl+Mod1+space exec swgui start",
     "bindsym --release Ctrl+Mod1+space exec swgui stop"),
    ("ctrl_r", "bindsym --no-repeat Control_R exec swgui start", "bindsym --release Control_R exec swgui stop"),
    ("super+shift+f12", "bindsym --no-repeat Shift+Mod4+F12 exec swgui start",
     "bindsym --release Shift+Mod4+F12 exec swgui stop"),
])
def test_sway_snippet_starts_on_press_and_stops_on_release(hotkey: str, press: str, release: str) -> None:
    lines = bindings.snippet("sway", hotkey, "swgui").splitlines()
    assert lines[1:] == [press, release]


def test_hyprland_and_desktop_snippets() -> None:
    assert bindings.snippet("hyprland", "ctrl+alt+space", "swgui").splitlines()[1:] == [
        "bind = CTRL ALT, space, exec, swgui start", "bindr = CTRL ALT, space, exec, swgui stop"]
    assert bindings.snippet("hyprland", "f9", "swgui").splitlines()[1] == "bind = , F9, exec, swgui start"
    kde = bindings.snippet("kde", "ctrl_r", "swgui")
    assert "swgui toggle" in kde and "Right Ctrl" in kde and "toggle mode" in kde
    assert "Custom Shortcuts" in bindings.snippet("gnome", "f9", "swgui")
    with pytest.raises(HotkeyError, match="swgui toggle"):
        bindings.snippet("other", "f9", "swgui")


def test_sway_install_refuses_without_a_user_config(tmp_path: Path) -> None:
    with pytest.raises(HotkeyError, match="cp /etc/sway/config"):
        bindings.install_sway("x", tmp_path)
    assert not (tmp_path / "sway" / "swictation-gui.conf").exists()


def test_binding_listener_reports_ready() -> None:
    seen: list[str] = []

    class Sink:
        def chord_down(self) -> None: seen.append("down")
        def chord_up(self) -> None: seen.append("up")
        def interrupted(self) -> None: seen.append("interrupted")
        def ready(self) -> None: seen.append("ready")
        def failed(self, message: str) -> None: seen.append(message)

    listener = bindings.BindingListener("f9", "sway")
    listener.start(Sink())
    listener.stop()
    assert seen == ["ready"] and listener.join(0)


def test_doctor_names_active_backends_skips_and_fixes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    info = session.detect({"WAYLAND_DISPLAY": "wayland-1", "SWAYSOCK": "/s"})
    found = {f.topic: f for f in doctor.check_backends(info, which_of({"wl-copy", "wl-paste"}))}
    assert found["hotkey compositor-bindings"].detail.startswith("ACTIVE")
    assert found["text output wtype"].level == "skip" and "apt install wtype" in found["text output wtype"].fix
    assert found["text output clipboard-only"].detail.startswith("ACTIVE")
    assert found["sway binding"].fix == "swictation-gui bindings --install"
    (tmp_path / "sway").mkdir()
    (tmp_path / "sway" / "swictation-gui.conf").write_text("x")
    assert {f.topic: f for f in doctor.check_backends(info, which_of(ALL_TOOLS))}["sway binding"].level == "ok"
    nothing = doctor.check_backends(session.detect({}), which_of(set()))
    assert [f.level for f in nothing if f.topic == "hotkey"] == ["fail"]


def test_bindings_install_asks_first_and_a_no_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    from swictation_gui.cli import main

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    (tmp_path / "sway").mkdir()
    (tmp_path / "sway" / "config").write_text("output * bg #000000 solid_color\n")
    asked: list[str] = []
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or "n")
    assert main(["bindings", "--compositor=sway", "--hotkey=f9", "--install", "--command=swgui"]) == 1
    assert "swictation-gui.conf" in asked[0] and "reload sway" in asked[0]
    assert "Nothing was changed." in capsys.readouterr().out
    assert not (tmp_path / "sway" / "swictation-gui.conf").exists()
    assert (tmp_path / "sway" / "config").read_text() == "output * bg #000000 solid_color\n"
