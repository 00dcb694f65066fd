"""AskScreen: a yes/no question."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from ..literal import literal


class AskScreen(ModalScreen[bool]):
    """A yes/no question; y yes, n/Escape no, Enter the ``default`` answer
    (no, where saying yes by reflex would destroy something)."""

    DEFAULT_CSS = """
    AskScreen { align: center middle; }
    """
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="ask_yes"),
        Binding("n,escape", "answer(False)", "No", id="ask_no"),
        Binding("enter", "default", "Default answer", id="ask_default", show=False),
    ]

    def __init__(self, question: str, detail: str = "", *, danger: bool = False, default: bool = True) -> None:
        super().__init__()
        self.question = question
        self.detail = detail
        self.danger = danger
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog -danger" if self.danger else "dialog"):
            yield Static(literal(self.question, lines=True), classes="dialog-title")
            if self.detail:
                yield Static(literal(self.detail, lines=True), classes="dialog-text")
            keys = "[b]y[/]/Enter yes    [b]n[/]/Esc no" if self.default else "[b]y[/] yes    [b]n[/]/Esc/Enter no"
            yield Static(keys, classes="dialog-keys")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)

    def action_default(self) -> None:
        self.dismiss(self.default)
