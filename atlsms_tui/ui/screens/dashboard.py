"""The home screen: every submission of the profile, newest first, live.

Parts of a campaign larger than one task (submissions sharing
``Submission.campaign``) show as one row: summed counts, one delivery bar, the
campaign's state; Enter opens its parts (CampaignDetailScreen).

Live refresh is a chain of one-shot timers: the next round is armed only when
the previous one finished, so rounds never overlap however slow ATL is. A
round polls only tasks whose report can still change, least recently asked
first, at most POLL_CONCURRENCY at a time; it skips a task that answered 001
(not ready) for a growing while, and stops while the screen is hidden behind
another. With a thousand rows the table is not rebuilt per round: only the
cells that changed are updated."""

from __future__ import annotations

import asyncio
from datetime import datetime

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.worker import Worker, WorkerState, get_current_worker

from ...core import baku
from ...core.campaign import Campaign
from ...core.errors import ApiError, AtlSmsError, ProtocolError, TransportError
from ...core.models import Report, State, Submission
from ..literal import literal, visible
from ..messages import PreferencesChanged, ProfileChanged, SubmissionFinished
from ..widgets.header import BalanceHeader

MAX_BACKOFF = 300.0  # seconds: a task answering 001 is asked at least this often
MAX_POLLS_PER_ROUND = 200  # the rest wait for the next round (least recently asked go first)
POLL_CONCURRENCY = 8  # reports asked at once: a round of 200 stays short without flooding ATL

# Delivery bar: (report field, cell character, style). Characters differ as
# well as colours so the bar reads on a monochrome terminal too.
BAR_PARTS = [
    ("delivered", "█", "green"),
    ("failed", "█", "red"),
    ("error", "▓", "magenta"),
    ("removed", "▒", "grey50"),
    ("pending", "░", "yellow"),
]


def delivery_bar(report: Report | None, width: int) -> Text:
    """Proportional coloured cells; each non-zero part gets at least one."""
    if report is None or not report.ready or report.total == 0:
        return Text("waiting for ATL" if report is not None else "", style="dim")
    total = report.total
    counts = [getattr(report, f) for f, _, _ in BAR_PARTS]
    cells = [(c * width) // total for c in counts]
    # Largest remainders fill what integer division left; a part that exists
    # but rounds to nothing still shows one cell.
    for i, c in enumerate(counts):
        if c and not cells[i]:
            cells[i] = 1
    order = sorted(range(len(counts)), key=lambda i: -((counts[i] * width) % total))
    while sum(cells) < width:
        for i in order:
            if sum(cells) >= width:
                break
            if counts[i]:
                cells[i] += 1
    while sum(cells) > width:
        i = max(range(len(cells)), key=lambda j: cells[j])
        cells[i] -= 1
    text = Text()
    for (_, ch, style), n in zip(BAR_PARTS, cells):
        if n > 0:
            text.append(ch * n, style=style)
    return text


def state_text(sub: Submission) -> Text:
    s = sub.state
    if s is State.UNCERTAIN:
        return Text("⚠ UNCERTAIN", style="bold black on yellow")
    if s is State.SENDING:
        return Text("sending…", style="yellow")
    if s is State.ACCEPTED_WITHOUT_TASKID:
        return Text("sent, no task id", style="cyan")
    if s is State.REJECTED:
        return literal(f"rejected {sub.code or ''}".strip(), style="bold red")
    if s is State.FAILED:
        return Text("not sent", style="red")
    if s is State.ABANDONED:
        return Text("abandoned", style="dim yellow")
    if s is State.CANCELLED:
        return Text("cancelled", style="dim")
    if s is State.QUEUED:
        return Text("queued", style="yellow")
    phase = sub.phase
    return Text(phase, style="green" if phase == "done" else "")


def campaign_state_text(c: Campaign) -> Text:
    state = c.state
    if state == "uncertain":
        return Text("⚠ UNCERTAIN", style="bold black on yellow")
    if state == "incomplete":
        queued = c.count(State.QUEUED)
        refused = c.count(State.FAILED, State.REJECTED)
        if refused:
            return Text(f"⏸ {queued + refused} not sent", style="bold yellow")
        return Text(f"⏸ {queued} queued" if queued else "incomplete", style="bold yellow")
    if state in ("rejected", "failed", "cancelled"):
        return Text(state, style="bold red")
    if state == "accepted":
        rep = c.report()
        pending = any(p.state is State.ACCEPTED and (p.report is None or not p.report.final) for p in c.parts)
        if rep.ready and not pending:
            return Text("done", style="green")
        return Text("delivering" if rep.ready else "accepted")
    return Text(state, style="red" if state in ("rejected", "failed") else "dim")


def group_campaigns(subs: list[Submission]) -> list[Submission | Campaign]:
    """The dashboard's rows: a submission, or a campaign holding its parts
    (in part order) at the place of its newest part."""
    out: list[Submission | Campaign] = []
    camps: dict[str, Campaign] = {}
    for s in subs:
        if not s.campaign:
            out.append(s)
            continue
        c = camps.get(s.campaign)
        if c is None:
            c = camps[s.campaign] = Campaign(s.campaign, s.title, s.created, 0, [])
            out.append(c)
        c.parts.append(s)
        c.recipients += s.recipients
        c.created = min(c.created, s.created)
    for c in camps.values():
        c.parts.reverse()  # subs come newest first
        c.parts.sort(key=lambda p: p.part or 0)  # a part sent again is newer than the next one
    return out


def item_key(item: Submission | Campaign) -> str:
    return item.campaign if isinstance(item, Campaign) else item.controlid


def _sub_sig(s: Submission) -> tuple:
    r = s.report
    rep = None if r is None else (r.ready, r.pending, r.delivered, r.failed, r.removed, r.error)
    return (s.state, s.taskid, s.code, s.title, s.recipients, s.scheduled, s.created, rep)


def item_sig(item: Submission | Campaign) -> tuple:
    """Everything a row shows: equal signatures, equal cells (nothing rebuilt)."""
    if isinstance(item, Campaign):
        return ("c",) + tuple(_sub_sig(p) for p in item.parts)
    return _sub_sig(item)


def describe_campaign(c: Campaign) -> tuple[str, Text]:
    units = sum(p.units_estimate for p in c.parts)
    head = f"campaign {visible(c.campaign)} · {len(c.parts)} parts · {c.recipients:,} recipient(s) · about {units:,} units"
    counts = []
    for st in (State.ACCEPTED, State.ACCEPTED_WITHOUT_TASKID, State.UNCERTAIN, State.SENDING,
               State.QUEUED, State.REJECTED, State.FAILED, State.CANCELLED):
        n = c.count(st)
        if n:
            counts.append(f"{n} {st.value.replace('_', ' ')}")
    body = Text(" · ".join(counts))
    state = c.state
    if state == "uncertain":
        more = " and send the queued ones" if c.count(State.QUEUED) else ""
        body.append(f". Press s to settle{more} (accepted parts are never resent).", style="yellow")
    elif state == "incomplete":
        body.append(". s resumes the queued parts, x cancels them.", style="yellow")
    else:
        rep = c.report()
        if rep.ready:
            body.append(f" · {rep.delivered:,} delivered · {rep.failed:,} failed · {rep.pending:,} pending")
        body.append(" · Enter: parts", style="dim")
    return head, body


def needs_poll(sub: Submission) -> bool:
    """Only an accepted task whose report is not final can still change."""
    if sub.state is not State.ACCEPTED or not sub.taskid:
        return False
    return sub.report is None or not sub.report.final


def short_time(iso_or_dt) -> str:
    when = baku.from_iso(iso_or_dt) if isinstance(iso_or_dt, str) else iso_or_dt
    return "" if when is None else when.astimezone(baku.BAKU).strftime("%m-%d %H:%M")


def scheduled_text(sub: Submission) -> str:
    when = baku.from_wire(sub.scheduled)
    return "now" if when is None else when.strftime("%m-%d %H:%M")


def describe(sub: Submission) -> tuple[str, Text]:
    """Two lines on the highlighted submission, with the API's wording."""
    head = (
        f"controlid {visible(sub.controlid)} · {sub.recipients:,} recipient(s) · "
        f"{sub.segments} segment(s) · about {sub.units_estimate:,} units"
    )
    s = sub.state
    if s is State.UNCERTAIN:
        body = Text(
            "Outcome unknown: it may have reached ATL. Press s to settle it (resent with the same "
            f"controlid); never send it again as a new campaign. ({visible(sub.detail or 'no answer')})",
            style="yellow",
        )
    elif s is State.SENDING:
        body = Text("Being sent now (or by another running instance).", style="yellow")
    elif s is State.REJECTED:
        from ...core import codes

        advice = codes.ADVICE.get(sub.code or "", "")
        body = literal(f"Error {sub.code}: {codes.describe(sub.code or '')}. {advice}".strip(), style="red")
    elif s is State.FAILED:
        body = literal(f"Not sent: {sub.detail}", style="red")
    elif s is State.ACCEPTED_WITHOUT_TASKID:
        body = Text(
            "Sent: ATL had the first request (002 on the resend) but gave no task id, "
            "so no report can be fetched.",
            style="cyan",
        )
    else:
        rep = sub.report
        if rep is None:
            body = literal(f"Task {sub.taskid}: no report yet.")
        elif not rep.ready:
            body = literal(f"Task {sub.taskid}: ATL is still processing (001).")
        else:
            body = Text(
                f"{rep.delivered:,} delivered · {rep.failed:,} failed · {rep.pending:,} pending · "
                f"{rep.removed:,} removed · {rep.error:,} error"
            )
    return head, body


class DashboardTable(DataTable):
    """The task list; enter opens the task."""


class DashboardScreen(Screen):
    TITLE = "Dashboard"
    BINDINGS = [
        Binding("c,f2", "app.compose", "Compose", id="compose"),
        Binding("p", "app.profiles", "Profiles", id="profiles"),
        Binding("r", "refresh", "Refresh", id="refresh"),
        Binding("s", "settle", "Settle/resume", id="settle"),
        Binding("x", "cancel_queued", "Cancel queued parts", id="cancel_queued", show=False),
        Binding("b", "abandon", "Abandon uncertain", id="abandon", show=False),
        Binding("d", "detail", "Detail", id="detail", show=False),
        Binding("l", "app.lists", "Groups/opt-outs", id="lists", show=False),
        Binding("o", "app.settings", "Settings", id="settings", show=False),
        Binding("q", "app.quit", "Quit", id="quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._subs: list[Submission] = []
        self._items: list[Submission | Campaign] = []
        self._by_key: dict[str, Submission | Campaign] = {}
        # What the table shows now: row keys in order, each row's signature, column widths.
        self._shown_keys: list[str] = []
        self._shown_sig: dict[str, tuple] = {}
        self._shown_cells: dict[str, list] = {}
        self._widths: list[int] = []
        self._last_polled: dict[str, float] = {}
        self._poll_timer = None
        self._suspended = False
        self._last_refresh: float | None = None
        self._errors: list[str] = []
        # A task's last failed poll, until one succeeds: it waits out a back-off
        # meanwhile, and its error must not vanish from the status line.
        self._task_errors: dict[str, str] = {}
        self._failure: str | None = None  # the last round's unexpected error, notified once
        # Per task: next time (app clock) it may be polled, and its current back-off.
        self._next_due: dict[str, float] = {}
        self._backoff: dict[str, float] = {}

    def compose(self) -> ComposeResult:
        yield BalanceHeader()
        yield Static("", id="dash-empty")
        table = DashboardTable(id="dash-table", cursor_type="row", zebra_stripes=False)
        yield table
        yield Static("", id="dash-about")
        yield Static("", id="dash-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#dash-empty").display = False

    # ------------------------------------------------------ visibility

    def on_screen_suspend(self) -> None:
        self._suspended = True
        self._stop_timer()

    def on_screen_resume(self) -> None:
        self._suspended = False
        self.refresh_now()

    def on_resize(self) -> None:
        if self._subs:
            self._shown_keys = []  # the bar's width changed: rebuild
            self._widths = []
            self._show(self._subs)

    # -------------------------------------------------------- refresh

    def refresh_now(self, poll: bool = True) -> Worker:
        self._stop_timer()
        return self._round(poll)

    def _stop_timer(self) -> None:
        if self._poll_timer is not None:
            self._poll_timer.stop()
            self._poll_timer = None

    def _arm(self) -> None:
        self._stop_timer()
        if not self._suspended and self.app.session is not None:
            interval = max(2.0, float(self.app.preferences.refresh_interval))
            self._poll_timer = self.set_timer(interval, self.refresh_now)

    @work(exclusive=True, group="dashboard-refresh", exit_on_error=False)
    async def _round(self, poll: bool = True) -> None:
        try:
            await self._round_body(poll)
            self._failure = None
        except Exception as exc:  # a bug or a hostile answer: this round is lost, not the next
            self._round_failed(exc)
        finally:
            if not get_current_worker().is_cancelled:
                self._arm()

    def _round_failed(self, exc: Exception) -> None:
        from ..app import error_line

        text = f"refresh failed: {error_line(exc)}"
        self._errors = [text]
        if text != self._failure:  # said once; the status line keeps it while it lasts
            self.notify(text, severity="error", timeout=10)
        self._failure = text
        self._update_status()

    async def _round_body(self, poll: bool) -> None:
        app = self.app
        session = app.session
        if session is None:
            self._subs = []
            self._show([])
            return
        service = session.service
        subs = await asyncio.to_thread(service.tasks)
        if service is not app.service:
            return
        self._show(subs)
        errors: list[str] = []
        if poll:
            errors = await self._poll(service, subs)
            if service is not app.service:
                return
        self._errors = errors + list(self._task_errors.values())
        self._last_refresh = app.clock()
        self._update_status()

    async def _poll(self, service, subs: list[Submission]) -> list[str]:
        """Ask ATL for the reports that can still change, POLL_CONCURRENCY at
        a time; each answer goes into the rows in memory (the service stored
        it), and the table is redrawn at most every half second."""
        app = self.app
        now = app.clock()
        due = [s for s in subs if needs_poll(s) and self._next_due.get(s.taskid, 0.0) <= now]
        due.sort(key=lambda s: self._last_polled.get(s.taskid, 0.0))
        due = due[:MAX_POLLS_PER_ROUND]
        errors: list[str] = []
        if not due:
            return errors
        gate = asyncio.Semaphore(POLL_CONCURRENCY)
        network_down = asyncio.Event()
        loop = asyncio.get_running_loop()
        last_draw = loop.time()

        async def one(sub: Submission) -> None:
            nonlocal last_draw
            taskid = sub.taskid
            async with gate:
                if network_down.is_set():
                    return
                try:
                    rep = await service.report(taskid)
                except ApiError as exc:
                    self._task_errors[taskid] = f"task {taskid}: error {exc.code}: {exc.wording}"
                    self._back_off(taskid, now)
                    return
                except ProtocolError as exc:
                    # An answer came, but not one to trust: this task waits, the others go on.
                    self._task_errors[taskid] = f"task {taskid}: {exc}"
                    self._back_off(taskid, now)
                    return
                except TransportError as exc:
                    # The network is down: asking about the other tasks now would only repeat it.
                    if not network_down.is_set():
                        errors.append(str(exc))
                    network_down.set()
                    return
                except AtlSmsError as exc:
                    self._task_errors[taskid] = f"task {taskid}: {exc}"
                    self._back_off(taskid, now)
                    return
                except Exception as exc:  # an answer no parser expected: this task waits, the others go on
                    from ..app import error_line

                    self._task_errors[taskid] = f"task {taskid}: {error_line(exc)}"
                    self._back_off(taskid, now)
                    return
            self._last_polled[taskid] = app.clock()
            self._task_errors.pop(taskid, None)
            if rep.ready:
                self._next_due.pop(taskid, None)
                self._backoff.pop(taskid, None)
                sub.report = rep
            else:  # 001: not ready; ask this one less and less often
                self._back_off(taskid, now)
                if sub.report is None:
                    sub.report = rep
            if service is app.service and loop.time() - last_draw > 0.5:
                last_draw = loop.time()
                self._show(self._subs)

        await asyncio.gather(*(one(s) for s in due))
        if service is app.service:
            self._show(self._subs)
        return errors

    def _back_off(self, taskid: str, now: float) -> None:
        base = max(2.0, float(self.app.preferences.refresh_interval))
        delay = min(MAX_BACKOFF, self._backoff.get(taskid, base / 2) * 2)
        self._backoff[taskid] = delay
        self._next_due[taskid] = now + delay

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:  # a bug, not ATL: keep running, say it
            self.notify(f"{event.worker.name}: {event.worker.error!r}", severity="error", timeout=10)

    # ---------------------------------------------------------- render

    def _table(self) -> DataTable:
        return self.query_one("#dash-table", DataTable)

    COLUMNS = ["Task", "Title", "Created", "Sched", "Rcpt", "Delivery", "State"]

    def _cells(self, item: Submission | Campaign, bar_w: int | None) -> list:
        """A row's cells; the bar (index 5) only when its width is known."""
        if isinstance(item, Campaign):
            first = item.parts[0]
            hot = item.state in ("uncertain", "incomplete")
            task = Text(("⚠ " if item.state == "uncertain" else "▸ ") + f"{len(item.parts)} parts",
                        style="bold yellow" if hot else "bold")
            bar = self._bar_for(item, bar_w) if bar_w else None
            return [task, literal(item.title, style="bold yellow" if hot else ""), short_time(item.created),
                    scheduled_text(first), f"{item.recipients:,}", bar, campaign_state_text(item)]
        s = item
        uncertain = s.state is State.UNCERTAIN
        task = literal(("⚠ " if uncertain else "") + (s.taskid or "—"), style="bold yellow" if uncertain else "")
        bar = self._bar_for(s, bar_w) if bar_w else None
        return [task, literal(s.title, style="bold yellow" if uncertain else ""), short_time(s.created),
                scheduled_text(s), f"{s.recipients:,}", bar, state_text(s)]

    def _show(self, subs: list[Submission]) -> None:
        self._subs = subs
        table = self._table()
        empty = self.query_one("#dash-empty", Static)
        if not subs:
            table.display = False
            empty.display = True
            if self.app.session is None:
                empty.update("No profile yet. Press p to set one up.")
            else:
                empty.update("No campaigns yet.\n\nPress c (or F2) to compose one.")
            self.query_one("#dash-about", Static).update("")
            self._items, self._by_key, self._shown_keys, self._shown_sig = [], {}, [], {}
            table.clear(columns=True)
            self._widths = []
            return
        table.display = True
        empty.display = False
        if self.focused is None:  # it was hidden while empty, so nothing took the focus
            table.focus()
        items = group_campaigns(subs)
        keys = [item_key(i) for i in items]
        sigs = {k: item_sig(i) for k, i in zip(keys, items)}
        self._items = items
        self._by_key = dict(zip(keys, items))
        changed = [i for k, i in zip(keys, items) if self._shown_sig.get(k) != sigs[k]]
        if keys == self._shown_keys and not changed:
            self._update_about()
            return
        # Column widths only grow between rebuilds: a longer state word
        # elsewhere must not force a rebuild of a thousand rows.
        fresh = {item_key(i): self._cells(i, None) for i in (changed if keys == self._shown_keys else items)}
        widths = list(self._widths) if keys == self._shown_keys and self._widths else [4, 5, 11, 5, 4, 0, 5]
        for cells in fresh.values():
            for j in (0, 1, 3, 4, 6):
                widths[j] = max(widths[j], len(cells[j]))
        avail = (self.size.width or 80) - 2 - 2 * len(widths)  # scrollbar; a cell pad each side
        widths[5] = max(8, min(60, avail - sum(w for j, w in enumerate(widths) if j != 5)))
        if keys == self._shown_keys and widths == self._widths:
            for k, cells in fresh.items():
                cells[5] = self._bar_for(self._by_key[k], widths[5])
                old = self._shown_cells.get(k, ())
                for j, (col, value) in enumerate(zip(self.COLUMNS, cells)):
                    if j >= len(old) or old[j] != value:  # usually the bar and the state only
                        table.update_cell(k, col.lower(), value)
                self._shown_cells[k] = cells
        else:
            self._rebuild(table, items, keys, fresh, widths)
        self._shown_keys = keys
        self._shown_sig = sigs
        self._widths = widths
        self._update_about()

    @staticmethod
    def _bar_for(item, width: int) -> Text:
        if isinstance(item, Campaign):
            return delivery_bar(item.report() if any(p.taskid for p in item.parts) else None, width)
        return delivery_bar(item.report, width) if item.taskid else Text("")

    def _rebuild(self, table: DataTable, items, keys, fresh, widths) -> None:
        keep = None
        if table.row_count and table.cursor_row is not None and 0 <= table.cursor_row < table.row_count:
            keep = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        table.clear(columns=True)
        self._shown_cells = {}
        for label, w in zip(self.COLUMNS, widths):
            table.add_column(label, width=w, key=label.lower())
        for k, item in zip(keys, items):
            cells = fresh.get(k) or self._cells(item, None)
            cells[5] = self._bar_for(item, widths[5])
            table.add_row(*cells, key=k)
            self._shown_cells[k] = cells
        if keep is not None and keep in self._by_key:
            try:
                table.move_cursor(row=table.get_row_index(keep), animate=False)
            except Exception:
                pass

    def _update_status(self) -> None:
        parts = []
        if self._last_refresh is not None:
            at = datetime.fromtimestamp(self._last_refresh, baku.BAKU).strftime("%H:%M:%S")
            parts.append(f"Updated {at} Baku")
        live = sum(1 for s in self._subs if needs_poll(s))
        if live:
            parts.append(f"{live} task(s) live, every {self.app.preferences.refresh_interval:g}s")
        text = Text(" · ".join(parts), style="dim")
        if self._errors:
            text.append("  ✖ " + visible(self._errors[0]), style="red")
            if len(self._errors) > 1:
                text.append(f" (+{len(self._errors) - 1} more)", style="red")
        self.query_one("#dash-status", Static).update(text)

    def selected_item(self) -> Submission | Campaign | None:
        table = self._table()
        if not table.row_count or not table.display:
            return None
        try:
            key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        except Exception:
            return None
        return self._by_key.get(key)

    def selected(self) -> Submission | None:
        item = self.selected_item()
        return item if isinstance(item, Submission) else None

    def _update_about(self) -> None:
        item = self.selected_item()
        about = self.query_one("#dash-about", Static)
        if item is None:
            about.update("")
            return
        head, body = describe_campaign(item) if isinstance(item, Campaign) else describe(item)
        text = Text(head, style="dim")
        text.append("\n")
        text.append_text(body)
        about.update(text)

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._update_about()

    def on_data_table_row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_detail()

    # --------------------------------------------------------- actions

    def action_refresh(self) -> None:
        # A manual refresh asks every live task now, whatever its back-off.
        self._next_due.clear()
        self.refresh_now()
        self.app.refresh_units()

    def action_detail(self) -> None:
        item = self.selected_item()
        if item is None:
            return
        if isinstance(item, Campaign):
            from .campaign_detail import CampaignDetailScreen

            self.app.push_screen(CampaignDetailScreen(item.campaign))
            return
        from .task_detail import TaskDetailScreen

        self.app.push_screen(TaskDetailScreen(item.controlid))

    def action_settle(self) -> None:
        item = self.selected_item()
        if item is None:
            return
        if isinstance(item, Campaign):
            from .campaign_detail import ask_resume

            ask_resume(self, item)
            return
        sub = item
        if not sub.state.settleable:
            self.notify(f"Task is {sub.state.value}: only an uncertain submission needs settling.", timeout=4)
            return
        self.notify(f"Settling {sub.controlid}: resending with the same controlid…", timeout=4)
        self._settle(sub.controlid)

    def action_abandon(self) -> None:
        """Close an uncertain submission that cannot be settled: kept in the
        history as abandoned, with the operator's reason; never resent."""
        item = self.selected_item()
        if item is None or isinstance(item, Campaign) or not item.state.settleable:
            self.notify("Select an uncertain task: only those can be abandoned.", timeout=4)
            return
        from .lists import Field, FormScreen

        controlid = item.controlid
        form = FormScreen(
            f"Abandon {controlid}?",
            [Field("reason", "Reason", placeholder="why it cannot be settled")],
            note="It may have reached ATL. Abandoned, it is never resent and stays in the history.",
        )
        self.app.push_screen(form, lambda v: self._abandon(controlid, v["reason"]) if v else None)

    @work(exclusive=True, group="settle", exit_on_error=False)
    async def _abandon(self, controlid: str, reason: str) -> None:
        try:
            await self.app.service.abandon(controlid, reason)
        except AtlSmsError as exc:
            self.notify(f"Not abandoned: {exc}", severity="error", timeout=10)
            return
        self.notify(f"{controlid} abandoned: never resent, kept in the history.", timeout=5)
        self.refresh_now()

    def action_cancel_queued(self) -> None:
        item = self.selected_item()
        if not isinstance(item, Campaign):
            self.notify("Only a campaign's queued parts can be cancelled: select a campaign row.", timeout=4)
            return
        from .campaign_detail import ask_cancel

        ask_cancel(self, item)

    @work(exclusive=True, group="settle", exit_on_error=False)
    async def _settle(self, controlid: str) -> None:
        app = self.app
        try:
            result = await app.service.retry(controlid)
        except AtlSmsError as exc:
            self.notify(f"Not settled: {exc}", severity="error", timeout=10)
            return
        show_result(app, result)
        app.submission_finished(result)

    # -------------------------------------------------------- messages

    def on_submission_finished(self, _message: SubmissionFinished) -> None:
        self.refresh_now()

    def on_profile_changed(self, _message: ProfileChanged) -> None:
        self._next_due.clear()
        self._backoff.clear()
        self._errors = []
        self._task_errors.clear()
        self._subs = []
        self.refresh_now()

    def on_preferences_changed(self, _message: PreferencesChanged) -> None:
        if self._poll_timer is not None:
            self._arm()
        self._update_status()


def show_result(app, result) -> None:
    """The submit result modal of the compose screens, else a notification."""
    severity = {
        State.ACCEPTED: "information",
        State.ACCEPTED_WITHOUT_TASKID: "information",
        State.REJECTED: "error",
        State.FAILED: "error",
    }.get(result.state, "warning")
    try:
        from .confirm import SubmitResultScreen
    except Exception:
        SubmitResultScreen = None
    if SubmitResultScreen is not None:
        try:
            app.push_screen(SubmitResultScreen(result))
            return
        except Exception:
            pass
    text = result.headline()
    if result.advice:
        text += f"\n{result.advice}"
    app.notify(text, severity=severity, timeout=15)
