"""Saved groups, templates and the opt-out list in the store, and the opt-out
filter every submission goes through."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from atlsms_tui.core.errors import InputError, NotFoundError
from atlsms_tui.core.imports import ImportRecord, parse_table_text
from atlsms_tui.core.models import Recipient, State
from atlsms_tui.core.service import Draft
from atlsms_tui.core.store import Store

A, B, C = "994501234567", "994551234567", "994701234567"


def _rows(store: Store, table: str) -> int:
    """Rows in ``table``, read apart from the store."""
    with closing(sqlite3.connect(store.path)) as db:
        return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def test_group_roundtrip_keeps_fields_and_order(store):
    rep = parse_table_text("ad;telefon\nAysel;0501234567\nFərid;055 123 45 67\nAysel;0501234567\n", "people.csv")
    info = store.lists.save_group("  VIP  ", rep)
    assert (info.name, info.members, info.columns, info.source) == ("VIP", 2, ["ad", "telefon"], "people.csv")
    g = store.lists.get_group("vip")  # any case
    assert g.records == [
        ImportRecord(A, {"ad": "Aysel", "telefon": "0501234567"}, 1),
        ImportRecord(B, {"ad": "Fərid", "telefon": "055 123 45 67"}, 2),
    ]
    assert g.recipients == [Recipient(A), Recipient(B)]
    assert [(x.name, x.members) for x in store.lists.list_groups()] == [("VIP", 2)]


def test_group_exists_replace_delete(store):
    store.lists.save_group("g", [ImportRecord(A, {}), ImportRecord(A, {})])
    assert store.lists.get_group("g").info.members == 1
    with pytest.raises(InputError, match="already exists"):
        store.lists.save_group("g", [ImportRecord(B, {})])
    store.lists.save_group("g", [ImportRecord(B, {}), ImportRecord(C, {})], replace=True)
    assert [r.msisdn for r in store.lists.get_group("g").records] == [B, C]
    store.lists.delete_group("G")
    assert store.lists.list_groups() == []
    assert _rows(store, "group_members") == 0
    with pytest.raises(NotFoundError, match="no group named 'g'"):
        store.lists.delete_group("g")


@pytest.mark.parametrize("name, message", [
    ("", "group name is empty"),
    ("x" * 65, "longer than 64"),
    ("a\tb", "not printable"),
])
def test_group_names_checked(store, name, message):
    with pytest.raises(InputError, match=message):
        store.lists.save_group(name, [ImportRecord(A, {})])


def test_empty_group_is_refused(store):
    with pytest.raises(InputError, match="no valid number"):
        store.lists.save_group("empty", [])
    assert store.lists.list_groups() == []  # rolled back


def test_templates(store):
    t, created = store.lists.save_template("borc", "Hörmətli {ad}, borcunuz {borc} AZN.")
    assert created and t.name == "borc"
    t2, created = store.lists.save_template("borc", "Salam {ad}")
    assert not created and t2.created == t.created
    assert store.lists.get_template("BORC").body == "Salam {ad}"
    assert [x.name for x in store.lists.list_templates()] == ["borc"]
    with pytest.raises(InputError, match="has no closing"):
        store.lists.save_template("bad", "Salam {ad")
    with pytest.raises(InputError, match="text is empty"):
        store.lists.save_template("bad", "  ")
    store.lists.delete_template("borc")
    with pytest.raises(NotFoundError, match=r"no template named 'borc' \(none saved\)"):
        store.lists.get_template("borc")


def test_optouts_add_remove_list_filter(store):
    added, already = store.lists.add_optouts(["+994 50 123 45 67", "0551234567", A], reason="asked by SMS")
    assert (added, already) == ([A, B], [])
    added, already = store.lists.add_optouts(["050 123 45 67"])
    assert (added, already) == ([], [A])
    with pytest.raises(InputError, match="opt-out number '12345': too few digits"):
        store.lists.add_optouts([C, "12345"])
    assert store.lists.optout_count() == 2  # nothing of the refused batch was added
    assert [(o.msisdn, o.reason) for o in store.lists.list_optouts()] == [(A, "asked by SMS"), (B, "asked by SMS")]
    kept, removed = store.lists.filter_optouts([Recipient(C), Recipient(A, "m"), Recipient(B)])
    assert kept == [Recipient(C)]
    assert [(h.msisdn, h.reason) for h in removed] == [(A, "asked by SMS"), (B, "asked by SMS")]
    f = store.lists.filter_optouts([Recipient(A), Recipient(C)])
    assert f.summary() == "1 recipient removed: on the opt-out list (asked by SMS: 1)"
    assert store.lists.remove_optouts([A, "0701234567"]) == ([A], [C])
    big = [Recipient(C)] * 3
    assert store.lists.filter_optouts(big).kept is big  # nothing to remove: no copy


def test_lists_survive_reopening(private_dirs):
    path = private_dirs[1] / "j.sqlite"
    s = Store(path)
    s.lists.add_optouts([A])
    s.lists.save_template("t", "x")
    s.close()
    s = Store(path)
    assert [o.msisdn for o in s.lists.list_optouts()] == [A] and s.lists.get_template("t").body == "x"
    s.close()


# ------------------------------------------------------------ the service


async def test_submit_filters_optouts(service, sim, store):
    store.lists.add_optouts([B], reason="complained")
    draft = Draft("ATL", [Recipient(A), Recipient(B), Recipient(C)], "Salam")
    preview = service.preview_optouts(draft)
    assert [r.msisdn for r in preview.kept] == [A, C] and preview.removed[0].reason == "complained"
    result = await service.submit(draft)
    assert result.state is State.ACCEPTED and result.recipients == 2 and result.optouts_removed == 1
    assert result.as_json()["optouts_removed"] == 1
    assert sim.recipients_of(result.taskid) == [(A, "Salam"), (C, "Salam")]
    assert service.task(result.controlid).recipients == 2
    assert draft.recipients == [Recipient(A), Recipient(B), Recipient(C)]  # the caller's draft untouched


async def test_submit_without_optouts_has_no_json_key(service, sim):
    result = await service.submit(Draft("ATL", [Recipient(A)], "Salam"))
    assert result.optouts_removed == 0 and "optouts_removed" not in result.as_json()


async def test_submit_everyone_opted_out_sends_nothing(service, sim, store):
    store.lists.add_optouts([A, B])
    with pytest.raises(InputError, match=r"every recipient \(2\) is on the opt-out list"):
        await service.submit(Draft("ATL", [Recipient(A, "x"), Recipient(B, "y")]))
    assert sim.tasks == [] and service.tasks() == []


async def test_campaign_parts_are_filtered_when_sent(service, sim, store):
    from atlsms_tui.core import campaign, send_plan

    d = Draft("ATL", [Recipient(A), Recipient(B)], "Salam")
    cid = await service.journal_campaign(d, send_plan.split(d, 1))
    store.lists.add_optouts([B])  # after the campaign was journalled
    result = await campaign.run_campaign(service, cid)
    assert result.state == "incomplete"  # the part of B alone: nobody left to send to
    assert [r.state for r in result.results] == [State.ACCEPTED, State.CANCELLED]
    assert result.optouts_removed == 1
    assert [m for t in sim.tasks for m, _ in sim.recipients_of(t.taskid)] == [A]
