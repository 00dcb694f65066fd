"""Monitor mode at the service layer: a read-only core refuses every call
that sends, settles, approves or changes a list, whatever face reached it,
and leaves the journal and the server as they were."""

from __future__ import annotations

import inspect
from datetime import timedelta

import pytest

from atlsms_tui.api.core import Core
from atlsms_tui.api.errors import ReadOnly
from atlsms_tui.api.lists import Lists
from atlsms_tui.api.sending import Sending
from atlsms_tui.core.drafts import Draft
from atlsms_tui.core.models import Recipient, State
from atlsms_tui.core.session import Session
from atlsms_tui.core.settings import load_settings

NUMBERS = [f"99450{i:07d}" for i in range(3000000, 3000004)]

# Every public method of the sub-APIs is one or the other: a new one must be
# placed here, so that monitor mode cannot miss it.
SENDING_READS = {"now", "balance", "campaigns", "campaign", "pending_approvals", "approval_preview"}
LISTS_READS = {"aclose", "read_numbers", "groups", "group", "templates", "template", "optouts", "filter_optouts"}


def public_methods(cls: type) -> set[str]:
    return {n for n, f in inspect.getmembers(cls, inspect.isfunction) if not n.startswith("_")}


def draft(numbers=NUMBERS) -> Draft:
    return Draft(title="ATL", message="Salam", recipients=[Recipient(n) for n in numbers])


def sending_calls(plan, campaign: str, controlid: str) -> dict:
    return {
        "prepare": lambda s: s.prepare(draft()),
        "submit": lambda s: s.submit(plan),
        "retry": lambda s: s.retry(controlid),
        "abandon": lambda s: s.abandon(controlid, "gone"),
        "resume": lambda s: s.resume(campaign),
        "cancel": lambda s: s.cancel(campaign),
        "reschedule": lambda s: s.reschedule(campaign, s.now() + timedelta(days=1)),
        "proof_draft": lambda s: s.proof_draft(draft()),
        "send_proof": lambda s: s.send_proof(draft()),
        "approve": lambda s: s.approve(campaign),
        "reject": lambda s: s.reject(campaign, "no"),
    }


LISTS_CALLS = {
    "save_group": lambda x: x.save_group("staff", []),
    "delete_group": lambda x: x.delete_group("staff"),
    "save_template": lambda x: x.save_template("hello", "Salam"),
    "delete_template": lambda x: x.delete_template("hello"),
    "add_optouts": lambda x: x.add_optouts([NUMBERS[3]]),
    "remove_optouts": lambda x: x.remove_optouts([NUMBERS[0]]),
}


async def test_a_read_only_core_refuses_every_mutating_call(service, store, sim):
    session = Session(load_settings(), service.profile, store, service)
    writable = Core(session)
    plan = await writable.sending.prepare(draft())  # prepared before monitor mode: its send must still be refused
    campaign = await service.journal_campaign(draft(NUMBERS[:2]), [draft(NUMBERS[:1]), draft(NUMBERS[1:2])])
    controlid = (await store_parts(writable, campaign))[0]
    store.lists.add_optouts([NUMBERS[0]])
    store.lists.save_template("hello", "Salam")
    before = [(p.controlid, p.state, p.scheduled) for p in (await writable.sending.campaign(campaign)).parts]

    core = Core(session, read_only=True)
    assert core.read_only
    calls = sending_calls(plan, campaign, controlid)
    assert set(calls) == public_methods(Sending) - SENDING_READS
    assert set(LISTS_CALLS) == public_methods(Lists) - LISTS_READS
    for name, call in calls.items():
        with pytest.raises(ReadOnly, match="monitor mode is read-only") as exc:
            await call(core.sending)
        assert exc.value.exit_code == 2, name
    for call in LISTS_CALLS.values():
        with pytest.raises(ReadOnly, match="monitor mode is read-only"):
            await call(core.lists)

    assert sim.tasks == []
    after = [(p.controlid, p.state, p.scheduled) for p in (await core.sending.campaign(campaign)).parts]
    assert after == before and all(state is State.QUEUED for _c, state, _s in after)
    assert [o.msisdn for o in await core.lists.optouts()] == [NUMBERS[0]]
    assert [t.name for t in await core.lists.templates()] == ["hello"]
    # looking is still allowed
    assert [c.campaign for c in await core.sending.campaigns()] == [campaign]


async def test_the_core_refuses_below_the_api_too(service, store, sim):
    """A face (or a helper) that reached the service directly is refused as well."""
    campaign = await service.journal_campaign(draft(NUMBERS[:1]), [draft(NUMBERS[:1])])
    service.profile.read_only = True
    with pytest.raises(ReadOnly):
        await service.submit(draft())
    with pytest.raises(ReadOnly):
        await service.journal_campaign(draft(), [draft()])
    [part] = await store_parts(Core(Session(load_settings(), service.profile, store, service)), campaign)
    with pytest.raises(ReadOnly):
        await service.send_queued(part)
    assert sim.tasks == []


async def store_parts(core: Core, campaign: str) -> list[str]:
    return [p.controlid for p in (await core.sending.campaign(campaign)).parts]
