"""The Fix row under the individual preview: the highlighted CSV row's
number and message, edited in place and applied with Enter."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Label

from ....api.recipients import Row
from ...widgets.fields import Input


class RowFixer(Horizontal):
    """Shows one row as written; posts ``Applied`` with the edited values."""

    class Applied(Message):
        def __init__(self, line: int, number: str, message: str) -> None:
            self.line = line
            self.number = number
            self.message = message
            super().__init__()

    def __init__(self) -> None:
        super().__init__(id="edit-row", classes="form-row")
        self.line: int | None = None

    def compose(self) -> ComposeResult:
        yield Label("Fix", classes="field-label", id="edit-label")
        yield Input(placeholder="number", compact=True, id="edit-number")
        yield Input(placeholder="message (Enter applies)", compact=True, id="edit-message")

    def show(self, row: Row) -> None:
        self.line = row.line
        self.query_one("#edit-number", Input).value = row.number
        self.query_one("#edit-message", Input).value = row.message or ""
        self.query_one("#edit-label", Label).update(f"Fix line {row.line}")

    def forget(self) -> None:
        self.line = None

    @on(Input.Submitted)
    def _apply(self, event: Input.Submitted) -> None:
        event.stop()
        if self.line is None:
            self.notify("Select a row in the table first.", severity="warning")
            return
        self.post_message(self.Applied(self.line, self.query_one("#edit-number", Input).value.strip(),
                                       self.query_one("#edit-message", Input).value))
