"""Transliteration offers: the GSM-7 version of the bulk message, and of
every individual or merged message, each with the cost both ways."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...api.recipients import CostComparison
from ...api.rules import smstext
from ..literal import literal, markup
from .dialog import CSS_FILE
from .wording import plural


class TransliterateScreen(ModalScreen[bool]):
    """Offer a GSM-7 version of the message with the cost both ways.

    The text is only replaced when the operator says yes: changing what a
    customer reads is the operator's call, never ours."""

    CSS_PATH = CSS_FILE
    BINDINGS = [
        Binding("y,enter", "answer(True)", "Replace", id="translit_yes"),
        Binding("n,escape", "answer(False)", "Keep", id="translit_no"),
    ]

    def __init__(self, before: smstext.TextInfo, after: smstext.TextInfo, converted: str, recipients: int) -> None:
        super().__init__()
        self.before = before  # smstext.TextInfo
        self.after = after
        self.converted = converted
        self.recipients = max(recipients, 1)

    def compose(self) -> ComposeResult:
        b, a = self.before, self.after
        n = self.recipients

        def cost(info: smstext.TextInfo) -> str:
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
                yield Static(literal(f"still UCS-2 because of: {left}"), classes="dialog-note")
            with VerticalScroll(id="translit-preview"):
                yield Static(literal(self.converted, lines=True))
            yield Static("[b]y[/]/Enter replace the message    [b]n[/]/Esc keep it", classes="dialog-keys")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


class CostChoiceScreen(ModalScreen[bool]):
    """Transliterate every individual message? The cost both ways
    (mailmerge.CostComparison); nothing changes unless the operator says yes."""

    CSS_PATH = CSS_FILE
    BINDINGS = [
        Binding("y,enter", "answer(True)", "Transliterate", id="cost_yes"),
        Binding("n,escape", "answer(False)", "As typed", id="cost_no"),
    ]

    def __init__(self, comparison: CostComparison, sample: list[tuple[str, str]] | None = None) -> None:
        super().__init__()
        self.cmp = comparison
        self.sample = sample or []  # (as typed, transliterated) of the first rows

    def compose(self) -> ComposeResult:
        from ...api.rules import mailmerge

        c = self.cmp
        with Vertical(id="dialog", classes="dialog -translit"):
            yield Static("Transliterate the messages to GSM-7?", classes="dialog-title")
            yield Static(
                markup("[dim]as typed        [/]$typed\n[dim]transliterated  [/]$translit",
                       typed=mailmerge.format_cost(c.as_typed, c.individual),
                       translit=mailmerge.format_cost(c.transliterated, c.individual)),
                classes="dialog-text",
            )
            if c.still_ucs2:
                yield Static(literal("still UCS-2 because of: " + " ".join(c.still_ucs2[:20])),
                             classes="dialog-note")
            if self.sample:
                with VerticalScroll(id="translit-preview"):
                    yield Static(literal("\n".join(after or "" for _before, after in self.sample), lines=True))
            yield Static("[b]y[/]/Enter send them transliterated    [b]n[/]/Esc as typed",
                         classes="dialog-keys")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)
