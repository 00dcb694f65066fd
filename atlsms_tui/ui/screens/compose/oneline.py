"""one_line: a value squeezed onto one line of a table or a panel."""

from __future__ import annotations

def one_line(text: str, width: int) -> str:
    text = text.replace("\r\n", "⏎").replace("\n", "⏎").replace("\r", "⏎")
    return text if len(text) <= width else text[: width - 1] + "…"
