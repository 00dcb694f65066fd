"""A draft prepared once (SendPlan) and submitted: what prepare computes,
what submit reuses, and what submit applies again at the last moment (the
opt-out list, the repeat guard, the clock). Against the simulator."""

from __future__ import annotations

from datetime import datetime

import pytest

from atlsms_tui.core import baku, send_plan
from atlsms_tui.core.models import Recipient, State
from atlsms_tui.core.quiet_hours import QuietHoursError
from atlsms_tui.core.repeat_guard import RepeatError
from atlsms_tui.core.send_plan import EveryoneOptedOut, prepare_plan, submit_plan
from atlsms_tui.core.service import Draft, Service

NUMBERS = [f"9945012345{i:02d}" for i in range(10)]


def draft(n: int = 5, msg: str = "Salam") -> Draft:
    return Draft("ATL", [Recipient(x) for x in NUMBERS[:n]], msg)


def received(sim) -> list[str]:
    return [m for t in sim.tasks for m, _ in sim.recipients_of(t.taskid)]


async def test_prepare_computes_everything_and_sends_nothing(service, sim, store):
    store.lists.add_optouts([NUMBERS[0]], reason="asked to stop")
    balance = await service.units()
    plan = prepare_plan(service, draft(5, "Salam"), max_per_task=2, balance=balance)
    assert [r.msisdn for r in plan.kept.recipients] == NUMBERS[1:5]
    assert plan.removed == 1 and "asked to stop: 1" in plan.optouts.summary()
    assert (plan.estimate.recipients, plan.estimate.units) == (4, 4)
    assert plan.estimate.balance_after == balance.units - 4
    assert plan.parts.sizes == [2, 2] and len(plan.part_drafts) == 2
    assert plan.content_key == service.content_key(plan.kept)
    assert plan.repeat is None and not plan.needs_approval
    # nothing journalled, nothing sent
    assert sim.tasks == [] and service.tasks() == []


async def test_submit_reuses_the_plan(service, sim, monkeypatch):
    plan = prepare_plan(service, draft(5), max_per_task=2)
    calls: list[str] = []
    key_of = Service.content_key
    parts_of = send_plan.plan_parts

    def counting_key(self, d):
        calls.append("content_key")
        return key_of(self, d)

    def counting_parts(*a, **kw):
        calls.append("plan_parts")
        return parts_of(*a, **kw)

    monkeypatch.setattr(Service, "content_key", counting_key)
    monkeypatch.setattr(send_plan, "plan_parts", counting_parts)
    result = await submit_plan(service, plan)
    assert result.state == "accepted" and len(result.results) == 3
    assert calls == []  # neither the key of a million messages nor the parts computed again
    assert sorted(received(sim)) == NUMBERS[:5]


async def test_optouts_added_after_prepare_are_still_removed(service, sim, store):
    plan = prepare_plan(service, draft(5), max_per_task=2)
    store.lists.add_optouts([NUMBERS[1], NUMBERS[4]], reason="asked to stop")
    result = await submit_plan(service, plan)
    assert result.state == "accepted"
    assert sorted(received(sim)) == [NUMBERS[0], NUMBERS[2], NUMBERS[3]]
    assert result.optouts_removed == 2
    # the part left empty (NUMBERS[4] alone) is not journalled at all
    assert len(result.results) == 2


async def test_single_task_plan_with_a_late_optout(service, sim, store):
    plan = prepare_plan(service, draft(3))
    store.lists.add_optouts([NUMBERS[2]])
    result = await submit_plan(service, plan)
    assert result.single and result.results[0].state is State.ACCEPTED
    assert result.optouts_removed == 1
    assert sorted(received(sim)) == NUMBERS[:2]


async def test_everyone_opted_out_after_prepare_sends_nothing(service, sim, store):
    plan = prepare_plan(service, draft(2))
    store.lists.add_optouts(NUMBERS[:2])
    with pytest.raises(EveryoneOptedOut):
        await submit_plan(service, plan)
    assert sim.tasks == [] and service.tasks() == []


async def test_everyone_opted_out_at_prepare_carries_the_filter(service, store):
    store.lists.add_optouts(NUMBERS[:2], reason="asked to stop")
    with pytest.raises(EveryoneOptedOut) as exc:
        prepare_plan(service, draft(2))
    assert len(exc.value.optouts.removed) == 2 and not exc.value.optouts.kept


async def test_a_repeat_found_at_prepare_refuses_at_submit(service, sim):
    first = await send_plan.submit_campaign(service, draft(5))
    assert first.state == "accepted"
    plan = prepare_plan(service, draft(5))
    assert plan.repeat is not None and plan.repeat.overlap == 5
    with pytest.raises(RepeatError):
        await submit_plan(service, plan)
    assert len(sim.tasks) == 1
    again = await submit_plan(service, plan, allow_repeat=True)
    assert again.state == "accepted" and len(sim.tasks) == 2


async def test_a_repeat_accepted_after_prepare_refuses_at_submit(service, sim):
    plan = prepare_plan(service, draft(5))
    assert plan.repeat is None
    await service.submit(draft(5))  # another send of the same, meanwhile
    with pytest.raises(RepeatError):
        await submit_plan(service, plan)
    assert len(sim.tasks) == 1


async def test_quiet_hours_are_judged_again_at_submit(service, sim, clock):
    service.clock = baku.clock_of(clock)
    service.profile.quiet_hours = "21:00-09:00"
    clock.set(datetime(2026, 12, 1, 20, 55, tzinfo=baku.BAKU).timestamp())
    plan = prepare_plan(service, draft(3))  # outside the window
    clock.advance(10 * 60)  # the operator read the confirmation until 21:05
    with pytest.raises(QuietHoursError):
        await submit_plan(service, plan)
    assert sim.tasks == []


async def test_through_the_core_api(service, sim, store):
    from atlsms_tui.api.core import Core
    from atlsms_tui.core.session import Session
    from atlsms_tui.core.settings import load_settings

    core = Core(Session(load_settings(), service.profile, store, service))
    store.lists.add_optouts([NUMBERS[0]])
    plan = await core.sending.prepare(draft(4), max_per_task=2)
    assert plan.balance is not None and plan.balance_error == ""  # fetched from ATL
    assert plan.removed == 1 and plan.parts.sizes == [2, 1]
    result = await core.sending.submit(plan)
    assert result.state == "accepted" and result.optouts_removed == 1
    assert sorted(received(sim)) == NUMBERS[1:4]
    [c] = await core.sending.campaigns()
    assert c.campaign == result.campaign and c.state == "accepted"
