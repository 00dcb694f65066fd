"""The rails through the core, against the simulator, with the simulator's
clock as the service's "now": quiet hours, paced campaigns, proofs,
two-person approval, rescheduling."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from atlsms_tui.core import approval, baku, campaign, proof, quiet_hours, send_plan
from atlsms_tui.core.errors import InputError
from atlsms_tui.core.models import Recipient, State
from atlsms_tui.core.pacing import parse_pace
from atlsms_tui.core.quiet_hours import QuietHoursError
from atlsms_tui.core.repeat_guard import RepeatError
from atlsms_tui.core.service import Draft

NUMBERS = [f"99450{i:07d}" for i in range(1000000, 1000030)]
STAFF = ["0551234567", "0701234567"]


def at(clock, *hm, day=1):
    when = datetime(2026, 12, day, *hm, tzinfo=baku.BAKU)
    clock.set(when.timestamp())
    return when


@pytest.fixture
def rails(service, clock):
    service.clock = baku.clock_of(clock)
    service.profile.quiet_hours = "21:00-09:00"
    return service


def draft(n: int | None = None, text="Hello from ATL"):
    return Draft("ATL", [Recipient(m) for m in NUMBERS[:n]], text)


def test_window_parsing_and_edges():
    w = quiet_hours.parse("21:00-09:00")
    assert str(w) == "21:00-09:00"
    inside = datetime(2026, 12, 1, 22, 30, tzinfo=baku.BAKU)
    assert w.contains(inside)
    assert w.contains(datetime(2026, 12, 1, 8, 59, tzinfo=baku.BAKU))
    assert not w.contains(datetime(2026, 12, 1, 9, 0, tzinfo=baku.BAKU))
    assert not w.contains(datetime(2026, 12, 1, 20, 59, tzinfo=baku.BAKU))
    assert w.window_end(inside) == datetime(2026, 12, 2, 9, 0, tzinfo=baku.BAKU)
    assert quiet_hours.parse("off") is None
    # a daytime window works as well
    day = quiet_hours.parse("13:00-14:00")
    assert day.contains(datetime(2026, 12, 1, 13, 30, tzinfo=baku.BAKU))
    assert not day.contains(datetime(2026, 12, 1, 14, 30, tzinfo=baku.BAKU))
    with pytest.raises(InputError, match="quiet_hours"):
        quiet_hours.parse("9pm-9am")


async def test_send_at_2230_baku_is_refused(rails, sim, clock):
    at(clock, 22, 30)
    with pytest.raises(QuietHoursError) as exc:
        await send_plan.submit_campaign(rails, draft())
    assert "21:00-09:00" in str(exc.value)
    assert "2026-12-02 09:00" in str(exc.value)
    assert sim.tasks == []
    assert rails.tasks() == []  # nothing journalled either


async def test_next_window_schedules_for_0900(rails, sim, clock):
    at(clock, 22, 30)
    result = await send_plan.submit_campaign(rails, draft(), quiet=quiet_hours.NEXT_WINDOW)
    assert result.state == "accepted"
    [task] = sim.tasks
    assert task.scheduled == "2026-12-02 09:00:00"
    assert rails.tasks()[0].scheduled == "2026-12-02 09:00:00"


async def test_ignore_quiet_hours_sends_now(rails, sim, clock):
    at(clock, 22, 30)
    result = await send_plan.submit_campaign(rails, draft(), quiet=quiet_hours.IGNORE)
    assert result.state == "accepted"
    assert sim.tasks[0].scheduled == "NOW"


async def test_at_inside_the_window_is_refused_and_outside_allowed(rails, sim, clock):
    at(clock, 12, 0)
    night = Draft("ATL", [Recipient(NUMBERS[0])], "x", scheduled=datetime(2026, 12, 1, 23, 0, tzinfo=baku.BAKU))
    with pytest.raises(QuietHoursError, match="2026-12-02 09:00"):
        await send_plan.submit_campaign(rails, night)
    evening = Draft("ATL", [Recipient(NUMBERS[0])], "x", scheduled=datetime(2026, 12, 1, 20, 0, tzinfo=baku.BAKU))
    assert (await send_plan.submit_campaign(rails, evening)).state == "accepted"
    assert sim.tasks[0].scheduled == "2026-12-01 20:00:00"


async def test_env_override_turns_quiet_hours_off(rails, sim, clock, monkeypatch):
    from atlsms_tui.core.settings import Profile, Settings, resolve_profile

    monkeypatch.setenv("ATLSMS_PASSWORD", "x")
    settings = Settings(profiles={"p": Profile("p", "tester", quiet_hours="22:00-08:00")}, current="p")
    monkeypatch.delenv("ATLSMS_QUIET_HOURS")
    assert resolve_profile(settings).quiet_hours == "22:00-08:00"  # the profile's own
    monkeypatch.setenv("ATLSMS_QUIET_HOURS", "off")
    from atlsms_tui.core.settings import _with_env

    assert resolve_profile(_with_env(settings)).quiet_hours == "off"


async def test_resume_stops_at_the_edge_and_says_when(rails, sim, clock):
    at(clock, 20, 59)
    # journalled whole; the first part goes, then the clock passes 21:00
    sent = []

    def progress(p):
        if p.stage == "sending" and "accepted" in p.text and not sent:
            sent.append(p.part)
            clock.advance(120)

    result = await send_plan.submit_campaign(rails, draft(), max_per_task=10, progress=progress)
    assert [r.state for r in result.results] == [State.ACCEPTED, State.QUEUED, State.QUEUED]
    assert result.paused_until == datetime(2026, 12, 2, 9, 0, tzinfo=baku.BAKU)
    assert result.as_json()["resume_at"] == "2026-12-02 09:00:00"
    assert len(sim.tasks) == 1
    # resume in the window: refused again; at 09:00 it finishes
    again = await campaign.resume_campaign(rails, result.campaign)
    assert again.paused_until is not None and len(sim.tasks) == 1
    at(clock, 9, 0, day=2)
    done = await campaign.resume_campaign(rails, result.campaign)
    assert done.state == "accepted" and len(sim.tasks) == 3


async def test_paced_campaign_scheduled_times(rails, sim, clock):
    at(clock, 18, 30)
    result = await send_plan.submit_campaign(rails, draft(25), pace=parse_pace("10/h"))
    assert result.state == "accepted"
    scheduled = [t.scheduled for t in sorted(sim.tasks, key=lambda t: int(t.taskid))]
    # 10 an hour from now; the third part would fall at 20:30, still outside
    assert scheduled == ["NOW", "2026-12-01 19:30:00", "2026-12-01 20:30:00"]
    assert [len(sim.recipients_of(t.taskid)) for t in sorted(sim.tasks, key=lambda t: int(t.taskid))] == [10, 10, 5]


async def test_paced_parts_leave_quiet_hours(rails, sim, clock):
    at(clock, 19, 30)
    plan, _ = send_plan.plan_parts(rails, draft(30), pace=parse_pace("10/h"))
    assert plan.as_json()["schedule"][1]["scheduled"] == "2026-12-01 20:30:00"
    # 21:30 is quiet: moved to 09:00 the next day
    assert plan.as_json()["last_part"] == "2026-12-02 09:00:00"
    result = await send_plan.submit_campaign(rails, draft(30), pace=parse_pace("10/h"))
    assert sorted(t.scheduled for t in sim.tasks) == ["2026-12-01 20:30:00", "2026-12-02 09:00:00", "NOW"]
    # every part journalled with its own time
    c = campaign.load_campaign(rails, result.campaign)
    assert [p.scheduled for p in c.parts] == ["NOW", "2026-12-01 20:30:00", "2026-12-02 09:00:00"]


def test_pace_parsing():
    assert parse_pace("10000/h").count == 10000
    assert parse_pace("200/min").unit == timedelta(minutes=1)
    with pytest.raises(InputError, match="--pace"):
        parse_pace("fast")


async def test_proof_is_marked_and_kept_out_of_the_repeat_guard(rails, sim, clock):
    at(clock, 12, 0)
    rails.profile.proof_numbers = STAFF
    d = draft()
    r = await proof.send_proof(rails, d)
    assert r.state is State.ACCEPTED
    [task] = sim.tasks
    assert sorted(m for m, _ in sim.recipients_of(task.taskid)) == ["994551234567", "994701234567"]
    [row] = rails.tasks()
    assert row.proof and row.as_json()["proof"] is True
    # a proof to staff is no earlier send of the campaign to its people
    assert rails.find_repeat(d) is None
    assert (await send_plan.submit_campaign(rails, d)).state == "accepted"
    with pytest.raises(RepeatError):
        await send_plan.submit_campaign(rails, d)


async def test_proof_of_a_mail_merge_sends_its_first_messages(rails, sim, clock):
    at(clock, 12, 0)
    rails.profile.proof_numbers = STAFF
    d = Draft("ATL", [Recipient(m, f"Dear {i}") for i, m in enumerate(NUMBERS)], None, template="Dear {n}")
    await proof.send_proof(rails, d)
    got = sim.recipients_of(sim.tasks[0].taskid)
    assert got == [("994551234567", "Dear 0"), ("994701234567", "Dear 1"), ("994551234567", "Dear 2")]


async def test_proof_required_above_n(rails, sim, clock):
    at(clock, 12, 0)
    rails.profile.proof_numbers = STAFF
    rails.profile.require_proof_above = 10
    with pytest.raises(proof.ProofRequired, match="--proof"):
        await send_plan.submit_campaign(rails, draft())
    assert sim.tasks == []
    # small campaigns need none
    assert (await send_plan.submit_campaign(rails, draft(5, "small"))).state == "accepted"
    # a proof of another text does not count
    await proof.send_proof(rails, draft(text="Helo from ATL"))
    with pytest.raises(proof.ProofRequired):
        await send_plan.submit_campaign(rails, draft())
    await proof.send_proof(rails, draft())
    assert proof.describe(rails, draft()).startswith("proof: accepted at ")  # the journal's own clock
    assert proof.describe(rails, draft(text="never proofed")) == "proof: none sent for this exact text"
    assert (await send_plan.submit_campaign(rails, draft())).state == "accepted"


async def test_approval_by_another_user(rails, sim, clock):
    at(clock, 12, 0)
    rails.profile.approval_above = 10
    held = await send_plan.submit_campaign(rails, draft(), operator="alice")
    assert held.state == "awaiting_approval" and held.as_json()["campaign"] == held.campaign
    assert sim.tasks == []
    assert [c.campaign for c in approval.pending(rails)] == [held.campaign]
    assert approval.rendered(rails, held.campaign) == ["Hello from ATL"]
    # resume cannot slip past the approval
    with pytest.raises(InputError, match="awaiting approval"):
        await campaign.resume_campaign(rails, held.campaign)
    with pytest.raises(InputError, match="another operator"):
        await approval.approve(rails, held.campaign, "alice")
    assert sim.tasks == []
    done = await approval.approve(rails, held.campaign, "bob")
    assert done.state == "accepted" and len(sim.recipients_of(sim.tasks[0].taskid)) == 30
    c = campaign.load_campaign(rails, held.campaign)
    assert (c.approval, c.submitted_by, c.decided_by) == ("approved", "alice", "bob")
    with pytest.raises(InputError, match="not awaiting"):
        await approval.approve(rails, held.campaign, "carol")


async def test_reject_drops_it(rails, sim, clock):
    at(clock, 12, 0)
    rails.profile.approval_above = 10
    held = await send_plan.submit_campaign(rails, draft(), operator="alice")
    with pytest.raises(InputError, match="reason"):
        approval.reject(rails, held.campaign, "bob", "  ")
    assert approval.reject(rails, held.campaign, "bob", "typo in the text") == 1
    c = campaign.load_campaign(rails, held.campaign)
    assert c.approval == "rejected" and c.decision == "typo in the text"
    assert all(p.state is State.CANCELLED for p in c.parts)
    with pytest.raises(InputError, match="rejected"):
        await campaign.resume_campaign(rails, held.campaign)
    assert sim.tasks == []


async def test_reschedule_moves_unsent_parts(rails, sim, clock):
    at(clock, 12, 0)
    rails.profile.approval_above = 10
    held = await send_plan.submit_campaign(rails, draft(25), pace=parse_pace("10/h"), operator="alice")
    with pytest.raises(QuietHoursError):
        campaign.reschedule_campaign(rails, held.campaign, datetime(2026, 12, 1, 22, 0, tzinfo=baku.BAKU))
    moved = campaign.reschedule_campaign(rails, held.campaign, datetime(2026, 12, 1, 19, 30, tzinfo=baku.BAKU))
    # spacing kept; the third part leaves quiet hours
    assert moved == [(1, "2026-12-01 19:30:00"), (2, "2026-12-01 20:30:00"), (3, "2026-12-02 09:00:00")]
    await approval.approve(rails, held.campaign, "bob")
    assert sorted(t.scheduled for t in sim.tasks) == [w for _p, w in moved]
    with pytest.raises(InputError, match="no way to cancel"):
        campaign.reschedule_campaign(rails, held.campaign, datetime(2026, 12, 1, 19, 0, tzinfo=baku.BAKU))


async def test_approval_after_the_schedule_passed_asks_for_a_reschedule(rails, sim, clock):
    at(clock, 12, 0)
    rails.profile.approval_above = 10
    held = await send_plan.submit_campaign(rails, draft(25), pace=parse_pace("10/h"), operator="alice")
    at(clock, 15, 0)  # parts 2 and 3 (13:00, 14:00) are in the past now
    with pytest.raises(InputError, match="reschedule"):
        await approval.approve(rails, held.campaign, "bob")
    assert sim.tasks == []
    assert campaign.load_campaign(rails, held.campaign).approval == "awaiting"
    campaign.reschedule_campaign(rails, held.campaign, datetime(2026, 12, 1, 16, 0, tzinfo=baku.BAKU))
    assert (await approval.approve(rails, held.campaign, "bob")).state == "accepted"
    assert sorted(t.scheduled for t in sim.tasks) == [
        "2026-12-01 16:00:00", "2026-12-01 17:00:00", "2026-12-01 18:00:00"]


async def test_uncertain_paced_part_is_settled_under_its_own_controlid_and_time(rails, sim, clock):
    from atlsms_tui.simulator import Fault

    at(clock, 12, 0)
    sim.inject(Fault("drop", operation="submit", times=2))  # the first part and its resend
    result = await send_plan.submit_campaign(rails, draft(20), pace=parse_pace("10/h"))
    assert result.results[0].state is State.UNCERTAIN
    first = result.results[0].controlid
    sim.clear_faults()
    done = await campaign.resume_campaign(rails, result.campaign)
    assert done.state == "accepted"
    assert done.results[0].controlid == first
    assert sorted(t.scheduled for t in sim.tasks) == ["2026-12-01 13:00:00", "NOW"]


def test_rail_settings_per_profile_from_the_file(private_dirs, monkeypatch):
    import json

    from atlsms_tui.core import paths
    from atlsms_tui.core.errors import ConfigError
    from atlsms_tui.core.settings import load_settings, resolve_profile

    monkeypatch.delenv("ATLSMS_QUIET_HOURS")
    monkeypatch.setenv("ATLSMS_PASSWORD", "x")
    doc = {"current": "a", "preferences": {"approval_above": 500},
           "profiles": {"a": {"login": "l", "quiet_hours": "22:00-07:00", "proof_numbers": ["0551234567"]},
                        "b": {"login": "l", "approval_above": 0}}}
    paths.write_private(paths.settings_file(), json.dumps(doc).encode())
    a = resolve_profile(load_settings(), "a")
    assert (a.quiet_hours, a.proof_numbers, a.approval_above) == ("22:00-07:00", ["0551234567"], 500)
    b = resolve_profile(load_settings(), "b")
    assert (b.quiet_hours, b.proof_numbers, b.approval_above) == ("21:00-09:00", [], 0)
    monkeypatch.setenv("ATLSMS_PROOF_NUMBERS", "0501234567, 0701234567")
    monkeypatch.setenv("ATLSMS_QUIET_HOURS", "off")
    a = resolve_profile(load_settings(), "a")
    assert (a.quiet_hours, a.proof_numbers) == ("off", ["0501234567", "0701234567"])
    monkeypatch.setenv("ATLSMS_APPROVAL_ABOVE", "-3")
    with pytest.raises(ConfigError, match="approval_above"):
        resolve_profile(load_settings(), "a")


async def test_proof_of_a_mail_merge_counts_despite_opt_outs(rails, sim, clock):

    at(clock, 12, 0)
    rails.profile.proof_numbers = STAFF
    rails.profile.require_proof_above = 10
    rails.store.lists.add_optouts([NUMBERS[0]])
    # personal messages without a template: the key is every message sent
    d = Draft("ATL", [Recipient(m, f"Code {i}") for i, m in enumerate(NUMBERS)], None)
    await proof.send_proof(rails, d)
    # the proof shows what the campaign sends: the opted-out row is not in it
    assert [t for _m, t in sim.recipients_of(sim.tasks[0].taskid)] == ["Code 1", "Code 2", "Code 3"]
    result = await send_plan.submit_campaign(rails, d)
    assert result.state == "accepted" and len(sim.recipients_of(sim.tasks[1].taskid)) == 29
