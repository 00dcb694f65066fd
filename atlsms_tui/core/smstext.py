"""SMS text rules: GSM 03.38 / UCS-2 encoding, length and segment counting.

GSM-7: one segment holds 160 septets, a part of a split message 153 (the rest
is the concatenation header). The extension characters (``^ { } \\ [ ] ~ | €``
and form feed) take two septets (escape + char) and an escape pair is never
split across parts. Any character outside the GSM-7 alphabet switches the whole
message to UCS-2: 70 UTF-16 code units in one segment, 67 per part, a surrogate
pair (characters beyond U+FFFF) never split across parts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "TextInfo",
    "analyze",
    "segments",
    "is_gsm7",
    "transliterate",
    "GSM7_SINGLE",
    "GSM7_MULTI",
    "UCS2_SINGLE",
    "UCS2_MULTI",
    "Messages",
    "batch_segments",
]

GSM7_SINGLE = 160
GSM7_MULTI = 153
UCS2_SINGLE = 70
UCS2_MULTI = 67

# GSM 03.38 default alphabet, in table order (0x1B, the escape, is left out:
# it is not a character a text can contain).
_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ" "ÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
_EXTENSION = "\f^{}\\[]~|€"

GSM7_BASIC: frozenset[str] = frozenset(_BASIC)
GSM7_EXTENSION: frozenset[str] = frozenset(_EXTENSION)
assert len(GSM7_BASIC) == 127 and len(GSM7_EXTENSION) == 10

_GSM_ALL = GSM7_BASIC | GSM7_EXTENSION
_NOT_GSM = re.compile("[^" + "".join(re.escape(c) for c in sorted(_GSM_ALL)) + "]")
_EXT_RE = re.compile("[" + "".join(re.escape(c) for c in sorted(GSM7_EXTENSION)) + "]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


@dataclass(frozen=True, slots=True)
class TextInfo:
    characters: int  # code points
    encoding: str  # "GSM-7" or "UCS-2"
    length: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int  # 0 for empty text
    per_segment: int  # 160/153 or 70/67
    remaining: int  # units left in the last segment
    ucs2_chars: tuple[tuple[int, str], ...]  # (index, char) of every char forcing UCS-2

    @property
    def is_gsm7(self) -> bool:
        return self.encoding == "GSM-7"


_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


def is_gsm7(text: str) -> bool:
    """True if every character of ``text`` is in the GSM-7 alphabet."""
    return _NOT_GSM.search(text) is None


def _pack(weights: list[int] | tuple[int, ...], cap: int) -> tuple[int, int]:
    """Greedy packing of units that may not be split: (parts, used in last)."""
    parts, used = 1, 0
    for w in weights:
        if used + w > cap:
            parts += 1
            used = w
        else:
            used += w
    return parts, used


def _count(text: str) -> tuple[bool, int, int, int, int]:
    """(gsm, length, segments, per_segment, remaining)."""
    n = len(text)
    if n == 0:
        return True, 0, 0, GSM7_SINGLE, GSM7_SINGLE
    if _NOT_GSM.search(text) is None:
        ext = len(_EXT_RE.findall(text)) if _EXT_RE.search(text) else 0
        length = n + ext
        if length <= GSM7_SINGLE:
            return True, length, 1, GSM7_SINGLE, GSM7_SINGLE - length
        if ext == 0:
            parts = -(-length // GSM7_MULTI)
            used = length - (parts - 1) * GSM7_MULTI
        else:
            parts, used = _pack([2 if c in GSM7_EXTENSION else 1 for c in text], GSM7_MULTI)
        return True, length, parts, GSM7_MULTI, GSM7_MULTI - used
    astral = len(_ASTRAL.findall(text)) if not text.isascii() and _ASTRAL.search(text) else 0
    length = n + astral
    if length <= UCS2_SINGLE:
        return False, length, 1, UCS2_SINGLE, UCS2_SINGLE - length
    if astral == 0:
        parts = -(-length // UCS2_MULTI)
        used = length - (parts - 1) * UCS2_MULTI
    else:
        parts, used = _pack([2 if ord(c) > 0xFFFF else 1 for c in text], UCS2_MULTI)
    return False, length, parts, UCS2_MULTI, UCS2_MULTI - used


def analyze(text: str) -> TextInfo:
    """Encoding, length and segment count of ``text`` as the SMSC splits it."""
    gsm, length, parts, per, remaining = _count(text)
    ucs2 = () if gsm else tuple((m.start(), m.group()) for m in _NOT_GSM.finditer(text))
    return TextInfo(
        characters=len(text),
        encoding="GSM-7" if gsm else "UCS-2",
        length=length,
        segments=parts,
        per_segment=per,
        remaining=remaining,
        ucs2_chars=ucs2,
    )


# Characters that are plain ASCII and GSM-7 without extension characters.
_ASCII_PLAIN = re.compile(r"[\n\r !\"#$%&'()*+,\-./0-9:;<=>?@A-Z_a-z]*")


@lru_cache(maxsize=16384)
def _segments_cached(text: str) -> int:
    return _count(text)[2]


def segments(text: str) -> int:
    """Number of segments ``text`` is sent as (0 for empty text). Cheap."""
    n = len(text)
    # Fast path: plain ASCII (no extension or non-GSM characters).
    if n <= GSM7_SINGLE:
        if n == 0:
            return 0
        if _ASCII_PLAIN.fullmatch(text) is not None:
            return 1
    elif _ASCII_PLAIN.fullmatch(text) is not None:
        return -(-n // GSM7_MULTI)
    # Fast path: UCS-2 with no character beyond U+FFFF, so no pair to keep
    # whole and every character is one unit (personal messages in
    # Azerbaijani: a million of them are counted per campaign).
    if _NOT_GSM.search(text) is not None and _ASTRAL.search(text) is None:
        return 1 if n <= UCS2_SINGLE else -(-n // UCS2_MULTI)
    if n > 1000:  # do not fill the cache with huge texts
        return _count(text)[2]
    return _segments_cached(text)


# --------------------------------------------------------------------------
# transliteration

_TRANSLIT: dict[str, str] = {
    # Azerbaijani (and Turkish) letters outside GSM-7. Ç is GSM-7 (0x09).
    "ə": "e", "Ə": "E", "ğ": "g", "Ğ": "G", "ı": "i", "İ": "I",
    "ş": "s", "Ş": "S", "ç": "c",
    # Quotes.
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "‹": "'", "›": "'", "`": "'", "´": "'",
    "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"',
    # Dashes and hyphens.
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-", "⁃": "-",
    # Dots, bullets.
    "…": "...", "•": "-", "·": ".", "№": "No",
    # Spaces.
    "\u00a0": " ", "\u2000": " ", "\u2001": " ", "\u2002": " ", "\u2003": " ",
    "\u2004": " ", "\u2005": " ", "\u2006": " ", "\u2007": " ", "\u2008": " ",
    "\u2009": " ", "\u200a": " ", "\u202f": " ", "\u205f": " ", "\u3000": " ",
    "\t": " ",
    # Invisible characters.
    "\u00ad": "", "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": "",
}
_TRANSLIT_TABLE = {ord(k): v for k, v in _TRANSLIT.items()}


@lru_cache(maxsize=1024)
def _fold(ch: str) -> str:
    """GSM-7 stand-in for a character outside GSM-7, or the character itself."""
    decomposed = unicodedata.normalize("NFKD", ch)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    if base and base != ch and _NOT_GSM.search(base) is None:
        return base
    return ch


def transliterate(text: str) -> str:
    """``text`` with common characters that force UCS-2 replaced by GSM-7 ones.

    Azerbaijani letters (ə→e, ğ→g, ı→i, İ→I, ş→s, ç→c ...), typographic quotes,
    dashes, ellipsis, special spaces; other accented letters lose their accent
    when the bare letter is GSM-7. Characters with no stand-in (Cyrillic,
    emoji...) are kept. Only computes: callers show the result to the operator.
    """
    out = text.translate(_TRANSLIT_TABLE)
    if _NOT_GSM.search(out) is None:
        return out
    return _NOT_GSM.sub(lambda m: _fold(m.group()), out)


# A message (between NUL separators) from its first non-GSM character to its
# end: one match per UCS-2 message.
_UCS2_MESSAGE = re.compile("[^\x00" + "".join(re.escape(c) for c in sorted(_GSM_ALL)) + "][^\x00]*")


def _bmp_only(text: str) -> bool:
    # Characters beyond U+FFFF take two UTF-16 units; encoding is a C loop,
    # far faster than a character-class search over a long text.
    return len(text.encode("utf-16-le", "surrogatepass")) == 2 * len(text)


class Messages(list[str]):
    """Messages that come with their :func:`batch_segments` figures,
    counted elsewhere (a packed campaign counts its messages once, however
    often it is estimated and checked). Read it, do not change it."""

    __slots__ = ("stats",)

    def __init__(self, texts: Iterable[str], stats: Callable[[], tuple[int, int, bool, bool]]) -> None:
        super().__init__(texts)
        self.stats = stats


def batch_segments(texts: list[str]) -> tuple[int, int, bool, bool]:
    """(total segments, longest, any GSM-7, any UCS-2) of many messages.

    Personal campaigns count a million messages; the common shapes are
    decided once per batch over the joined text, so most messages cost one
    len() rather than three pattern searches.
    """
    if isinstance(texts, Messages):
        return texts.stats()
    total = longest = 0
    any_gsm = any_ucs2 = False
    step = 4096
    for start in range(0, len(texts), step):
        batch = texts[start:start + step]
        joined = "\n".join(batch)
        if _ASCII_PLAIN.fullmatch(joined) is not None:
            segs = [(1 if n <= GSM7_SINGLE else -(-n // GSM7_MULTI)) if n else 0 for n in map(len, batch)]
            any_gsm = any_gsm or bool(batch)
        elif not any(c in joined for c in _EXTENSION) and _bmp_only(joined):
            # Every character is one unit; only the encoding differs by
            # message.
            lens = list(map(len, batch))
            if max(lens) <= UCS2_SINGLE:
                # One segment each whatever the encoding: one search over the
                # batch counts the messages holding a non-GSM character.
                nonempty = len(lens) - lens.count(0)
                ucs2 = sum(1 for _ in _UCS2_MESSAGE.finditer("\x00".join(batch)))
                any_ucs2 = any_ucs2 or ucs2 > 0
                any_gsm = any_gsm or ucs2 < nonempty
                segs = [1 if n else 0 for n in lens]
            else:
                flags = list(map(_NOT_GSM.search, batch))  # None: GSM-7
                any_ucs2 = any_ucs2 or any(flags)
                # (an empty message reads as GSM-7 here; drafts refuse those)
                any_gsm = any_gsm or None in flags
                segs = [
                    0 if not n else (
                        (1 if n <= GSM7_SINGLE else -(-n // GSM7_MULTI)) if f is None
                        else (1 if n <= UCS2_SINGLE else -(-n // UCS2_MULTI))
                    )
                    for f, n in zip(flags, lens, strict=True)
                ]
        else:
            segs = [segments(t) for t in batch]
            for t in batch:
                if is_gsm7(t):
                    any_gsm = True
                else:
                    any_ucs2 = True
                if any_gsm and any_ucs2:
                    break
        if segs:
            total += sum(segs)
            longest = max(longest, max(segs))
    return total, longest, any_gsm, any_ucs2
