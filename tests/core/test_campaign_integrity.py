"""Campaign integrity in the core: journalled whole or not at all, finished
by resume, opt-outs at the last moment, bound to its account, ownership by
process lock, abandon, and the repeat guard. Against the simulator."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from atlsms_tui.core import campaign as camp
from atlsms_tui.core import send_plan
from atlsms_tui.core.errors import InputError, LocalError
from atlsms_tui.core.models import Recipient, State
from atlsms_tui.core.repeat_guard import RepeatError
from atlsms_tui.core.service import Draft, Service, WrongAccount
from atlsms_tui.simulator import Fault

from support import FAST_RETRY, FAST_TIMEOUTS, make_profile

NUMBERS = [f"9945012345{i:02d}" for i in range(20)]


def draft(n=8, msg="Salam"):
    return Draft("ATL", [Recipient(x) for x in NUMBERS[:n]], msg)


def received(sim) -> list[str]:
    return [m for t in sim.tasks for m, _ in sim.recipients_of(t.taskid)]


def payload_files(store) -> list[str]:
    return sorted(os.listdir(store.journal.payload_dir)) if store.journal.payload_dir.exists() else []


async def test_campaign_journalled_whole_before_the_first_part(service, sim, store):
    seen_parts_at_first_send = []

    def watch(p):
        if p.stage == "sending" and not seen_parts_at_first_send:
            c = camp.load_campaign(service, service.store.campaigns.list_campaign_ids("test")[0])
            seen_parts_at_first_send.append([x.state for x in c.parts])

    r = await send_plan.submit_campaign(service, draft(8), max_per_task=3, progress=watch)
    assert r.state == "accepted"
    assert seen_parts_at_first_send == [[State.SENDING, State.QUEUED, State.QUEUED]]
    c = camp.load_campaign(service, r.campaign)
    assert (c.login, c.api_url, c.profile) == ("tester", sim.url, "test")
    # accepted parts keep no payload file behind
    assert payload_files(store) == []


async def test_failed_journalling_leaves_no_campaign_and_no_files(service, sim, store, monkeypatch):
    def broken(*_a, **_kw):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store.journal, "journal_campaign", broken)
    with pytest.raises(LocalError, match="nothing was sent"):
        await send_plan.submit_campaign(service, draft(8), max_per_task=3)
    assert store.campaigns.list_campaign_ids("test") == [] and service.tasks() == []
    assert sim.tasks == [] and payload_files(store) == []


def test_spool_of_a_killed_journalling_is_swept_at_start(tmp_path, store):
    """A process killed between spooling and the commit leaves files no row
    names; the next start removes them, but never a file its writer still holds."""
    from atlsms_tui.core import ownership

    store.journal.payload_dir.mkdir(parents=True, exist_ok=True)
    orphan = store.journal.payload_dir / ".spool-999999-abc"
    orphan.write_bytes(b"<body><msisdn>994501234500</msisdn></body>")
    busy = store.journal.payload_dir / ".spool-1-busy"
    busy.write_bytes(b"x")
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import fcntl, os, sys, time
        fd = os.open({str(busy)!r}, os.O_RDWR)
        fcntl.flock(fd, fcntl.LOCK_EX)
        print("locked", flush=True)
        time.sleep(30)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert store.journal.sweep_payloads() == [".spool-999999-abc"]
        assert busy.exists() and not orphan.exists()
        assert ownership.held_elsewhere(busy)
    finally:
        holder.kill()
        holder.wait()
    assert store.journal.sweep_payloads() == [".spool-1-busy"]


async def test_rejected_and_failed_parts_keep_their_recipients_until_resent(service, sim, store):
    sim.inject(Fault("code", operation="submit", code="118"))
    r = await send_plan.submit_campaign(service, draft(6), max_per_task=2)
    assert [x.state for x in r.results] == [State.REJECTED, State.QUEUED, State.QUEUED]
    assert r.state == "rejected"  # ATL refused and nothing was accepted
    assert len(payload_files(store)) == 3  # every part can still be sent
    again = await camp.resume_campaign(service, r.campaign)
    assert again.state == "accepted"
    assert sorted(received(sim)) == NUMBERS[:6]
    assert payload_files(store) == []


async def test_network_down_part_is_failed_then_resumed(service, sim, store):
    sim.stop()  # nothing listens: connection refused, nothing can leave
    r = await send_plan.submit_campaign(service, draft(6), max_per_task=2)
    assert [x.state for x in r.results] == [State.FAILED, State.QUEUED, State.QUEUED]
    assert r.state == "failed"
    sim.start(port=int(service.profile.api_url.split(":")[2].split("/")[0]))
    again = await camp.resume_campaign(service, r.campaign)
    assert again.state == "accepted" and sorted(received(sim)) == NUMBERS[:6]


async def test_optout_added_between_parts_never_reaches_the_server(service, sim, store):
    late = NUMBERS[5]
    added = []

    def between(p):
        if p.part == 1 and p.stage == "sending" and p.text.endswith("accepted") and not added:
            added.append(store.lists.add_optouts([late], reason="asked to stop"))

    r = await send_plan.submit_campaign(service, draft(8), max_per_task=3, progress=between)
    assert added and r.state == "accepted"
    assert late not in received(sim)
    assert sorted(received(sim)) == sorted(set(NUMBERS[:8]) - {late})
    assert r.optouts_removed == 1
    assert [x.optouts_removed for x in r.results] == [0, 1, 0]
    assert r.results[1].recipients == 2  # the journal says what was sent


async def test_optout_added_before_resume_of_a_refused_part(service, sim, store):
    sim.inject(Fault("code", operation="submit", code="118"))
    r = await send_plan.submit_campaign(service, draft(4), max_per_task=2)
    store.lists.add_optouts([NUMBERS[0]])
    again = await camp.resume_campaign(service, r.campaign)
    assert again.state == "accepted"
    assert sorted(received(sim)) == NUMBERS[1:4]


async def test_resume_under_another_account_is_refused(service, sim, store):
    stop = asyncio.Event()
    stop.set()
    r = await send_plan.submit_campaign(service, draft(4), max_per_task=2, cancel=stop)
    other = make_profile(sim.url)
    other.login = "someone-else"
    svc2 = Service(other, store, timeouts=FAST_TIMEOUTS, retry=FAST_RETRY)
    try:
        with pytest.raises(WrongAccount, match="journalled for login tester"):
            await camp.resume_campaign(svc2, r.campaign)
        moved = make_profile("http://127.0.0.1:9/other")
        svc3 = Service(moved, store, timeouts=FAST_TIMEOUTS, retry=FAST_RETRY)
        with pytest.raises(WrongAccount, match=sim.url.replace("/", "/")):
            await camp.resume_campaign(svc3, r.campaign)
        await svc3.aclose()
    finally:
        await svc2.aclose()
    assert sim.tasks == []


async def test_row_of_a_dead_sender_on_another_host_is_settled(service, sim, store, monkeypatch):
    """Ownership is the process lock, not host name + pid: a row claimed
    under a host name that no longer exists is settled at once."""
    async def dies(*_a, **_kw):
        raise SystemExit("the sender died mid-request")

    monkeypatch.setattr(service.client, "submit", dies)
    with pytest.raises(SystemExit):
        await service.submit(draft(2))
    monkeypatch.undo()
    with store.db.transaction() as db:
        db.execute("UPDATE submissions SET owner='gone-host:123:456'")
    [sub] = service.tasks()
    assert sub.state is State.UNCERTAIN
    settled = await service.retry(sub.controlid)
    assert settled.state is State.ACCEPTED
    assert len(sim.tasks) == 1


async def test_a_live_sender_is_recognised_through_its_lock(service, sim, store):
    sim.inject(Fault("delay", operation="submit", seconds=1.0))
    task = asyncio.ensure_future(service.submit(draft(2)))
    for _ in range(100):
        await asyncio.sleep(0.02)
        rows = store.journal.list_submissions()
        if rows and rows[0].state is State.SENDING:
            break
    cid = store.journal.list_submissions()[0].controlid
    assert store.journal.recover_orphans() == []  # alive: not an orphan
    with pytest.raises(InputError, match="being sent by another running instance"):
        await service.abandon(cid, "testing")
    assert (await task).state is State.ACCEPTED


async def test_resend_refused_with_118_can_be_abandoned(service, sim, store):
    sim.inject(Fault("drop", operation="submit", times=1))
    sim.inject(Fault("code", operation="submit", code="118"))
    r = await service.submit(draft(2))
    assert r.state is State.UNCERTAIN
    with pytest.raises(InputError, match="needs a reason"):
        await service.abandon(r.controlid, "  ")
    sub = await service.abandon(r.controlid, "checked with ATL support: never arrived")
    assert sub.state is State.ABANDONED and "never arrived" in sub.detail
    with pytest.raises(InputError, match="abandoned, not uncertain"):
        await service.retry(r.controlid)
    assert payload_files(store) == []


async def test_journal_failure_after_the_request_is_uncertain_not_lost(service, sim, store, monkeypatch):
    original = store.journal.finish_submission

    def locked(*a, **kw):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(store.journal, "finish_submission", locked)
    r = await service.submit(draft(2))
    assert r.state is State.UNCERTAIN
    assert r.taskid and f"task {r.taskid}" in r.detail and "database is locked" in r.detail
    monkeypatch.setattr(store.journal, "finish_submission", original)
    # the row shows uncertain as soon as the sender let go of it
    assert service.task(r.controlid).state in (State.SENDING, State.UNCERTAIN)
    assert [s.state for s in service.tasks()] == [State.UNCERTAIN]
    settled = await service.retry(r.controlid)
    assert settled.state is State.ACCEPTED_WITHOUT_TASKID
    assert len(sim.tasks) == 1


async def test_abort_while_waiting_for_the_answer_is_uncertain(service, sim, store):
    sim.inject(Fault("delay", operation="submit", seconds=3.0))
    abort = asyncio.Event()
    asyncio.get_running_loop().call_later(0.5, abort.set)
    r = await service.submit(draft(2), abort=abort)
    assert r.state is State.UNCERTAIN and "stopped" in r.detail
    assert service.task(r.controlid).state is State.UNCERTAIN
    await asyncio.sleep(3.0)  # the simulator finishes the request it had
    settled = await service.retry(r.controlid)
    assert settled.state in (State.ACCEPTED_WITHOUT_TASKID, State.ACCEPTED)
    assert len(sim.tasks) == 1


async def test_two_runs_of_one_campaign_send_every_number_once(service, sim, store):
    sim.inject(Fault("delay", operation="submit", seconds=0.3, times=10))
    stop = asyncio.Event()
    stop.set()
    r = await send_plan.submit_campaign(service, draft(12), max_per_task=2, cancel=stop)
    assert r.state == "incomplete" and len(r.queued) == 6
    svc2 = Service(make_profile(sim.url), store, timeouts=FAST_TIMEOUTS, retry=FAST_RETRY)
    try:
        a, b = await asyncio.gather(camp.resume_campaign(service, r.campaign),
                                    camp.resume_campaign(svc2, r.campaign))
    finally:
        await svc2.aclose()
    assert a.state == b.state == "accepted"
    assert sorted(received(sim)) == NUMBERS[:12]
    assert len(a.mine) + len(b.mine) == 6 and not (a.mine & b.mine)


async def test_repeat_guard(service, sim, store):
    first = await send_plan.submit_campaign(service, draft(10))
    assert first.state == "accepted"
    with pytest.raises(RepeatError, match=rf"task {first.results[0].taskid}") as hit:
        await send_plan.submit_campaign(service, draft(10))
    assert hit.value.hit.overlap == 10 and hit.value.hit.share == 1.0
    with pytest.raises(RepeatError):  # 9 of 10 already had it: 90%
        await send_plan.submit_campaign(service, Draft("ATL", [Recipient(x) for x in NUMBERS[1:11]], "Salam"))
    # most are new people (80% new): not a repeat
    other = await send_plan.submit_campaign(service, Draft("ATL", [Recipient(x) for x in NUMBERS[8:18]], "Salam"))
    assert other.state == "accepted"
    # other text: not a repeat; allowed explicitly: sent
    assert (await send_plan.submit_campaign(service, draft(10, "Salam!"))).state == "accepted"
    assert (await send_plan.submit_campaign(service, draft(10), allow_repeat=True)).state == "accepted"
    assert len(sim.tasks) == 4
    # a campaign counts by its accepted parts
    service.preferences.repeat_guard_share = 0.5
    with pytest.raises(RepeatError):
        await send_plan.submit_campaign(service, draft(10), max_per_task=3)


async def test_repeat_guard_window(service, sim, store):
    await send_plan.submit_campaign(service, draft(4))
    with store.db.transaction() as db:
        db.execute("UPDATE submissions SET created='2020-01-01T00:00:00+00:00'")
    assert (await send_plan.submit_campaign(service, draft(4))).state == "accepted"
    service.preferences.repeat_guard_hours = 0  # off
    assert (await send_plan.submit_campaign(service, draft(4))).state == "accepted"


def test_unsupported_scheme_is_refused_before_anything_is_journalled(store):
    """Nothing can leave for a URL the client cannot speak: refused as a
    local problem before a journal entry exists, never "may have reached ATL"."""
    with pytest.raises(LocalError, match="unsupported scheme 'htps'"):
        Service(make_profile("htps://127.0.0.1:9/bulksms"), store, timeouts=FAST_TIMEOUTS, retry=FAST_RETRY)
    assert store.journal.list_submissions() == []
