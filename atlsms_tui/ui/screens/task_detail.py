"""One task: summary counts and its per-recipient report.

The table holds one page at a time, read from the store: a detailed report
may have a million rows and a widget holding them all would take the
terminal down. The page size is what fits on screen. Pages are found by key
(the seq of the row before or after), never by skipping rows; totals come
from the per-status counts stored with the report, and a number search goes
through the msisdn index (store.search_prefixes) once, then pages through
its matches. Every read runs in a worker thread."""

from __future__ import annotations

import asyncio
import contextvars
import os
import re
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Static

from ...core import export
from ...core.errors import ApiError, AtlSmsError, TransportError
from ...core.models import DeliveryStatus, State, Submission
from ..literal import literal, visible
from ..widgets.fields import Input
from ..widgets.header import BalanceHeader
from .dashboard import delivery_bar, scheduled_text, short_time, state_text

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
# Rows of the screen that are not table body (header, summary 3, controls,
# pager, footer, the table's own header row): the first page is read for the
# height the table will have, before it is laid out.
CHROME_ROWS = 8
# Seconds the screen's first paint may wait for the first page (on_mount).
FIRST_PAGE_WAIT = 0.05


class PagedTable(DataTable):
    """A DataTable whose paging keys move through the store, not the widget."""

    def action_page_down(self) -> None:
        self.screen.action_page("next")

    def action_page_up(self) -> None:
        self.screen.action_page("prev")

    def action_scroll_home(self) -> None:
        self.screen.action_page("first")

    def action_scroll_end(self) -> None:
        self.screen.action_page("last")

    def action_scroll_top(self) -> None:
        self.screen.action_page("first")

    def action_scroll_bottom(self) -> None:
        self.screen.action_page("last")

    def on_resize(self) -> None:
        self.screen.table_resized()


class TaskDetailScreen(Screen):
    TITLE = "Task detail"
    # The table, not the search box, takes the keys: 0-5 and paging work at once.
    AUTO_FOCUS = "#detail-table"
    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("r", "refresh", "Refresh", id="detail_refresh"),
        Binding("slash", "search", "Search", id="search"),
        Binding("e", "export", "Export CSV", id="export"),
        Binding("0", "filter('0')", "All", id="filter_all", show=False),
        Binding("1", "filter('1')", "Pending", id="filter_pending", show=False),
        Binding("2", "filter('2')", "Delivered", id="filter_delivered", show=False),
        Binding("3", "filter('3')", "Failed", id="filter_failed", show=False),
        Binding("4", "filter('4')", "Removed", id="filter_removed", show=False),
        Binding("5", "filter('5')", "Error", id="filter_error", show=False),
        Binding("pagedown", "page('next')", "Next page", id="page_next", show=False),
        Binding("pageup", "page('prev')", "Previous page", id="page_prev", show=False),
        Binding("home", "page('first')", "First page", id="page_first", show=False),
        Binding("end", "page('last')", "Last page", id="page_last", show=False),
    ]

    def __init__(self, controlid: str) -> None:
        super().__init__()
        self.controlid = controlid
        self.sub: Submission | None = None
        self.status_filter: DeliveryStatus | None = None
        self.search_text = ""
        self.row_offset = 0
        self.page_size = 15  # until compose knows the terminal's height
        self.row_total = 0
        self._fetch_note = ""
        # What the current total was computed for: (status, search); None: stale.
        self._counted_for: tuple | None = None
        self._matches = None  # store.DetailMatches of the current search
        self._loaded_offset = 0
        self._page_seqs: list[int] = []
        self._busy = ""  # "counting…" / "searching…" while a new total is on its way
        self._first: asyncio.Future | None = None  # the read of the first page (compose, refresh)
        self._stored = None  # service.detail_info of the task when it was last read

    def compose(self) -> ComposeResult:
        # Opening is what an operator waits for most: read the submission and
        # its first page in a thread now, while the widgets below are mounted
        # (that takes longer than the read), so on_mount can fill the table
        # before the first paint instead of painting an empty table and then
        # the page (each paint of this screen costs ~15 ms). The page is read
        # for the height the table will have (CHROME_ROWS), so no second read
        # follows the first layout; a resize still corrects it (table_resized).
        self.page_size = max(1, self.app.size.height - CHROME_ROWS)
        self._first = self._start_first_read()
        yield BalanceHeader()
        yield Static("", id="detail-summary")
        with Horizontal(id="detail-controls"):
            yield Input(placeholder="search number (/)", id="detail-search", compact=True)
            yield Label("", id="detail-filter")
        table = PagedTable(id="detail-table", cursor_type="row")
        table.add_column("#", key="n", width=7)
        table.add_column("Number", key="msisdn", width=13)
        table.add_column("Status", key="status", width=9)
        table.add_column("Date", key="date", width=16)
        table.add_column("Message", key="message")
        yield table
        yield Static("", id="detail-pager")
        # The export bar (#detail-export) is mounted by the first "e": one
        # container, label and input fewer to build when the screen opens.
        yield Footer()

    async def on_mount(self) -> None:
        self._update_filter()
        first = self._first
        if not first.done():
            # The page is a few ms away: wait for it (the loop runs on, only
            # this screen's first paint waits) and paint once with it, rather
            # than paint an empty table and then the page; painting first
            # would also starve the reading thread of the GIL. Never long: a
            # busy store shows the screen at once and the page when it comes.
            await asyncio.wait((first,), timeout=FIRST_PAGE_WAIT)
        if first.done() and not first.cancelled() and first.exception() is None:
            self._first = None
            if self._show_first(first.result()):
                self._load_summary(shown=True)
        else:  # still reading (or failed): the worker waits for it
            self._load_summary()

    # --------------------------------------------------------- summary

    def _start_first_read(self) -> asyncio.Future:
        """Start _read_first in a thread, as asyncio.to_thread does, but at
        once: a Worker (or a to_thread in one) only starts when the loop
        comes round, after the mount. _load_summary, a Worker, takes the
        result when on_mount could not."""
        first = self.row_offset, self.page_size, self.status_filter, self.search_text
        ctx = contextvars.copy_context()
        return asyncio.get_running_loop().run_in_executor(
            None, ctx.run, self._read_first, self.app.service, first)

    def _read_first(self, service, first: tuple):
        """In a thread: the submission, its first page and what the store
        holds of its detailed report (count, when), in one trip."""
        sub = service.task(self.controlid)
        page = stored = None
        if sub is not None and sub.taskid:
            page = self._read_page(service, sub.taskid, *first)
            stored = service.detail_info(sub.taskid)
        return first, sub, page, stored

    def _show_first(self, result) -> bool:
        """Show what _read_first read; False: no such submission."""
        first, sub, page, self._stored = result
        if sub is None:
            self.query_one("#detail-summary", Static).update(literal(f"No submission {self.controlid} in the journal."))
            return False
        self.sub = sub
        self._show_summary()
        if page is not None and first == (self.row_offset, self.page_size, self.status_filter, self.search_text):
            self._apply_page(page)
        else:
            self.load_page()
        return True

    @work(exclusive=True, group="detail-summary", exit_on_error=False)
    async def _load_summary(self, fetch: bool | None = None, shown: bool = False) -> None:
        """Show what the store has (unless on_mount did); then ask ATL
        (report, detailed report)."""
        service = self.app.service
        if not shown:
            first, self._first = self._first, None
            if first is None:  # a refresh: read again
                first = self._start_first_read()
            if not self._show_first(await first):
                return
        sub = self.sub
        if not sub.taskid or sub.state is not State.ACCEPTED:
            return
        stored = self._stored
        try:
            self._note("asking ATL for the report…")
            rep = await service.report(sub.taskid)
            sub.report = rep
            self._show_summary()
            if not rep.ready:
                self._note("ATL is still processing this task (001): no report yet")
                return
            # A stored detail taken while recipients were pending is stale.
            if fetch is None:
                fetch = stored is None or stored[0] != rep.total or rep.pending > 0
            if fetch:
                await self._fetch_detail(service, sub, rep.total)
            else:
                self._note("")
        except ApiError as exc:
            self._note(f"error {exc.code}: {exc.wording}. {exc.advice}".strip(), error=True)
        except TransportError as exc:
            self._note(f"ATL not reachable: {exc}", error=True)
        except AtlSmsError as exc:
            self._note(str(exc), error=True)
        except Exception as exc:  # an answer no parser expected: said on the pager line, not raised
            from ..app import error_line

            self._note(f"unexpected error: {error_line(exc)}", error=True)

    async def _fetch_detail(self, service, sub: Submission, expected: int) -> None:
        def progress(rows: int) -> None:
            pct = f" ({rows * 100 // expected}%)" if expected else ""
            self._note(f"downloading the detailed report: {rows:,} of {expected:,} rows{pct}")

        progress(0)
        fetch = await service.detailed_report(sub.taskid, progress)
        if not fetch.ready:
            self._note("ATL is still processing this task (001): detailed report not ready")
            return
        if fetch.report is not None:
            sub.report = fetch.report
        self._show_summary()
        self._note(f"detailed report: {fetch.rows:,} rows fetched")
        self._counted_for = None  # a new report: new totals
        self.load_page()

    def _note(self, text: str, error: bool = False) -> None:
        self._fetch_note = text
        self._fetch_error = error
        self._update_pager()

    def _show_summary(self) -> None:
        sub = self.sub
        if sub is None:
            return
        line1 = Text()
        line1.append(f"Task {visible(sub.taskid or '—')}", style="bold")
        line1.append(f" · {visible(sub.title)} · ")
        line1.append_text(state_text(sub))
        line1.append(f" · created {short_time(sub.created)} · sched {scheduled_text(sub)}", style="dim")
        rep = sub.report
        line2 = Text(f"{sub.recipients:,} rcpt")
        if rep is not None and rep.ready:
            for label, n, style in (
                ("delivered", rep.delivered, "green"), ("failed", rep.failed, "red"),
                ("pending", rep.pending, "yellow"), ("removed", rep.removed, "grey50"),
                ("error", rep.error, "magenta"),
            ):
                line2.append(" · ")
                line2.append(f"{n:,} {label}", style=style)
        elif sub.state is State.ACCEPTED_WITHOUT_TASKID:
            line2.append(" · no task id from ATL: no report can be fetched", style="cyan")
        elif sub.state is not State.ACCEPTED:
            line2.append(f" · {visible(sub.detail)}" if sub.detail else "", style="dim")
        width = max(10, (self.size.width or 80) - 2)
        line3 = delivery_bar(rep, width) if rep is not None else Text("")
        text = Text("\n").join([line1, line2, line3])
        self.query_one("#detail-summary", Static).update(text)

    # ----------------------------------------------------------- pages

    def table_resized(self) -> None:
        table = self.query_one("#detail-table", DataTable)
        size = max(1, table.size.height - 1 - (1 if table.show_horizontal_scrollbar else 0))
        if size != self.page_size:
            # Keep the first visible row on screen when the size changes.
            self.page_size = size
            self.row_offset = (self.row_offset // size) * size
            self.load_page()

    def load_page(self) -> None:
        if self._counted_for != (self.status_filter, self.search_text):
            self._busy = "searching…" if self.search_text else "counting…"
            self._update_pager()
        self._page_worker(self.row_offset, self.page_size, self.status_filter, self.search_text)

    @work(exclusive=True, group="detail-page", exit_on_error=False)
    async def _page_worker(self, offset: int, limit: int, status, search: str) -> None:
        sub = self.sub
        if sub is None or not sub.taskid:
            self._fill([], 0)
            return
        # One trip to a thread per page: each hop costs the loop a wake-up.
        self._apply_page(await asyncio.to_thread(self._read_page, self.app.service, sub.taskid,
                                                 offset, limit, status, search))

    def _read_page(self, service, taskid: str, offset: int, limit: int, status, search: str):
        """In a worker thread: the total (once per filter/search) and one page,
        by key where it can (see store.reports.detail_window)."""
        key = (status, search)
        matches, total = self._matches, self.row_total
        anchors, loaded = self._page_seqs, self._loaded_offset
        if self._counted_for != key:
            anchors = []
            if search:
                matches = service.detail_search(taskid, search, status=status)
                total = len(matches.seqs)
            else:
                matches = None
                if status is None:
                    info = service.detail_info(taskid)
                    total = info[0] if info else 0
                else:
                    total = (service.detail_counts(taskid) or {}).get(int(status), 0)
        last = ((total - 1) // limit) * limit if total else 0
        offset = max(0, min(offset, last))
        if search:
            window = service.detail_window(taskid, seqs=matches.seqs[offset:offset + limit])
        else:
            kw: dict = {"status": status, "limit": limit}
            if offset == 0:
                pass
            elif anchors and offset == loaded + len(anchors):
                kw["after"] = anchors[-1]
            elif anchors and offset == loaded - limit:
                kw["before"] = anchors[0]
            elif offset == last:
                kw.update(from_end=True, limit=total - last)
            else:  # a jump (a resize): unfiltered that is a key too; filtered it skips index entries
                kw["offset"] = offset
            window = service.detail_window(taskid, **kw)
        return key, matches, total, offset, window

    def _apply_page(self, page) -> None:
        key, matches, total, offset, window = page
        self._counted_for, self._matches, self._busy = key, matches, ""
        self.row_offset = self._loaded_offset = offset
        self._page_seqs = window.seqs
        self._fill(window.rows, total)

    def _fill(self, rows, total: int) -> None:
        self.row_total = total
        table = self.query_one("#detail-table", DataTable)
        table.clear()
        for i, r in enumerate(rows):
            code = r.status_code
            table.add_row(
                str(self.row_offset + i + 1),
                literal(r.msisdn),
                Text(STATUS_LABEL.get(code, f"status {code}"), style=STATUS_STYLE.get(code, "magenta")),
                literal((r.date or "")[:16]),
                literal(r.message or ""),
            )
        self._update_pager()

    def _update_pager(self) -> None:
        if not self.is_mounted:
            return
        text = Text()
        m = self._matches if self.search_text else None
        if self._busy:
            text.append(self._busy, style="dim")
        elif self.row_total:
            last = min(self.row_total, self.row_offset + self.page_size)
            page = self.row_offset // self.page_size + 1
            pages = (self.row_total - 1) // self.page_size + 1
            text.append(f"rows {self.row_offset + 1:,}-{last:,} of {self.row_total:,} · page {page:,}/{pages:,}")
            if m is not None and m.capped:
                text.append(" · first matches only: type more digits", style="yellow")
            elif m is not None and m.scanned:
                text.append(f" · in the first {m.scanned:,} rows: type 5+ digits to search all", style="yellow")
        elif self.sub is not None and (self.status_filter is not None or self.search_text):
            text.append("no rows match", style="dim")
            if m is not None and m.scanned:
                text.append(f" in the first {m.scanned:,} rows: type 5+ digits to search all", style="yellow")
        else:
            text.append("no detailed report stored", style="dim")
        if self._fetch_note:
            text.append("  ")
            text.append(visible(self._fetch_note), style="red" if getattr(self, "_fetch_error", False) else "dim")
        self.query_one("#detail-pager", Static).update(text)

    def action_page(self, where: str) -> None:
        size = self.page_size
        last = max(0, ((self.row_total - 1) // size) * size) if self.row_total else 0
        new = {
            "next": min(last, self.row_offset + size),
            "prev": max(0, self.row_offset - size),
            "first": 0,
            "last": last,
        }[where]
        if new != self.row_offset:
            self.row_offset = new
            self.load_page()

    # --------------------------------------------------- filter/search

    def _update_filter(self) -> None:
        label = "all" if self.status_filter is None else STATUS_LABEL[int(self.status_filter)]
        text = Text(" status: ")
        text.append(label, style="bold")
        text.append("   0-5: all pend deliv fail rem err", style="dim")
        self.query_one("#detail-filter", Label).update(text)

    def action_filter(self, key: str) -> None:
        self.status_filter = FILTERS[key]
        self.row_offset = 0
        self._update_filter()
        self.load_page()

    def action_search(self) -> None:
        self.query_one("#detail-search", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "detail-search":
            self.search_text = event.value.strip()
            self.row_offset = 0
            self.load_page()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "detail-search":
            self.query_one("#detail-table").focus()
        elif event.input.id == "detail-export-path":
            self._export(event.value.strip())

    # ---------------------------------------------------------- export

    async def action_export(self) -> None:
        if self.sub is None or not self.sub.taskid:
            self.notify("This submission has no task id: there is no report to export.", severity="warning")
            return
        try:
            box = self.query_one("#detail-export")
        except NoMatches:  # the first export: build the bar now (see compose)
            box = Horizontal(Label("CSV file:", id="detail-export-label"),
                             Input(id="detail-export-path", compact=True), id="detail-export")
            await self.mount(box, before="#detail-pager")
        box.display = True
        path_input = self.query_one("#detail-export-path", Input)
        if not path_input.value:
            name = "task-" + re.sub(r"[^A-Za-z0-9_-]", "_", self.sub.taskid) + ".csv"
            try:
                path_input.value = str(await asyncio.to_thread(export.exports_dir) / name)
            except OSError as exc:  # the operator can still type where it goes
                self.notify(f"No exports folder: {exc.filename or ''}: {exc.strerror or exc}", severity="warning")
        path_input.focus()

    def _export(self, path_text: str) -> None:
        if not path_text:
            self.notify("Enter a file path for the CSV.", severity="warning")
            return
        path = Path(os.path.expanduser(path_text))
        if not path.is_absolute():
            # A bare name goes to the exports folder, not wherever the TUI was started.
            try:
                path = export.exports_dir() / path
            except OSError as exc:
                self.notify(f"CSV not written: {exc.filename or ''}: {exc.strerror or exc}", severity="error",
                            timeout=10)
                return
        path = Path(os.path.abspath(path))
        if os.path.lexists(path):
            self._ask_overwrite(path)
        else:
            self._write_export(path, replace=False)

    def _ask_overwrite(self, path: Path) -> None:
        from .confirm import AskScreen

        def answer(ok: bool | None) -> None:
            if ok:
                self._write_export(path, replace=True)
            else:
                self.query_one("#detail-export-path", Input).focus()

        self.app.push_screen(
            AskScreen(f"Overwrite {path}?", "A file of that name exists; the export would replace it.",
                      danger=True, default=False),
            answer,
        )

    @work(exclusive=True, group="detail-export", exit_on_error=False)
    async def _write_export(self, path: Path, replace: bool) -> None:
        service, taskid, status, search = self.app.service, self.sub.taskid, self.status_filter, self.search_text or None
        try:
            count = await asyncio.to_thread(write_csv, service, taskid, path, status, search, replace)
        except FileExistsError:  # created meanwhile: the operator decides, as for any existing file
            self._ask_overwrite(path)
            return
        except OSError as exc:
            self.notify(f"CSV not written: {path}: {exc.strerror or exc}", severity="error", timeout=10)
            return
        what = "" if status is None and not search else " (filtered)"
        self.notify(f"Exported {count:,} rows{what} to {path}", timeout=8)
        self._hide_export()

    # --------------------------------------------------------- actions

    def action_refresh(self) -> None:
        self._load_summary(fetch=True)

    def _hide_export(self) -> bool:
        """Hide the export bar; False if it was not showing."""
        try:
            bar = self.query_one("#detail-export")
        except NoMatches:
            return False
        if not bar.display:
            return False
        bar.display = False
        self.query_one("#detail-table").focus()
        return True

    def action_back(self) -> None:
        if self._hide_export():
            return
        if self.focused is self.query_one("#detail-search"):
            self.query_one("#detail-table").focus()
            return
        self.app.pop_screen()


def write_csv(service, taskid: str, path: Path, status, search, replace: bool = False) -> int:
    """Stream the stored rows of ``taskid`` to ``path`` (export.write_csv:
    private, formula-safe, never over an existing file unless ``replace``)."""

    def rows():
        for batch in service.iter_detail(taskid, status=status, search=search):
            for r in batch:
                yield r.msisdn, r.status, r.status_code, r.date or "", r.message

    return export.write_csv(path, ["msisdn", "status", "status_code", "date", "message"], rows(), replace=replace)
