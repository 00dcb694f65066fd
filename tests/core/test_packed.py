"""Packed recipients behave as the list they replace, end to end."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atlsms_tui.core import protocol, send_plan
from atlsms_tui.core.drafts import check_draft
from atlsms_tui.core.errors import InputError
from atlsms_tui.core.models import Recipient, State
from atlsms_tui.core.packed import PackedRecipients
from atlsms_tui.core.repeat_guard import content_key
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


@pytest.mark.parametrize("bad", ["a\x01b", "a\x02", "\x03", "tab\x0bbed", "x\ufffe", "y\uffff", "\ud800 lone"])
def test_packed_bodies_refuse_what_the_list_refuses(bad):
    """The packed serialiser works on the buffer's bytes: every character a
    list's body refuses (markers, XML-forbidden controls, non-characters, a
    lone surrogate, a NUL) is refused the same way, naming the row."""
    rows = [Recipient("994501234567", "ok"), Recipient("994501234568", "fine &<>\r"), Recipient("994551234567", bad)]
    for recipients in (rows, PackedRecipients(rows)):
        with pytest.raises(InputError, match="row 3"):
            list(protocol.iter_submit_bodies(recipients, batch=2))


@settings(max_examples=40, deadline=None)
@given(st.lists(text, min_size=2, max_size=30), st.integers(0, 29), st.integers(1, 30), st.integers(1, 9))
def test_packed_slices_serialise_as_their_rows(msgs, a, size, batch):
    rows = [Recipient(f"99450{i:07d}", m or "x") for i, m in enumerate(msgs)]
    part = PackedRecipients(rows)[a:a + size]
    assert b"".join(protocol.iter_submit_bodies(part, batch=batch)) == \
        b"".join(protocol.iter_submit_bodies(rows[a:a + size], batch=batch))


async def test_packed_campaign_with_optouts_end_to_end(service, sim):
    rows = [Recipient(f"9945012345{i:02d}", f"Hörmətli #{i}") for i in range(7)]
    service.store.lists.add_optouts([rows[1].msisdn])
    r = await send_plan.submit_campaign(service, Draft("ATL", PackedRecipients(rows)), max_per_task=3)
    assert r.optouts_removed == 1 and {x.state for x in r.results} == {State.ACCEPTED}
    got = [pair for t in sim.tasks for pair in sim.recipients_of(t.taskid)]
    assert got == [(x.msisdn, x.message) for x in rows if x is not rows[1]]


spacey = st.text(alphabet=st.sampled_from(" \t\r\n\x0b\x1f\x85\xa0\u1680\u2003\u2028\u3000\u2014aə…ş€"), max_size=8)


def _outcome(draft, max_segments):
    try:
        check_draft(draft, max_segments)
    except InputError as exc:
        return str(exc)
    return None


@settings(max_examples=120, deadline=None)
@given(st.lists(st.one_of(spacey, text), min_size=1, max_size=25), st.integers(1, 3))
def test_packed_figures_and_checks_are_the_lists(msgs, max_segments):
    """What is told from the packed buffer (blank messages, the longest, the
    content key) is what the per-message rules say of the same list."""
    rows = [Recipient(f"99450{i:07d}", m) for i, m in enumerate(msgs)]
    packed = PackedRecipients(rows)
    for p, r in ((packed, rows), (packed[1:], rows[1:]), (packed[:-1], rows[:-1])):
        assert p.has_blank_message() == any(not m.message.strip() for m in r)
        assert content_key("T", None, None, p) == content_key("T", None, None, r)
        if r:
            assert _outcome(Draft("T", p), max_segments) == _outcome(Draft("T", r), max_segments)
        if r and all(m.message for m in r):  # (a draft with an empty message is refused, never estimated)
            assert estimate(Draft("T", p)) == estimate(Draft("T", r))
