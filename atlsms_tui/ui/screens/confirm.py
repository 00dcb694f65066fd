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
from textual.widgets import DataTable, LoadingIndicator, ProgressBar, Static

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
    parts: int = 1  # tasks the campaign goes out as (issue 5)
    per_task: int = 0  # the cap that splits it
    optouts: str = ""  # what the opt-out list removes, and why (issue 4)
    optout_lines: list[str] = field(default_factory=list)  # the first numbers removed

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
            if s.parts > 1:
                rows.append((
                    "Tasks",
                    f"[b]{s.parts:,} tasks[/] of at most {s.per_task:,} recipients, sent one "
                    "after the other (c stops between tasks)",
                ))
            if s.optouts:
                rows.append(("Opt-outs", escape(s.optouts)))
            text = "\n".join(f"[dim]{k:<11}[/]{v}" for k, v in (r for r in rows if r))
            yield Static(text, id="confirm-facts", classes="dialog-text")
            notes = [escape(n) for n in s.notes] + [f"[dim]{escape(n)}[/]" for n in s.optout_lines]
            if notes:
                with VerticalScroll(id="confirm-notes"):
                    for note in notes:
                        yield Static(note, classes="dialog-note")
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

    _done = False

    def finish(self) -> None:
        """Close now, or as soon as this screen is on top again (a help
        screen may have been opened over it meanwhile)."""
        self._done = True
        if self.is_current:
            self.dismiss(None)

    def on_screen_resume(self) -> None:
        if self._done:
            self.dismiss(None)

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
    removed = getattr(result, "optouts_removed", 0) or 0
    if removed:
        lines.append(f"{plural(removed, 'recipient')} left out: on the opt-out list.")
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
                f"[dim]now      [/]{cost(b)}\n[dim]replaced [/]{cost(a)}",
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


# --------------------------------------------------------------------------
# transliteration of individual / merged messages


class CostChoiceScreen(ModalScreen[bool]):
    """Transliterate every individual message? The cost both ways
    (mailmerge.CostComparison); nothing changes unless the operator says yes."""

    CSS_PATH = CSS_FILE
    BINDINGS = [
        Binding("y,enter", "answer(True)", "Transliterate", id="cost_yes"),
        Binding("n,escape", "answer(False)", "As typed", id="cost_no"),
    ]

    def __init__(self, comparison, sample: list[tuple[str, str]] | None = None) -> None:
        super().__init__()
        self.cmp = comparison
        self.sample = sample or []  # (as typed, transliterated) of the first rows

    def compose(self) -> ComposeResult:
        from ...mailmerge import format_cost

        c = self.cmp
        with Vertical(id="dialog", classes="dialog -translit"):
            yield Static("Transliterate the messages to GSM-7?", classes="dialog-title")
            yield Static(
                f"[dim]as typed        [/]{escape(format_cost(c.as_typed, c.individual))}\n"
                f"[dim]transliterated  [/]{escape(format_cost(c.transliterated, c.individual))}",
                classes="dialog-text",
            )
            if c.still_ucs2:
                yield Static(escape("still UCS-2 because of: " + " ".join(c.still_ucs2[:20])),
                             classes="dialog-note")
            if self.sample:
                with VerticalScroll(id="translit-preview"):
                    yield Static("\n".join(escape(after) for _before, after in self.sample))
            yield Static("[b]y[/]/Enter send them transliterated    [b]n[/]/Esc as typed",
                         classes="dialog-keys")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


# --------------------------------------------------------------------------
# campaigns in several tasks (issue 5)


class CampaignProgressScreen(ModalScreen[None]):
    """Progress of a submit_campaign run: a bar over the recipients, the
    part in flight, and (for several parts) c/Esc to stop between parts.

    Stopping sets ``cancel`` (an asyncio.Event the campaign checks before each
    part); the part in flight always finishes, so nothing is left half sent.
    No other key closes it: the compose screen calls finish()."""

    CSS_PATH = CSS_FILE
    BINDINGS = [Binding("c,escape", "stop", "Stop after this part", id="campaign_stop")]

    def __init__(self, recipients: int, parts: int, cancel=None, title: str = "Sending…") -> None:
        super().__init__()
        self.recipients = max(recipients, 1)
        self.parts = parts
        self.cancel = cancel
        self._title = title
        self._done = False

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog -progress"):
            yield Static(self._title, classes="dialog-title")
            yield ProgressBar(total=self.recipients, show_eta=False, id="campaign-bar")
            yield Static("starting", id="progress-text", classes="dialog-text")
            keys = "[b]c[/]/Esc stop after the part in flight" if self.parts > 1 else "sending: wait for ATL's answer"
            yield Static(keys, id="progress-keys", classes="dialog-keys")

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "stop":
            return self.parts > 1 and self.cancel is not None
        return True

    def action_stop(self) -> None:
        if self.cancel is None or self.cancel.is_set():
            return
        self.cancel.set()
        self.query_one("#progress-keys", Static).update(
            "[b]stopping[/]: the part in flight finishes, the rest stay queued"
        )

    # progress

    def set_progress(self, text: str) -> None:  # the single-submit interface
        if self.is_mounted:
            self.query_one("#progress-text", Static).update(escape(text))

    def update_progress(self, p) -> None:
        """A campaign.CampaignProgress."""
        if not self.is_mounted:
            return
        self.query_one("#campaign-bar", ProgressBar).update(total=max(p.recipients_total, 1),
                                                            progress=p.recipients_done)
        where = f"part {p.part} of {p.parts}: " if p.parts > 1 else ""
        text = p.text if not where or p.text.startswith("part ") else where + p.text
        self.query_one("#progress-text", Static).update(
            escape(f"{text}\n{p.recipients_done:,} of {p.recipients_total:,} recipients done")
        )

    def finish(self) -> None:
        self._done = True
        if self.is_current:
            self.dismiss(None)

    def on_screen_resume(self) -> None:
        if self._done:
            self.dismiss(None)


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
    "rejected": ("-rejected", "Rejected by ATL: nothing was sent"),
    "failed": ("-failed", "Not sent"),
}


def campaign_lines(result) -> list[str]:
    """The plain-words verdict of a multi-part campaign (tested directly)."""
    ok = (State.ACCEPTED, State.ACCEPTED_WITHOUT_TASKID)
    rs = result.results
    sent = sum(r.recipients for r in rs if r.state in ok)
    total_parts = len(rs) + len(result.queued)
    lines = [
        f"Campaign [b]{escape(str(result.campaign))}[/]: {plural(total_parts, 'task')}, "
        f"{sum(1 for r in rs if r.state in ok):,} accepted ({plural(sent, 'recipient')})."
    ]
    bad = [i for i, r in enumerate(rs, 1) if r.state in (State.REJECTED, State.FAILED)]
    unsure = [i for i, r in enumerate(rs, 1) if r.state in (State.UNCERTAIN, State.SENDING)]
    if bad:
        lines.append(f"[red]Not sent: part {', '.join(map(str, bad))}[/] (rejected or failed: no units spent).")
    if unsure:
        lines.append(
            f"[yellow b]Outcome unknown: part {', '.join(map(str, unsure))}[/]. Do NOT send them again: "
            "settle them with retry (s) on the dashboard, or atlsms-tui campaign resume "
            f"{escape(str(result.campaign))}, which resend under the same control ids."
        )
    if result.queued:
        lines.append(
            f"[b]{plural(len(result.queued), 'part')} not sent yet[/] (stopped). r resumes them here; "
            f"or later: atlsms-tui campaign resume {escape(str(result.campaign))} "
            f"(drop them: campaign cancel)."
        )
    if getattr(result, "optouts_removed", 0):
        lines.append(f"{plural(result.optouts_removed, 'recipient')} left out: on the opt-out list.")
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

    def __init__(self, result) -> None:
        super().__init__()
        self.result = result

    def _resumable(self) -> bool:
        r = self.result
        return bool(r.queued) or any(x.state in (State.UNCERTAIN, State.SENDING) for x in r.results)

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "resume":
            return self._resumable()
        return True

    def compose(self) -> ComposeResult:
        r = self.result
        cls, title = _CAMPAIGN_TITLE.get(r.state, ("-uncertain", r.state))
        with Vertical(id="dialog", classes=f"dialog -result -campaign {cls}"):
            yield Static(title, classes="dialog-title", id="result-title")
            yield Static("\n".join(campaign_lines(r)), classes="dialog-text", id="result-text")
            yield DataTable(id="parts", cursor_type="row", zebra_stripes=True, show_cursor=False)
            keys = "Enter/Esc close" + ("    [b]r[/] resume" if self._resumable() else "")
            yield Static(keys, classes="dialog-keys")

    def on_mount(self) -> None:
        table = self.query_one("#parts", DataTable)
        table.add_columns("Part", "Recipients", "State", "Task id / answer")
        for i, x in enumerate(self.result.results, 1):
            colour = _PART_STYLE.get(x.state, "")
            if x.taskid:
                what = f"task {x.taskid}"
            elif x.code:
                what = f"error {x.code}: {x.wording}"
            else:
                what = x.detail or ""
            table.add_row(str(i), f"{x.recipients:,}", f"[{colour}]{x.state.value}[/]",
                          escape(_clip(what, 40)), key=x.controlid)
        n = len(self.result.results)
        for j, cid in enumerate(self.result.queued, n + 1):
            table.add_row(str(j), "", "[dim]queued[/]", "not sent (stopped)", key=cid)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_resume(self) -> None:
        if self._resumable():
            self.dismiss("resume")


# --------------------------------------------------------------------------
# import report


class ImportReportScreen(ModalScreen[None]):
    """The whole report of a recipient import (imports.ImportReport.lines):
    counts, operators, every invalid row with its reason, Excel damage
    recovered, duplicates. Enter/Esc closes."""

    CSS_PATH = CSS_FILE
    BINDINGS = [Binding("enter,escape", "close", "Close", id="report_close")]

    def __init__(self, report, limit: int = 200) -> None:
        super().__init__()
        self.report = report
        self.limit = limit

    def compose(self) -> ComposeResult:
        rep = self.report
        with Vertical(id="dialog", classes="dialog -report"):
            yield Static(escape(f"Import report: {rep.source}"), classes="dialog-title")
            with VerticalScroll(id="report-body"):
                yield Static("\n".join(escape(line) for line in rep.lines(limit=self.limit)),
                             id="report-text", classes="dialog-text")
            yield Static("↑↓ scroll    Enter/Esc close", classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#report-body").focus()

    def action_close(self) -> None:
        self.dismiss(None)
