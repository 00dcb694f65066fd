"""The rails through the CLI as a user runs it: quiet hours (a window put
around the present moment, since a subprocess runs on the machine's clock),
--next-window, --pace, --proof, require_proof_above, approve/reject by
another operator, campaign reschedule. What reached the simulator is
checked every time."""

from __future__ import annotations

import json
from datetime import timedelta

from atlsms_tui.core import baku, quiet_hours

NUMBERS = [f"99450{i:07d}" for i in range(2000000, 2000030)]


def window_around_now(minutes_before: int = 60, minutes_after: int = 60) -> str:
    now = baku.now_baku()
    a, b = now - timedelta(minutes=minutes_before), now + timedelta(minutes=minutes_after)
    return f"{a:%H:%M}-{b:%H:%M}"


def window_later() -> str:
    now = baku.now_baku()
    a, b = now + timedelta(hours=3), now + timedelta(hours=5)
    return f"{a:%H:%M}-{b:%H:%M}"


def send(cli, *extra, to=NUMBERS, env=None):
    return cli("send", "--title", "ATL", "--message", "Salam", "--to", *to, "--yes", *extra, extra_env=env)


def test_send_inside_quiet_hours_is_refused(logged_in, sim):
    window = window_around_now()
    p = send(logged_in, env={"ATLSMS_QUIET_HOURS": window})
    assert p.returncode == 2, p.stderr
    assert f"quiet hours {window} Baku time" in p.stderr
    end = quiet_hours.parse(window).window_end(baku.now_baku())
    assert f"next allowed time is {baku.format_baku(end)}" in p.stderr
    assert "--next-window" in p.stderr and "--ignore-quiet-hours" in p.stderr
    assert sim.tasks == []
    assert json.loads(logged_in("tasks", "--json").stdout) == []


def test_next_window_schedules_for_the_end(logged_in, sim):
    window = window_around_now()
    p = send(logged_in, "--next-window", "--json", env={"ATLSMS_QUIET_HOURS": window})
    assert p.returncode == 0, p.stderr
    end = quiet_hours.parse(window).window_end(baku.now_baku())
    [task] = sim.tasks
    assert task.scheduled == baku.wire_schedule(end)
    assert json.loads(p.stdout)["plan"]["last_part"] == baku.wire_schedule(end)


def test_ignore_quiet_hours_sends_now(logged_in, sim):
    p = send(logged_in, "--ignore-quiet-hours", env={"ATLSMS_QUIET_HOURS": window_around_now()})
    assert p.returncode == 0, p.stderr
    assert sim.tasks[0].scheduled == "NOW"


def test_bad_quiet_hours_setting_is_named(logged_in, sim):
    p = send(logged_in, env={"ATLSMS_QUIET_HOURS": "nightly"})
    assert p.returncode == 2 and "ATLSMS_QUIET_HOURS" in p.stderr and "'nightly'" in p.stderr
    assert sim.tasks == []


def test_paced_campaign_plan_and_times(logged_in, sim):
    p = send(logged_in, "--pace", "10/min", "--json", to=NUMBERS[:25], env={"ATLSMS_QUIET_HOURS": window_later()})
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    plan = doc["plan"]
    assert plan["parts"] == 3 and [s["recipients"] for s in plan["schedule"]] == [10, 10, 5]
    assert plan["schedule"][0]["scheduled"] == "NOW"
    second = baku.from_wire(plan["schedule"][1]["scheduled"])
    third = baku.from_wire(plan["schedule"][2]["scheduled"])
    assert third - second == timedelta(minutes=1)
    assert plan["last_part"] == plan["schedule"][2]["scheduled"]
    tasks = sorted(sim.tasks, key=lambda t: int(t.taskid))
    assert [t.scheduled for t in tasks] == [s["scheduled"] for s in plan["schedule"]]
    assert "plan: 3 parts" in p.stderr


def test_bad_pace_is_refused(logged_in, sim):
    p = send(logged_in, "--pace", "lots")
    assert p.returncode == 2 and "--pace" in p.stderr
    assert sim.tasks == []


def test_proof_marked_and_required(logged_in, sim):
    env = {"ATLSMS_PROOF_NUMBERS": "0551234567,0701234567", "ATLSMS_REQUIRE_PROOF_ABOVE": "5"}
    p = send(logged_in, env=env)
    assert p.returncode == 2 and "--proof" in p.stderr and "require_proof_above" in p.stderr
    assert sim.tasks == []
    p = send(logged_in, "--proof", "--json", env=env)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["proof"] is True
    [task] = sim.tasks
    assert sorted(m for m, _ in sim.recipients_of(task.taskid)) == ["994551234567", "994701234567"]
    [row] = json.loads(logged_in("tasks", "--json").stdout)
    assert row["proof"] is True
    assert "(proof)" in logged_in("tasks").stdout
    p = send(logged_in, env=env)
    assert p.returncode == 0, p.stderr
    assert "proof: accepted at" in p.stderr
    assert len(sim.tasks) == 2 and len(sim.recipients_of(sim.tasks[1].taskid)) == 30


def test_approval_by_another_user_and_refusal_by_the_same(logged_in, sim):
    alice = {"ATLSMS_APPROVAL_ABOVE": "5", "LOGNAME": "alice", "USER": "alice"}
    bob = {"ATLSMS_APPROVAL_ABOVE": "5", "LOGNAME": "bob", "USER": "bob"}
    p = send(logged_in, "--json", env=alice)
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["state"] == "awaiting_approval"
    cid = doc["campaign"]
    assert sim.tasks == []
    show = logged_in("campaign", "show", cid, extra_env=alice)
    assert "awaiting_approval" in show.stdout and "text: Salam" in show.stdout
    p = logged_in("approve", cid, extra_env=alice)
    assert p.returncode == 2 and "another operator" in p.stderr
    p = logged_in("campaign", "resume", cid, extra_env=alice)
    assert p.returncode == 2 and "awaiting approval" in p.stderr
    assert sim.tasks == []
    p = logged_in("approve", cid, "--json", extra_env=bob)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["state"] == "accepted"
    assert len(sim.recipients_of(sim.tasks[0].taskid)) == 30


def test_reject_drops_it(logged_in, sim):
    alice = {"ATLSMS_APPROVAL_ABOVE": "5", "LOGNAME": "alice", "USER": "alice"}
    bob = {"ATLSMS_APPROVAL_ABOVE": "5", "LOGNAME": "bob", "USER": "bob"}
    cid = json.loads(send(logged_in, "--json", env=alice).stdout)["campaign"]
    p = logged_in("reject", cid, "--reason", "wrong list", extra_env=bob)
    assert p.returncode == 0, p.stderr
    p = logged_in("approve", cid, extra_env=bob)
    assert p.returncode == 2 and "not awaiting" in p.stderr
    assert sim.tasks == []


def test_reschedule_before_approval(logged_in, sim):
    alice = {"ATLSMS_APPROVAL_ABOVE": "5", "LOGNAME": "alice", "USER": "alice"}
    cid = json.loads(send(logged_in, "--json", env=alice).stdout)["campaign"]
    later = baku.now_baku() + timedelta(days=1)
    at = f"{later:%Y-%m-%d} 12:00"
    p = logged_in("campaign", "reschedule", cid, "--at", at, "--json", extra_env=alice)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["moved"] == [{"part": 1, "scheduled": f"{at}:00"}]
    assert "no way to cancel" in p.stderr
    p = logged_in("approve", cid, extra_env={"ATLSMS_APPROVAL_ABOVE": "5", "LOGNAME": "bob", "USER": "bob"})
    assert p.returncode == 0, p.stderr
    assert sim.tasks[0].scheduled == f"{at}:00"


def test_proof_of_a_template_campaign_lets_it_go(logged_in, sim, tmp_path):
    csv = tmp_path / "people.csv"
    csv.write_text("phone,name\n" + "".join(f"{m},N{i}\n" for i, m in enumerate(NUMBERS[:8])), encoding="utf-8")
    env = {"ATLSMS_PROOF_NUMBERS": "0551234567", "ATLSMS_REQUIRE_PROOF_ABOVE": "5"}
    args = ("send", "--title", "ATL", "--individual", csv, "--column", "phone", "--template", "Salam {name}", "--yes")
    p = logged_in(*args, extra_env=env)
    assert p.returncode == 2 and "--proof" in p.stderr
    p = logged_in(*args, "--proof", "--proof-messages", "2", extra_env=env)
    assert p.returncode == 0, p.stderr
    assert sim.recipients_of(sim.tasks[0].taskid) == [("994551234567", "Salam N0"), ("994551234567", "Salam N1")]
    p = logged_in(*args, extra_env=env)
    assert p.returncode == 0, p.stderr
    assert len(sim.recipients_of(sim.tasks[1].taskid)) == 8
