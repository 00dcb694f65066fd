"""How long the client waits and how often it tries again.

Timeouts bound each network operation; Deadlines bound a whole call, retries
included, because httpx's read timeout restarts with every byte a server
drips.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import httpx


@dataclass(slots=True)
class Timeouts:
    connect: float = 10.0
    read: float = 30.0
    write: float = 60.0
    pool: float = 10.0
    submit_read: float = 180.0  # the server answers a big submit only after storing it

    def for_reads(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)

    def for_submit(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.submit_read, write=self.write, pool=self.pool)


@dataclass(slots=True)
class RetryPolicy:
    attempts: int = 4  # total tries of a read
    base: float = 0.5
    cap: float = 8.0
    submit_not_sent_attempts: int = 3

    def delay(self, attempt: int) -> float:
        # "full jitter": spreads retries of many clients apart
        return random.uniform(0, min(self.cap, self.base * (2 ** attempt)))
