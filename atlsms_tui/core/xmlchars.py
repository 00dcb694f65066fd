"""Characters XML 1.0 cannot carry, found before anything is sent."""

from __future__ import annotations

import re

# XML 1.0 Char production: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
# Lone surrogates appear in Python str when bytes were decoded with surrogateescape.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def find_illegal(text: str) -> tuple[int, str] | None:
    """Position (0-based) and character of the first character XML cannot carry."""
    m = _ILLEGAL.search(text)
    if m is None:
        return None
    return m.start(), m.group()


def describe_char(ch: str) -> str:
    return f"U+{ord(ch):04X}"
