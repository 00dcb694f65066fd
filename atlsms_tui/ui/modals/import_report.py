"""ImportReportScreen: the whole report of a recipient import."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...api.recipients import ImportReport
from ..literal import literal
from .dialog import CSS_FILE


class ImportReportScreen(ModalScreen[None]):
    """The whole report of a recipient import (imports.ImportReport.lines):
    counts, operators, every invalid row with its reason, Excel damage
    recovered, duplicates. Enter/Esc closes."""

    CSS_PATH = CSS_FILE
    BINDINGS = [Binding("enter,escape", "close", "Close", id="report_close")]

    def __init__(self, report: ImportReport, limit: int = 200) -> None:
        super().__init__()
        self.report = report
        self.limit = limit

    def compose(self) -> ComposeResult:
        rep = self.report
        with Vertical(id="dialog", classes="dialog -report"):
            yield Static(literal(f"Import report: {rep.source}"), classes="dialog-title")
            with VerticalScroll(id="report-body"):
                yield Static(literal("\n".join(rep.lines(limit=self.limit)), lines=True),
                             id="report-text", classes="dialog-text")
            yield Static("↑↓ scroll    Enter/Esc close", classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#report-body").focus()

    def action_close(self) -> None:
        self.dismiss(None)
