"""Follow-ups from a report: `send --from-report` and `group create
--from-report`, in-process over loopback against the simulator, whose
seeded outcomes say which numbers failed."""

from __future__ import annotations

import json

import pytest

from atlsms_tui.cli import main
from atlsms_tui.simulator.tasks import ERROR, FAILED

from support import LOGIN, SENTINEL


@pytest.fixture
def run(sim, monkeypatch, capsys):
    monkeypatch.setenv("ATLSMS_LOGIN", LOGIN)
    monkeypatch.setenv("ATLSMS_PASSWORD", SENTINEL)
    monkeypatch.setenv("ATLSMS_API_URL", sim.url)

    def call(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        cap = capsys.readouterr()
        assert "Traceback" not in cap.err
        assert SENTINEL not in cap.out + cap.err
        return code, cap.out, cap.err

    return call


NUMBERS = [f"99450{2000000 + i:07d}" for i in range(60)]


def _outcomes(sim, taskid: str) -> dict[str, int]:
    """Each number's final status, as the simulator seeded it."""
    task = sim.task(taskid)
    return {m: task.fate(i)[1] for i, (m, _text) in enumerate(sim.recipients_of(taskid))}


def _sent(run, *argv: str) -> dict:
    code, out, err = run("send", "--title", "ATL", "--yes", "--json", *argv)
    assert code == 0, err
    return json.loads(out)


def _newest(sim) -> str:
    return sim.tasks[-1].taskid


def test_follow_up_sends_exactly_the_failed_numbers_with_the_earlier_text(run, sim, clock):
    first = _sent(run, "--message", "Sale ends today", "--to", *NUMBERS)["taskid"]
    clock.advance(60)  # every recipient has its final status
    fates = _outcomes(sim, first)
    failed = {m for m, s in fates.items() if s == FAILED}
    assert failed and len(failed) < len(NUMBERS)

    # The same text to most of the same numbers: the repeat guard still asks.
    code, _out, err = run("send", "--from-report", first, "--status", "failed", "--yes")
    assert code == 2 and "--allow-repeat" in err
    code, out, err = run("send", "--from-report", first, "--status", "failed", "--yes", "--allow-repeat", "--json")
    assert code == 0, err
    assert f"task {first}, failed: {len(failed)} number{'' if len(failed) == 1 else 's'}" in err
    new = json.loads(out)["taskid"]
    assert new == _newest(sim) and new != first
    got = sim.recipients_of(new)
    assert {m for m, _ in got} == failed and len(got) == len(failed)
    assert {text for _, text in got} == {"Sale ends today"}
    assert sim.task(new).title == "ATL"


def test_follow_up_of_a_campaign_leaves_out_opted_out_numbers_and_takes_a_new_text(run, sim, clock):
    doc = _sent(run, "--message", "hi", "--to", *NUMBERS, "--max-per-task", "25")
    campaign = doc["campaign"]
    tasks = [p["taskid"] for p in doc["parts"]]
    assert len(tasks) == 3
    clock.advance(60)
    wanted = set()
    for t in tasks:
        wanted |= {m for m, s in _outcomes(sim, t).items() if s in (FAILED, ERROR)}
    blocked = sorted(wanted)[0]
    assert run("optout", "add", blocked)[0] == 0

    code, out, err = run("send", "--from-report", campaign, "--status", "failed,error", "--message", "Try again",
                         "--yes", "--allow-repeat", "--json")
    assert code == 0, err
    assert "1 on the opt-out list left out" in err
    got = sim.recipients_of(json.loads(out)["taskid"])
    assert {m for m, _ in got} == wanted - {blocked}
    assert {text for _, text in got} == {"Try again"}


def test_follow_up_of_an_individual_send_resends_each_numbers_own_message(run, sim, clock, tmp_path):
    csv = tmp_path / "people.csv"
    csv.write_text("msisdn,message\n" + "".join(f"{m},Hello {i}\n" for i, m in enumerate(NUMBERS)))
    first = _sent(run, "--individual", str(csv))["taskid"]
    clock.advance(60)
    failed = {m for m, s in _outcomes(sim, first).items() if s == FAILED}
    code, out, err = run("send", "--from-report", first, "--status", "failed", "--yes", "--allow-repeat", "--json")
    assert code == 0, err
    got = dict(sim.recipients_of(json.loads(out)["taskid"]))
    assert set(got) == failed
    assert got == {m: f"Hello {NUMBERS.index(m)}" for m in failed}


def test_group_created_from_a_report(run, sim, clock):
    first = _sent(run, "--message", "hi", "--to", *NUMBERS)["taskid"]
    clock.advance(60)
    wanted = {m for m, s in _outcomes(sim, first).items() if s in (FAILED, ERROR)}
    code, out, err = run("group", "create", "retry-me", "--from-report", first, "--status", "error,failed",
                         "--json")
    assert code == 0, err
    assert json.loads(out)["members"] == len(wanted)
    code, out, _err = run("group", "show", "retry-me", "--json")
    assert {r["msisdn"] for r in json.loads(out)["recipients"]} == wanted
    code, out, err = run("group", "create", "retry-me", "--from-report", first, "--status", "failed")
    assert code == 2 and "already exists" in err


def test_bad_status_and_unknown_sources_are_refused_by_name(run, sim, clock):
    first = _sent(run, "--message", "hi", "--to", *NUMBERS[:3])["taskid"]
    sent = len(sim.tasks)
    code, _out, err = run("send", "--from-report", first, "--status", "failed,faild", "--yes")
    assert code == 2 and "'faild'" in err and "pending, delivered, failed, removed, error" in err
    code, _out, err = run("group", "create", "g", "--from-report", first, "--status", "bounced")
    assert code == 2 and "'bounced'" in err
    code, _out, err = run("send", "--from-report", "999999", "--status", "failed", "--yes")
    assert code == 2 and "no task 999999" in err
    code, _out, err = run("send", "--from-report", "Cnope", "--status", "failed", "--yes")
    assert code == 2 and "'Cnope'" in err
    code, _out, err = run("send", "--from-report", first, "--yes")
    assert code == 2 and "--status" in err
    code, _out, err = run("send", "--to", NUMBERS[0], "--message", "x", "--status", "failed", "--yes")
    assert code == 2 and "--from-report" in err
    code, _out, err = run("send", "--from-report", first, "--status", "failed", "--to", NUMBERS[0], "--yes")
    assert code == 2 and "cannot be combined" in err
    assert len(sim.tasks) == sent  # nothing was sent by any of them
