"""Packed recipients behave as the list they replace, end to end."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atlsms_tui.core import protocol, send_plan
from atlsms_tui.core.models import Recipient, State
from atlsms_tui.core.packed import PackedRecipients
from atlsms_tui.core.service import Draft, estimate
from atlsms_tui.core.xmlchars import find_illegal

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",))).filter(lambda s: find_illegal(s) is None)


@settings(max_examples=60, deadline=None)
@given(st.lists(text, min_size=1, max_size=30))
def test_same_bytes_and_estimate_as_a_list(msgs):
    rows = [Recipient(f"99450{i:07d}", m or "x") for i, m in enumerate(msgs)]
    packed = PackedRecipients(rows)
    assert list(packed) == rows and packed[3:7] == rows[3:7] and packed[-1] == rows[-1]
    assert b"".join(protocol.iter_submit_bodies(packed, batch=7)) == b"".join(protocol.iter_submit_bodies(rows, batch=7))
    assert estimate(Draft("T", packed)) == estimate(Draft("T", rows))


def test_bulk_and_errors():
    p = PackedRecipients([Recipient("994501234567"), Recipient("994551234567")])
    assert not p.individual and p[1] == Recipient("994551234567")
    doc = ET.fromstring(b"<r>" + b"".join(protocol.iter_submit_bodies(p)) + b"</r>")
    assert [b.findtext("msisdn") for b in doc] == ["994501234567", "994551234567"]
    with pytest.raises(ValueError):
        p.append(Recipient("994501234567", "mixed"))
    with pytest.raises(ValueError):
        PackedRecipients([Recipient("+994501234567")])
    bad = PackedRecipients([Recipient("994501234567", "ok"), Recipient("994551234567", "a\x02b")])
    with pytest.raises(Exception, match="row 2"):
        list(protocol.iter_submit_bodies(bad))


async def test_packed_campaign_with_optouts_end_to_end(service, sim):
    rows = [Recipient(f"9945012345{i:02d}", f"Hörmətli #{i}") for i in range(7)]
    service.store.lists.add_optouts([rows[1].msisdn])
    r = await send_plan.submit_campaign(service, Draft("ATL", PackedRecipients(rows)), max_per_task=3)
    assert r.optouts_removed == 1 and {x.state for x in r.results} == {State.ACCEPTED}
    got = [pair for t in sim.tasks for pair in sim.recipients_of(t.taskid)]
    assert got == [(x.msisdn, x.message) for x in rows if x is not rows[1]]
