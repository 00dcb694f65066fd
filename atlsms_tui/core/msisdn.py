"""Azerbaijani mobile numbers: normalisation to the wire format and bulk parsing.

The wire format is ``994`` followed by the 9-digit national number, no plus
sign. Validity comes from Google's numbering-plan metadata (the ``phonenumbers``
package, region ``AZ``): only numbers whose type is MOBILE or
FIXED_LINE_OR_MOBILE can receive SMS.

The patterns come from :mod:`numbering_plan`. The per-entry rules
(:func:`normalize_or_none`, :func:`reason_invalid`, :func:`split_piece`,
:data:`SEPARATORS`) are public because the bulk import path must give the
report they give, and the tests check it does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import phonenumbers

from .numbering_plan import (
    COUNTRY_CODE,
    FIXED,
    MOBILE_OK,
    NATIONAL_LENGTH,
    REGION,
    is_mobile_national,
    national_pattern,
)

__all__ = [
    "COUNTRY_CODE",
    "HAS_SEPARATOR",
    "REGION",
    "SEPARATORS",
    "NumberError",
    "NumberIssue",
    "ParsedNumbers",
    "clean_entry",
    "is_mobile_national",
    "national_pattern",
    "normalize",
    "normalize_or_none",
    "operator_of",
    "parse_numbers",
    "reason_invalid",
    "split_piece",
]


class NumberError(ValueError):
    """A string that is not a usable Azerbaijani mobile number."""

    def __init__(self, raw: str, reason: str) -> None:
        self.raw = raw
        self.reason = reason
        shown = raw if len(raw) <= 40 else raw[:37] + "..."
        super().__init__(f"{shown!r}: {reason}")


# --------------------------------------------------------------------------
# normalize

# Characters an operator may put inside one number: spaces (also no-break
# and thin ones), hyphens and dashes, dots, slashes and parentheses.
# Invisible characters that copying from web pages, messengers or
# spreadsheets leaves around numbers (zero-width spaces, BOM, bidi marks).
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_NUMBER_PUNCT = " \t\u00a0\u2007\u202f\u2009-\u2010\u2011\u2012\u2013\u2014\u2212./()" + _INVISIBLE
_STRIP = str.maketrans("", "", _NUMBER_PUNCT)
# After stripping punctuation: optional international prefix (+ or 00) and
# country code, optional trunk 0 (also tolerated after the country code, as
# in "+994 (0)50 ..."), then the 9 national digits.
_FAST = re.compile(r"(?:\+994|00994|994)?0?([0-9]{9})")
_SCIENTIFIC = re.compile(r"[0-9](?:[.,][0-9]+)?[eE]\+?[0-9]+")
_LETTER = re.compile(r"[^\W\d_]")


def _national(raw: str) -> str | None:
    """The 9 national digits of a valid mobile number, else None. Hot path."""
    if raw.isdigit() and raw.isascii():
        s = raw
    else:
        s = raw.translate(_STRIP)
    m = _FAST.fullmatch(s)
    if m is None:
        return None
    nat = m.group(1)
    if MOBILE_OK is not None and MOBILE_OK.fullmatch(nat) is not None:
        return nat
    return None


def normalize_or_none(raw: str) -> str | None:
    """Wire form of ``raw`` if it is exactly one valid mobile number (its
    surroundings already cleaned, see :func:`clean_entry`), else None: the
    test :func:`normalize` applies, without building an exception."""
    nat = _national(raw)
    return None if nat is None else COUNTRY_CODE + nat


def clean_entry(s: str) -> str:
    """``s`` without surrounding whitespace and invisible characters."""
    return s.strip().strip(_INVISIBLE).strip()


def reason_invalid(raw: str) -> str:
    """Why ``raw`` is not a valid mobile number (it is known to be invalid)."""
    s = clean_entry(raw)
    if not s:
        return "empty"
    if _SCIENTIFIC.fullmatch(s.replace(" ", "")):
        return "number in scientific notation (format the column as text)"
    if _LETTER.search(s):
        return "contains letters"
    compact = s.translate(_STRIP)
    if not compact:
        return "no digits"
    body = compact[1:] if compact.startswith("+") else compact
    if not body.isdigit() or not body.isascii():
        return "contains invalid characters"
    international = compact.startswith("+") or compact.startswith("00")
    if international:
        digits = body[2:] if compact.startswith("00") else body
        if not digits.startswith(COUNTRY_CODE):
            return "not an Azerbaijani number"
        national = digits[len(COUNTRY_CODE):]
        if national.startswith("0") and len(national) == NATIONAL_LENGTH + 1:
            national = national[1:]
    elif body.startswith(COUNTRY_CODE) and len(body) > NATIONAL_LENGTH + 1:
        national = body[len(COUNTRY_CODE):]
        if national.startswith("0") and len(national) == NATIONAL_LENGTH + 1:
            national = national[1:]
    elif body.startswith("0"):
        national = body[1:]
    else:
        national = body
    if len(national) < NATIONAL_LENGTH:
        return "too few digits"
    if len(national) > NATIONAL_LENGTH:
        return "too many digits"
    if FIXED is not None and FIXED.fullmatch(national):
        return "landline number, cannot receive SMS"
    return "not an Azerbaijani mobile number"


def normalize(raw: str) -> str:
    """Wire form (``994`` + 9 digits) of an Azerbaijani mobile number.

    Accepts ``+994 50 123 45 67``, ``00994501234567``, ``994501234567``,
    ``0501234567``, ``501234567``, ``(050) 123-45-67`` and the like.
    Raises NumberError with a short reason otherwise.
    """
    if not isinstance(raw, str):
        raise TypeError("normalize() takes a str")
    s = clean_entry(raw)
    out = normalize_or_none(s)
    if out is None:
        raise NumberError(raw, reason_invalid(s))
    return out


# --------------------------------------------------------------------------
# operator_of

# The prefixes in the project's notes take precedence (phonenumbers' carrier
# data names Azercell for the whole 6x range, whereas 60 is Naxtel's).
_PREFIX_OPERATOR = {
    "10": "Azercell",
    "50": "Azercell",
    "51": "Azercell",
    "55": "Bakcell",
    "99": "Bakcell",
    "70": "Nar",
    "77": "Nar",
    "60": "Naxtel",
}
_CARRIER_NAMES = {
    "azercell": "Azercell",
    "bakcell": "Bakcell",
    "nar": "Nar",
    "nar mobile": "Nar",
    "naxtel": "Naxtel",
}


def _carrier(national: str) -> str:
    from phonenumbers import carrier

    try:
        num = phonenumbers.parse("+" + COUNTRY_CODE + national, None)
        name = carrier.name_for_number(num, "en")
    except phonenumbers.NumberParseException:
        return "other"
    return _CARRIER_NAMES.get(name.strip().lower(), "other")


def operator_of(msisdn: str) -> str:
    """``Azercell``, ``Bakcell``, ``Nar``, ``Naxtel`` or ``other``.

    A hint only: numbers are portable between operators.
    """
    try:
        wire = msisdn if (len(msisdn) == 12 and msisdn.isdigit()) else normalize(msisdn)
    except NumberError:
        return "other"
    national = wire[len(COUNTRY_CODE):]
    op = _PREFIX_OPERATOR.get(national[:2])
    if op is not None:
        return op
    return _carrier(national)


# --------------------------------------------------------------------------
# parse_numbers


@dataclass
class NumberIssue:
    line: int  # 1-based
    column: int  # 1-based, in characters
    raw: str
    reason: str


@dataclass
class ParsedNumbers:
    valid: list[str] = field(default_factory=list)  # wire form, unique, first-seen order
    duplicates: list[NumberIssue] = field(default_factory=list)
    invalid: list[NumberIssue] = field(default_factory=list)
    entries: int = 0  # entries read (valid + duplicates + invalid)


# Entries on a line are separated by commas, semicolons, tabs or pipes:
# SEPARATORS finds the pieces between them.
SEPARATORS = re.compile(r"[^,;\t|]+")
HAS_SEPARATOR = re.compile(r"[,;\t|]")
_TOKEN = re.compile(r"\S+")
_MAX_GROUP = 8  # "+994 (0) 50 123 45 67" is 7 tokens


def split_piece(piece: str, start: int) -> list[tuple[int, str, str | None]]:
    """Entries in a piece that is not one number as a whole.

    Returns (column0, raw, wire-or-None). Consecutive whitespace-separated
    tokens are grouped into the shortest run that is a valid number (so
    ``050 123 45 67 055 765 43 21`` yields two numbers); runs of tokens that
    belong to no number are reported as one invalid entry each.
    """
    tokens = [
        (m.start() + start, m.group()) for m in _TOKEN.finditer(piece) if clean_entry(m.group())
    ]
    out: list[tuple[int, str, str | None]] = []
    pending: list[tuple[int, str]] = []  # tokens not part of a valid number

    def flush() -> None:
        if pending:
            col = pending[0][0]
            end = pending[-1][0] + len(pending[-1][1])
            out.append((col, piece[col - start : end - start], None))
            pending.clear()

    i, n = 0, len(tokens)
    while i < n:
        found = None
        joined = ""
        for j in range(i, min(n, i + _MAX_GROUP)):
            joined += tokens[j][1]
            wire = normalize_or_none(joined)
            if wire is not None:
                found = (j, wire)
                break
        if found is None:
            pending.append(tokens[i])
            i += 1
            continue
        flush()
        j, wire = found
        col = tokens[i][0]
        end = tokens[j][0] + len(tokens[j][1])
        out.append((col, piece[col - start : end - start], wire))
        i = j + 1
    flush()
    return out


def parse_numbers(text: str) -> ParsedNumbers:
    """Numbers typed or pasted with any separator.

    One per line, or separated by commas, semicolons, tabs, pipes or
    whitespace; a single number may itself contain spaces. Blank entries are
    ignored. Duplicates keep the first occurrence.
    """
    result = ParsedNumbers()
    valid = result.valid
    seen: dict[str, int] = {}
    entries = 0
    if text.startswith("\ufeff"):
        text = text[1:]
    try_norm = normalize_or_none
    has_sep = HAS_SEPARATOR.search

    for lineno, line in enumerate(text.split("\n"), 1):
        if line.endswith("\r"):
            line = line[:-1]
        # Hot path: one canonical number on the line.
        if not has_sep(line):
            s = line.strip()
            if not s:
                continue
            wire = try_norm(s)
            if wire is not None:
                entries += 1
                first = seen.get(wire)
                if first is None:
                    seen[wire] = lineno
                    valid.append(wire)
                else:
                    col = len(line) - len(line.lstrip()) + 1
                    result.duplicates.append(
                        NumberIssue(lineno, col, s, f"duplicate of line {first}")
                    )
                continue
            pieces = [(0, line)]
        else:
            pieces = [(m.start(), m.group()) for m in SEPARATORS.finditer(line)]
        for i, (col0, p) in enumerate(pieces):
            s = clean_entry(p)
            pieces[i] = (col0 + p.find(s), s) if s else (col0, s)
        for col0, s in pieces:
            if not s:
                continue
            wire = try_norm(s)
            if wire is not None:
                found: list[tuple[int, str, str | None]] = [(col0, s, wire)]
            else:
                found = split_piece(s, col0)
            for c0, raw, w in found:
                entries += 1
                if w is None:
                    result.invalid.append(NumberIssue(lineno, c0 + 1, raw, reason_invalid(raw)))
                    continue
                first = seen.get(w)
                if first is None:
                    seen[w] = lineno
                    valid.append(w)
                else:
                    result.duplicates.append(
                        NumberIssue(lineno, c0 + 1, raw, f"duplicate of line {first}")
                    )
    result.entries = entries
    return result
