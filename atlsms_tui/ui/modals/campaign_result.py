"""CampaignResultScreen: what became of every part of a campaign."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from ...api.models import CampaignResult, State
from ..literal import literal, markup
from .dialog import CSS_FILE
from .wording import plural

_PART_STYLE = {
    State.ACCEPTED: "green",
    State.ACCEPTED_WITHOUT_TASKID: "cyan",
    State.REJECTED: "red",
    State.FAILED: "red",
    State.UNCERTAIN: "yellow",
    State.SENDING: "yellow",
    State.QUEUED: "dim",
    State.CANCELLED: "dim",
}

_CAMPAIGN_TITLE = {
    "accepted": ("-accepted", "Campaign accepted by ATL"),
    "partial": ("-uncertain", "Partly sent"),
    "uncertain": ("-uncertain", "Outcome unknown for some parts"),
    "incomplete": ("-uncertain", "Stopped: some parts not sent"),
    "cancelled": ("-failed", "Cancelled: no part was sent"),
    "rejected": ("-rejected", "Rejected by ATL: nothing was sent"),
    "failed": ("-failed", "Not sent"),
}


def campaign_lines(result: CampaignResult) -> list[Content]:
    """The plain-words verdict of a multi-part campaign (tested directly)."""
    ok = (State.ACCEPTED, State.ACCEPTED_WITHOUT_TASKID)
    rs = result.results
    sent = sum(r.recipients for r in rs if r.state in ok)
    total_parts = len(rs)
    lines = [
        markup("Campaign [b]$campaign[/]: $rest", campaign=result.campaign,
               rest=f"{plural(total_parts, 'task')}, {sum(1 for r in rs if r.state in ok):,} accepted "
                    f"({plural(sent, 'recipient')})."),
    ]
    bad = [i for i, r in enumerate(rs, 1) if r.state in (State.REJECTED, State.FAILED)]
    unsure = [i for i, r in enumerate(rs, 1) if r.state in (State.UNCERTAIN, State.SENDING)]
    if bad:
        lines.append(markup(f"[red]Not sent: part {', '.join(map(str, bad))}[/] (rejected or failed: no units spent). "
                            "Resuming sends them again under new control ids once the cause is fixed."))
    if unsure:
        lines.append(markup(
            f"[yellow b]Outcome unknown: part {', '.join(map(str, unsure))}[/]. Do NOT send them again: "
            "settle them with retry (s) on the dashboard, or atlsms-tui campaign resume "
            "$campaign, which resend under the same control ids.", campaign=result.campaign,
        ))
    if result.queued:
        lines.append(markup(
            f"[b]{plural(len(result.queued), 'part')} not sent yet[/] (stopped). r resumes them here; "
            "or later: atlsms-tui campaign resume $campaign (drop them: campaign cancel).",
            campaign=result.campaign,
        ))
    if getattr(result, "optouts_removed", 0):
        lines.append(Content(f"{plural(result.optouts_removed, 'recipient')} left out: on the opt-out list."))
    return lines


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class CampaignResultScreen(ModalScreen[str | None]):
    """What became of every part of a campaign. Enter/Esc closes; r resumes
    the parts left queued or uncertain (dismisses with "resume")."""

    CSS_PATH = CSS_FILE
    BINDINGS = [
        Binding("enter,escape", "close", "Close", id="result_close"),
        Binding("r", "resume", "Resume", id="campaign_resume"),
    ]

    def __init__(self, result: CampaignResult) -> None:
        super().__init__()
        self.result = result

    def _resumable(self) -> bool:
        r = self.result
        return any(x.state in (State.QUEUED, State.UNCERTAIN, State.SENDING, State.FAILED, State.REJECTED)
                   for x in r.results)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "resume":
            return self._resumable()
        return True

    def compose(self) -> ComposeResult:
        r = self.result
        cls, title = _CAMPAIGN_TITLE.get(r.state, ("-uncertain", r.state))
        with Vertical(id="dialog", classes=f"dialog -result -campaign {cls}"):
            yield Static(literal(title), classes="dialog-title", id="result-title")
            yield Static(Content("\n").join(campaign_lines(r)), classes="dialog-text", id="result-text")
            # Not focusable: Enter must reach the dialog's close binding.
            table: DataTable[object] = DataTable(id="parts", cursor_type="row", zebra_stripes=True, show_cursor=False)
            table.can_focus = False
            yield table
            keys = "Enter/Esc close" + ("    [b]r[/] resume" if self._resumable() else "")
            yield Static(keys, classes="dialog-keys")

    def on_mount(self) -> None:
        table = self.query_one("#parts", DataTable)
        table.add_columns("Part", "Recipients", "State", "Task id / answer")
        for i, x in enumerate(self.result.results, 1):
            colour = _PART_STYLE.get(x.state, "dim")
            if x.state is State.QUEUED:
                what = "not sent (stopped)"
            elif x.taskid:
                what = f"task {x.taskid}"
            elif x.code:
                what = f"error {x.code}: {x.wording}"
            else:
                what = x.detail or ""
            table.add_row(str(x.part or i), f"{x.recipients:,}", literal(x.state.value, style=colour),
                          literal(_clip(what, 40)), key=x.controlid)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_resume(self) -> None:
        if self._resumable():
            self.dismiss("resume")
