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
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Static

from ...api.errors import AtlSmsError, TransportError
from ...api.models import DeliveryStatus, DetailRow, State, Submission
from ...api.reports import DetailQuery, DetailView, Poller, ReadClock, TaskView, needs_poll, report_sig
from ...api.rules import plural
from ..bindings import allowed
from ..format import scheduled_for, task_summary, waiting_for_schedule
from ..literal import literal
from ..widgets.detail_table import FILTERS, DetailControls, PagedTable, PagerLine
from ..widgets.export_bar import ExportBar
from ..widgets.fields import Input
from ..widgets.footer import KeyFooter
from ..widgets.header import BalanceHeader
from .base import LiveScreen
from .followup_actions import save_as_group, send_again

if TYPE_CHECKING:
    pass

# Rows of the screen that are not table body (header, summary 3, controls,
# pager, footer, the table's own header row): the first page is read for the
# height the table will have, before it is laid out.
CHROME_ROWS = 8
# Seconds the screen's first paint may wait for the first page (on_mount).
FIRST_PAGE_WAIT = 0.05


class TaskDetailScreen(LiveScreen):
    TITLE = "Task detail"
    # The table, not the search box, takes the keys: 0-5 and paging work at once.
    AUTO_FOCUS = "#detail-table"
    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("r", "refresh", "Refresh", id="detail_refresh"),
        Binding("slash", "search", "Search", id="search"),
        Binding("e", "export", "Export", id="export", tooltip="Export CSV: the rows of the filter and search"),
        # Short words for the footer at 80 columns; help and the palette show the tooltips.
        Binding("f", "followup_send", "Resend", id="followup_send",
                tooltip="Send again to the numbers of the status filter: compose opens with them and the earlier text"),
        Binding("g", "followup_group", "Group", id="followup_group",
                tooltip="Save the numbers of the status filter as a group"),
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
        self.controls = DetailControls()
        self.row_offset = 0
        self.page_size = 15  # until compose knows the terminal's height
        self.row_total = 0
        self.pager = PagerLine()
        self._view: DetailView | None = None  # the page shown; None: totals to count again
        self._busy = ""  # "counting…" / "searching…" while a new total is on its way
        self._first: asyncio.Future[TaskView] | None = None  # the read of the first page (compose, refresh)
        self._stored: tuple[int, str] | None = None  # the stored detailed report: (rows, fetched at)
        self._detail_sig: tuple[object, ...] | None = None  # the report figures the stored detail was fetched at
        self._loading = False  # a summary load is running: it arms the next tick when done
        self._rows: list[DetailRow] = []  # the rows the table shows

    @property
    def detail_query(self) -> DetailQuery:
        return self.controls.detail_query

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
        yield self.controls
        yield PagedTable(id="detail-table")
        yield self.pager
        # The export bar (#detail-export) is mounted by the first "e": one
        # container, label and input fewer to build when the screen opens.
        yield KeyFooter()

    async def on_mount(self) -> None:
        first = self._first
        assert first is not None
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

    # ------------------------------------------------------ live refresh
    # A chain of one-shot timers, armed when the previous update ended and
    # stopped while the screen is hidden; whether ATL is asked is the
    # poller's call (back-off, scheduled time, rate ceiling).

    def resumed(self) -> None:
        if not self._loading:
            self._arm()

    def _arm(self) -> None:
        self._stop_timer()
        sub = self.sub
        if sub is not None and needs_poll(sub):
            self._chain(self._tick)

    def _tick(self) -> None:
        self._timer = None
        if not self._loading:  # never cut short a load (an operator's refresh) in flight
            self._load_summary(shown=True, auto=True)

    def _poller(self) -> Poller:
        return self.core.reports.poller(ReadClock(self.atl.clock))

    # --------------------------------------------------------- summary

    def _start_first_read(self) -> asyncio.Future[TaskView]:
        """The submission, its first page and its stored detailed report,
        read in a thread that starts at once (a Worker only starts when the
        loop comes round, after the mount). _load_summary, a Worker, takes
        the result when on_mount could not."""
        return self.core.reports.open_task(self.controlid, self.detail_query, self.row_offset, self.page_size)

    def _show_first(self, view: TaskView) -> bool:
        """Show what the first read found; False: no such submission."""
        self._stored = view.stored
        if view.sub is None:
            self.query_one("#detail-summary", Static).update(literal(f"No submission {self.controlid} in the journal."))
            return False
        self.sub = view.sub
        self._show_summary()
        page = view.page
        if page is not None and page.query == self.detail_query and page.offset == self.row_offset:
            self._apply_page(page)
        else:
            self.load_page()
        return True

    @work(exclusive=True, group="detail-summary", exit_on_error=False)
    async def _load_summary(self, fetch: bool | None = None, shown: bool = False, auto: bool = False) -> None:
        """Show what the store has (unless shown already); then ask ATL for
        the report and, when it moved, the detailed report. ``auto``: a
        live-refresh tick, which asks only when the task is due."""
        self._loading = True
        try:
            if not shown:
                first, self._first = self._first, None
                if first is None:  # a refresh: read again
                    first = self._start_first_read()
                if not self._show_first(await first):
                    return
            await self._ask(fetch, auto)
        finally:
            self._loading = False
            self._arm()

    async def _ask(self, fetch: bool | None, auto: bool) -> None:
        sub = self.sub
        if sub is None or not sub.taskid or sub.state is not State.ACCEPTED:
            return
        now = self.atl.clock()
        if waiting_for_schedule(sub, now):
            self._note(f"{scheduled_for(sub, now)}: ATL is not asked about it before then")
            self._show_summary()
            return
        poller = self._poller()
        if auto and not poller.is_due(sub):
            return
        try:
            if not auto:
                self._note("asking ATL for the report…")
            before = report_sig(sub.report)
            rep = await poller.ask(sub)
            self._show_summary()
            if not rep.ready:
                self._note("ATL is still processing this task (001): no report yet")
                return
            sig = report_sig(rep)
            if fetch is None and auto:  # a tick: the detail again only when the figures moved
                fetch = self._stored is None or (sig != before and sig != self._detail_sig)
            elif fetch is None:  # a stored detail taken while recipients were pending is stale
                fetch = self._stored is None or self._stored[0] != rep.total or rep.pending > 0
            if fetch:
                await self._fetch_detail(sub, rep.total)
                self._detail_sig = sig
            elif not auto:
                self._note("")
        except TransportError as exc:
            self._note(f"ATL not reachable: {exc}", error=True)
        except AtlSmsError as exc:
            advice = getattr(exc, "advice", "")
            self._note(f"{exc}. {advice}".strip() if advice else str(exc), error=True)
        except Exception as exc:  # an answer no parser expected: said on the pager line, not raised
            from ..app import error_line

            self._note(f"unexpected error: {error_line(exc)}", error=True)

    async def _fetch_detail(self, sub: Submission, expected: int) -> None:
        def progress(rows: int) -> None:
            pct = f" ({rows * 100 // expected}%)" if expected else ""
            self._note(f"downloading the detailed report: {rows:,} of {expected:,} rows{pct}")

        progress(0)
        assert sub.taskid is not None
        reports = self.core.reports
        fetch = await reports.detailed_report(sub.taskid, progress)
        if not fetch.ready:
            self._note("ATL is still processing this task (001): detailed report not ready")
            return
        if fetch.report is not None:
            sub.report = fetch.report
        self._stored = await reports.detail_info(sub)
        self._show_summary()
        self._note(f"detailed report: {plural(fetch.rows, 'row')} fetched")
        self._view = None  # a new report: new totals
        self.load_page()

    def _note(self, text: str, error: bool = False) -> None:
        self.pager.note, self.pager.note_is_error = text, error
        self._update_pager()

    def _show_summary(self) -> None:
        if self.sub is not None:
            width = max(10, (self.size.width or 80) - 2)
            self.query_one("#detail-summary", Static).update(task_summary(self.sub, self.atl.clock(), width))

    # ----------------------------------------------------------- pages

    @on(PagedTable.Resized)
    def table_resized(self) -> None:
        size = self.query_one(PagedTable).body_height
        if size != self.page_size:
            # Keep the first visible row on screen when the size changes.
            self.page_size = size
            self.row_offset = (self.row_offset // size) * size
            self.load_page()

    def load_page(self) -> None:
        sub = self.sub
        if sub is not None and not sub.taskid:  # never reached ATL as a task: nothing to count
            self._busy = ""
            self._fill([], 0)
            return
        if self._view is None or self._view.query != self.detail_query:
            self._busy = "searching…" if self.controls.search else "counting…"
            self._update_pager()
        self._page_worker(self.row_offset, self.page_size, self.detail_query)

    @work(exclusive=True, group="detail-page", exit_on_error=False)
    async def _page_worker(self, offset: int, limit: int, query: DetailQuery) -> None:
        sub = self.sub
        if sub is None or not sub.taskid:
            self._busy = ""
            self._fill([], 0)
            return
        self._apply_page(await self.core.reports.page(sub, query, offset, limit, self._view))

    def _apply_page(self, page: DetailView) -> None:
        self._view, self._busy = page, ""
        self.row_offset = page.offset
        self._fill(page.rows, page.total)

    def _fill(self, rows: list[DetailRow], total: int) -> None:
        self.row_total = total
        self._rows = rows
        self.query_one(PagedTable).fill(rows, self.row_offset + 1)
        self._update_pager()

    def copy_target(self) -> tuple[str, str] | None:
        """What ``y`` copies: the focused row's number, else the task id."""
        row = self.query_one(PagedTable).cursor_row
        if self.query_one(PagedTable).row_count and 0 <= row < len(self._rows):
            return "number", self._rows[row].msisdn
        if self.sub is not None and self.sub.taskid:
            return "task id", self.sub.taskid
        return "control id", self.controlid

    def _update_pager(self) -> None:
        self.pager.show(self.sub, self._view, busy=self._busy, total=self.row_total, offset=self.row_offset,
                        size=self.page_size, filtered=self.controls.status is not None,
                        searching=bool(self.controls.search))

    @on(PagedTable.PageRequested)
    def _page_requested(self, event: PagedTable.PageRequested) -> None:
        self.action_page(event.where)

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

    def action_filter(self, key: str) -> None:
        self.controls.set_status(FILTERS[key])
        self.on_detail_controls_query_changed()

    def action_search(self) -> None:
        self.controls.focus_search()

    def on_detail_controls_query_changed(self, _message: DetailControls.QueryChanged | None = None) -> None:
        self.row_offset = 0
        self.load_page()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "detail-search":
            self.query_one("#detail-table").focus()

    # ---------------------------------------------------------- export

    async def action_export(self) -> None:
        if self.sub is None or not self.sub.taskid:
            self.notify("This submission has no task id: there is no report to export.", severity="warning")
            return
        try:
            bar = self.query_one(ExportBar)
        except NoMatches:  # the first export: build the bar now (see compose)
            bar = ExportBar(self.sub.taskid, lambda: self.detail_query)
            await self.mount(bar, before="#detail-pager")
        await bar.open()

    def on_export_bar_closed(self, _message: ExportBar.Closed) -> None:
        self.query_one("#detail-table").focus()

    # ------------------------------------------------------- follow-ups

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return allowed(self.app, action)

    def action_followup_send(self) -> None:
        self._follow_up(send_again)

    def action_followup_group(self) -> None:
        self._follow_up(save_as_group)

    def _follow_up(self, act: Callable[[Screen[None], Submission, list[DeliveryStatus]], None]) -> None:
        """The numbers in the filter's status (every status without one): a
        number search narrows what is shown, not what is followed up."""
        if self.sub is None or not self.sub.taskid:
            self.notify("This submission has no task id: there is no report to follow up.", severity="warning")
            return
        status = self.controls.status
        act(self, self.sub, list(DeliveryStatus) if status is None else [status])

    # --------------------------------------------------------- actions

    def action_refresh(self) -> None:
        self._load_summary(fetch=True)

    def _hide_export(self) -> bool:
        """Hide the export bar; False if it was not showing."""
        bars = self.query(ExportBar)
        if not bars or not bars.first().close():
            return False
        self.query_one("#detail-table").focus()
        return True

    def action_back(self) -> None:
        if self._hide_export():
            return
        if self.focused is self.query_one("#detail-search"):
            self.query_one("#detail-table").focus()
            return
        self.app.pop_screen()
