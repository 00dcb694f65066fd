"""Text from operators, files, the journal or ATL made safe for a terminal.

One set of characters is unsafe: C0 and C1 controls, DEL, the bidi marks,
embeddings, overrides and isolates (a reversed number or name), the line and
paragraph separators, the BOM, and lone surrogates (a file decoded with
surrogateescape). Both faces replace them the same way; only the stand-in
differs: the CLI prints an escape (``\\x1b``), the TUI a one-cell picture
(``␛``)."""

from __future__ import annotations

import re

UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _picture(ch: str) -> str:
    code = ord(ch)
    if ch == "\n":
        return "⏎"
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␛ for ESC, one cell wide
    if code == 0x7F:
        return "␡"
    return _escape(ch)


def printable(text: object, *, keep: str = "", pictures: bool = False) -> str:
    """``text`` with every unsafe character but those in ``keep`` (e.g.
    newlines) replaced: by an escape, or with ``pictures`` by a visible
    picture."""
    stand_in = _picture if pictures else _escape
    return UNSAFE.sub(lambda m: m.group() if m.group() in keep else stand_in(m.group()),
                      "" if text is None else str(text))
