"""Baku time. Schedules are entered and shown in Asia/Baku, whatever the
machine's zone: jump hosts often run in UTC."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from .errors import InputError

# Azerbaijan abolished daylight saving in 2016; a fixed offset needs no tz
# database on the jump host.
BAKU = timezone(timedelta(hours=4), "Baku")
WIRE_FORMAT = "%Y-%m-%d %H:%M:%S"
NOW = "NOW"

_SCHEDULE_RE = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*$"
)
# DD.MM.YYYY HH:MM[:SS]: how dates are written in Azerbaijan
_LOCAL_SCHEDULE_RE = re.compile(
    r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*$"
)


def now_baku() -> datetime:
    return datetime.now(BAKU)


# What "now" is for the rules that depend on the hour (quiet hours, pacing,
# the past-schedule check): the service takes one of these, so tests give it
# the simulator's clock instead of the machine's.
Clock = Callable[[], datetime]


def clock_of(epoch_seconds: Callable[[], float]) -> Clock:
    """A Clock reading an epoch-seconds source (the simulator's FakeClock)."""
    return lambda: datetime.fromtimestamp(epoch_seconds(), BAKU)


def parse_schedule(text: str, *, now: datetime | None = None) -> datetime:
    """Parse ``YYYY-MM-DD HH:MM[:SS]`` or ``DD.MM.YYYY HH:MM[:SS]`` as Baku
    time; refuse a past time."""
    m = _SCHEDULE_RE.match(text or "")
    if m:
        y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    elif local := _LOCAL_SCHEDULE_RE.match(text or ""):
        d, mo, y, h, mi, s = (int(g) if g else 0 for g in local.groups())
    else:
        raise InputError(
            f"schedule {text!r}: expected YYYY-MM-DD HH:MM[:SS] or DD.MM.YYYY HH:MM in Baku time"
        )
    try:
        when = datetime(y, mo, d, h, mi, s, tzinfo=BAKU)
    except ValueError as exc:
        raise InputError(f"schedule {text!r}: {exc}") from None
    current = now or now_baku()
    if when <= current:
        raise InputError(
            f"schedule {text!r} is in the past (now {format_baku(current)} Baku time)"
        )
    return when


def wire_schedule(when: datetime | None) -> str:
    """The ``scheduled`` element: ``NOW`` or Baku wall-clock time."""
    if when is None:
        return NOW
    return when.astimezone(BAKU).strftime(WIRE_FORMAT)


def format_baku(when: datetime | None, *, seconds: bool = False) -> str:
    if when is None:
        return "now"
    return when.astimezone(BAKU).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def from_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def from_wire(text: str | None) -> datetime | None:
    """A wire ``scheduled`` value back to an aware datetime (None for NOW)."""
    if not text or text == NOW:
        return None
    try:
        return datetime.strptime(text, WIRE_FORMAT).replace(tzinfo=BAKU)
    except ValueError:
        return None
