"""A message the operator must read and dismiss; an error described."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from ..errors import describe
from ..literal import literal


class NoticeScreen(ModalScreen[None]):
    """A message the operator must read and dismiss (Enter or Esc)."""

    DEFAULT_CSS = """
    NoticeScreen { align: center middle; }
    """
    BINDINGS = [Binding("escape,enter", "close", "Close", id="notice_close")]

    def __init__(self, title: str, text: str, *, danger: bool = False) -> None:
        super().__init__()
        self.title_text = title
        self.text = text
        self.danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(id="notice-box", classes="dialog -danger" if self.danger else "dialog"):
            yield Static(literal(self.title_text), id="notice-title", classes="dialog-title")
            yield Static(literal(self.text, lines=True), id="notice-text", classes="dialog-text")
            yield Static(Text("Enter / Esc: close"), classes="dialog-keys")

    def action_close(self) -> None:
        self.dismiss(None)


class ErrorScreen(NoticeScreen):
    """An error as ``describe`` puts it: title, text, advice."""

    def __init__(self, error: BaseException) -> None:
        title, text, advice = describe(error)
        super().__init__(title, f"{text}\n\n{advice}" if advice else text, danger=True)
