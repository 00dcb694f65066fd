"""Input and TextArea that never pass a control character to the terminal.

An editor keeps its text exactly (it is what will be sent or saved), so the
value is never changed; only what is drawn loses the characters that would
drive the terminal: escape, C0/C1 controls, bidi overrides. Each of them is
zero cells wide, so the cursor stays where the text says it is. The compose
screen's Length panel names such characters (U+202E at line:column)."""

from __future__ import annotations

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import Input as _Input
from textual.widgets import TextArea as _TextArea

from ..literal import UNSAFE


def drop_controls(strip: Strip) -> Strip:
    if not any(UNSAFE.search(seg.text) for seg in strip):
        return strip
    return Strip(
        [Segment(UNSAFE.sub("", seg.text), seg.style, seg.control) for seg in strip], strip.cell_length
    )


class Input(_Input):
    def render_line(self, y: int) -> Strip:
        return drop_controls(super().render_line(y))


class TextArea(_TextArea):
    def render_line(self, y: int) -> Strip:
        return drop_controls(super().render_line(y))
