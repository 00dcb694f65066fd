"""The Length panel next to the message: characters, encoding, segments
and which characters force UCS-2."""

from __future__ import annotations

from textual import on
from textual.content import Content
from textual.widgets import Static, TextArea

from ....core import smstext
from ...literal import markup
from ..confirm import plural
from .limits import UCS2_SHOWN
from .part import ComposePart


def _line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    start = text.rfind("\n", 0, index) + 1
    return line, index - start + 1


def ucs2_reasons(text: str, info: smstext.TextInfo) -> str:
    """'ə ×2 (1:5), ş (1:12)': each character forcing UCS-2, how often, and
    where it first occurs (line:column), so the operator can find it."""
    first: dict[str, int] = {}
    count: dict[str, int] = {}
    for index, ch in info.ucs2_chars:
        first.setdefault(ch, index)
        count[ch] = count.get(ch, 0) + 1
    parts = []
    for ch in list(first)[:UCS2_SHOWN]:
        line, col = _line_col(text, first[ch])
        shown = ch if ch.isprintable() and not ch.isspace() else f"U+{ord(ch):04X}"
        times = f" ×{count[ch]}" if count[ch] > 1 else ""
        parts.append(f"{shown}{times} ({line}:{col})")
    more = len(first) - UCS2_SHOWN
    if more > 0:
        parts.append(f"and {more:,} more")
    return ", ".join(parts)


class CounterPart(ComposePart):
    """Keeps #counter in step with #message."""

    @on(TextArea.Changed, "#message")
    def _message_changed(self) -> None:
        self._render_counter()
        self._render_estimate()

    def _render_counter(self) -> None:
        text = self.query_one("#message", TextArea).text
        info = smstext.analyze(text)
        self._msg_info = info
        lines = [
            markup(f"{plural(info.characters, 'char')} · [b]{info.encoding}[/]"),
            Content(f"{plural(info.segments, 'segment')} · {info.remaining} left"),
        ]
        if not info.is_gsm7:
            lines.append(markup("[yellow]UCS-2 because of:[/] $why", why=ucs2_reasons(text, info)))
            converted = smstext.transliterate(text)
            if converted != text:
                after = smstext.analyze(converted)
                lines.append(
                    markup(f"[b]F4[/] GSM-7 version: {after.encoding}, {plural(after.segments, 'segment')}")
                )
        counter = self.query_one("#counter", Static)
        counter.update(Content("\n").join(lines))
        counter.set_class(not info.is_gsm7, "-ucs2")
