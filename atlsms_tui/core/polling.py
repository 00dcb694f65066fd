"""The poll scheduler: which live tasks to ask ATL about, when, and how fast.

One ``Poller`` serves every face of a session (the dashboard, the detail
screens, ``report --wait``), so its ceiling holds for all of them together.
It is a good citizen of ATL's server:

- a task whose report did not change is asked less and less often (the wait
  doubles, up to ``MAX_BACKOFF``); a change brings it back to ``interval``;
- a scheduled task is not asked before its scheduled time (ATL has nothing
  to say about it until then);
- polls start at least ``1 / max_per_second`` apart, however many tasks are
  live: a round with more due tasks than that allows takes longer, or leaves
  the least recently asked for the next round;
- when the network is down the round stops at the first transport error
  rather than repeat it for every task.

Time comes from an injected ``Clock`` (epoch seconds and a sleep), so tests
drive it without sleeping.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from . import baku
from .errors import AtlSmsError, ConfigError, ProtocolError, TransportError
from .models import Report, State, Submission

MAX_BACKOFF = 300.0  # seconds: a live task is asked at least this often
CONCURRENCY = 8  # requests in flight at once (each started within the rate ceiling)


class Clock(Protocol):
    def now(self) -> float:
        """Epoch seconds."""
        ...

    def monotonic(self) -> float:
        """Seconds on the time base ``sleep`` waits in: the rate ceiling
        measures gaps between polls with it."""
        ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The wall clock, and asyncio's sleep."""

    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@dataclass(frozen=True, slots=True)
class ReadClock:
    """Time read from a callable (an app's clock, a FakeClock); asyncio's sleep."""

    read: Callable[[], float]

    def now(self) -> float:
        return self.read()

    def monotonic(self) -> float:
        # the sleep is real even when the time read is not (a test's frozen
        # clock): gaps between polls are real ones
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


Fetch = Callable[[str], Awaitable[Report]]
ReportSig = tuple[bool, int, int, int, int, int]


def report_sig(report: Report | None) -> ReportSig | None:
    """What of a report can change; None for no report or 001 (no figures)."""
    if report is None or not report.ready:
        return None
    return (report.ready, report.pending, report.delivered, report.failed, report.removed, report.error)


def needs_poll(sub: Submission) -> bool:
    """Only an accepted task whose report is not final can still change."""
    if sub.state is not State.ACCEPTED or not sub.taskid:
        return False
    return sub.report is None or not sub.report.final


def scheduled_epoch(sub: Submission) -> float | None:
    """The epoch second a scheduled submission is due at ATL; None: sent now."""
    when = baku.from_wire(sub.scheduled)
    return None if when is None else when.timestamp()


def is_waiting_for_schedule(sub: Submission, now: float) -> bool:
    at = scheduled_epoch(sub)
    return at is not None and at > now


@dataclass
class PollRound:
    """What one round did."""

    asked: list[str] = field(default_factory=list)  # task ids, in the order asked
    changed: list[str] = field(default_factory=list)  # task ids whose figures moved
    offline: TransportError | None = None  # the round stopped: the network is down
    unexpected: list[str] = field(default_factory=list)  # task ids whose answer no parser expected


class Poller:
    """Per task: when it may next be asked and its current back-off."""

    def __init__(self, fetch: Fetch, *, interval: float, max_per_second: float,
                 clock: Clock | None = None, max_backoff: float = MAX_BACKOFF,
                 concurrency: int = CONCURRENCY) -> None:
        self._fetch = fetch
        self.clock: Clock = clock or SystemClock()
        self.max_backoff = max_backoff
        self.concurrency = concurrency
        self.interval = interval
        self.max_per_second = max_per_second
        self.configure(interval, max_per_second)
        self._due: dict[str, float] = {}
        self._delay: dict[str, float] = {}
        self._last_asked: dict[str, float] = {}
        self._seen: dict[str, ReportSig | None] = {}
        self._last_start: float | None = None
        self._pace = asyncio.Lock()
        # A task's last failed poll, until one succeeds.
        self.errors: dict[str, Exception] = {}

    def configure(self, interval: float, max_per_second: float) -> None:
        if not interval > 0:
            raise ConfigError(f"refresh_interval must be above 0 seconds, not {interval}")
        if not max_per_second > 0:
            raise ConfigError(f"max_polls_per_second must be above 0, not {max_per_second}")
        self.interval = float(interval)
        self.max_per_second = float(max_per_second)

    @property
    def round_size(self) -> int:
        """Most tasks asked in one round: what the ceiling allows in an interval."""
        return max(1, int(self.max_per_second * self.interval))

    # ------------------------------------------------------------ schedule

    def next_due(self, taskid: str) -> float:
        """When the task may next be asked (epoch seconds; 0: at once)."""
        return self._due.get(taskid, 0.0)

    def backoff(self, taskid: str) -> float:
        """The task's current wait between polls."""
        return self._delay.get(taskid, self.interval)

    def is_due(self, sub: Submission, now: float | None = None) -> bool:
        if not needs_poll(sub) or sub.taskid is None:
            return False
        at = self.clock.now() if now is None else now
        return not is_waiting_for_schedule(sub, at) and self.next_due(sub.taskid) <= at

    def due(self, subs: Iterable[Submission]) -> list[Submission]:
        """The tasks a round asks now, least recently asked first."""
        now = self.clock.now()
        out = [s for s in subs if self.is_due(s, now)]
        out.sort(key=lambda s: self._last_asked.get(s.taskid or "", 0.0))
        return out[: self.round_size]

    def wake_at(self, subs: Iterable[Submission]) -> float | None:
        """The earliest time one of ``subs`` becomes due (None: none is live)."""
        times = []
        for s in subs:
            if not needs_poll(s) or s.taskid is None:
                continue
            times.append(max(self.next_due(s.taskid), scheduled_epoch(s) or 0.0))
        return min(times) if times else None

    def forget(self) -> None:
        """Ask every live task at the next round (a manual refresh); the rate
        ceiling still holds."""
        self._due.clear()
        self._delay.clear()

    def reset(self) -> None:
        """Forget everything (another profile's tasks)."""
        self.forget()
        self._last_asked.clear()
        self._seen.clear()
        self.errors.clear()

    def _settle(self, taskid: str, changed: bool, now: float) -> None:
        if changed:
            delay = self.interval
        else:
            delay = min(self.max_backoff, self._delay.get(taskid, self.interval / 2) * 2)
        self._delay[taskid] = delay
        self._due[taskid] = now + delay

    async def _take_slot(self) -> None:
        """Wait until a poll may start within the ceiling."""
        async with self._pace:
            gap = 1.0 / self.max_per_second
            if self._last_start is not None:
                wait = self._last_start + gap - self.clock.monotonic()
                if wait > 0:
                    await self.clock.sleep(wait)
            self._last_start = self.clock.monotonic()

    # --------------------------------------------------------------- asking

    async def ask(self, sub: Submission) -> Report:
        """Ask ATL for one task's report now (within the ceiling) and set
        its next time; the submission's report is updated in place. Raises
        what the fetch raises (a failed task backs off, except offline)."""
        if sub.taskid is None:
            raise ValueError(f"submission {sub.controlid} has no task id")
        report = await self._ask(sub.taskid, sub.report)
        if report.ready or sub.report is None:  # a 001 never hides figures already known
            sub.report = report
        return report

    async def _ask(self, taskid: str, known: Report | None) -> Report:
        await self._take_slot()
        now = self.clock.now()
        self._last_asked[taskid] = now
        try:
            report = await self._fetch(taskid)
        except TransportError as exc:
            if not isinstance(exc, ProtocolError):  # the network, not this task
                raise
            self.errors[taskid] = exc  # an answer, but not one to trust: this task waits
            self._settle(taskid, False, now)
            raise
        except Exception as exc:
            self.errors[taskid] = exc
            self._settle(taskid, False, now)
            raise
        self.errors.pop(taskid, None)
        before = self._seen[taskid] if taskid in self._seen else report_sig(known)
        sig = report_sig(report)
        changed = sig is not None and sig != before
        self._seen[taskid] = sig
        if report.final:
            self._due.pop(taskid, None)
            self._delay.pop(taskid, None)
        else:
            self._settle(taskid, changed, now)
        return report

    async def round(self, subs: Iterable[Submission],
                    on_report: Callable[[Submission, Report], None] | None = None) -> PollRound:
        """Ask every due task of ``subs``, at most ``concurrency`` at once,
        each start within the ceiling; stops early when the network is down."""
        result = PollRound()
        gate = asyncio.Semaphore(self.concurrency)

        async def one(sub: Submission) -> None:
            try:
                before = report_sig(sub.report)
                report = await self.ask(sub)
            except ProtocolError:
                return  # kept in self.errors until the task answers
            except TransportError as exc:
                if result.offline is None:
                    result.offline = exc
                return
            except AtlSmsError:
                return  # kept in self.errors until the task answers
            except Exception:  # an answer no parser expected: this task waits, the others go on
                result.unexpected.append(sub.taskid or "")
                return
            finally:
                gate.release()
            if report_sig(report) not in (None, before):
                result.changed.append(sub.taskid or "")
            if on_report is not None:
                on_report(sub, report)

        running: list[asyncio.Task[None]] = []
        try:
            for sub in self.due(subs):
                await gate.acquire()
                if result.offline is not None:
                    gate.release()
                    break
                result.asked.append(sub.taskid or "")
                running.append(asyncio.create_task(one(sub)))
            await asyncio.gather(*running)
        finally:
            for t in running:
                t.cancel()
        return result

    async def wait(self, taskid: str, *, within: float, scheduled: float | None = None,
                   on_wait: Callable[[Report | None, float], None] | None = None) -> tuple[Report, bool]:
        """Ask until the task's report is final (ready, nothing pending) or
        ``within`` seconds pass: (last report, timed out). Waits out the
        task's ``scheduled`` time (epoch seconds) and its back-off between
        asks; ``on_wait`` hears each wait (last report, seconds) first."""
        deadline = self.clock.now() + within
        report: Report | None = None
        while True:
            now = self.clock.now()
            pause = min(max(self.next_due(taskid), scheduled or 0.0), deadline) - now
            if pause > 0:  # past the deadline it asks once more, then gives up
                if on_wait is not None:
                    on_wait(report, pause)
                await self.clock.sleep(pause)
            report = await self._ask(taskid, report)
            if report.ready and report.pending == 0:
                return report, False
            if self.clock.now() >= deadline:
                return report, True
