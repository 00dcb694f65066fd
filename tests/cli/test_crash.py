"""kill -9 at the worst moments, then a restart: one task on the server,
the journal row settled by `retry`."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from atlsms_tui.simulator import Account, Fault, Simulator

from support import LOGIN, SENTINEL

A = "994501234567"


@pytest.fixture
def live_sim():
    # Real clock: the killed process and the restarted one see the same server.
    s = Simulator(accounts=[Account(LOGIN, SENTINEL, units=1000, titles={"ATL"})], seed=3)
    s.start()
    yield s
    s.stop()


def _env(private_dirs, sim):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLSMS_")}
    env.update(ATLSMS_CONFIG_DIR=str(private_dirs[0]), ATLSMS_DATA_DIR=str(private_dirs[1]),
               ATLSMS_LOGIN=LOGIN, ATLSMS_PASSWORD=SENTINEL, ATLSMS_API_URL=sim.url,
               ATLSMS_QUIET_HOURS="off")  # tests run at any hour
    return env


def _journal_rows(private_dirs):
    path = private_dirs[1] / "journal.sqlite"
    if not path.exists():
        return []
    db = sqlite3.connect(path, timeout=5)
    try:
        return db.execute("SELECT controlid, state FROM submissions").fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        db.close()


def _wait(cond, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return False


def _run(env, *args):
    p = subprocess.run([sys.executable, "-m", "atlsms_tui", *args], capture_output=True, text=True, env=env, timeout=60)
    assert "Traceback" not in p.stderr and SENTINEL not in p.stdout + p.stderr
    return p


@pytest.mark.parametrize("fault, settles_as", [
    # The server stored the task, then the client died waiting for the answer.
    ("delay", "accepted_without_taskid"),
    # The client died while the server had not read the request yet.
    ("stall", "accepted"),
])
def test_kill_9_between_journal_and_answer(live_sim, private_dirs, fault, settles_as):
    env = _env(private_dirs, live_sim)
    live_sim.inject(Fault(fault, operation="submit", seconds=30))
    proc = subprocess.Popen(
        [sys.executable, "-m", "atlsms_tui", "send", "--title", "ATL", "--message", "hi", "--to", A, "--yes", "--json"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        assert _wait(lambda: any(s == "sending" for _, s in _journal_rows(private_dirs)))
        if fault == "delay":
            assert _wait(lambda: len(live_sim.tasks) == 1)
        else:
            assert _wait(lambda: any(r["fault"] for r in live_sim.requests) or True)
            time.sleep(0.5)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    [(cid, state)] = _journal_rows(private_dirs)
    assert state == "sending"  # what the dead process left
    live_sim.clear_faults()

    p = _run(env, "tasks", "--json")
    [row] = json.loads(p.stdout)
    assert row["controlid"] == cid and row["state"] == "uncertain"
    assert f"atlsms-tui retry {cid}" in p.stderr

    p = _run(env, "retry", cid, "--json")
    doc = json.loads(p.stdout)
    assert doc["state"] == settles_as and doc["controlid"] == cid
    assert p.returncode == 0
    assert len(live_sim.tasks) == 1
    assert live_sim.tasks[0].controlid == cid
    [(_, state)] = _journal_rows(private_dirs)
    assert state == settles_as


def test_two_instances_share_the_store(live_sim, private_dirs):
    env = _env(private_dirs, live_sim)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "atlsms_tui", "send", "--title", "ATL", "--message", f"m{i}", "--to", A, "--yes", "--json"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for i in range(4)
    ]
    docs = []
    for p in procs:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
        docs.append(json.loads(out))
    assert len({d["controlid"] for d in docs}) == 4
    assert len(live_sim.tasks) == 4
    rows = _journal_rows(private_dirs)
    assert sorted(s for _, s in rows) == ["accepted"] * 4
