"""SubmitResultScreen: what became of one submit (or retry)."""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ....errors import proves_nothing_sent
from ....models import State
from .styles import CSS_FILE
from .wording import error_text, plural


_RESULT_STYLE = {
    State.ACCEPTED: ("-accepted", "Accepted by ATL"),
    State.ACCEPTED_WITHOUT_TASKID: ("-notaskid", "Sent, without a task id"),
    State.REJECTED: ("-rejected", "Rejected by ATL: nothing was sent"),
    State.FAILED: ("-failed", "Not sent"),
    State.UNCERTAIN: ("-uncertain", "Outcome unknown"),
    State.SENDING: ("-uncertain", "Outcome unknown"),
}


def result_lines(result) -> list[str]:
    """The body of the result modal, as markup lines (tested directly)."""
    st = result.state
    lines: list[str] = []
    if st is State.ACCEPTED:
        lines.append(f"Task id [b]{escape(str(result.taskid))}[/]")
        lines.append(f"{plural(result.recipients, 'recipient')}, about {result.units_estimate:,} units.")
        lines.append("Follow its delivery on the dashboard.")
    elif st is State.ACCEPTED_WITHOUT_TASKID:
        lines.append(
            "The first request reached ATL (the resend was answered 002, duplicate "
            "control id). The messages will be delivered, but ATL gave no task id, "
            "so no delivery report can be fetched for this campaign."
        )
        lines.append("Do not send it again.")
    elif st is State.REJECTED:
        lines.append(f"Error [b]{escape(str(result.code))}[/]: {escape(result.wording)}")
        if result.advice:
            lines.append(escape(result.advice))
        lines.append("No units were spent. Fix the form and send again.")
    elif st is State.FAILED:
        lines.append(escape(result.detail or "the request never left this machine"))
        lines.append("Nothing reached ATL; it is safe to send again.")
    else:
        if result.detail:
            lines.append(escape(result.detail))
        if result.code:
            lines.append(f"Last answer: error {escape(result.code)}: {escape(result.wording)}")
        lines.append(
            "It may have reached ATL. Do NOT send it again as a new campaign: "
            "settle it with retry from the dashboard, which resends it under the "
            "same control id so ATL cannot deliver it twice."
        )
    removed = getattr(result, "optouts_removed", 0) or 0
    if removed:
        lines.append(f"{plural(removed, 'recipient')} left out: on the opt-out list.")
    lines.append(f"[dim]control id {escape(result.controlid)}[/]")
    return lines


class SubmitResultScreen(ModalScreen[None]):
    """What became of a submit (or retry). Enter/Escape closes.

    ``error`` is for an exception the worker caught: "Not sent" only when
    it proves nothing left (bad input, a local problem, a refused
    connection); anything else is "Outcome unknown".
    """

    CSS_PATH = CSS_FILE
    BINDINGS = [Binding("enter,escape", "close", "Close", id="result_close")]

    def __init__(self, result=None, *, error: BaseException | str | None = None) -> None:
        super().__init__()
        self.result = result
        self.error = error

    def compose(self) -> ComposeResult:
        if self.result is None and proves_nothing_sent(self.error if not isinstance(self.error, str) else None) \
                or isinstance(self.error, str):
            cls, title = "-failed", "Not sent"
            lines = [escape(error_text(self.error)), "Nothing was sent."]
        elif self.result is None:
            cls, title = "-uncertain", "Outcome unknown"
            lines = [
                escape(error_text(self.error)),
                "The request may have reached ATL. Do NOT send this again: the dashboard marks "
                "the submission uncertain; settle it there with s (resent under the same control "
                "id, so ATL cannot deliver it twice).",
            ]
        else:
            cls, title = _RESULT_STYLE.get(self.result.state, ("-uncertain", "Outcome unknown"))
            lines = result_lines(self.result)
        with Vertical(id="dialog", classes=f"dialog -result {cls}"):
            yield Static(title, classes="dialog-title", id="result-title")
            with VerticalScroll(id="result-body"):
                yield Static("\n".join(lines), classes="dialog-text", id="result-text")
            yield Static("Enter/Esc close", classes="dialog-keys")

    def action_close(self) -> None:
        self.dismiss(None)
