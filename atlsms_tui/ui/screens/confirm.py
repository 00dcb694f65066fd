"""Modal screens around a send: confirm, progress, result; plus a yes/no
question and the transliteration offer.

The confirm modal is the last look before money is spent, so it repeats
everything that costs units (recipients, segments, encoding, schedule) and
says DEMO loudly when nothing real is sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, LoadingIndicator, Static

from ...models import State

CSS_FILE = "../compose.tcss"


def app_header():
    """A's BalanceHeader, or a plain line while it does not exist yet.

    Imported lazily so this module loads even when the header is missing.
    """
    try:
        from ..widgets.header import BalanceHeader
    except ImportError:
        return Static("atlsms-tui", id="fallback-header")
    return BalanceHeader()


def fmt_int(n: int | None) -> str:
    return "unknown" if n is None else f"{n:,}"


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


# --------------------------------------------------------------------------
# yes / no


class AskScreen(ModalScreen[bool]):
    """A yes/no question; y/Enter yes, n/Escape no."""

    CSS_PATH = CSS_FILE
    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", id="ask_yes"),
        Binding("n,escape", "answer(False)", "No", id="ask_no"),
    ]

    def __init__(self, question: str, detail: str = "", *, danger: bool = False) -> None:
        super().__init__()
        self.question = question
        self.detail = detail
        self.danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog -danger" if self.danger else "dialog"):
            yield Static(escape(self.question), classes="dialog-title")
            if self.detail:
                yield Static(escape(self.detail), classes="dialog-text")
            yield Static("[b]y[/]/Enter yes    [b]n[/]/Esc no", classes="dialog-keys")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


# --------------------------------------------------------------------------
# confirm send


@dataclass
class SendSummary:
    """What the confirm modal shows: everything that decides the cost."""

    title: str
    recipients: int
    individual: bool
    encoding: str
    segments: int
    units: int
    balance: int | None
    schedule: str  # "now" or "YYYY-MM-DD HH:MM Baku time"
    demo: bool = False
    profile: str = ""
    notes: list[str] = field(default_factory=list)  # skipped rows etc.

    @property
    def balance_after(self) -> int | None:
        return None if self.balance is None else self.balance - self.units


class ConfirmSendScreen(ModalScreen[bool]):
    """The last check before a submit. y/Enter sends, n/Escape goes back."""

    CSS_PATH = CSS_FILE
    BINDINGS = [
        Binding("y,enter", "answer(True)", "Send", id="confirm_yes"),
        Binding("n,escape", "answer(False)", "Cancel", id="confirm_no"),
    ]

    def __init__(self, summary: SendSummary) -> None:
        super().__init__()
        self.summary = summary

    def compose(self) -> ComposeResult:
        s = self.summary
        with Vertical(id="dialog", classes="dialog -confirm"):
            yield Static("Send this campaign?", classes="dialog-title")
            if s.demo:
                yield Static(
                    " DEMO  simulated server: nothing reaches real phones",
                    classes="demo-marker",
                )
            kind = "individual messages" if s.individual else "one message to all"
            seg = f"longest {plural(s.segments, 'segment')}" if s.individual else plural(s.segments, "segment")
            after = s.balance_after
            after_text = fmt_int(after)
            if after is not None and after < 0:
                after_text = f"[b red]{after:,} (not enough units)[/]"
            rows = [
                ("Profile", escape(s.profile)) if s.profile else None,
                ("Title", escape(s.title)),
                ("Recipients", f"{s.recipients:,}  ({kind})"),
                ("Encoding", f"{s.encoding}, {seg}"),
                ("Units", f"{s.units:,} estimated"),
                ("Balance", f"{fmt_int(s.balance)} → {after_text} after"),
                ("Schedule", escape(s.schedule)),
            ]
            text = "\n".join(f"[dim]{k:<11}[/]{v}" for k, v in (r for r in rows if r))
            yield Static(text, id="confirm-facts", classes="dialog-text")
            for note in s.notes:
                yield Static(escape(note), classes="dialog-note")
            yield Static("[b]y[/]/Enter send    [b]n[/]/Esc back to the form", classes="dialog-keys")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


# --------------------------------------------------------------------------
# progress


class SubmittingScreen(ModalScreen[None]):
    """Shown while a submit runs. No key closes it: the compose screen
    dismisses it when the worker ends, so a submit cannot be started twice
    or abandoned half way by a stray key."""

    CSS_PATH = CSS_FILE

    def __init__(self, text: str = "starting") -> None:
        super().__init__()
        self._text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog -progress"):
            yield Static("Sending…", classes="dialog-title")
            yield LoadingIndicator()
            yield Static(escape(self._text), id="progress-text", classes="dialog-text")

    def set_progress(self, text: str) -> None:
        self._text = text
        if self.is_mounted:
            self.query_one("#progress-text", Static).update(escape(text))


# --------------------------------------------------------------------------
# result

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
    lines.append(f"[dim]control id {escape(result.controlid)}[/]")
    return lines


class SubmitResultScreen(ModalScreen[None]):
    """What became of a submit (or retry). Enter/Escape closes.

    ``error`` is for an exception the worker caught (input or transport
    problems before anything was journalled): shown as not sent.
    """

    CSS_PATH = CSS_FILE
    BINDINGS = [Binding("enter,escape", "close", "Close", id="result_close")]

    def __init__(self, result=None, *, error: BaseException | str | None = None) -> None:
        super().__init__()
        self.result = result
        self.error = error

    def compose(self) -> ComposeResult:
        if self.result is None:
            cls, title = "-failed", "Not sent"
            lines = [escape(error_text(self.error)), "Nothing was sent."]
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


def error_text(error: BaseException | str | None) -> str:
    """An exception as an operator reads it: the API's wording and code
    when there is one, else its message (never a traceback)."""
    if error is None:
        return "unknown error"
    if isinstance(error, str):
        return error
    code = getattr(error, "code", None)
    wording = getattr(error, "wording", None)
    if code and wording:
        advice = getattr(error, "advice", "")
        return f"error {code}: {wording}" + (f". {advice}" if advice else "")
    text = str(error).strip()
    return text or type(error).__name__


# --------------------------------------------------------------------------
# transliteration offer


class TransliterateScreen(ModalScreen[bool]):
    """Offer a GSM-7 version of the message with the cost both ways.

    The text is only replaced when the operator says yes: changing what a
    customer reads is the operator's call, never ours."""

    CSS_PATH = CSS_FILE
    BINDINGS = [
        Binding("y,enter", "answer(True)", "Replace", id="translit_yes"),
        Binding("n,escape", "answer(False)", "Keep", id="translit_no"),
    ]

    def __init__(self, before, after, converted: str, recipients: int) -> None:
        super().__init__()
        self.before = before  # smstext.TextInfo
        self.after = after
        self.converted = converted
        self.recipients = max(recipients, 1)

    def compose(self) -> ComposeResult:
        b, a = self.before, self.after
        n = self.recipients

        def cost(info) -> str:
            return (
                f"{info.encoding}, {plural(info.segments, 'segment')}, "
                f"{info.segments * n:,} units for {plural(n, 'recipient')}"
            )

        with Vertical(id="dialog", classes="dialog -translit"):
            yield Static("Transliterate to GSM-7?", classes="dialog-title")
            yield Static(
                f"[dim]now     [/]{cost(b)}\n[dim]replaced[/] {cost(a)}",
                classes="dialog-text",
            )
            if not a.is_gsm7:
                left = ", ".join(sorted({c for _, c in a.ucs2_chars}))
                yield Static(escape(f"still UCS-2 because of: {left}"), classes="dialog-note")
            with VerticalScroll(id="translit-preview"):
                yield Static(escape(self.converted))
            yield Static("[b]y[/]/Enter replace the message    [b]n[/]/Esc keep it", classes="dialog-keys")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)
