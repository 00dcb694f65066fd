"""Fault injection: misbehaviours a test arms for the next requests.

What each kind does on the wire lives in :mod:`.misbehaviour`; this module
only describes faults and hands them out in order.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

FAULT_KINDS = frozenset(
    {"delay", "stall", "http500", "html", "truncated", "drop", "code", "redirect", "entity", "huge",
     "drip", "encoding", "oversized", "endless"}
)


@dataclass
class Fault:
    """A misbehaviour for the next ``times`` requests of ``operation`` (any if None).

    The operation of a request is recognised from the first 64 KiB of its
    body, before the body is parsed.

    Kinds that process the request normally and then misbehave: ``delay``
    and ``stall`` (``seconds``), ``truncated``, ``drop``, ``drip`` (the whole
    answer, status line included, one byte every ``seconds``), ``encoding``
    (the answer declared and encoded in ``encoding``) and ``oversized``
    (every number in the answer's bodies, units, task id, counts, statuses,
    replaced by ``value``). Kinds that answer without processing: ``http500``,
    ``html``, ``code``, ``redirect``, ``entity``, ``huge`` and ``endless`` (a
    detailed report that never ends: rows until the client leaves).
    """

    kind: str
    operation: str | None = None
    times: int = 1
    seconds: float = 0.0
    code: str | None = None
    size: int = 20 * 1024 * 1024  # "huge": padding bytes
    location: str = "http://portal.example.invalid/login?continue=1"  # "redirect"
    encoding: str = "ISO-8859-1"  # "encoding"
    value: str = "9" * 25  # "oversized"

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {sorted(FAULT_KINDS)}")
        if self.times < 1:
            raise ValueError("times must be at least 1")


class FaultQueue:
    """Armed faults, each with the number of requests it still applies to."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[tuple[Fault, int]] = []

    def __bool__(self) -> bool:
        # Read without the lock: the handler asks on every request, and a
        # fault armed a moment too late for one request catches the next.
        return bool(self._entries)

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._entries.append((fault, fault.times))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    @property
    def pending(self) -> list[Fault]:
        with self._lock:
            return [f for f, _ in self._entries]

    def wants_sniff(self) -> bool:
        """Whether a fault names an operation, so the handler must read the
        start of the body to know which operation a request is."""
        with self._lock:
            return any(f.operation is not None for f, _ in self._entries)

    def take(self, operation: str | None) -> Fault | None:
        """The first fault for ``operation``, used up once."""
        with self._lock:
            for i, (fault, remaining) in enumerate(self._entries):
                if fault.operation is None or fault.operation == operation:
                    if remaining <= 1:
                        del self._entries[i]
                    else:
                        self._entries[i] = (fault, remaining - 1)
                    return fault
        return None
