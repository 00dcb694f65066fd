"""SubmitResultScreen: what became of one submit (or retry)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from ...api.errors import proves_nothing_sent
from ...api.models import State, SubmitResult
from ..literal import literal, markup
from .dialog import CSS_FILE
from .wording import error_text, plural

_RESULT_STYLE = {
    State.ACCEPTED: ("-accepted", "Accepted by ATL"),
    State.ACCEPTED_WITHOUT_TASKID: ("-notaskid", "Sent, without a task id"),
    State.REJECTED: ("-rejected", "Rejected by ATL: nothing was sent"),
    State.FAILED: ("-failed", "Not sent"),
    State.UNCERTAIN: ("-uncertain", "Outcome unknown"),
    State.SENDING: ("-uncertain", "Outcome unknown"),
}


def result_lines(result: SubmitResult) -> list[Content]:
    """The body of the result modal, line by line (tested directly)."""
    st = result.state
    lines: list[Content] = []
    if st is State.ACCEPTED:
        lines.append(markup("Task id [b]$taskid[/]", taskid=result.taskid))
        lines.append(Content(f"{plural(result.recipients, 'recipient')}, about {result.units_estimate:,} units."))
        lines.append(Content("Follow its delivery on the dashboard."))
    elif st is State.ACCEPTED_WITHOUT_TASKID:
        lines.append(Content(
            "The first request reached ATL (the resend was answered 002, duplicate "
            "control id). The messages will be delivered, but ATL gave no task id, "
            "so no delivery report can be fetched for this campaign."
        ))
        lines.append(Content("Do not send it again."))
    elif st is State.REJECTED:
        lines.append(markup("Error [b]$code[/]: $wording", code=result.code, wording=result.wording))
        if result.advice:
            lines.append(Content.from_text(literal(result.advice, lines=True)))
        lines.append(Content("No units were spent. Fix the form and send again."))
    elif st is State.FAILED:
        lines.append(Content.from_text(literal(result.detail or "the request never left this machine", lines=True)))
        lines.append(Content("Nothing reached ATL; it is safe to send again."))
    else:
        if result.detail:
            lines.append(Content.from_text(literal(result.detail, lines=True)))
        if result.code:
            lines.append(markup("Last answer: error $code: $wording", code=result.code, wording=result.wording))
        lines.append(Content(
            "It may have reached ATL. Do NOT send it again as a new campaign: "
            "settle it with retry from the dashboard, which resends it under the "
            "same control id so ATL cannot deliver it twice."
        ))
    removed = getattr(result, "optouts_removed", 0) or 0
    if removed:
        lines.append(Content(f"{plural(removed, 'recipient')} left out: on the opt-out list."))
    lines.append(markup("[dim]control id $cid[/]", cid=result.controlid))
    return lines


class SubmitResultScreen(ModalScreen[None]):
    """What became of a submit (or retry). Enter/Escape closes.

    ``error`` is for an exception the worker caught: "Not sent" only when
    it proves nothing left (bad input, a local problem, a refused
    connection); anything else is "Outcome unknown".
    """

    CSS_PATH = CSS_FILE
    BINDINGS = [Binding("enter,escape", "close", "Close", id="result_close")]

    def __init__(self, result: SubmitResult | None = None, *, error: BaseException | str | None = None) -> None:
        super().__init__()
        self.result = result
        self.error = error

    def compose(self) -> ComposeResult:
        if self.result is None and proves_nothing_sent(self.error if not isinstance(self.error, str) else None) \
                or isinstance(self.error, str):
            cls, title = "-failed", "Not sent"
            lines = [Content.from_text(literal(error_text(self.error), lines=True)), Content("Nothing was sent.")]
        elif self.result is None:
            cls, title = "-uncertain", "Outcome unknown"
            lines = [
                Content.from_text(literal(error_text(self.error), lines=True)),
                Content("The request may have reached ATL. Do NOT send this again: the dashboard marks "
                        "the submission uncertain; settle it there with s (resent under the same control "
                        "id, so ATL cannot deliver it twice)."),
            ]
        else:
            cls, title = _RESULT_STYLE.get(self.result.state, ("-uncertain", "Outcome unknown"))
            lines = result_lines(self.result)
        with Vertical(id="dialog", classes=f"dialog -result {cls}"):
            yield Static(literal(title), classes="dialog-title", id="result-title")
            with VerticalScroll(id="result-body"):
                yield Static(Content("\n").join(lines), classes="dialog-text", id="result-text")
            yield Static("Enter/Esc close", classes="dialog-keys")

    def action_close(self) -> None:
        self.dismiss(None)
