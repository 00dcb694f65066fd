"""Help (F1, ?): the keys of the screen in front, read from its bindings.

Generic on purpose: a screen added later, or a key remapped by the operator,
shows up here without a list to keep in step. A screen's key that does
nothing right now (F8 with no file loaded) is still listed, marked so: help
is where an operator learns a key exists. The app's own keys (help, balance,
palette, quit) fit on one line at the top, so a short terminal never hides
them below the fold."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from ..literal import literal
from ..modals import NoticeScreen

__all__ = ["HelpScreen", "NoticeScreen", "everywhere_keys", "screen_keys"]

_BASE_SCREEN_ACTIONS = {
    (b.action if isinstance(b, Binding) else b[1]) for b in Screen.BINDINGS
}
# Rows of the screen that are not the key table (the box's border, title, the
# everywhere line, the closing line, their margins, a row above and below).
_BOX_CHROME = 11

Row = tuple[str, str, str]


def _bindings(screen: Screen) -> list[tuple[object, Binding, bool | None]]:
    """(node, binding, state) of every binding in reach of ``screen``'s focus,
    the focused widget first, with its check_action state (False: not now).
    Unlike ``active_bindings`` a key bound twice is kept twice: the screen's
    meaning of a key the table also binds is the one worth telling."""
    app = screen.app
    out: list[tuple[object, Binding, bool | None]] = []
    for node, bindings in screen._modal_binding_chain:
        for _key, binding in bindings:
            out.append((node, binding, app._check_action_state(binding.action, node)))
    return out


def screen_keys(screen: Screen) -> list[Row]:
    """(section, keys, description) of the screen's own keys and of the
    focused widget's, merged per action: the screen's first."""
    app = screen.app
    merged: dict[tuple[int, str], tuple[str, list[str], str]] = {}
    mine: set[str] = set()  # keys the screen itself binds
    rows = _bindings(screen)
    for node, b, state in rows:
        if node is screen and b.description and b.action not in _BASE_SCREEN_ACTIONS:
            mine.update(k.strip() for k in b.key.split(","))
            desc = b.description + (f": {b.tooltip}" if b.tooltip else "")
            if state is False:
                desc += " (not now)"
            _add(merged, ("This screen", id(node), b.action), app.get_key_display(b), desc)
    for node, b, state in rows:
        if not b.description or state is False or isinstance(node, App):
            continue
        if node is screen and b.action not in _BASE_SCREEN_ACTIONS:
            continue
        if b.key in mine:  # the screen's meaning of it is listed above
            continue
        section = "Everywhere" if node is screen else "In the focused widget"
        _add(merged, (section, id(node), b.action), app.get_key_display(b), b.description)
    order = {"This screen": 0, "Everywhere": 1, "In the focused widget": 2}
    ranked = sorted(merged.values(), key=lambda r: order[r[0]])
    return [(section, " / ".join(keys), desc) for section, keys, desc in ranked]


def _add(merged: dict[tuple[int, str], tuple[str, list[str], str]], slot: tuple[str, int, str],
         shown: str, desc: str) -> None:
    section, node_id, action = slot
    _, keys, _ = merged.setdefault((node_id, action), (section, [], desc))
    if shown not in keys:
        keys.append(shown)


def everywhere_keys(screen: Screen) -> list[tuple[str, str]]:
    """(keys, description) of the app's own keys, the palette's too."""
    app = screen.app
    out: dict[str, list[str]] = {}
    for node, b, state in _bindings(screen):
        if isinstance(node, App) and b.description and state is not False:
            keys = out.setdefault(b.description.lower(), [])
            shown = app.get_key_display(b)
            if shown not in keys:
                keys.append(shown)
    # quit last: the keys an operator is after come first
    ranked = sorted(out.items(), key=lambda item: item[0] == "quit")
    return [(" / ".join(keys), desc) for desc, keys in ranked]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,f1,question_mark,q", "close", "Close", id="help_close"),
    ]

    def __init__(self, target: Screen) -> None:
        super().__init__()
        self.target = target
        self.keys = screen_keys(target)
        self.everywhere = everywhere_keys(target)

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
        head = literal(f"Keys: {title}", style="bold")
        head.append("   Esc / F1 / q: close this help", style="dim")
        everywhere = Text("Everywhere: ", style="bold")
        for i, (keys, desc) in enumerate(self.everywhere):
            if i:
                everywhere.append(" · ")
            everywhere.append_text(literal(keys, style="bold"))
            everywhere.append(" ")
            everywhere.append_text(literal(desc.lower()))
        with Vertical(id="help-box"):
            yield Static(head, id="help-title")
            yield Static(everywhere, id="help-everywhere")
            with VerticalScroll(id="help-body"):
                yield Static(table, id="help-table")
            yield Static(
                Text("ctrl+p: every action by name · Esc / F1 / q: close", style="dim"), id="help-foot"
            )

    def on_mount(self) -> None:
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        # The table scrolls; the lines around it (how to close) always show.
        self.query_one("#help-body").styles.max_height = max(3, self.app.size.height - _BOX_CHROME)

    def action_close(self) -> None:
        self.dismiss(None)
