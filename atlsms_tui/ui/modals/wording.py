"""Numbers, plurals and errors as the operator reads them in a dialog."""

from __future__ import annotations

from ...api.rules import plural

__all__ = ["error_text", "fmt_int", "plural"]


def fmt_int(n: int | None) -> str:
    return "unknown" if n is None else f"{n:,}"


def error_text(error: BaseException | str | None) -> str:
    """An exception as an operator reads it: the API's wording and code
    when there is one, else its message (never a traceback)."""
    if error is None:
        return "unknown error"
    if isinstance(error, str):
        return error
    code = getattr(error, "code", None)
    wording = getattr(error, "wording", None)
    if code and wording:
        advice = getattr(error, "advice", "")
        return f"error {code}: {wording}" + (f". {advice}" if advice else "")
    text = str(error).strip()
    return text or type(error).__name__
