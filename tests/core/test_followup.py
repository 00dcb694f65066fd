"""The follow-up core: status names, and what a stored detailed report
gives (statuses the document does not list count as errors, as the summary
counts them; pending rows and unreadable numbers are told)."""

from __future__ import annotations

import pytest

from atlsms_tui.core import followup
from atlsms_tui.core.errors import InputError, NotFoundError
from atlsms_tui.core.models import DeliveryStatus, DetailRow, Recipient
from atlsms_tui.core.service import Draft

A, B, C, D, E = (f"99450{3000000 + i:07d}" for i in range(5))


def test_status_names_aliases_and_order():
    assert followup.parse_statuses("error, failed,FAILED") == (DeliveryStatus.FAILED, DeliveryStatus.ERROR)
    assert followup.parse_statuses(["queued", DeliveryStatus.DELIVERED]) == (
        DeliveryStatus.QUEUED, DeliveryStatus.DELIVERED)
    assert followup.status_names(followup.parse_statuses("pending,removed")) == "pending,removed"
    with pytest.raises(InputError, match=r"unknown status 'bounced' \(choose from pending, delivered"):
        followup.parse_statuses("failed,bounced")
    with pytest.raises(InputError, match="no status given"):
        followup.parse_statuses(" , ")


async def test_a_stored_report_gives_the_numbers_of_the_statuses(service, sim):
    sent = await service.submit(Draft("ATL", [Recipient(n) for n in (A, B, C, D, E)], "Hello"))
    assert sent.taskid
    profile, reports = service.profile.name, service.store.reports
    gen = reports.new_detail_generation()
    reports.add_detail_rows(gen, 0, [
        DetailRow(A, "Hello", 3), DetailRow(B, "Hello", 2), DetailRow(C, "Hello", 7),  # 7: not in the document
        DetailRow(D, "Hello", 1), DetailRow("12345", "Hello", 5), DetailRow(E, "Hello", 5),
    ])
    reports.commit_detail(profile, sent.taskid, gen, 6)
    service.store.lists.add_optouts([E], reason="asked to stop")

    label, parts = followup.resolve(service, sent.taskid)
    assert label == f"task {sent.taskid}"
    fu = followup.collect(service, label, followup.reported(label, parts),
                          followup.parse_statuses("failed,error"), [])
    assert [r.msisdn for r in fu.recipients] == [A, C]  # E opted out, "12345" no number
    assert (fu.matched, fu.optouts_removed, fu.unreadable, fu.pending) == (3, 1, 1, 1)
    assert fu.message == "Hello" and fu.title == "ATL" and not fu.individual
    assert any("still pending" in line for line in fu.lines())

    only_failed = followup.collect(service, label, parts, followup.parse_statuses("failed"), [])
    assert [r.msisdn for r in only_failed.recipients] == [A]


async def test_unknown_sources_are_named(service):
    with pytest.raises(NotFoundError, match="no task 424242 in the journal"):
        followup.resolve(service, "424242")
    with pytest.raises(NotFoundError, match="'C-nope'"):
        followup.resolve(service, "C-nope")
    with pytest.raises(InputError, match="no task id or campaign id"):
        followup.resolve(service, " ")
