"""Help (F1, ?): the keys of the screen in front, read from its bindings.

Generic on purpose: a screen added later, or a key remapped by the operator,
shows up here without a list to keep in step."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from ..literal import literal
from ..modals import NoticeScreen

__all__ = ["HelpScreen", "NoticeScreen", "screen_keys"]

_BASE_SCREEN_ACTIONS = {
    (b.action if isinstance(b, Binding) else b[1]) for b in Screen.BINDINGS
}


def screen_keys(screen: Screen) -> list[tuple[str, str, str]]:
    """(section, keys, description) of the bindings active on ``screen``,
    merged per action: the screen's own first, then the app's, then those of
    the focused widget (cursor keys and the like)."""
    from textual.app import App

    app = screen.app
    merged: dict[tuple[int, str], tuple[str, list[str], str]] = {}
    for _key, active in screen.active_bindings.items():
        b = active.binding
        if not b.description:
            continue
        node = active.node
        generic = node is screen and b.action in _BASE_SCREEN_ACTIONS  # tab, copy: every screen has them
        if node is screen and not generic:
            section = "This screen"
        elif isinstance(node, App) or generic:
            section = "Everywhere"
        else:
            section = "In the focused widget"
        slot = (id(node), b.action)
        # A screen's short footer word with a tooltip ("Resend") reads better in full here.
        desc = b.tooltip if section == "This screen" and b.tooltip else b.description
        _, keys, _ = merged.setdefault(slot, (section, [], desc))
        shown = app.get_key_display(b)
        if shown not in keys:
            keys.append(shown)
    order = {"This screen": 0, "Everywhere": 1, "In the focused widget": 2}
    rows = sorted(merged.values(), key=lambda r: order[r[0]])
    return [(section, " / ".join(keys), desc) for section, keys, desc in rows]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,f1,question_mark,q", "close", "Close", id="help_close"),
    ]

    def __init__(self, target: Screen) -> None:
        super().__init__()
        self.target = target
        self.keys = screen_keys(target)

    def compose(self) -> ComposeResult:
        title = getattr(self.target, "TITLE", None) or type(self.target).__name__
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        last = None
        for section, keys, desc in self.keys:
            if section != last:
                if last is not None:
                    table.add_row("", "")
                table.add_row(Text(section, style="bold underline"), "")
                last = section
            table.add_row(literal(keys), literal(desc))
        with Vertical(id="help-box"):
            yield Static(literal(f"Keys: {title}", style="bold"), id="help-title")
            with VerticalScroll(id="help-body"):
                yield Static(table, id="help-table")
            yield Static(
                Text("ctrl+p: every action by name · Esc / F1: close", style="dim"), id="help-foot"
            )

    def action_close(self) -> None:
        self.dismiss(None)
