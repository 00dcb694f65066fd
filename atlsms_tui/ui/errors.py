"""Every error the TUI shows, described one way: a title, the text and what
to do about it. Screens and the app's worker-error handler go through
``describe``; nobody builds "error N: …" by hand (``str(ApiError)`` does)."""

from __future__ import annotations

import errno
from typing import NamedTuple

from ..api.errors import (
    ApiError,
    AtlSmsError,
    ConfigError,
    InputError,
    LocalError,
    NotFoundError,
    ProtocolError,
    RepeatError,
    TransportError,
)
from ..api.profiles import credentials_advice

# ATL's code for a login or password it does not accept
LOGIN_REFUSED = "105"


class Description(NamedTuple):
    title: str
    text: str
    advice: str

    def line(self) -> str:
        """Text and advice on one line (a toast, a status bar)."""
        return f"{self.text}. {self.advice}" if self.advice else self.text


def error_line(exc: BaseException) -> str:
    """An exception in one line: its type, and its text if any."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def describe(exc: BaseException) -> Description:
    """What the operator reads about ``exc``; never a traceback."""
    text = str(exc).strip()
    if isinstance(exc, ApiError):
        advice = credentials_advice() if exc.code == LOGIN_REFUSED else exc.advice
        return Description("ATL refused", text, advice)
    if isinstance(exc, ProtocolError):
        return Description("Unreadable answer from ATL", text,
                           "ATL answered, but not as its API does: check the API URL, or try again later.")
    if isinstance(exc, TransportError):
        advice = "Nothing was sent." if exc.nothing_sent else ""
        return Description("ATL not reached", text, f"Check the network and the API URL. {advice}".strip())
    if isinstance(exc, RepeatError):
        return Description("Sent already", text, "")
    if isinstance(exc, ConfigError):
        return Description("Settings", text, "")
    if isinstance(exc, LocalError):
        return Description("Problem on this machine", text, "Nothing was sent.")
    if isinstance(exc, NotFoundError):
        return Description("Not found", text, "")
    if isinstance(exc, InputError):
        return Description("Cannot do that", text, "")
    if isinstance(exc, AtlSmsError):
        return Description("Not done", text, "")
    if isinstance(exc, OSError):
        return Description("File problem", _os_text(exc), "")
    return Description("Unexpected error", error_line(exc),
                       "This is a bug of atlsms-tui; check the dashboard before sending again.")


def _os_text(exc: OSError) -> str:
    where = f"{exc.filename}: " if exc.filename else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"{where}no space left on the disk"
    return f"{where}{exc.strerror or error_line(exc)}"
