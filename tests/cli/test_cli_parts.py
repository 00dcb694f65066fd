"""Campaigns over the per-task cap, through the CLI."""

from __future__ import annotations

import json

from atlsms_tui.simulator import Fault

NUMBERS = [f"9945512345{i:02d}" for i in range(5)]


def test_send_splits_into_parts_and_campaign_commands(logged_in, sim, clock):
    p = logged_in("send", "--title", "ATL", "--message", "hi", "--to", *NUMBERS, "--max-per-task", "2", "--yes", "--json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["state"] == "accepted" and len(doc["parts"]) == 3
    assert [x["recipients"] for x in doc["parts"]] == [2, 2, 1]
    assert "3 tasks" in p.stderr
    assert [t.recipients for t in sim.tasks] == [2, 2, 1]
    cid = doc["campaign"]
    listed = json.loads(logged_in("campaign", "list", "--json").stdout)
    assert listed[0]["campaign"] == cid and listed[0]["state"] == "accepted"
    clock.advance(60)
    shown = json.loads(logged_in("campaign", "show", cid, "--refresh", "--json").stdout)
    assert shown["report"]["pending"] == 0
    assert sum(shown["report"][k] for k in ("delivered", "failed", "removed", "error")) == 5
    tasks = json.loads(logged_in("tasks", "--json").stdout)
    assert {t["campaign"] for t in tasks} == {cid}


def test_uncertain_part_exit_4_then_resume(logged_in, sim):
    sim.inject(Fault("drop", operation="submit", times=2))
    p = logged_in("send", "--title", "ATL", "--message", "hi", "--to", *NUMBERS, "--max-per-task", "2", "--yes", "--json")
    assert p.returncode == 4
    doc = json.loads(p.stdout)
    assert doc["state"] == "uncertain"
    assert [x["state"] for x in doc["parts"]] == ["uncertain", "accepted", "accepted"]
    assert "campaign resume" in p.stderr
    p = logged_in("campaign", "resume", doc["campaign"], "--json")
    assert p.returncode == 0, p.stderr
    again = json.loads(p.stdout)
    assert [x["state"] for x in again["parts"]] == ["accepted_without_taskid", "accepted", "accepted"]
    assert len(sim.tasks) == 3  # no part went twice
    p = logged_in("campaign", "show", "nope")
    assert p.returncode == 2
