"""One campaign larger than one task: its parts, their states and reports.

Reached with Enter on a campaign row of the dashboard; Enter on a part opens
its task detail. Uncertain and queued parts stand out; ``s`` resumes the
campaign (queued parts get their first send, uncertain ones are resent under
their own controlid: campaign.resume_campaign never resends an accepted
part) and ``x`` cancels the queued parts, each after a confirmation
(campaign_actions).

The report panel (``o`` hides or shows it) gives delivery by operator, time
to delivery and deliveries over time from the parts' detailed reports, each
fetched once its delivery is final (``r`` fetches the others); ``e``
exports every recipient row as CSV or .xlsx."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.widgets import DataTable, Static

from ...api.errors import AtlSmsError
from ...api.models import Campaign, State, Submission
from ...api.reports import ReadClock, needs_poll
from ...api.rules import plural
from ..bindings import allowed
from ..format import by_text, campaign_state_text, counts_text, delivery_bar, describe, short_time, state_text
from ..literal import literal, visible
from ..messages import ProfileChanged, SubmissionFinished
from ..widgets.campaign_report import CampaignExportBar, CampaignReportPanel
from ..widgets.footer import KeyFooter
from ..widgets.header import BalanceHeader
from .base import AppScreen
from .campaign_actions import ask_cancel, ask_resume
from .task_detail import TaskDetailScreen

if TYPE_CHECKING:
    pass

HOT = (State.UNCERTAIN, State.SENDING, State.QUEUED)


# ---------------------------------------------------------------- screen


class CampaignDetailScreen(AppScreen):
    TITLE = "Campaign"
    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("r", "refresh", "Refresh", id="campaign_refresh"),
        Binding("s", "resume", "Settle", id="campaign_resume_parts",
                tooltip="Settle uncertain parts and send the ones not sent yet (resume the campaign)"),
        Binding("x", "cancel_queued", "Cancel queued", id="campaign_cancel"),
        Binding("d", "part", "Part detail", id="part_detail", show=False),
        # Short words for the footer at 80 columns; help and the palette show the tooltips.
        Binding("f", "followup_send", "Resend", id="followup_send",
                tooltip="Send again to the campaign's numbers in the statuses asked: compose opens with them and the earlier text"),
        Binding("g", "followup_group", "Group", id="followup_group",
                tooltip="Save the campaign's numbers in the statuses asked as a group"),
        Binding("o", "toggle_report", "Report", id="campaign_report", show=False,
                tooltip="Show or hide the delivery report (operators, time to delivery, deliveries over time)"),
        Binding("e", "export", "Export", id="campaign_export"),
    ]

    def __init__(self, campaign: str) -> None:
        super().__init__()
        self.campaign_id = campaign
        self.campaign: Campaign | None = None
        # Final parts whose detailed report this screen fetched by itself:
        # never again on its own, whatever the report then holds.
        self._fetched: set[str] = set()

    def compose(self) -> ComposeResult:
        yield BalanceHeader()
        yield Static("", id="camp-summary")
        yield CampaignReportPanel(id="camp-report")
        table: DataTable[Any] = DataTable(id="camp-parts", cursor_type="row")
        table.add_column("Part", key="part", width=5)
        table.add_column("Task", key="task", width=8)
        table.add_column("Rcpt", key="rcpt", width=8)
        table.add_column("Delivery", key="bar", width=24)
        table.add_column("State", key="state", width=16)
        yield table
        yield Static("", id="camp-about")
        yield Static("", id="camp-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#camp-parts").focus()
        self.reload(poll=True)

    def on_screen_resume(self) -> None:
        self.reload()

    # ---------------------------------------------------------- data

    def reload(self, poll: bool = False, force: bool = False) -> None:
        self._load(poll, force)

    @work(exclusive=True, group="campaign-load", exit_on_error=False)
    async def _load(self, poll: bool, force: bool = False) -> None:
        core = self.atl.core
        if core is None:
            return
        try:
            c = await core.sending.campaign(self.campaign_id)
        except AtlSmsError as exc:
            self.query_one("#camp-summary", Static).update(literal(str(exc), style="red"))
            return
        self._show(c)
        live = [p for p in c.parts if needs_poll(p)]
        if not poll or not live:
            self._load_report(c, force)
            return
        self._status(f"asking ATL for {plural(len(live), 'report')}…")
        poller = core.reports.poller(ReadClock(self.atl.clock))
        if force:  # asked for: every live task now, whatever its back-off (within the ceiling still)
            poller.forget()
        result = await poller.round(live)
        self._show(c)
        from ..app import error_line

        errors = [f"task {t}: {e}" if isinstance(e, AtlSmsError) else f"task {t}: {error_line(e)}"
                  for t, e in poller.errors.items() if t in {p.taskid for p in live}]
        if result.offline is not None:
            errors.insert(0, str(result.offline))
        self._status(f"✖ {errors[0]}" if errors else "", error=bool(errors))
        self._load_report(await core.sending.campaign(self.campaign_id), force)

    @work(exclusive=True, group="campaign-report", exit_on_error=False)
    async def _load_report(self, c: Campaign, fetch_all: bool = False) -> None:
        """Fetch the detailed reports the figures lack (a final part's once
        on its own; every due one when asked), then show the figures."""
        core = self.atl.core
        if core is None:
            return
        for p in await core.reports.details_due(c):
            taskid = str(p.taskid)
            final = p.report is not None and p.report.final
            if not fetch_all and (not final or taskid in self._fetched):
                continue
            self._fetched.add(taskid)
            self._status(f"fetching the detailed report of part {p.part} (task {taskid})…")
            try:
                await core.reports.detailed_report(taskid)
            except AtlSmsError as exc:
                self._status(f"✖ task {taskid}: {exc}", error=True)
                break
            self._status("")
        try:
            rep = await core.reports.campaign_report(c.campaign)
        except AtlSmsError as exc:
            self._status(f"✖ report: {exc}", error=True)
            return
        self.query_one(CampaignReportPanel).show(rep)

    def _status(self, text: str, error: bool = False) -> None:
        self.query_one("#camp-status", Static).update(literal(text, style="red" if error else "dim"))

    def _show(self, c: Campaign) -> None:
        self.campaign = c
        rep = c.report()
        line1 = Text()
        line1.append(visible(c.campaign), style="bold")
        line1.append(f" · {visible(c.title)} · {len(c.parts)} parts · {c.recipients:,} rcpt · ")
        line1.append_text(campaign_state_text(c))
        line2 = Text(f"created {short_time(c.created)}", style="dim")  # line 1 must fit 80 columns
        if c.by is not None:
            line2.append(f" by {visible(c.by.label)}", style="dim")
        if rep.ready:
            line2.append_text(counts_text(rep))
        else:
            line2.append(" · no report yet", style="dim")
        width = max(10, (self.size.width or 80) - 2)
        line3 = delivery_bar(rep if rep.ready else None, width)
        self.query_one("#camp-summary", Static).update(Text("\n").join([line1, line2, line3]))

        table = self.query_one("#camp-parts", DataTable)
        row = table.cursor_row if table.row_count else 0
        table.clear()
        for i, p in enumerate(c.parts, 1):
            hot = p.state in HOT
            state = state_text(p, self.atl.clock())
            if p.state is State.QUEUED:
                state = Text("⏸ queued", style="bold yellow")
            elif p.state is State.CANCELLED:
                state = Text("cancelled", style="dim")
            table.add_row(
                Text(f"{'⚠' if p.state.settleable else ' '}{i}", style="bold yellow" if hot else ""),
                literal(p.taskid or "—", style="bold yellow" if hot else ""),
                f"{p.recipients:,}",
                delivery_bar(p.report, 24) if p.taskid else Text(""),
                state,
                key=p.controlid,
            )
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1), animate=False)
        self._update_about()

    def selected_part(self) -> Submission | None:
        table = self.query_one("#camp-parts", DataTable)
        if self.campaign is None or not table.row_count:
            return None
        i = table.cursor_row
        return self.campaign.parts[i] if 0 <= i < len(self.campaign.parts) else None

    def copy_target(self) -> tuple[str, str] | None:
        """What ``y`` copies: the part's task id (its control id before it
        has one), or the campaign's id."""
        p = self.selected_part()
        if p is None:
            return "campaign id", self.campaign_id
        return ("task id", p.taskid) if p.taskid else ("control id", p.controlid)

    def _update_about(self) -> None:
        p = self.selected_part()
        about = self.query_one("#camp-about", Static)
        if p is None:
            about.update("")
            return
        if p.state is State.QUEUED:
            head = (f"controlid {visible(p.controlid)} · {p.recipients:,} rcpt · "
                    f"~{plural(p.units_estimate, 'unit')}{by_text(p)}")
            body = Text("Never sent (queued). s resumes the campaign (sends it); x cancels the queued parts.",
                        style="yellow")
        elif p.state is State.CANCELLED:
            head = f"controlid {visible(p.controlid)} · {plural(p.recipients, 'recipient')}"
            body = Text("Cancelled before sending: never sent.", style="dim")
        else:
            head, body = describe(p, self.atl.clock())
        text = Text(head, style="dim")
        text.append("\n")
        text.append_text(body)
        about.update(text)

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._update_about()

    def on_data_table_row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_part()

    # ------------------------------------------------------- actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return allowed(self.app, action)

    def action_part(self) -> None:
        p = self.selected_part()
        if p is None:
            return
        self.app.push_screen(TaskDetailScreen(p.controlid))

    def action_refresh(self) -> None:
        self.reload(poll=True, force=True)

    def action_resume(self) -> None:
        if self.campaign is not None:
            ask_resume(self, self.campaign)

    def action_cancel_queued(self) -> None:
        if self.campaign is not None:
            ask_cancel(self, self.campaign)

    def action_toggle_report(self) -> None:
        panel = self.query_one(CampaignReportPanel)
        panel.display = not panel.display

    async def action_export(self) -> None:
        try:
            bar = self.query_one(CampaignExportBar)
        except NoMatches:  # the first export: the bar is built then
            bar = CampaignExportBar(self.campaign_id)
            await self.mount(bar, before="#camp-status")
        await bar.open()

    def on_export_bar_closed(self, _message: CampaignExportBar.Closed) -> None:
        self.query_one("#camp-parts").focus()

    def action_back(self) -> None:
        bars = self.query(CampaignExportBar)
        if bars and bars.first().close():
            self.query_one("#camp-parts").focus()
            return
        self.app.pop_screen()

    def action_followup_send(self) -> None:
        from .followup_actions import ask_statuses, send_again

        ask_statuses(self, "Send again to the campaign's numbers in",
                     lambda statuses: send_again(self, self.campaign_id, statuses))

    def action_followup_group(self) -> None:
        from .followup_actions import ask_statuses, save_as_group

        ask_statuses(self, "Save as a group the campaign's numbers in",
                     lambda statuses: save_as_group(self, self.campaign_id, statuses))

    def on_submission_finished(self, _message: SubmissionFinished) -> None:
        self.reload()

    def on_profile_changed(self, _message: ProfileChanged) -> None:
        if self.is_current:  # another account's journal: this campaign is not in it
            self.app.pop_screen()
