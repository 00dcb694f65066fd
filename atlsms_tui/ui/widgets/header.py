"""BalanceHeader: the one-line header every screen yields.

It shows the screen, the DEMO badge (always, in demo mode: an operator must
never mistake the simulator for the live account), the MONITOR badge in
monitor mode (a wall screen says it only looks), the profile, the balance
with the age of the figure, a refreshing indicator and the connection state.
It renders the app's ``balance`` reactive, so every screen's header agrees."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from ..literal import literal


@dataclass(frozen=True)
class BalanceState:
    """What the header shows; the app replaces it as a whole (reactive)."""

    profile: str = ""
    demo: bool = False
    units: int | None = None
    fetched_at: float | None = None  # epoch seconds of the figure
    refreshing: bool = False
    error: str | None = None  # last refresh failed: the API's wording or the transport error
    connected: bool | None = None  # None: not asked yet this run
    threshold: int = 0
    insecure: bool = False  # plain http to another machine: the password travels unencrypted
    monitor: bool = False  # read-only: nothing can be sent or changed from here


def format_age(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 10:
        return "just now"
    if seconds < 60:
        return f"{int(seconds)}s ago"
    if seconds < 3600:
        return f"{int(seconds // 60)}m ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h ago"
    return f"{int(seconds // 86400)}d ago"


class BalanceHeader(Horizontal):
    """Docked at the top; one row. It renders the app's ``balance``."""

    DEFAULT_CSS = """
    BalanceHeader {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
    }
    BalanceHeader > Static { width: auto; height: 1; padding: 0 1; }
    BalanceHeader #hdr-title { text-style: bold; color: $accent; }
    BalanceHeader #hdr-insecure { background: $error; color: $text; text-style: bold; }
    BalanceHeader #hdr-demo { background: $warning; color: $background; text-style: bold; padding: 0 0; }
    BalanceHeader #hdr-monitor { background: $primary; color: $text; text-style: bold; padding: 0 0; }
    BalanceHeader #hdr-profile { color: $text-muted; }
    BalanceHeader #hdr-units.-low { background: $error; color: $foreground; text-style: bold; }
    BalanceHeader #hdr-conn { width: 1fr; color: $success; text-overflow: ellipsis; text-wrap: nowrap; }
    BalanceHeader #hdr-conn.-error { color: $error; }
    """

    def compose(self) -> ComposeResult:
        yield Static("", id="hdr-title")
        yield Static(" DEMO ", id="hdr-demo")
        yield Static(" MONITOR ", id="hdr-monitor")
        yield Static(" ⚠ PLAIN HTTP ", id="hdr-insecure")
        yield Static("", id="hdr-profile")
        yield Static("", id="hdr-units")
        yield Static("", id="hdr-conn")

    def on_mount(self) -> None:
        self.watch(self.app, "balance", self._render_state, init=True)
        # The age of the figure moves on even when nothing else happens.
        self.set_interval(5, self.refresh_age)

    def refresh_age(self) -> None:
        """Redraw from the app's balance, so the shown age ("2m ago") follows the clock."""
        self._render_state(self.app.balance)  # type: ignore[attr-defined]

    def _now(self) -> float:
        return float(self.app.clock())  # type: ignore[attr-defined]

    def _render_state(self, state: BalanceState) -> None:
        title = getattr(self.screen, "TITLE", None) or self.app.title
        self.query_one("#hdr-title", Static).update(literal(title))
        self.query_one("#hdr-demo").display = state.demo
        self.query_one("#hdr-monitor").display = state.monitor
        self.query_one("#hdr-insecure").display = state.insecure
        self.query_one("#hdr-profile", Static).update(literal(f"profile {state.profile}" if state.profile else "no profile"))
        units = self.query_one("#hdr-units", Static)
        if state.units is None:
            text = "units ?"
        else:
            text = f"{state.units:,} units"
            if state.fetched_at is not None:
                text += f" · {format_age(self._now() - state.fetched_at)}"
        if state.refreshing:
            text += " ⟳"
        units.update(literal(text))
        units.set_class(state.units is not None and state.units < state.threshold, "-low")
        conn = self.query_one("#hdr-conn", Static)
        if state.error:
            conn.update(literal(f"✖ {state.error}"))
            conn.set_class(True, "-error")
        elif state.connected:
            conn.update("● online")
            conn.set_class(False, "-error")
        else:
            conn.update("")
            conn.set_class(False, "-error")
