"""The poll scheduler: rate ceiling, back-off, scheduled tasks, offline.

Time is a FakeClock whose sleep advances it: nothing here sleeps for real."""

from __future__ import annotations

from datetime import datetime, timedelta

from atlsms_tui.core import baku
from atlsms_tui.core.errors import ApiError, ProtocolError, TransportError
from atlsms_tui.core.models import Recipient, Report, State, Submission
from atlsms_tui.core.polling import MAX_BACKOFF, Poller
from atlsms_tui.core.service import Draft, Service
from atlsms_tui.simulator import FakeClock

from support import FAST_RETRY, FAST_TIMEOUTS, make_profile

A, B = "994501234567", "994551234567"


class SleepingClock:
    """A FakeClock read as the poller's clock; sleeping moves it on."""

    def __init__(self, fake: FakeClock) -> None:
        self.fake = fake

    def now(self) -> float:
        return self.fake()

    def monotonic(self) -> float:
        return self.fake()

    async def sleep(self, seconds: float) -> None:
        self.fake.advance(seconds)


def live(taskid: str, scheduled: str = "NOW") -> Submission:
    return Submission(controlid=f"c{taskid}", profile="test", title="ATL", individual=False,
                      scheduled=scheduled, created="2026-01-01T00:00:00+00:00", recipients=1, segments=1,
                      units_estimate=1, payload_hash="", state=State.ACCEPTED, taskid=taskid)


class Answers:
    """ATL's answers as a fetch: a fixed report per task, each ask recorded."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.asked: list[tuple[float, str]] = []
        self.reports: dict[str, Report] = {}

    async def __call__(self, taskid: str) -> Report:
        self.asked.append((self.clock(), taskid))
        return self.reports.get(taskid, Report(taskid, True, pending=1))


async def test_forty_live_tasks_never_exceed_the_ceiling(clock):
    answers = Answers(clock)
    poller = Poller(answers, interval=2.0, max_per_second=2.0, clock=SleepingClock(clock))
    subs = [live(str(1000 + i)) for i in range(40)]
    start = clock()
    while clock() - start < 600:  # ten minutes of a dashboard refreshing every 2 s
        await poller.round(subs)
        clock.advance(2.0)
    starts = [t for t, _ in answers.asked]
    assert len(starts) > 40  # every task was asked, some more than once
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert min(gaps) >= 0.5  # never two polls within 1 / max_polls_per_second
    for t in starts:  # in no second more than two
        assert sum(1 for u in starts if t <= u < t + 1.0) <= 2
    assert {tid for _, tid in answers.asked} == {s.taskid for s in subs}


async def test_unchanged_report_backs_off_to_the_cap(clock):
    answers = Answers(clock)
    poller = Poller(answers, interval=2.0, max_per_second=2.0, clock=SleepingClock(clock))
    sub = live("42")
    delays = []
    for _ in range(12):
        clock.set(max(clock(), poller.next_due("42")))
        await poller.round([sub])
        delays.append(poller.next_due("42") - clock())
    assert delays[:3] == [2.0, 4.0, 8.0]  # the first answer moved (from nothing), then doubling
    assert delays[-1] == MAX_BACKOFF and max(delays) == MAX_BACKOFF
    before = len(answers.asked)
    clock.advance(MAX_BACKOFF - 1)
    await poller.round([sub])
    assert len(answers.asked) == before  # not due yet: not asked


async def test_changed_report_resets_the_back_off(clock):
    answers = Answers(clock)
    poller = Poller(answers, interval=2.0, max_per_second=2.0, clock=SleepingClock(clock))
    sub = live("7")
    for _ in range(6):
        clock.set(max(clock(), poller.next_due("7")))
        await poller.round([sub])
    assert poller.backoff("7") > 30
    answers.reports["7"] = Report("7", True, pending=1, delivered=3)  # moved, still pending
    clock.set(poller.next_due("7"))
    result = await poller.round([sub])
    assert result.changed == ["7"]
    assert poller.backoff("7") == 2.0 and poller.next_due("7") == clock() + 2.0
    assert sub.report.delivered == 3


async def test_final_report_is_never_asked_again(clock):
    answers = Answers(clock)
    answers.reports["9"] = Report("9", True, delivered=1)
    poller = Poller(answers, interval=2.0, max_per_second=2.0, clock=SleepingClock(clock))
    sub = live("9")
    await poller.round([sub])
    clock.advance(3600)
    await poller.round([sub])
    assert [tid for _, tid in answers.asked] == ["9"]


async def test_not_ready_answer_never_hides_known_figures(clock):
    answers = Answers(clock)
    poller = Poller(answers, interval=2.0, max_per_second=2.0, clock=SleepingClock(clock))
    sub = live("5")
    sub.report = Report("5", True, pending=2, delivered=1)
    answers.reports["5"] = Report("5", False)
    result = await poller.round([sub])
    assert result.changed == [] and sub.report.delivered == 1


async def test_offline_round_stops_at_the_first_transport_error(clock):
    asked: list[str] = []

    async def down(taskid: str) -> Report:
        asked.append(taskid)
        raise TransportError("cannot reach ATL")

    poller = Poller(down, interval=2.0, max_per_second=100.0, clock=SleepingClock(clock), concurrency=1)
    result = await poller.round([live(str(i)) for i in range(10)])
    assert isinstance(result.offline, TransportError)
    assert len(asked) <= 2  # one, and at most the one already let through the gate


async def test_api_error_is_kept_and_backs_off(clock):
    async def refuse(taskid: str) -> Report:
        raise ApiError("109", "Task not found")

    poller = Poller(refuse, interval=2.0, max_per_second=2.0, clock=SleepingClock(clock))
    await poller.round([live("3")])
    assert isinstance(poller.errors["3"], ApiError)
    assert poller.next_due("3") > clock()


async def test_scheduled_task_is_not_polled_before_its_time(sim, clock, store):
    svc = Service(make_profile(sim.url), store, timeouts=FAST_TIMEOUTS, retry=FAST_RETRY,
                  clock=baku.clock_of(clock))
    try:
        at = datetime.fromtimestamp(clock(), baku.BAKU).replace(microsecond=0) + timedelta(hours=3)
        r = await svc.submit(Draft(title="ATL", recipients=[Recipient(A), Recipient(B)], message="later",
                                   scheduled=at))
        assert r.state is State.ACCEPTED
        poller = Poller(svc.report, interval=15.0, max_per_second=2.0, clock=SleepingClock(clock))
        sub = svc.task(r.controlid)
        asked = len(sim.requests)
        for _ in range(10):  # rounds over the next 2.5 hours
            result = await poller.round([sub])
            assert result.asked == []
            clock.advance(15 * 60)
        assert len(sim.requests) == asked
        assert poller.wake_at([sub]) == at.timestamp()
        clock.set(at.timestamp() + 60)
        result = await poller.round([sub])
        assert result.asked == [r.taskid]
        assert sim.requests[-1]["taskid"] == r.taskid
    finally:
        await svc.aclose()


async def test_wait_follows_a_real_task_to_its_final_report(service, sim, clock):
    r = await service.submit(Draft(title="ATL", recipients=[Recipient(A), Recipient(B)], message="hi"))
    poller = Poller(service.report, interval=2.0, max_per_second=2.0, clock=SleepingClock(clock))
    waits: list[float] = []
    report, timed_out = await poller.wait(r.taskid, within=600,
                                          on_wait=lambda _rep, s: waits.append(s))
    assert not timed_out and report.final and report.total == 2
    assert waits and all(w <= MAX_BACKOFF for w in waits)
    stored = service.task(r.controlid).report
    assert stored is not None and stored.final


async def test_wait_gives_up_at_the_timeout(clock):
    answers = Answers(clock)
    poller = Poller(answers, interval=2.0, max_per_second=2.0, clock=SleepingClock(clock))
    start = clock()
    report, timed_out = await poller.wait("11", within=100)
    assert timed_out and report is not None and report.pending == 1
    assert start + 100 <= clock() < start + 100 + MAX_BACKOFF


async def test_untrustworthy_answer_sets_one_task_aside_not_the_round(clock):
    asked: list[str] = []

    async def garbled(taskid: str) -> Report:
        asked.append(taskid)
        if taskid == "1":
            raise ProtocolError("not the XML the API speaks")
        return Report(taskid, True, pending=1)

    poller = Poller(garbled, interval=2.0, max_per_second=100.0, clock=SleepingClock(clock))
    result = await poller.round([live("1"), live("2")])
    assert result.offline is None and sorted(asked) == ["1", "2"]
    assert isinstance(poller.errors["1"], ProtocolError) and "2" not in poller.errors
