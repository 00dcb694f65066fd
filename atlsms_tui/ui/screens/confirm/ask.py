"""AskScreen: a yes/no question."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from ...literal import literal
from .styles import CSS_FILE


class AskScreen(ModalScreen[bool]):
    """A yes/no question; y/Enter yes, n/Escape no."""

    CSS_PATH = CSS_FILE
    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", id="ask_yes"),
        Binding("n,escape", "answer(False)", "No", id="ask_no"),
    ]

    def __init__(self, question: str, detail: str = "", *, danger: bool = False) -> None:
        super().__init__()
        self.question = question
        self.detail = detail
        self.danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog -danger" if self.danger else "dialog"):
            yield Static(literal(self.question, lines=True), classes="dialog-title")
            if self.detail:
                yield Static(literal(self.detail, lines=True), classes="dialog-text")
            yield Static("[b]y[/]/Enter yes    [b]n[/]/Esc no", classes="dialog-keys")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)
