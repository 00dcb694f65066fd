"""SMS segment counting, written from the GSM 03.38 tables (see api-notes.md).

GSM-7: 160 septets in one segment, 153 per segment when concatenated; the
extension-table characters take two septets (escape + code) and a pair is
never split across segments. Anything outside GSM-7 makes the whole message
UCS-2: 70 UTF-16 code units in one segment, 67 per segment when concatenated;
a surrogate pair (a character beyond U+FFFF) is never split either.
"""

from __future__ import annotations

from functools import lru_cache

# GSM 03.38 default alphabet (0x1B, the escape, is not a character of its own).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension table, reached through the escape: two septets each.
GSM7_EXTENSION = frozenset("\f^{}\\[]~|€")

GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _units(text: str) -> tuple[str, list[int]]:
    """Encoding name and the width of each character in that encoding."""
    if is_gsm7(text):
        return "gsm7", [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return "ucs2", [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def _pack(widths: list[int], per_segment: int) -> int:
    """Greedy packing that never splits a two-unit character."""
    segments, used = 1, 0
    for w in widths:
        if used + w > per_segment:
            segments += 1
            used = 0
        used += w
    return segments


@lru_cache(maxsize=65536)
def segment_info(text: str) -> tuple[str, int, int]:
    """``(encoding, length_in_units, segments)`` of a message.

    An empty message still costs one segment."""
    encoding, widths = _units(text)
    length = sum(widths)
    single, multi = (GSM7_SINGLE, GSM7_MULTI) if encoding == "gsm7" else (UCS2_SINGLE, UCS2_MULTI)
    if length <= single:
        return encoding, length, 1
    return encoding, length, _pack(widths, multi)


def count_segments(text: str) -> int:
    return segment_info(text)[2]
