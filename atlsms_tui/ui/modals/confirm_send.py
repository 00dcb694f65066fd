"""SendSummary and ConfirmSendScreen: the last look before money is spent.

It repeats everything that costs units (recipients, segments, encoding,
schedule) and says DEMO loudly when nothing real is sent."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from ...api.rules import baku
from ...api.sending import SendPlan
from ..literal import literal, markup
from .dialog import CSS_FILE
from .wording import fmt_int, plural

# Opted-out numbers named in the confirmation; the count covers all of them.
OPTOUTS_LISTED = 5
# Lines of the message the confirmation shows.
MESSAGE_LINES = 3


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
    parts: int = 1  # tasks the campaign goes out as
    per_task: int = 0  # the cap that splits it
    optouts: str = ""  # what the opt-out list removes, and why
    optout_lines: list[str] = field(default_factory=list)  # the first numbers removed
    repeat: str = ""  # the repeat guard's finding: the same text already accepted for these people
    quiet: str = ""  # why it would start inside quiet hours (quiet_hours.refusal)
    proof: str = ""  # whether a proof of this exact text was accepted, and when
    plan: str = ""  # a paced (or moved) campaign's parts and their first and last times
    message: str = ""  # the bulk message, or the first personal one: what people read

    @classmethod
    def from_plan(cls, plan: SendPlan, *, notes: list[str] | None = None, quiet: str = "") -> SendSummary:
        """The figures of a prepared send (``core.sending.prepare``)."""
        est, kept = plan.estimate, plan.kept
        lines = [h.line() for h in plan.optouts.removed[:OPTOUTS_LISTED]]
        if len(plan.optouts.removed) > OPTOUTS_LISTED:
            lines.append(f"… and {len(plan.optouts.removed) - OPTOUTS_LISTED:,} more")
        if kept.message is not None:
            message = kept.message
        else:
            message = kept.recipients[0].message or "" if len(kept.recipients) else ""
        return cls(
            title=kept.title.strip(), recipients=est.recipients, individual=kept.individual,
            encoding=est.encoding, segments=est.segments, units=est.units,
            balance=None if plan.balance is None else plan.balance.units,
            schedule="now" if kept.scheduled is None else f"{baku.format_baku(kept.scheduled)} Baku time",
            demo=plan.demo, profile=plan.profile, notes=list(notes or []), parts=len(plan.parts.sizes),
            per_task=plan.max_per_task, optouts=plan.optouts.summary(),
            optout_lines=lines, repeat=plan.repeat.describe() if plan.repeat else "", quiet=quiet,
            proof=plan.proof, message=message,
            plan=next(iter(plan.parts.lines()), "").removeprefix("plan: "),
        )

    @property
    def balance_after(self) -> int | None:
        return None if self.balance is None else self.balance - self.units


class ConfirmSendScreen(ModalScreen[bool | str]):
    """The last check before a submit. y/Enter sends, n/Escape goes back.
    When the repeat guard found the same text already accepted for these
    recipients, y/Enter do not send: only the explicit ``a`` key does
    (dismissed with "repeat")."""

    CSS_PATH = CSS_FILE
    BINDINGS = [
        Binding("y,enter", "answer(True)", "Send", id="confirm_yes"),
        Binding("n,escape", "answer(False)", "Cancel", id="confirm_no"),
        Binding("a", "send_repeat", "Send again anyway", id="confirm_repeat"),
        Binding("w", "quiet('next-window')", "Schedule after quiet hours", id="confirm_next_window"),
        Binding("i", "quiet('ignore')", "Send in quiet hours", id="confirm_ignore_quiet"),
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
            after_text = Content(fmt_int(after))
            if after is not None and after < 0:
                after_text = Content.styled(f"{after:,} (not enough units)", "b red")
            rows = [
                ("Profile", literal(s.profile)) if s.profile else None,
                ("Title", literal(s.title)),
                ("Recipients", f"{s.recipients:,}  ({kind})"),
                ("Encoding", f"{s.encoding}, {seg}"),
                ("Units", f"{s.units:,} estimated"),
                ("Balance", Content.assemble(f"{fmt_int(s.balance)} → ", after_text, " after")),
                ("Schedule", literal(s.schedule)),
            ]
            if s.parts > 1:
                rows.append((
                    "Tasks",
                    markup(f"[b]{s.parts:,} tasks[/] of at most {s.per_task:,} recipients, sent one "
                           "after the other (c stops between tasks)"),
                ))
            if s.plan:
                rows.append(("Plan", literal(s.plan)))
            if s.optouts:
                rows.append(("Opt-outs", literal(s.optouts)))
            if s.proof:
                rows.append(("Proof", literal(s.proof.removeprefix("proof: "))))
            if s.message:
                rows.append(("First msg" if s.individual else "Message", _first_lines(s.message)))
            text = Content("\n").join(
                Content.assemble((f"{k:<11}", "dim"), Content.from_text(v, markup=False)) for k, v in (r for r in rows if r)
            )
            yield Static(text, id="confirm-facts", classes="dialog-text")
            notes = [literal(n) for n in s.notes] + [literal(n, style="dim") for n in s.optout_lines]
            if notes:
                with VerticalScroll(id="confirm-notes"):
                    for note in notes:
                        yield Static(note, classes="dialog-note")
            if s.repeat:
                yield Static(Text.assemble(("Sent before: ", "bold red"), s.repeat,
                                           ". Sending it again reaches these people twice."),
                             id="confirm-repeat", classes="dialog-note")
            if s.quiet:
                yield Static(Text.assemble(("Not now: ", "bold red"), s.quiet),
                             id="confirm-quiet", classes="dialog-note")
                yield Static("[b]w[/] schedule it for then    [b]i[/] send anyway    [b]n[/]/Esc back",
                             classes="dialog-keys")
            elif s.repeat:
                yield Static("[b]a[/] send again anyway    [b]n[/]/Esc back to the form", classes="dialog-keys")
            else:
                yield Static("[b]y[/]/Enter send    [b]n[/]/Esc back to the form", classes="dialog-keys")

    def on_mount(self) -> None:
        # A toast over the key line would hide what y and Enter do.
        self.app.clear_notifications()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "answer" and parameters and parameters[0] is True and (self.summary.repeat
                                                                             or self.summary.quiet):
            return False
        if action == "send_repeat":
            return bool(self.summary.repeat) and not self.summary.quiet
        if action == "quiet":
            return bool(self.summary.quiet)
        return True

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)

    def action_quiet(self, mode: str) -> None:
        if self.summary.quiet:
            self.dismiss(mode)

    def action_send_repeat(self) -> None:
        if self.summary.repeat:
            self.dismiss("repeat")


def _first_lines(message: str) -> Text:
    lines = message.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(lines) > MESSAGE_LINES:
        lines = [*lines[:MESSAGE_LINES], "…"]
    shown = ("\n" + " " * 11).join(lines)  # under the first line, past the labels
    return literal(shown, lines=True)
