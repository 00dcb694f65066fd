"""The message editor: the text, its Length panel (characters, encoding,
segments, what forces UCS-2) and the GSM-7 offer (F4)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from ....api.errors import InputError
from ....api.rules import mailmerge, smstext
from ...literal import markup
from ...modals.transliteration import TransliterateScreen
from ...modals.wording import plural
from ...widgets.fields import TextArea
from .limits import UCS2_SHOWN


class ComposeTextArea(TextArea):
    """A TextArea whose F6/F7 (select line / select all: ctrl+a and shift
    arrows do those too) open the group and template menus of the screen."""

    BINDINGS = [
        Binding("f6", "screen.groups", "Group"),
        Binding("f7", "screen.templates", "Template"),
    ]


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


class MessageEditor(Horizontal):
    """Owns the bulk message; posts ``Changed`` with the text's analysis."""

    class Changed(Message):
        def __init__(self, info: smstext.TextInfo) -> None:
            self.info = info
            super().__init__()

    def __init__(self) -> None:
        super().__init__(id="msg-row")
        self._info = smstext.analyze("")

    def compose(self) -> ComposeResult:
        yield ComposeTextArea(id="message", placeholder="Type the message (F7: a saved template)")
        yield Static(id="counter")

    def on_mount(self) -> None:
        self.query_one("#message", TextArea).border_title = "Message"
        self.query_one("#counter", Static).border_title = "Length"
        self._render_counter()

    @property
    def area(self) -> TextArea:
        return self.query_one("#message", TextArea)

    @property
    def text(self) -> str:
        return self.area.text

    @property
    def info(self) -> smstext.TextInfo:
        return self._info

    def personal_field(self) -> str | None:
        """The first {placeholder} of the text, when it has one."""
        try:
            tpl = mailmerge.parse_template(self.text)
        except InputError:
            return None
        return tpl.fields[0] if tpl.personal else None

    @on(TextArea.Changed, "#message")
    def _changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self._render_counter()
        self.post_message(self.Changed(self._info))

    def _render_counter(self) -> None:
        text = self.text
        info = self._info = smstext.analyze(text)
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

    def offer_transliteration(self, recipients: int) -> None:
        """The GSM-7 version with its cost both ways; replaced in place
        (ctrl+z undoes it) only on yes."""
        area, text = self.area, self.text
        before = smstext.analyze(text)
        if before.is_gsm7:
            self.notify("The message is already GSM-7.")
            return
        converted = smstext.transliterate(text)
        if converted == text:
            chars = ", ".join(sorted({c for _, c in before.ucs2_chars}))
            self.notify(f"No GSM-7 replacement is known for: {chars}", severity="warning")
            return

        def apply(ok: bool | None) -> None:
            if ok:
                doc = area.document
                area.replace(converted, doc.start, doc.end)
                area.focus()

        self.app.push_screen(TransliterateScreen(before, smstext.analyze(converted), converted, recipients), apply)

    def insert_template(self, body: str) -> None:
        """A saved template's text at the cursor (or as the whole text)."""
        area = self.area
        if area.text.strip():
            area.insert(body)  # ctrl+z undoes it
        else:
            area.load_text(body)
            self._render_counter()
            self.post_message(self.Changed(self._info))
        area.focus()
        try:
            personal = mailmerge.parse_template(body).personal
        except InputError:
            personal = False
        if personal:
            self.notify("This template has {placeholders}: a mail merge fills them in "
                        "Individual mode (F3); here they are sent as typed.", severity="warning")

    def clear(self) -> None:
        self.area.clear()
