"""The pure rules both faces apply and show: message text and segments,
numbers, Baku time, merge templates and error codes. No I/O here. Each
loads on first use (see ``api.lazy``): counting a message needs no
numbering plan."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .lazy import lazy_names

if TYPE_CHECKING:
    from ..core import baku, codes, mailmerge, msisdn, pacing, quiet_hours, smstext
    from ..core.attribution import operator
    from ..core.printable import UNSAFE, printable
    from ..core.wording import plural

__all__ = ["UNSAFE", "baku", "codes", "mailmerge", "msisdn", "operator", "pacing", "plural", "printable", "quiet_hours",
           "smstext"]

__getattr__, __dir__ = lazy_names(globals(), {
    **{name: f"atlsms_tui.core.{name}" for name in ("baku", "codes", "mailmerge", "msisdn", "pacing", "quiet_hours",
                                                     "smstext")},
    "operator": "atlsms_tui.core.attribution:operator",
    "UNSAFE": "atlsms_tui.core.printable:UNSAFE",
    "printable": "atlsms_tui.core.printable:printable",
    "plural": "atlsms_tui.core.wording:plural",
})
