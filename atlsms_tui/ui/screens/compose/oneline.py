"""one_line: a value squeezed onto one line of a table or a panel."""

from __future__ import annotations

from ...literal import visible


def one_line(text: str, width: int) -> str:
    """Line breaks as ⏎, control characters made visible, cut to ``width``."""
    text = visible(text.replace("\r\n", "\n").replace("\r", "\n"))
    return text if len(text) <= width else text[: width - 1] + "…"
