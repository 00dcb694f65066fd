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


# Bytes of UTF-8 that are characters XML 1.0 cannot carry (the C0 controls
# but tab, newline and carriage return): ``translate`` deleting every other
# byte leaves only these, in C.
_KEEP_ONLY_ILLEGAL_BYTES = bytes(b for b in range(256) if b < 0x20 and b not in (0x09, 0x0A, 0x0D))
_OTHER_BYTES = bytes(b for b in range(256) if b not in _KEEP_ONLY_ILLEGAL_BYTES)


_SURROGATE_UTF8 = re.compile(b"\xed[\xa0-\xbf]")


def nul_separated_sendable(data: bytes | bytearray, nuls: int) -> bool:
    """Whether UTF-8 ``data`` holds exactly ``nuls`` NULs (texts' separators)
    and otherwise no character :func:`find_illegal` would find, a lone
    surrogate (as ``surrogatepass`` encodes it) included: a million texts
    checked in a few passes in C instead of a regular expression."""
    illegal = data.translate(None, _OTHER_BYTES)
    return (len(illegal) == nuls and illegal.count(0) == nuls
            and b"\xef\xbf\xbe" not in data and b"\xef\xbf\xbf" not in data  # U+FFFE, U+FFFF
            and _SURROGATE_UTF8.search(data) is None)


def encode_checked(texts: list[str]) -> bytes | None:
    """``texts`` joined by NULs and encoded as UTF-8, if no text holds a
    character :func:`find_illegal` would find; None otherwise."""
    try:
        data = "\x00".join(texts).encode("utf-8")  # a lone surrogate cannot be encoded
    except UnicodeEncodeError:
        return None
    return data if nul_separated_sendable(data, len(texts) - 1) else None


def cells_checked(blob: bytes | bytearray, cells: int) -> bool:
    """Whether ``blob`` is ``cells`` UTF-8 texts each followed by a NUL, none
    empty and none holding a character :func:`find_illegal` would find."""
    if not blob.endswith(b"\x00") or blob.startswith(b"\x00") or b"\x00\x00" in blob:
        return False
    return nul_separated_sendable(blob, cells)


def describe_char(ch: str) -> str:
    return f"U+{ord(ch):04X}"
