"""The static checks of a submit (106..117, in the vendor's documented order)
and what an accepted submit asks for."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

from .accounts import BAKU, Account
from .parser import RequestParser
from .segments import count_segments

_TITLE_RE = re.compile(r"[A-Za-z0-9 ._-]{1,11}")
_SCHEDULE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})")


class Accepted(NamedTuple):
    """A submit that passed the static checks; units and duplicates are
    checked later, under the simulator's lock."""

    title: str
    scheduled: str
    start: float  # epoch: now for NOW, else the scheduled moment
    now: float
    bulk: bool
    bulkmessage: str | None  # None unless bulk
    messages: list[str] | None  # one per recipient unless bulk
    charge: int  # units: segments over all recipients


def validate_submit(
    acct: Account, head: dict[str, str], parsed: RequestParser, clock: Callable[[], float]
) -> str | Accepted:
    """The refusal code of the first check that fails, else the submit."""
    get = lambda k: head.get(k, "").strip()  # noqa: E731
    title = get("title")
    if not title:
        return "106"
    if not _TITLE_RE.fullmatch(title):
        return "107"
    if title not in acct.titles:
        return "235"
    scheduled = get("scheduled")
    if not scheduled:
        return "111"
    now = clock()
    if scheduled == "NOW":
        start = now
    else:
        m = _SCHEDULE_RE.fullmatch(scheduled)
        if not m:
            return "112"
        try:
            year, month, day, hour, minute, second = map(int, m.groups())
            when = datetime(year, month, day, hour, minute, second, tzinfo=BAKU)
        except ValueError:
            return "112"
        start = when.timestamp()
        if start < math.floor(now):
            return "113"
    isbulk = get("isbulk")
    if not isbulk:
        return "114"
    if isbulk not in ("true", "false"):
        return "115"
    bulk = isbulk == "true"
    bulkmessage = head.get("bulkmessage")
    if bulk and (bulkmessage is None or not bulkmessage.strip() or "\x00" in bulkmessage):
        return "116"
    if parsed.bodies == 0 or parsed.body_error is not None:
        return "117"
    if not bulk and (parsed.unusable_messages or len(parsed.messages) != len(parsed.msisdns)):
        return "117"
    n = len(parsed.msisdns)
    messages: list[str] | None
    if bulk and bulkmessage is not None:  # refused above when bulk without one
        charge = count_segments(bulkmessage) * n
        messages = None
    else:
        messages = parsed.messages
        charge = sum(map(count_segments, messages))
    return Accepted(title, scheduled, start, now, bulk, bulkmessage if bulk else None, messages, charge)
