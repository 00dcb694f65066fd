"""The home screen: every submission of the profile, newest first, live.

Live refresh is a chain of one-shot timers: the next round is armed only when
the previous one finished, so rounds never overlap however slow ATL is. A
round polls only tasks whose report can still change, skips a task that
answered 001 (not ready) for a growing while, and stops while the screen is
hidden behind another."""

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

from ... import baku
from ...errors import ApiError, AtlSmsError, TransportError
from ...models import Report, State, Submission
from ..messages import PreferencesChanged, ProfileChanged, SubmissionFinished
from ..widgets.header import BalanceHeader

MAX_BACKOFF = 300.0  # seconds: a task answering 001 is asked at least this often
MAX_POLLS_PER_ROUND = 25  # the rest wait for the next round; a round stays short

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
        return Text(f"rejected {sub.code or ''}".strip(), style="bold red")
    if s is State.FAILED:
        return Text("not sent", style="red")
    rep = sub.report
    if rep is not None and rep.final:
        return Text("done", style="green")
    if rep is not None and rep.ready:
        return Text("delivering", style="")
    return Text("accepted", style="")


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
        f"controlid {sub.controlid} · {sub.recipients:,} recipient(s) · "
        f"{sub.segments} segment(s) · about {sub.units_estimate:,} units"
    )
    s = sub.state
    if s is State.UNCERTAIN:
        body = Text(
            "Outcome unknown: it may have reached ATL. Press s to settle it (resent with the same "
            f"controlid); never send it again as a new campaign. ({sub.detail or 'no answer'})",
            style="yellow",
        )
    elif s is State.SENDING:
        body = Text("Being sent now (or by another running instance).", style="yellow")
    elif s is State.REJECTED:
        from ... import codes

        advice = codes.ADVICE.get(sub.code or "", "")
        body = Text(f"Error {sub.code}: {codes.describe(sub.code or '')}. {advice}".strip(), style="red")
    elif s is State.FAILED:
        body = Text(f"Not sent: {sub.detail}", style="red")
    elif s is State.ACCEPTED_WITHOUT_TASKID:
        body = Text(
            "Sent: ATL had the first request (002 on the resend) but gave no task id, "
            "so no report can be fetched.",
            style="cyan",
        )
    else:
        rep = sub.report
        if rep is None:
            body = Text(f"Task {sub.taskid}: no report yet.")
        elif not rep.ready:
            body = Text(f"Task {sub.taskid}: ATL is still processing (001).")
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
        Binding("s", "settle", "Settle", id="settle"),
        Binding("d", "detail", "Detail", id="detail", show=False),
        Binding("o", "app.settings", "Settings", id="settings", show=False),
        Binding("q", "app.quit", "Quit", id="quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._subs: list[Submission] = []
        self._poll_timer = None
        self._suspended = False
        self._last_refresh: float | None = None
        self._errors: list[str] = []
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
        finally:
            if not get_current_worker().is_cancelled:
                self._arm()

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
            now = app.clock()
            due = [s for s in subs if needs_poll(s) and self._next_due.get(s.taskid, 0.0) <= now]
            polled = 0
            for sub in due[:MAX_POLLS_PER_ROUND]:
                taskid = sub.taskid
                try:
                    rep = await service.report(taskid)
                except ApiError as exc:
                    errors.append(f"task {taskid}: error {exc.code}: {exc.wording}")
                    self._back_off(taskid, now)
                    continue
                except TransportError as exc:
                    # The network is down: asking about the other tasks now would only repeat it.
                    errors.append(str(exc))
                    break
                except AtlSmsError as exc:
                    errors.append(f"task {taskid}: {exc}")
                    self._back_off(taskid, now)
                    continue
                polled += 1
                if rep.ready:
                    self._next_due.pop(taskid, None)
                    self._backoff.pop(taskid, None)
                else:  # 001: not ready; ask this one less and less often
                    self._back_off(taskid, now)
            if polled:
                subs = await asyncio.to_thread(service.tasks)
                if service is not app.service:
                    return
                self._show(subs)
        self._errors = errors
        self._last_refresh = app.clock()
        self._update_status()

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
            return
        table.display = True
        empty.display = False
        if self.focused is None:  # it was hidden while empty, so nothing took the focus
            table.focus()
        keep = None
        if table.row_count and table.cursor_row is not None and 0 <= table.cursor_row < table.row_count:
            keep = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        rows = []
        for s in subs:
            uncertain = s.state is State.UNCERTAIN
            task = Text(("⚠ " if uncertain else "") + (s.taskid or "—"), style="bold yellow" if uncertain else "")
            rows.append([
                task,
                Text(s.title, style="bold yellow" if uncertain else ""),
                short_time(s.created),
                scheduled_text(s),
                f"{s.recipients:,}",
                None,  # bar: width known once the others are measured
                state_text(s),
            ])
        widths = [max(4, *(len(r[0]) for r in rows)), max(5, *(len(r[1]) for r in rows)), 11,
                  max(5, *(len(r[3]) for r in rows)), max(4, *(len(r[4]) for r in rows)), 0,
                  max(5, *(len(r[6]) for r in rows))]
        avail = (self.size.width or 80) - 2 - 2 * len(widths)  # scrollbar; a cell pad each side
        bar_w = max(8, min(60, avail - sum(widths)))
        widths[5] = bar_w
        for r, s in zip(rows, subs):
            r[5] = delivery_bar(s.report, bar_w) if s.taskid else Text("")
        table.clear(columns=True)
        for label, w in zip(["Task", "Title", "Created", "Sched", "Rcpt", "Delivery", "State"], widths):
            table.add_column(label, width=w, key=label.lower())
        for r, s in zip(rows, subs):
            table.add_row(*r, key=s.controlid)
        if keep is not None:
            try:
                table.move_cursor(row=table.get_row_index(keep), animate=False)
            except Exception:
                pass
        self._update_about()

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
            text.append("  ✖ " + self._errors[0], style="red")
            if len(self._errors) > 1:
                text.append(f" (+{len(self._errors) - 1} more)", style="red")
        self.query_one("#dash-status", Static).update(text)

    def selected(self) -> Submission | None:
        table = self._table()
        if not table.row_count or not table.display:
            return None
        try:
            key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        except Exception:
            return None
        return next((s for s in self._subs if s.controlid == key), None)

    def _update_about(self) -> None:
        sub = self.selected()
        about = self.query_one("#dash-about", Static)
        if sub is None:
            about.update("")
            return
        head, body = describe(sub)
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
        sub = self.selected()
        if sub is None:
            return
        from .task_detail import TaskDetailScreen

        self.app.push_screen(TaskDetailScreen(sub.controlid))

    def action_settle(self) -> None:
        sub = self.selected()
        if sub is None:
            return
        if not sub.state.settleable:
            self.notify(f"Task is {sub.state.value}: only an uncertain submission needs settling.", timeout=4)
            return
        self.notify(f"Settling {sub.controlid}: resending with the same controlid…", timeout=4)
        self._settle(sub.controlid)

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
