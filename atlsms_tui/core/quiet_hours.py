"""Quiet hours: a Baku-time window in which nothing is sent.

One rule for the CLI and the TUI: a send that would start inside the window
is refused, naming the window and the next allowed time, unless the
operator asks to move it to the window's end (``next-window``: the API's
``scheduled`` field) or to send anyway (``ignore``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from . import baku
from .errors import InputError

REFUSE = "refuse"
NEXT_WINDOW = "next-window"
IGNORE = "ignore"
MODES = (REFUSE, NEXT_WINDOW, IGNORE)

_WINDOW_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True, slots=True)
class QuietHours:
    start: time
    end: time

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def describe(self) -> str:
        return f"quiet hours {self} Baku time"

    def contains(self, when: datetime) -> bool:
        t = when.astimezone(baku.BAKU).time()
        if self.start <= self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end  # across midnight

    def window_end(self, when: datetime) -> datetime:
        """The first moment after ``when``'s window (``when`` inside it)."""
        local = when.astimezone(baku.BAKU)
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        if end <= local:
            end += timedelta(days=1)
        return end

    def next_allowed(self, when: datetime) -> datetime:
        """``when`` itself outside the window, else the window's end."""
        return self.window_end(when) if self.contains(when) else when

    def window_start_after(self, when: datetime) -> datetime:
        """The next start of the window at or after ``when``."""
        local = when.astimezone(baku.BAKU)
        start = local.replace(hour=self.start.hour, minute=self.start.minute, second=0, microsecond=0)
        if start < local:
            start += timedelta(days=1)
        return start


def parse(text: str | None, where: str = "setting quiet_hours") -> QuietHours | None:
    """``"21:00-09:00"``; ``"off"`` (or empty) for none."""
    if text is None or text.strip().lower() in ("", "off"):
        return None
    m = _WINDOW_RE.match(text)
    if m:
        h1, m1, h2, m2 = map(int, m.groups())
        if h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60 and (h1, m1) != (h2, m2):
            return QuietHours(time(h1, m1), time(h2, m2))
    raise InputError(f"{where} is {text!r}: expected HH:MM-HH:MM in Baku time (e.g. 21:00-09:00) or off")


class QuietHoursError(InputError):
    """A send that would start inside quiet hours; nothing was journalled."""

    def __init__(self, window: QuietHours, start: datetime, resume: datetime) -> None:
        self.window = window
        self.start = start
        self.resume = resume
        super().__init__(f"{self.short} (pass --next-window to schedule it then, or --ignore-quiet-hours "
                         "to send anyway)")

    @property
    def short(self) -> str:
        return (f"{self.window.describe()}: a send starting {baku.format_baku(self.start)} is not allowed; "
                f"the next allowed time is {baku.format_baku(self.resume)} Baku time")


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise InputError(f"quiet hours mode {mode!r}: expected one of {', '.join(MODES)}")
    return mode


def start_time(window: QuietHours | None, scheduled: datetime | None, now: datetime,
               mode: str = REFUSE) -> datetime | None:
    """When a send asked for ``scheduled`` (None: now) may start: unchanged
    outside the window (or with ``ignore``), the window's end with
    ``next-window``; otherwise QuietHoursError."""
    check_mode(mode)
    start = scheduled or now
    if window is None or mode == IGNORE or not window.contains(start):
        return scheduled
    resume = window.window_end(start)
    if mode == NEXT_WINDOW:
        return resume
    raise QuietHoursError(window, start, resume)


def refusal(window: QuietHours | None, scheduled: datetime | None, now: datetime) -> str:
    """What a confirmation says when a send would start inside the window
    ("" when it would not)."""
    try:
        start_time(window, scheduled, now, REFUSE)
    except QuietHoursError as exc:
        return exc.short
    return ""
