"""Paced campaigns: ``--pace 10000/h`` spreads a campaign over time.

Each hour's (or minute's) share of the recipients is one part, scheduled
one unit after the previous one through the API's ``scheduled`` field. All
parts are journalled up front and submitted at once with their times, so
nothing depends on this process staying alive. A part falling into quiet
hours moves to the window's end, and the parts after it follow from there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from . import baku
from .errors import InputError
from .quiet_hours import IGNORE, QuietHours

_PACE_RE = re.compile(r"^\s*(\d+)\s*/\s*(h|hour|min|minute)\s*$", re.IGNORECASE)
_UNITS = {"h": timedelta(hours=1), "hour": timedelta(hours=1),
          "min": timedelta(minutes=1), "minute": timedelta(minutes=1)}


@dataclass(frozen=True, slots=True)
class Pace:
    count: int  # recipients per unit
    unit: timedelta

    def __str__(self) -> str:
        return f"{self.count}/{'h' if self.unit == timedelta(hours=1) else 'min'}"


def parse_pace(text: str) -> Pace:
    m = _PACE_RE.match(text or "")
    if not m or int(m.group(1)) < 1:
        raise InputError(f"--pace {text!r}: expected recipients per hour or minute, e.g. 10000/h or 200/min")
    return Pace(int(m.group(1)), _UNITS[m.group(2).lower()])


def part_times(parts: int, pace: Pace | None, scheduled: datetime | None, now: datetime,
               window: QuietHours | None, mode: str) -> list[datetime | None]:
    """Each part's scheduled time (None: now). Without a pace every part
    starts with the first; quiet hours are honoured unless ``mode`` is
    ``ignore`` (the first part's own check is quiet_hours.start_time's)."""
    if pace is None or parts <= 1:
        return [scheduled] * parts
    out: list[datetime | None] = []
    t = scheduled or now
    for i in range(parts):
        if i:
            t = t + pace.unit
            if window is not None and mode != IGNORE and window.contains(t):
                t = window.window_end(t)
        out.append(t)
    if scheduled is None:
        out[0] = None
    return out


def plan_json(sizes: list[int], times: list[datetime | None]) -> dict[str, Any]:
    """The plan as ``--json`` and the confirmation show it."""
    return {
        "parts": len(sizes),
        "schedule": [{"part": i, "recipients": n, "scheduled": baku.wire_schedule(t)}
                     for i, (n, t) in enumerate(zip(sizes, times, strict=True), start=1)],
        "last_part": baku.wire_schedule(times[-1]) if times else None,
    }
