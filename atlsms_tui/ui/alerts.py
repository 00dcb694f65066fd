"""How the TUI shows the core's alerts: a notification, the bell, and a
desktop notification for terminals that show one.

The desktop notification is an escape sequence written to the terminal,
so it travels over SSH like the screen itself: OSC 9 (iTerm2, WezTerm,
Ghostty, kitty) or OSC 777 (foot, urxvt, Ghostty,
WezTerm). The ``desktop_notify`` setting picks it: ``auto`` sends the one
the terminal is known to show (from TERM, TERM_PROGRAM and LC_TERMINAL;
iTerm2 sets the last, and ssh forwards LC_* variables by default) and
nothing to an unknown terminal; ``osc9`` and ``osc777`` force one; ``off``
sends none. Inside tmux the sequence is wrapped for tmux to pass through
(tmux needs ``set -g allow-passthrough on``).

Title and text are the operator's and ATL's data: every control, bidi and
separator character is dropped before they go into an escape, so a campaign
title can never end the sequence early and drive the terminal."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from textual.notifications import SeverityLevel
from textual.worker import WorkerState

from ..api.models import Alert
from ..api.rules import UNSAFE

if TYPE_CHECKING:
    from ..api import Core
    from .app import AtlSmsApp

__all__ = ["SEVERITY", "desktop_escape", "desktop_protocol", "escape_text", "show_alert", "watch_alerts"]

SEVERITY: dict[str, SeverityLevel] = {
    "campaign_finished": "information",
    "campaign_failed": "error",
    "campaign_uncertain": "warning",
    "low_balance": "warning",
}

CAMPAIGN_EVENTS = ("campaign_finished", "campaign_failed", "campaign_uncertain")

OSC9, OSC777 = "osc9", "osc777"
# What TERM_PROGRAM / LC_TERMINAL / TERM say about the terminal -> the escape it shows.
_BY_PROGRAM = {"iterm.app": OSC9, "iterm2": OSC9, "wezterm": OSC9, "ghostty": OSC9, "kitty": OSC9}
_BY_TERM = (("xterm-kitty", OSC9), ("xterm-ghostty", OSC9), ("wezterm", OSC9), ("foot", OSC777),
            ("rxvt-unicode", OSC777))
# Characters of a notification's text; terminals cut longer ones anyway.
MAX_CHARS = 200


def desktop_protocol(setting: str, env: Mapping[str, str]) -> str | None:
    """The escape to send (``osc9``/``osc777``), or None for none."""
    if setting in (OSC9, OSC777):
        return setting
    if setting != "auto":
        return None
    for var in ("TERM_PROGRAM", "LC_TERMINAL"):
        found = _BY_PROGRAM.get(env.get(var, "").lower())
        if found:
            return found
    term = env.get("TERM", "")
    return next((proto for prefix, proto in _BY_TERM if term.startswith(prefix)), None)


def escape_text(text: object, limit: int = MAX_CHARS) -> str:
    """``text`` fit to go inside an OSC sequence: no control, bidi or
    separator character (they are dropped), at most ``limit`` characters."""
    flat = UNSAFE.sub("", " ".join(str(text).split()))
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def desktop_escape(protocol: str, title: str, body: str, *, tmux: bool = False) -> str:
    """The escape sequence of a desktop notification."""
    title, body = escape_text(title, 60), escape_text(body)
    if protocol == OSC777:
        # ';' separates the fields of OSC 777: one in the title would move text into the body
        seq = f"\x1b]777;notify;{title.replace(';', ',')};{body}\x07"
    else:
        seq = f"\x1b]9;{title}: {body}\x07"
    if tmux:  # passed through to the outer terminal, every ESC doubled
        seq = "\x1bPtmux;" + seq.replace("\x1b", "\x1b\x1b") + "\x1b\\"
    return seq


def severity_of(alert: Alert) -> SeverityLevel:
    return SEVERITY.get(alert.event, "information")


def watch_alerts(app: AtlSmsApp, core: Core) -> None:
    """``core``'s alerts (campaign settled, low balance) shown by ``app``;
    they may come from a worker thread, or the notify_command's."""
    core.alerts.listen(lambda alert: _on_app_thread(app, show_alert, app, alert))
    core.alerts.on_warning(
        lambda text: _on_app_thread(app, lambda: app.notify(text, severity="warning", timeout=10)))


def _on_app_thread(app: AtlSmsApp, fn: Callable[..., None], *args: Any) -> None:
    try:
        app.call_from_thread(fn, *args)
    except RuntimeError:  # already on the app's thread (or it has stopped)
        fn(*args)


# Workers whose run ends on a result modal of its own (compose's send, the
# dashboard's settle, a campaign's resume or approval).
_RESULT_GROUPS = ("submit", "settle")
_RESULT_GROUP_PREFIX = "campaign-"


def result_on_screen(app: AtlSmsApp) -> bool:
    """Whether a run started here is about to show its own result: then a
    notice saying the same would only cover the modal."""
    return any(w.state is WorkerState.RUNNING
               and (w.group in _RESULT_GROUPS or w.group.startswith(_RESULT_GROUP_PREFIX))
               for w in app.workers)


def show_alert(app: AtlSmsApp, alert: Alert) -> None:
    """A notification, the bell, and a desktop notification where the
    terminal shows one (preference desktop_notify). A run this TUI started
    tells its outcome in its result modal: no notice over it, but the bell
    and the desktop notification still reach an operator who looked away."""
    if alert.event not in CAMPAIGN_EVENTS or not result_on_screen(app):
        app.notify(alert.text, title=alert.headline, severity=severity_of(alert), timeout=10)
    app.bell()
    app.desktop_notify(alert.headline, alert.text)
