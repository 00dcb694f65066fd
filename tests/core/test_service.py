"""The service layer against the simulator over loopback HTTP: every code,
every fault kind, the submit discipline."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest

from atlsms_tui.core import baku
from atlsms_tui.core.errors import ApiError, InputError, ProtocolError, TransportError
from atlsms_tui.core.models import DeliveryStatus, Recipient, State
from atlsms_tui.core.service import Draft, Service
from atlsms_tui.simulator import Fault

from support import FAST_RETRY, FAST_TIMEOUTS, LOGIN, SENTINEL, make_profile

A, B, C = "994501234567", "994551234567", "994701234567"


def bulk(msg="Salam", to=(A, B), title="ATL", at=None):
    return Draft(title=title, recipients=[Recipient(n) for n in to], message=msg, scheduled=at)


async def test_units_and_cache(service, sim):
    u = await service.units()
    assert u.units == 10_000
    assert service.cached_units().units == 10_000


async def test_bulk_submit_accepted_and_units_deducted(service, sim):
    r = await service.submit(bulk("x" * 161, to=(A, B, C)))
    assert r.state is State.ACCEPTED and r.taskid
    assert (r.recipients, r.segments, r.units_estimate) == (3, 2, 6)
    task = sim.task(r.taskid)
    assert task.controlid == r.controlid and len(r.controlid) <= 18 and r.controlid.isdigit()
    assert sim.recipients_of(r.taskid) == [(A, "x" * 161), (B, "x" * 161), (C, "x" * 161)]
    assert sim.account(LOGIN).units == 10_000 - 6  # estimate == what the server charged
    [row] = service.tasks()
    assert row.state is State.ACCEPTED and row.taskid == r.taskid
    assert sim.requests[-1]["scheduled"] == "NOW"


async def test_individual_submit_ucs2_estimate_matches_server(service, sim):
    msgs = {A: "Hörmətli müştəri, " * 5, B: "short", C: "ş"}
    d = Draft(title="SHOP", recipients=[Recipient(n, m) for n, m in msgs.items()])
    r = await service.submit(d)
    assert r.state is State.ACCEPTED
    assert sim.recipients_of(r.taskid) == list(msgs.items())
    assert 10_000 - sim.account(LOGIN).units == r.units_estimate


async def test_scheduled_send_in_baku_time(service, sim, clock):
    at = baku.now_baku().replace(microsecond=0) + timedelta(days=2)
    r = await service.submit(bulk(at=at))
    assert r.state is State.ACCEPTED
    assert sim.requests[-1]["scheduled"] == at.strftime("%Y-%m-%d %H:%M:%S")
    assert service.task(r.controlid).scheduled == at.strftime("%Y-%m-%d %H:%M:%S")


@pytest.mark.parametrize("draft, code", [
    (lambda: bulk(title="NOPE"), "235"),
    (lambda: bulk(title="bad title!"), "107"),
    (lambda: bulk("x" * 1530, to=(A, B, C) * 1), None),  # 10 segments, the default limit: accepted
])
async def test_rejections_carry_code(service, sim, draft, code):
    r = await service.submit(draft())
    if code is None:
        assert r.state is State.ACCEPTED
    else:
        assert r.state is State.REJECTED and r.code == code
        assert service.task(r.controlid).state is State.REJECTED


async def test_not_enough_units_118(service, sim):
    sim.set_units(LOGIN, 1)
    r = await service.submit(bulk())
    assert (r.state, r.code, r.wording) == (State.REJECTED, "118", "Not enough units")
    assert "Top up" in r.advice


async def test_wrong_password_105(sim, store):
    svc = Service(make_profile(sim.url, password="wrong"), store, timeouts=FAST_TIMEOUTS, retry=FAST_RETRY)
    try:
        with pytest.raises(ApiError) as e:
            await svc.units()
        assert e.value.code == "105" and "authentification" in e.value.wording
        r = await svc.submit(bulk())
        assert r.state is State.REJECTED and r.code == "105"
    finally:
        await svc.aclose()


@pytest.mark.parametrize("code", ["201", "300"])
async def test_system_error_on_submit_is_settled_by_the_resend(service, sim, code):
    sim.inject(Fault("code", operation="submit", code=code))
    r = await service.submit(bulk())
    # The fault answered without processing; the automatic resend went through.
    assert r.state is State.ACCEPTED
    assert len(sim.tasks) == 1
    submits = [q for q in sim.requests if q["operation"] == "submit"]
    assert len(submits) == 2 and submits[-1]["controlid"] == r.controlid


@pytest.mark.parametrize("kind", ["drop", "truncated", "delay"])
async def test_answer_lost_after_accept_settles_as_accepted_without_taskid(service, sim, kind):
    sim.inject(Fault(kind, operation="submit", seconds=3.0))
    r = await service.submit(bulk())
    assert r.state is State.ACCEPTED_WITHOUT_TASKID
    assert "no report" in r.headline()
    assert len(sim.tasks) == 1  # never sent twice
    submits = [q for q in sim.requests if q["operation"] == "submit"]
    assert len(submits) == 2 and submits[0]["controlid"] == submits[1]["controlid"]
    assert submits[1]["code"] == "002"


@pytest.mark.parametrize("kind", ["http500", "html", "redirect", "entity"])
async def test_answer_unreadable_before_processing_settles_as_accepted(service, sim, kind):
    sim.inject(Fault(kind, operation="submit"))
    r = await service.submit(bulk())
    assert r.state is State.ACCEPTED and r.taskid
    assert len(sim.tasks) == 1


async def test_uncertain_twice_stays_uncertain_then_retry_settles(service, sim):
    sim.inject(Fault("drop", operation="submit", times=2))
    r = await service.submit(bulk())
    assert r.state is State.UNCERTAIN
    assert "retry" in r.headline() and "never send it again" in r.headline()
    assert service.task(r.controlid).state is State.UNCERTAIN
    r2 = await service.retry(r.controlid)
    assert r2.state is State.ACCEPTED_WITHOUT_TASKID and r2.controlid == r.controlid
    assert len(sim.tasks) == 1
    with pytest.raises(InputError, match="not uncertain"):
        await service.retry(r.controlid)


async def test_retry_identical_payload(service, sim):
    sim.inject(Fault("stall", operation="submit", seconds=3.0, times=2))
    d = Draft(title="ATL", recipients=[Recipient(A, "bir & <iki>"), Recipient(B, "üç\r\nдва")])
    r = await service.submit(d)
    assert r.state is State.UNCERTAIN  # both attempts timed out before the server read them
    assert len(sim.tasks) == 0
    r2 = await service.retry(r.controlid)
    assert r2.state is State.ACCEPTED
    assert sim.recipients_of(r2.taskid) == [(A, "bir & <iki>"), (B, "üç\r\nдва")]


async def test_refused_connection_is_failed_nothing_sent(store):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    svc = Service(make_profile(f"http://127.0.0.1:{port}/bulksms/api"), store, timeouts=FAST_TIMEOUTS, retry=FAST_RETRY)
    try:
        r = await svc.submit(bulk())
        assert r.state is State.FAILED and "nothing was sent" in r.detail
        with pytest.raises(TransportError):
            await svc.units()
    finally:
        await svc.aclose()


async def test_reads_retry_transient_faults(service, sim):
    sim.inject(Fault("http500", operation="units", times=2))
    assert (await service.units()).units == 10_000
    sim.inject(Fault("truncated", operation="units"))
    assert (await service.units()).units == 10_000


async def test_reads_give_up_with_typed_error(service, sim):
    sim.inject(Fault("http500", operation="units", times=5))
    with pytest.raises(TransportError, match="HTTP 500"):
        await service.units()
    sim.clear_faults()
    for kind, words in [("html", "refused|not an API response"), ("redirect", "redirect"), ("entity", "refused"), ("huge", "larger")]:
        sim.inject(Fault(kind, operation="units"))
        with pytest.raises(ProtocolError, match=words):
            await service.units()


async def test_reports_not_ready_then_delivered(service, sim, clock):
    r = await service.submit(bulk(to=(A, B, C)))
    rep = await service.report(r.taskid)
    assert rep.ready is False  # 001 is a state, not an error
    clock.advance(6)
    rep = await service.report(r.taskid)
    assert rep.ready and rep.pending == 3
    clock.advance(30)
    rep = await service.report(r.taskid)
    assert rep.ready and rep.pending == 0 and rep.total == 3
    stored = service.tasks()[0].report
    assert stored.delivered == rep.delivered and stored.failed == rep.failed
    fetch = await service.detailed_report(r.taskid)
    assert fetch.ready and fetch.rows == 3
    assert (fetch.report.delivered, fetch.report.failed, fetch.report.removed) == (rep.delivered, rep.failed, rep.removed)
    page = service.detail_page(r.taskid)
    assert page.total == 3 and {x.msisdn for x in page.rows} == {A, B, C}
    deliv = service.detail_page(r.taskid, status=DeliveryStatus.DELIVERED)
    assert deliv.total == rep.delivered
    assert service.detail_page(r.taskid, search="55123").rows[0].msisdn == B


async def test_report_codes(service, sim, clock):
    with pytest.raises(ApiError) as e:
        await service.report("999999")
    assert e.value.code == "109"
    r = await service.submit(bulk())
    clock.advance(10)
    sim.cancel_task(r.taskid)
    with pytest.raises(ApiError) as e:
        await service.report(r.taskid)
    assert e.value.code == "110"
    with pytest.raises(InputError):
        await service.report("")


async def test_detailed_report_not_ready_and_refetch_replaces(service, sim, clock):
    r = await service.submit(bulk(to=(A, B)))
    assert (await service.detailed_report(r.taskid)).ready is False
    assert service.detail_page(r.taskid).total == 0
    clock.advance(6)
    first = await service.detailed_report(r.taskid)
    assert first.ready and first.report.pending == 2
    clock.advance(60)
    second = await service.detailed_report(r.taskid)
    assert second.report.pending == 0
    assert service.detail_page(r.taskid).total == 2  # replaced, not appended
    # a failed download keeps the previous complete report
    sim.inject(Fault("truncated", operation="detailedreport", times=5))
    with pytest.raises(TransportError):
        await service.detailed_report(r.taskid)
    assert service.detail_page(r.taskid).total == 2


async def test_other_accounts_task_is_109(sim, store, clock):
    from atlsms_tui.simulator import Account

    sim.add_account(Account("other", "other-pass", units=100, titles={"ATL"}))
    svc = Service(make_profile(sim.url), store, timeouts=FAST_TIMEOUTS, retry=FAST_RETRY)
    other = make_profile(sim.url, name="other", password="other-pass")
    other.login = "other"
    svc2 = Service(other, store, timeouts=FAST_TIMEOUTS, retry=FAST_RETRY)
    try:
        r = await svc2.submit(bulk())
        clock.advance(10)
        with pytest.raises(ApiError) as e:
            await svc.report(r.taskid)
        assert e.value.code == "109"
    finally:
        await svc.aclose()
        await svc2.aclose()


async def test_draft_checks_before_anything_is_journalled(service, sim):
    for d, words in [
        (bulk(title=""), "title"),
        (bulk(title="ABCDEFGHIJKL"), "longer"),
        (bulk(msg="  "), "empty"),
        (bulk(to=()), "no recipients"),
        (bulk(at=baku.now_baku() - timedelta(minutes=1)), "past"),
        (Draft("ATL", [Recipient(A, "ok"), Recipient(B, "bad\x01")]), "row 2"),
    ]:
        with pytest.raises(InputError, match=words):
            await service.submit(d)
    assert service.tasks() == [] and sim.tasks == []


async def test_password_never_in_store(service, sim, private_dirs):
    sim.inject(Fault("drop", operation="submit", times=2))
    await service.submit(bulk())
    await service.units()
    for path in private_dirs[1].rglob("*"):
        if path.is_file():
            assert SENTINEL.encode() not in path.read_bytes(), path
    assert SENTINEL not in repr(service) and SENTINEL not in repr(service.profile)
    assert SENTINEL not in repr(service.client.__dict__)


async def test_payload_kept_while_uncertain_and_tamper_refused(service, sim):
    sim.inject(Fault("drop", operation="submit", times=2))
    r = await service.submit(bulk())
    assert r.state is State.UNCERTAIN
    path = service.store.journal.payload_path(r.controlid)
    assert path.exists() and oct(path.stat().st_mode & 0o777) == "0o600"
    data = path.read_bytes()
    assert A.encode() in data and SENTINEL.encode() not in data
    path.write_bytes(data.replace(A.encode(), b"994709999999"))
    with pytest.raises(InputError, match="does not match"):
        await service.retry(r.controlid)
    assert len(sim.tasks) == 1
    assert service.task(r.controlid).state is State.UNCERTAIN


async def test_payload_forgotten_once_settled(service, sim):
    r = await service.submit(bulk())
    assert r.state is State.ACCEPTED
    assert not service.store.journal.payload_path(r.controlid).exists()
    assert not [p for p in service.store.journal.payload_dir.iterdir()]


async def test_resend_refused_for_a_state_dependent_reason_stays_uncertain(service, sim):
    # The first attempt's answer is lost; the resend meets 118 (the first one
    # may have spent the units), which proves nothing about the first one.
    sim.inject(Fault("drop", operation="submit"))
    sim.inject(Fault("code", operation="submit", code="118"))
    r = await service.submit(bulk())
    assert r.state is State.UNCERTAIN and r.code == "118"
    assert "still unknown" in r.detail
    # A refusal that depends only on the payload settles it as rejected: with
    # duplicates checked first (as the simulator does, per the document's
    # code order), an identical payload that had arrived would get 002.
    sim.inject(Fault("code", operation="submit", code="117"))
    r2 = await service.retry(r.controlid)
    assert r2.state is State.REJECTED and r2.code == "117"
