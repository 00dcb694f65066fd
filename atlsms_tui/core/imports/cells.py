"""One cell or number as a spreadsheet may have damaged it, and cells as the
operator sees them."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal

from ..wording import plural

_TRAILING_ZERO_FRACTION = re.compile(r"\+?([0-9]+)[.,]0+")
_SCI = re.compile(r"([0-9])(?:[.,]([0-9]*))?[eE]\+?([0-9]{1,3})")


def recover_text(s: str) -> tuple[str | None, str | None, str | None]:
    """For a number string Excel may have damaged: (digits, note, error).

    ``digits`` is the recovered digit string (then ``note`` says what was
    undone); ``error`` says why it cannot be recovered; all None when ``s``
    shows no such damage.
    """
    compact = s.replace(" ", "")
    m = _TRAILING_ZERO_FRACTION.fullmatch(compact)
    if m:
        return m.group(1), "written as a decimal number (trailing .0); recovered exactly", None
    m = _SCI.fullmatch(compact)
    if m:
        lead, frac, exp = m.group(1), m.group(2) or "", int(m.group(3))
        if len(frac) >= exp:
            digits = lead + frac[:exp]
            if frac[exp:].strip("0"):
                return None, None, "number in scientific notation is not a whole number"
            return digits, "written in scientific notation with every digit; recovered exactly", None
        return None, None, (
            f"number in scientific notation lost its last {plural(exp - len(frac), 'digit')} "
            f"(only {1 + len(frac)} of {1 + exp} survive); format the column as text in the "
            "source and export again"
        )
    return None, None, None


def _numeric_cell(value: float | int | Decimal) -> tuple[str | None, str | None]:
    """(digits, error) of a number cell (xlsx)."""
    if isinstance(value, bool):
        return None, "not a number (TRUE/FALSE)"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None, "not a number"
        if not value.is_integer():
            return None, f"decimal number {value!r}, not a phone number"
        value = int(value)
    if isinstance(value, Decimal):
        if value != value.to_integral_value():
            return None, f"decimal number {value}, not a phone number"
        value = int(value)
    if value < 0:
        return None, "negative number"
    digits = str(value)
    stripped = digits.rstrip("0")
    if len(digits) >= 12 and len(digits) - len(stripped) >= 5:
        return None, (
            f"{digits} ends in {len(digits) - len(stripped)} zeros: most likely digits lost to "
            "scientific notation (9.94501E+11) in an earlier save; check the number"
        )
    return digits, None


# --------------------------------------------------------------------------
# cells as text


def cell_text(value: object) -> str:
    """A cell value as the operator sees it, for mail merge fields."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.strftime("%d.%m.%Y")
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value).strip()

