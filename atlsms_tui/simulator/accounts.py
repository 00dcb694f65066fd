"""Accounts of the simulated server and the clock it reads."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import timedelta, timezone

# The server's own clock zone: Baku, UTC+4 all year (no DST since 2016). Kept
# here rather than taken from the client's code, so the simulator stays an
# independent reading of the vendor's document.
BAKU = timezone(timedelta(hours=4), "Baku")

DEMO_LOGIN = "demo"
DEMO_PASSWORD = "demo-pass"
DEMO_TITLES = ("ATL", "DEMO", "INFO")


@dataclass
class Account:
    login: str
    password: str = field(repr=False)
    units: int = 50_000
    titles: set[str] = field(default_factory=lambda: set(DEMO_TITLES))


class FakeClock:
    """A settable clock for tests: ``clock()`` returns epoch seconds."""

    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        with self._lock:
            self._now += seconds
            return self._now

    def set(self, epoch: float) -> None:
        with self._lock:
            self._now = float(epoch)
