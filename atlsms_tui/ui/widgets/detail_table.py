"""A task's per-recipient rows, one page at a time, and the pager line under
them.

The table never holds more than a page: its paging keys ask the screen for
another page (``PagedTable.PageRequested``) instead of scrolling, and a new
height asks for a page of the new size (``PagedTable.Resized``)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Label, Static

from ...api.models import DeliveryStatus, DetailRow, State, Submission
from ...api.reports import DetailQuery, DetailView
from ..literal import literal, visible
from .fields import Input

# Key -> status filter (None: all). Shown in the filter line.
FILTERS: dict[str, DeliveryStatus | None] = {
    "0": None,
    "1": DeliveryStatus.QUEUED,
    "2": DeliveryStatus.DELIVERED,
    "3": DeliveryStatus.FAILED,
    "4": DeliveryStatus.REMOVED,
    "5": DeliveryStatus.ERROR,
}
STATUS_STYLE = {1: "yellow", 2: "green", 3: "red", 4: "grey50", 5: "magenta"}
STATUS_LABEL = {1: "pending", 2: "delivered", 3: "failed", 4: "removed", 5: "error"}


def filter_text(status: DeliveryStatus | None) -> Text:
    """The filter line: which statuses are shown, and the keys that choose."""
    text = Text(" status: ")
    text.append("all" if status is None else STATUS_LABEL[int(status)], style="bold")
    text.append("   0-5: all pend deliv fail rem err", style="dim")
    return text


class DetailControls(Horizontal):
    """The number search and the status filter over the table; a change of
    either says ``QueryChanged`` (the keys 0-5 are the screen's: they work
    while the table has the focus)."""

    class QueryChanged(Message):
        """The rows to show changed: a new search text."""

    def __init__(self) -> None:
        super().__init__(id="detail-controls")
        self.status: DeliveryStatus | None = None
        self.search = ""

    @property
    def detail_query(self) -> DetailQuery:
        return DetailQuery(self.status, self.search)

    def compose(self) -> ComposeResult:
        yield Input(placeholder="search number (/)", id="detail-search", compact=True)
        yield Label("", id="detail-filter")

    def on_mount(self) -> None:
        self.set_status(self.status)

    def set_status(self, status: DeliveryStatus | None) -> None:
        self.status = status
        self.query_one("#detail-filter", Label).update(filter_text(status))

    def focus_search(self) -> None:
        self.query_one("#detail-search", Input).focus()

    @on(Input.Changed, "#detail-search")
    def _search_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.search = event.value.strip()
        self.post_message(self.QueryChanged())


class PagedTable(DataTable[Any]):
    """A DataTable whose paging keys move through the store, not the widget."""

    class PageRequested(Message):
        """Another page: ``where`` is next, prev, first or last."""

        def __init__(self, where: str) -> None:
            super().__init__()
            self.where = where

    class Resized(Message):
        """The table's height changed: the page size may have."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's own name)
        super().__init__(id=id, cursor_type="row")
        self.add_column("#", key="n", width=7)
        self.add_column("Number", key="msisdn", width=13)
        self.add_column("Status", key="status", width=9)
        self.add_column("Date", key="date", width=16)
        self.add_column("Message", key="message")

    @property
    def body_height(self) -> int:
        """The rows a page can show: the height without header and scrollbar."""
        return max(1, self.size.height - 1 - (1 if self.show_horizontal_scrollbar else 0))

    def fill(self, rows: list[DetailRow], first_number: int) -> None:
        """Show ``rows``, numbered from ``first_number``."""
        self.clear()
        for i, r in enumerate(rows):
            code = r.status_code
            self.add_row(
                str(first_number + i),
                literal(r.msisdn),
                Text(STATUS_LABEL.get(code, f"status {code}"), style=STATUS_STYLE.get(code, "magenta")),
                literal((r.date or "")[:16]),
                literal(r.message or ""),
            )

    def action_page_down(self) -> None:
        self.post_message(self.PageRequested("next"))

    def action_page_up(self) -> None:
        self.post_message(self.PageRequested("prev"))

    def action_scroll_home(self) -> None:
        self.post_message(self.PageRequested("first"))

    def action_scroll_end(self) -> None:
        self.post_message(self.PageRequested("last"))

    def action_scroll_top(self) -> None:
        self.post_message(self.PageRequested("first"))

    def action_scroll_bottom(self) -> None:
        self.post_message(self.PageRequested("last"))

    def on_resize(self) -> None:
        self.post_message(self.Resized())


class PagerLine(Static):
    """The line under the table, and the last note of the report's download
    (kept until the next note)."""

    def __init__(self) -> None:
        super().__init__("", id="detail-pager")
        self.note = ""
        self.note_is_error = False

    def show(self, sub: Submission | None, view: DetailView | None, *, busy: str, total: int, offset: int,
             size: int, filtered: bool, searching: bool) -> None:
        if self.is_attached:  # not composed yet: nothing to update
            self.update(pager_text(sub, view, busy=busy, total=total, offset=offset, size=size, filtered=filtered,
                                   searching=searching, note=self.note, note_is_error=self.note_is_error))


def pager_text(sub: Submission | None, view: DetailView | None, *, busy: str, total: int, offset: int, size: int,
               filtered: bool, searching: bool, note: str, note_is_error: bool) -> Text:
    """Which rows of how many, or why there are none; then ``note``, if any."""
    text = Text()
    m = view.matches if searching and view is not None else None
    if busy:
        text.append(busy, style="dim")
    elif total:
        last = min(total, offset + size)
        page = offset // size + 1
        pages = (total - 1) // size + 1
        text.append(f"rows {offset + 1:,}-{last:,} of {total:,} · page {page:,}/{pages:,}")
        if m is not None and m.capped:
            text.append(" · first matches only: type more digits", style="yellow")
        elif m is not None and m.scanned:
            text.append(f" · in the first {m.scanned:,} rows: type 5+ digits to search all", style="yellow")
    elif sub is not None and (filtered or searching):
        text.append("no rows match", style="dim")
        if m is not None and m.scanned:
            text.append(f" in the first {m.scanned:,} rows: type 5+ digits to search all", style="yellow")
    elif sub is not None and sub.state is State.REJECTED:
        text.append("refused by ATL: no task, no report", style="dim")
    elif sub is not None and not sub.taskid:
        text.append("no task id: no report", style="dim")
    else:
        text.append("no detailed report stored", style="dim")
    if note:
        text.append("  ")
        text.append(visible(note), style="red" if note_is_error else "dim")
    return text
