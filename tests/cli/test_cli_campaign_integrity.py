"""Campaign integrity through the CLI, as a user runs it: processes killed
(kill -9, SIGHUP, Ctrl-C) at many moments of a send, then resumed; exit
codes; a locked journal; two processes on one campaign; abandon; the repeat
guard. What reached the simulator is counted every time."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from atlsms_tui.simulator import Fault

from support import SENTINEL

NUMBERS = [f"99450{i:07d}" for i in range(1234500, 1234540)]


def popen(cli, *args, extra_env=None):
    return subprocess.Popen(
        [sys.executable, "-m", "atlsms_tui", *map(str, args)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(cli.env, **(extra_env or {})),
    )


def received(sim) -> list[str]:
    return [m for t in sim.tasks for m, _ in sim.recipients_of(t.taskid)]


def campaigns(cli) -> list[dict]:
    p = cli("campaign", "list", "--json")
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def finish(cli, sim) -> None:
    """Resume every campaign until it is accepted (at most a few rounds)."""
    sim.clear_faults()
    for c in campaigns(cli):
        for _ in range(3):
            p = cli("campaign", "resume", c["campaign"], "--json")
            if p.returncode == 0:
                break
        assert p.returncode == 0, p.stderr
        assert json.loads(p.stdout)["state"] == "accepted"


# (what to wait for, then how long): early ones land during start-up and
# journalling; the others between and inside parts of the send.
KILL_POINTS = [("start", 0.3), ("journalled", 0.0), ("journalled", 0.15),
               ("journalled", 0.4), ("journalled", 0.7), ("journalled", 1.2)]


def _wait_for_campaign(store: str, text: str, timeout: float = 15) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with sqlite3.connect(store, timeout=5) as db:
                if db.execute("SELECT 1 FROM submissions WHERE message=? LIMIT 1", (text,)).fetchone():
                    return
        except sqlite3.OperationalError:
            pass
        time.sleep(0.005)
    raise AssertionError("the campaign was never journalled")



def journalled_with_text(cli, text: str) -> list[str]:
    store = os.path.join(cli.env["ATLSMS_DATA_DIR"], "journal.sqlite")
    with sqlite3.connect(store) as db:
        return [r[0] for r in db.execute(
            "SELECT DISTINCT campaign FROM submissions WHERE message=? AND campaign IS NOT NULL", (text,))]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGHUP])
def test_killed_campaign_reaches_everyone_exactly_once_after_resume(logged_in, sim, sig):
    """Every recipient reaches the server exactly once after resume, or none
    does and no campaign exists, wherever the process was stopped."""
    outcomes = []
    store = os.path.join(logged_in.env["ATLSMS_DATA_DIR"], "journal.sqlite")
    for anchor, delay in KILL_POINTS:
        sim.clear_faults()
        sim.inject(Fault("delay", operation="submit", seconds=0.2, times=1000))
        text = f"Kampaniya {anchor} {delay}"  # a new text each round: not a repeat
        p = popen(logged_in, "send", "--title", "ATL", "--message", text, "--to", *NUMBERS,
                  "--max-per-task", "4", "--yes", "--json")
        if anchor == "journalled":
            _wait_for_campaign(store, text)
        time.sleep(delay)
        p.send_signal(sig)
        arrived = sum(1 for t in sim.tasks if t.bulkmessage == text)
        out, err = p.communicate(timeout=30)
        assert "Traceback" not in err and SENTINEL not in out + err
        if sig == signal.SIGHUP and p.returncode >= 0:
            # treated like Ctrl-C: a truthful campaign outcome, never "bad input"
            assert p.returncode in (0, 4, 5), (delay, p.returncode, err)
        finish(logged_in, sim)
        got = [m for t in sim.tasks for m, _ in sim.recipients_of(t.taskid) if t.bulkmessage == text]
        if journalled_with_text(logged_in, text):
            assert sorted(got) == sorted(NUMBERS), (delay, len(got), len(set(got)))
            outcomes.append(arrived)
        else:
            assert got == [], delay
            outcomes.append("nothing")
    # the stops fell before the journal, and between the first and the last part
    assert "nothing" in outcomes and any(isinstance(o, int) and 0 < o < 10 for o in outcomes), outcomes


def test_refused_campaign_exit_codes_then_topup_and_resume(logged_in, sim):
    sim.set_units("tester", 5)  # enough for one part of 4
    p = logged_in("send", "--title", "ATL", "--message", "Salam", "--to", *NUMBERS[:12],
                  "--max-per-task", "4", "--yes", "--json")
    assert p.returncode == 5, p.stderr  # some parts accepted, one refused: incomplete
    doc = json.loads(p.stdout)
    assert [pt["state"] for pt in doc["parts"]] == ["accepted", "rejected", "queued"]
    assert doc["totals"] == {"recipients": 12, "sent": 4, "accepted": 4, "uncertain": 0,
                             "abandoned": 0, "not_sent": 8}
    assert f"campaign resume {doc['campaign']}" in p.stderr
    sim.set_units("tester", 1000)
    p = logged_in("campaign", "resume", doc["campaign"], "--json")
    assert p.returncode == 0, p.stderr
    assert sorted(received(sim)) == sorted(NUMBERS[:12])
    # ATL refused the very first part: nothing accepted, exit 1
    sim.set_units("tester", 1)
    p = logged_in("send", "--title", "ATL", "--message", "Other", "--to", *NUMBERS[:8],
                  "--max-per-task", "4", "--yes", "--json")
    assert p.returncode == 1 and json.loads(p.stdout)["state"] == "rejected"


def test_ctrl_c_during_a_part_in_flight_is_uncertain_within_seconds(logged_in, sim):
    sim.inject(Fault("delay", operation="submit", seconds=20))
    p = popen(logged_in, "send", "--title", "ATL", "--message", "Salam", "--to", *NUMBERS[:2],
              "--yes", "--json")
    store = os.path.join(logged_in.env["ATLSMS_DATA_DIR"], "journal.sqlite")
    _wait_for_state(store, "sending")
    time.sleep(0.3)
    t0 = time.monotonic()
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=15)
    assert time.monotonic() - t0 < 6
    assert p.returncode == 4, err
    doc = json.loads(out)
    assert doc["state"] == "uncertain" and "retry" in err
    sim.clear_faults()
    p = logged_in("retry", doc["controlid"], "--json")
    assert p.returncode == 0 and len(sim.tasks) == 1


def _wait_for_state(store: str, state: str, timeout: float = 15) -> str:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with sqlite3.connect(store, timeout=5) as db:
                row = db.execute("SELECT controlid FROM submissions WHERE state=?", (state,)).fetchone()
            if row:
                return row[0]
        except sqlite3.OperationalError:
            pass
        time.sleep(0.02)
    raise AssertionError(f"no submission became {state}")


def test_journal_locked_during_the_send_is_uncertain_then_retry_settles(logged_in, sim):
    """The answer arrives while another connection holds the journal: the
    submission is uncertain (exit 4) with the task id said, never "error"."""
    sim.inject(Fault("delay", operation="submit", seconds=1.0))
    store = os.path.join(logged_in.env["ATLSMS_DATA_DIR"], "journal.sqlite")
    p = popen(logged_in, "send", "--title", "ATL", "--message", "Salam", "--to", *NUMBERS[:3],
              "--yes", "--json", extra_env={"ATLSMS_JOURNAL_BUSY_TIMEOUT": "0.5"})
    _wait_for_state(store, "sending")
    holder = sqlite3.connect(store, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        out, err = p.communicate(timeout=30)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert p.returncode == 4, err
    doc = json.loads(out)
    assert doc["state"] == "uncertain"
    assert "journal could not record it" in err and "atlsms-tui retry" in err
    assert f"task {sim.tasks[0].taskid}" in err  # the task id is not lost
    p = logged_in("tasks", "--json")
    assert [t["state"] for t in json.loads(p.stdout)] == ["uncertain"]
    p = logged_in("retry", doc["controlid"], "--json")
    assert p.returncode == 0, p.stderr
    assert len(sim.tasks) == 1


def test_two_processes_on_one_campaign(logged_in, sim):
    sim.inject(Fault("delay", operation="submit", seconds=0.3, times=1000))
    store = os.path.join(logged_in.env["ATLSMS_DATA_DIR"], "journal.sqlite")
    sender = popen(logged_in, "send", "--title", "ATL", "--message", "Salam", "--to", *NUMBERS[:20],
                   "--max-per-task", "4", "--yes", "--json")
    _wait_for_state(store, "sending")
    with sqlite3.connect(store) as db:
        [(cid,)] = db.execute("SELECT campaign FROM campaigns").fetchall()
    resumer = popen(logged_in, "campaign", "resume", cid, "--json")
    out1, err1 = sender.communicate(timeout=60)
    out2, err2 = resumer.communicate(timeout=60)
    assert sender.returncode == 0 and resumer.returncode == 0, (err1, err2)
    assert sorted(received(sim)) == sorted(NUMBERS[:20])
    a, b = json.loads(out1), json.loads(out2)
    assert a["state"] == b["state"] == "accepted"
    assert all(pt["this_run"] for pt in a["parts"]) and not any(pt["this_run"] for pt in b["parts"])


def test_cancel_by_another_process_is_reported_as_such(logged_in, sim):
    # parts slow enough that the cancel (a process of its own, slow to start
    # on a loaded machine) lands before the last of the four
    sim.inject(Fault("delay", operation="submit", seconds=2, times=1000))
    store = os.path.join(logged_in.env["ATLSMS_DATA_DIR"], "journal.sqlite")
    sender = popen(logged_in, "send", "--title", "ATL", "--message", "Salam", "--to", *NUMBERS[:16],
                   "--max-per-task", "4", "--yes", "--json")
    _wait_for_state(store, "sending")
    with sqlite3.connect(store) as db:
        [(cid,)] = db.execute("SELECT campaign FROM campaigns").fetchall()
    p = logged_in("campaign", "cancel", cid)
    assert p.returncode == 0
    out, err = sender.communicate(timeout=60)
    assert sender.returncode == 5, err  # incomplete: accepted and cancelled parts
    states = [pt["state"] for pt in json.loads(out)["parts"]]
    assert states[0] == "accepted" and "cancelled" in states and "queued" not in states
    assert len(received(sim)) == 4 * states.count("accepted")


def test_abandon_command(logged_in, sim):
    sim.inject(Fault("drop", operation="submit", times=1))
    sim.inject(Fault("code", operation="submit", code="118"))
    p = logged_in("send", "--title", "ATL", "--message", "Salam", "--to", NUMBERS[0], "--yes", "--json")
    assert p.returncode == 4
    cid = json.loads(p.stdout)["controlid"]
    p = logged_in("abandon", cid)
    assert p.returncode == 2 and "--reason" in p.stderr
    p = logged_in("abandon", cid, "--reason", "ATL support: never arrived", "--json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["state"] == "abandoned"
    p = logged_in("retry", cid)
    assert p.returncode == 2 and "abandoned" in p.stderr
    p = logged_in("tasks", "--json")
    assert json.loads(p.stdout)[0]["state"] == "abandoned"


def test_identical_send_twice_is_refused_by_the_repeat_guard(logged_in, sim):
    args = ("send", "--title", "ATL", "--message", "Endirim!", "--to", *NUMBERS[:10], "--yes", "--json")
    p = logged_in(*args)
    assert p.returncode == 0
    taskid = json.loads(p.stdout)["taskid"]
    p = logged_in(*args)
    assert p.returncode == 2 and f"task {taskid}" in p.stderr and "--allow-repeat" in p.stderr
    assert len(sim.tasks) == 1
    p = logged_in(*args, "--allow-repeat")
    assert p.returncode == 0 and len(sim.tasks) == 2
    p = logged_in(*args, extra_env={"ATLSMS_REPEAT_GUARD_SHARE": "0"})
    assert p.returncode == 0 and len(sim.tasks) == 3


def test_resume_under_another_profile_is_refused(logged_in, sim, tmp_path):
    p = logged_in("send", "--title", "ATL", "--message", "Salam", "--to", *NUMBERS[:8],
                  "--max-per-task", "4", "--yes", "--json")
    cid = json.loads(p.stdout)["campaign"]
    other = dict(ATLSMS_LOGIN="intruder", ATLSMS_PASSWORD="x", ATLSMS_API_URL=sim.url)
    p = logged_in("campaign", "resume", cid, extra_env=other)
    assert p.returncode == 2 and "journalled for login tester" in p.stderr


def test_unsupported_scheme_is_not_uncertain(logged_in, sim):
    p = logged_in("send", "--title", "ATL", "--message", "Salam", "--to", NUMBERS[0], "--yes",
                  extra_env={"ATLSMS_API_URL": sim.url.replace("http://", "htps://")})
    assert p.returncode in (2, 3, 6), p.stderr
    assert "uncertain" not in p.stderr and "may have reached" not in p.stderr
    p = logged_in("tasks", "--json")
    assert all(t["state"] == "failed" for t in json.loads(p.stdout))
    assert sim.tasks == []
