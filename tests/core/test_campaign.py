"""Campaigns larger than one task: parts, partial outcomes, cancel, resume."""

from __future__ import annotations

import asyncio

from atlsms_tui.core import campaign as camp
from atlsms_tui.core import send_plan
from atlsms_tui.core.models import Recipient, State
from atlsms_tui.core.service import Draft
from atlsms_tui.simulator import Fault

NUMBERS = [f"9945012345{i:02d}" for i in range(7)]


def draft(n=7, msg="Salam"):
    return Draft("ATL", [Recipient(x) for x in NUMBERS[:n]], msg)


async def test_small_campaign_is_one_plain_task(service, sim):
    r = await send_plan.submit_campaign(service, draft(3), max_per_task=5)
    assert r.campaign is None and r.state == "accepted"
    assert r.as_json()["taskid"] == r.results[0].taskid
    assert len(sim.tasks) == 1


async def test_large_campaign_split_into_parts(service, sim, clock):
    seen = []
    r = await send_plan.submit_campaign(service, draft(7), max_per_task=3, progress=seen.append)
    assert r.state == "accepted" and len(r.results) == 3
    assert [x.recipients for x in r.results] == [3, 3, 1]
    assert len({x.controlid for x in r.results}) == 3
    assert [t.recipients for t in sim.tasks] == [3, 3, 1]
    received = [m for t in sim.tasks for m, _ in sim.recipients_of(t.taskid)]
    assert received == NUMBERS[:7]  # every recipient once, in order
    assert seen[-1].stage == "done" and seen[-1].fraction == 1.0
    assert any(p.stage == "journalling" for p in seen)
    # grouped in the journal, summed reports
    [c] = camp.list_campaigns(service)
    assert c.campaign == r.campaign and c.state == "accepted" and len(c.parts) == 3
    assert {t.campaign for t in service.tasks()} == {r.campaign}
    clock.advance(60)
    for part in c.parts:
        await service.report(part.taskid)
    c = camp.load_campaign(service, r.campaign)
    rep = c.report()
    assert rep.ready and rep.total == 7 and rep.pending == 0
    assert c.as_json()["report"]["delivered"] == rep.delivered


async def test_refused_part_stops_the_run_and_resume_sends_it_under_a_fresh_controlid(service, sim):
    injected = []

    def inject_on_part_two(p):
        if p.part == 2 and p.stage == "sending" and not injected:
            injected.append(1)
            sim.inject(Fault("code", operation="submit", code="118"))

    r = await send_plan.submit_campaign(service, draft(7), max_per_task=3, progress=inject_on_part_two)
    # ATL refused part 2 (not enough units): part 3 would meet the same fate
    assert [x.state for x in r.results] == [State.ACCEPTED, State.REJECTED, State.QUEUED]
    assert r.state == "incomplete" and r.worst is State.REJECTED
    assert r.results[1].code == "118"
    refused = r.results[1].controlid
    assert r.totals() == {"recipients": 7, "sent": 3, "accepted": 3, "uncertain": 0,
                          "abandoned": 0, "not_sent": 4}
    # after a top-up (the fault was for one request), resume finishes it
    again = await camp.resume_campaign(service, r.campaign)
    assert again.state == "accepted"
    assert [x.state for x in again.results] == [State.ACCEPTED] * 3
    assert again.results[1].controlid != refused  # ATL refused the first: a fresh controlid
    received = [m for t in sim.tasks for m, _ in sim.recipients_of(t.taskid)]
    assert sorted(received) == NUMBERS[:7]  # every recipient exactly once
    history = service.store.campaigns.campaign_parts(r.campaign, history=True)
    assert [(h.part, h.state) for h in history] == [
        (1, State.ACCEPTED), (2, State.REJECTED), (2, State.ACCEPTED), (3, State.ACCEPTED)]
    # and nothing more to do
    tasks = len(sim.tasks)
    third = await camp.resume_campaign(service, r.campaign)
    assert third.state == "accepted" and len(sim.tasks) == tasks and third.mine == set()


async def test_uncertain_part_settled_with_its_own_controlid(service, sim):
    injected = []

    def drop_part_two(p):
        if p.part == 2 and p.stage == "sending" and not injected:
            injected.append(1)
            sim.inject(Fault("drop", operation="submit"))

    r = await send_plan.submit_campaign(service, draft(7), max_per_task=3, progress=drop_part_two)
    assert [x.state for x in r.results] == [State.ACCEPTED, State.ACCEPTED_WITHOUT_TASKID, State.ACCEPTED]
    assert len(sim.tasks) == 3
    # the settled part kept its controlid on both attempts
    cid = r.results[1].controlid
    assert [q["controlid"] for q in sim.requests if q["operation"] == "submit"].count(cid) == 2


async def test_cancel_between_parts_then_resume(service, sim):
    stop = asyncio.Event()

    def cancel_after_first(p):
        if p.part == 1 and p.stage == "sending" and p.recipients_done == 3:
            stop.set()

    r = await send_plan.submit_campaign(service, draft(7), max_per_task=3, progress=cancel_after_first, cancel=stop)
    assert r.state == "incomplete" and r.interrupted and len(r.queued) == 2
    assert [x.state for x in r.results] == [State.ACCEPTED, State.QUEUED, State.QUEUED]
    assert len(sim.tasks) == 1
    c = camp.load_campaign(service, r.campaign)
    assert [p.state for p in c.parts] == [State.ACCEPTED, State.QUEUED, State.QUEUED]
    assert c.state == "incomplete"
    again = await camp.resume_campaign(service, r.campaign)
    assert again.state == "accepted"
    assert len(sim.tasks) == 3
    received = [m for t in sim.tasks for m, _ in sim.recipients_of(t.taskid)]
    assert received == NUMBERS[:7]


async def test_cancel_campaign_drops_queued_parts(service, sim):
    stop = asyncio.Event()
    stop.set()
    r = await send_plan.submit_campaign(service, draft(7), max_per_task=3, cancel=stop)
    assert len(r.queued) == 3 and sim.tasks == []
    assert camp.cancel_campaign(service, r.campaign) == 3
    c = camp.load_campaign(service, r.campaign)
    assert {p.state for p in c.parts} == {State.CANCELLED}
    again = await camp.resume_campaign(service, r.campaign)
    assert sim.tasks == [] and {x.state for x in again.results} == {State.CANCELLED}


async def test_optouts_removed_before_splitting(service, sim):

    service.store.lists.add_optouts(NUMBERS[:2], reason="asked to stop")
    r = await send_plan.submit_campaign(service, draft(7), max_per_task=3)
    assert r.optouts_removed == 2 and r.as_json()["optouts_removed"] == 2
    assert [x.recipients for x in r.results] == [3, 2]
    received = [m for t in sim.tasks for m, _ in sim.recipients_of(t.taskid)]
    assert received == NUMBERS[2:7]
