"""Simulated tasks and the fate of each recipient.

A recipient's final status and moment are a pure function of the task's
fate key and its index (splitmix64), so the simulator never stores outcomes:
a million-recipient task costs no memory beyond its numbers, and a restarted
simulator with the same seed tells the same story.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field

QUEUED, DELIVERED, FAILED, REMOVED, ERROR = 1, 2, 3, 4, 5
STATUS_NAMES = {QUEUED: "pending", DELIVERED: "delivered", FAILED: "failed", REMOVED: "removed", ERROR: "error"}

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def _mix(z: int) -> int:
    """splitmix64 finaliser."""
    z = (z + _GOLDEN) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def _status_of(h: int) -> int:
    r = ((h & 0x7FF) * 1000) >> 11  # 0..999 from the low 11 bits
    if r < 850:
        return DELIVERED
    if r < 940:
        return FAILED
    if r < 990:
        return REMOVED
    return ERROR


def fate_key(seed: int, taskid: int) -> int:
    """The key a task's outcomes derive from: the seed and the task id."""
    return _mix((seed * 1_000_003 + taskid) & _MASK) >> 1


@dataclass(eq=False)
class Task:
    taskid: str
    login: str
    controlid: str | None
    title: str
    isbulk: bool
    bulkmessage: str | None
    scheduled: str
    start: float  # epoch: submit time for NOW, else the scheduled moment
    created: float
    ready_at: float  # start + report_delay
    window: float  # delivery_time
    fate_key: int
    recipients: int
    units_charged: int
    canceled: bool = False
    _msisdns: array | None = field(default=None, repr=False)
    _messages: list[str] | None = field(default=None, repr=False)
    _sorted_moments: dict[int, array] | None = field(default=None, repr=False)

    @property
    def segments_charged(self) -> int:
        return self.units_charged

    def fate(self, index: int) -> tuple[float, int]:
        """Final moment and final status of recipient ``index``."""
        h = _mix((self.fate_key + (index + 1) * _GOLDEN) & _MASK)
        return self.ready_at + ((h >> 11) * 2.0**-53) * self.window, _status_of(h)

    def iter_fates(self) -> Iterator[tuple[float, int]]:
        key, ready, window = self.fate_key, self.ready_at, self.window
        scale = 2.0**-53 * window
        for i in range(self.recipients):
            h = _mix((key + (i + 1) * _GOLDEN) & _MASK)
            yield ready + (h >> 11) * scale, _status_of(h)

    def status_at(self, index: int, now: float) -> tuple[int, float | None]:
        moment, final = self.fate(index)
        return (QUEUED, None) if now < moment else (final, moment)

    def counts_at(self, now: float) -> dict[int, int]:
        moments = self._sorted_moments
        if moments is None:
            per: dict[int, list[float]] = {DELIVERED: [], FAILED: [], REMOVED: [], ERROR: []}
            for moment, status in self.iter_fates():
                per[status].append(moment)
            moments = {s: array("d", sorted(v)) for s, v in per.items()}
            self._sorted_moments = moments
        counts = {s: bisect.bisect_right(m, now) for s, m in moments.items()}
        counts[QUEUED] = self.recipients - sum(counts.values())
        return counts
