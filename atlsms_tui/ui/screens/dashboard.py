"""The home screen: every submission of the profile, newest first, live.

Parts of a campaign larger than one task (submissions sharing
``Submission.campaign``) show as one row: summed counts, one delivery bar, the
campaign's state; Enter opens its parts (CampaignDetailScreen).

Live refresh is a chain of one-shot timers: the next round is armed only when
the previous one finished, so rounds never overlap however slow ATL is, and
none is armed while the screen is hidden behind another. Which tasks a round
asks about, and how fast, is the session's poller's business
(``core.reports.poller``): back-off, scheduled times, the rate ceiling. With
a thousand rows the table is not rebuilt per round: only the cells that
changed are updated."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from ...api.errors import AtlSmsError
from ...api.models import Campaign, Submission
from ...api.reports import Poller, ReadClock
from ...api.rules import operator
from ..bindings import allowed
from ..format import describe, describe_campaign, refresh_status
from ..messages import PreferencesChanged, ProfileChanged, SubmissionFinished
from ..widgets.filter_bar import FilterBar, matches
from ..widgets.footer import KeyFooter
from ..widgets.header import BalanceHeader
from ..widgets.tasks_table import DashboardTable, Item, copy_of, filter_fields, group_campaigns
from .base import LiveScreen
from .campaign_actions import ask_approve, ask_cancel, ask_reject, ask_resume
from .campaign_detail import CampaignDetailScreen
from .task_detail import TaskDetailScreen

if TYPE_CHECKING:
    pass


class DashboardScreen(LiveScreen):
    TITLE = "Dashboard"
    BINDINGS = [
        Binding("c,f2", "app.compose", "Compose", id="compose"),
        Binding("p", "app.profiles", "Profiles", id="profiles"),
        Binding("r", "refresh", "Refresh", id="refresh"),
        Binding("s", "settle", "Settle", id="settle",
                tooltip="settle an uncertain task, resume a campaign's parts"),
        Binding("x", "cancel_queued", "Cancel queued parts", id="cancel_queued", show=False),
        Binding("a", "approve", "Approve", id="campaign_approve"),
        Binding("n", "reject", "Reject", id="campaign_reject"),
        Binding("b", "abandon", "Abandon uncertain", id="abandon", show=False),
        Binding("d", "detail", "Detail", id="detail", show=False),
        Binding("l", "app.lists", "Groups/opt-outs", id="lists", show=False),
        Binding("o", "app.settings", "Settings", id="settings", show=False),
        Binding("slash", "filter", "Filter rows", id="dash_filter", show=False),
        Binding("escape", "clear_filter", "Clear filter", id="dash_filter_clear", show=False),
        Binding("q", "app.quit", "Quit", id="quit"),
        # The table's own Home/End scroll sideways; here they mean the rows.
        Binding("home", "first_row", "First row", id="dash_first", show=False, priority=True),
        Binding("end", "last_row", "Last row", id="dash_last", show=False, priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._subs: list[Submission] = []
        self._last_refresh: float | None = None
        self._offline = ""  # the last round's transport error, while it lasts
        self._awaiting: dict[str, Campaign] = {}  # campaigns waiting for approval, by id
        self._operator: str | None = None  # who is at the keyboard (approvals)
        self._failure: str | None = None  # the last round's unexpected error, notified once
        self._goto: str | None = None  # the controlid just sent: the cursor goes to it once shown

    def compose(self) -> ComposeResult:
        yield BalanceHeader()
        yield Static("", id="dash-empty")
        yield FilterBar("title, task id, author, state · Esc clears", id="dash-filter")
        yield DashboardTable(id="dash-table")
        yield Static("", id="dash-about")
        yield Static("", id="dash-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#dash-empty").display = False

    @property
    def poller(self) -> Poller | None:
        """The session's poll scheduler (None: no profile yet)."""
        core = self.atl.core
        return None if core is None else core.reports.poller(ReadClock(self.atl.clock))

    # ------------------------------------------------------ visibility

    def resumed(self) -> None:
        self.refresh_now()

    def on_resize(self) -> None:
        if self._subs:
            self._table().relayout()  # the bar's width changed
            self._show(self._subs)

    # -------------------------------------------------------- refresh

    def refresh_now(self, poll: bool = True) -> Worker[None]:
        self._stop_timer()
        return self._round(poll)

    def _arm(self) -> None:
        self._stop_timer()
        if self.atl.core is not None:
            self._chain(self.refresh_now)

    @work(exclusive=True, group="dashboard-refresh", exit_on_error=False)
    async def _round(self, poll: bool = True) -> None:
        # A profile switch starts a new round, which cancels this one: what
        # it read of the old profile is never shown.
        try:
            await self._round_body(poll)
            self._failure = None
        except Exception as exc:  # a bug or a hostile answer: this round is lost, not the next
            self._round_failed(exc)
        self._arm()

    def _round_failed(self, exc: Exception) -> None:
        from ..app import error_line

        text = f"refresh failed: {error_line(exc)}"
        self._offline = text
        if text != self._failure:  # said once; the status line keeps it while it lasts
            self.notify(text, severity="error", timeout=10)
        self._failure = text
        self._update_status()

    async def _round_body(self, poll: bool) -> None:
        core = self.atl.core
        if core is None:
            self._subs = []
            self._show([])
            return
        subs = await core.reports.tasks()
        self._awaiting = {c.campaign: c for c in await core.sending.pending_approvals()}
        self._show(subs)
        poller = self.poller
        if poll and poller is not None:
            last_draw = self.atl.clock()

            def drawn(_sub: Submission, _report: object) -> None:
                nonlocal last_draw
                if self.atl.clock() - last_draw > 0.5:
                    last_draw = self.atl.clock()
                    self._show(self._subs)

            result = await poller.round(subs, on_report=drawn)
            self._offline = str(result.offline) if result.offline is not None else ""
            self._show(self._subs)
        self._last_refresh = self.atl.clock()
        self._update_status()

    def _errors(self) -> list[str]:
        from ..app import error_line

        out = [self._offline] if self._offline else []
        poller = self.poller
        for taskid, exc in (poller.errors.items() if poller is not None else ()):
            text = str(exc) if isinstance(exc, AtlSmsError) else error_line(exc)
            out.append(f"task {taskid}: {text}")
        return out

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:  # a bug, not ATL: keep running, say it
            self.notify(f"{event.worker.name}: {event.worker.error!r}", severity="error", timeout=10)

    # ---------------------------------------------------------- render

    def _table(self) -> DashboardTable:
        return self.query_one("#dash-table", DashboardTable)

    def _show(self, subs: list[Submission]) -> None:
        self._subs = subs
        table = self._table()
        empty = self.query_one("#dash-empty", Static)
        if not subs:
            table.display = False
            empty.display = True
            if self.atl.core is None:
                empty.update("No profile yet. Press p to set one up.")
            elif self.atl.read_only:
                empty.update("No campaigns yet.")
            else:
                empty.update("No campaigns yet.\n\nPress c (or F2) to compose one.")
            self.query_one("#dash-about", Static).update("")
            table.empty()
            return
        table.display = True
        empty.display = False
        if self.focused is None:  # it was hidden while empty, so nothing took the focus
            table.focus()
        items = group_campaigns(subs, self._awaiting)
        needle = self._filter().text
        if needle:
            items = [i for i in items if matches(needle, filter_fields(i))]
        table.show(items, self.atl.clock(), self.size.width)
        if self._goto is not None:
            self._go_to_sent(items, self._goto)
        self._update_about()
        if needle and not items:
            self.query_one("#dash-about", Static).update(
                Text(f"Nothing matches the filter {needle!r}. Esc clears it.", style="dim"))

    def _go_to_sent(self, items: list[Item], controlid: str) -> None:
        for row, item in enumerate(items):
            parts = item.parts if isinstance(item, Campaign) else [item]
            if any(p.controlid == controlid for p in parts):
                self._goto = None
                self._table().move_cursor(row=row, animate=False)
                return

    def _update_status(self) -> None:
        text = refresh_status(self._subs, self.atl.clock(), self._last_refresh,
                              self.atl.preferences.refresh_interval, self._errors())
        self.query_one("#dash-status", Static).update(text)

    def selected_item(self) -> Item | None:
        return self._table().selected_item()

    def selected(self) -> Submission | None:
        item = self.selected_item()
        return item if isinstance(item, Submission) else None

    def _update_about(self) -> None:
        item = self.selected_item()
        about = self.query_one("#dash-about", Static)
        if item is None:
            about.update("")
            return
        if isinstance(item, Campaign):
            head, body = describe_campaign(item, self.operator(), self.atl.read_only)
        else:
            head, body = describe(item, self.atl.clock())
        text = Text(head, style="dim")
        text.append("\n")
        text.append_text(body)
        about.update(text)

    # ---------------------------------------------------------- filter

    def _filter(self) -> FilterBar:
        return self.query_one("#dash-filter", FilterBar)

    def action_filter(self) -> None:
        self._filter().open()

    def action_clear_filter(self) -> None:
        self._filter().clear_filter()
        self._table().focus()

    def on_filter_bar_filter_changed(self, _message: FilterBar.FilterChanged) -> None:
        self._show(self._subs)

    def on_filter_bar_filter_done(self, _message: FilterBar.FilterDone) -> None:
        self._table().focus()

    def copy_target(self) -> tuple[str, str] | None:
        """What ``y`` copies (see tasks_table.copy_of)."""
        item = self.selected_item()
        return None if item is None else copy_of(item)

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._update_about()
        if self.is_current:  # the approval keys follow the cursor; another screen's footer is left alone
            self.refresh_bindings()

    def on_data_table_row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_detail()

    # --------------------------------------------------------- actions

    def action_refresh(self) -> None:
        # A manual refresh asks every live task now, whatever its back-off
        # (within the rate ceiling still).
        poller = self.poller
        if poller is not None:
            poller.forget()
        self.refresh_now()
        self.atl.refresh_units()

    def action_detail(self) -> None:
        item = self.selected_item()
        if item is None:
            return
        if isinstance(item, Campaign):
            self.app.push_screen(CampaignDetailScreen(item.campaign))
            return
        self.app.push_screen(TaskDetailScreen(item.controlid))

    def action_settle(self) -> None:
        item = self.selected_item()
        if item is None:
            return
        if isinstance(item, Campaign):
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
        def answered(values: dict[str, str] | None) -> None:
            if values:
                self._abandon(controlid, values["reason"])

        self.app.push_screen(form, answered)

    @work(exclusive=True, group="settle", exit_on_error=False)
    async def _abandon(self, controlid: str, reason: str) -> None:
        try:
            await self.core.sending.abandon(controlid, reason)
        except AtlSmsError as exc:
            self.notify(f"Not abandoned: {exc}", severity="error", timeout=10)
            return
        self.notify(f"{controlid} abandoned: never resent, kept in the history.", timeout=5)
        self.refresh_now()

    # ------------------------------------------------------ approvals

    def operator(self) -> str | None:
        if self._operator is None:
            try:
                self._operator = operator()
            except AtlSmsError:
                return None
        return self._operator

    def _approvable(self) -> Campaign | None:
        """The selected campaign, if it awaits this operator's approval (the
        one who submitted it is never offered the keys)."""
        item = self.selected_item()
        if not isinstance(item, Campaign) or item.state != "awaiting_approval":
            return None
        me = self.operator()
        return None if me is None or item.submitted_by == me else item

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not allowed(self.app, action):
            return False
        if action in ("approve", "reject"):
            return self._approvable() is not None
        if action == "clear_filter":
            return self._filter().display or self._filter().active
        if action in ("first_row", "last_row"):  # elsewhere (a filter field) the key is the field's
            return self.focused is self._table()
        return True

    def action_first_row(self) -> None:
        self._table().move_cursor(row=0, animate=False)

    def action_last_row(self) -> None:
        table = self._table()
        table.move_cursor(row=table.row_count - 1, animate=False)

    def action_approve(self) -> None:
        c = self._approvable()
        if c is not None:
            ask_approve(self, c)

    def action_reject(self) -> None:
        c = self._approvable()
        if c is not None:
            ask_reject(self, c)

    def action_cancel_queued(self) -> None:
        item = self.selected_item()
        if not isinstance(item, Campaign):
            self.notify("Only a campaign's queued parts can be cancelled: select a campaign row.", timeout=4)
            return
        ask_cancel(self, item)

    @work(exclusive=True, group="settle", exit_on_error=False)
    async def _settle(self, controlid: str) -> None:
        app = self.atl
        try:
            result = await self.core.sending.retry(controlid)
        except AtlSmsError as exc:
            self.notify(f"Not settled: {exc}", severity="error", timeout=10)
            return
        from .confirm import SubmitResultScreen

        app.push_screen(SubmitResultScreen(result))
        app.submission_finished(result)

    # -------------------------------------------------------- messages

    def on_submission_finished(self, message: SubmissionFinished) -> None:
        # the operator looks next at what was just sent: so does the cursor
        self._goto = getattr(message.result, "controlid", None)
        self.refresh_now()

    def on_profile_changed(self, _message: ProfileChanged) -> None:
        self._offline = ""
        self._subs = []
        self.refresh_now()

    def on_preferences_changed(self, _message: PreferencesChanged) -> None:
        if self._timer is not None:
            self._arm()
        self._update_status()

