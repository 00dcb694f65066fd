"""`units --min N` for cron: exit 7 below N, 0 at or above; the other
errors keep their codes."""

from __future__ import annotations

import json
import sys

import pytest

from atlsms_tui import cli as cli_main

from support import LOGIN, SENTINEL


@pytest.fixture
def env_login(sim, monkeypatch):
    monkeypatch.setenv("ATLSMS_LOGIN", LOGIN)
    monkeypatch.setenv("ATLSMS_PASSWORD", SENTINEL)
    monkeypatch.setenv("ATLSMS_API_URL", sim.url)
    return sim


def run(argv, capsys):
    code = cli_main.main(argv)
    cap = capsys.readouterr()
    assert "Traceback" not in cap.err and SENTINEL not in cap.out + cap.err
    return code, cap.out, cap.err


@pytest.mark.parametrize(("minimum", "code"), [(10_001, 7), (10_000, 0), (9_999, 0), (0, 0)])
def test_units_min_exit_codes(env_login, capsys, minimum, code):
    got, out, err = run(["units", "--min", str(minimum)], capsys)
    assert got == code
    assert out.strip() == "10,000 units"  # the balance is printed either way
    assert ("below --min" in err) is (code == 7)


def test_units_min_json(env_login, capsys):
    code, out, _err = run(["units", "--json", "--min", "20000"], capsys)
    assert code == 7 and json.loads(out) == {"units": 10000, "min": 20000, "below_min": True}


def test_units_min_keeps_the_other_codes(env_login, monkeypatch, capsys):
    monkeypatch.setenv("ATLSMS_PASSWORD", "wrong")
    code, _out, err = run(["units", "--min", "20000"], capsys)
    assert code == 1 and "105" in err
    with pytest.raises(SystemExit) as e:
        cli_main.main(["units", "--min", "-1"])
    assert e.value.code == 2


RECORDER = (
    "import json, os, sys\n"
    "with open(sys.argv[1], 'a', encoding='utf-8') as f:\n"
    "    f.write(json.dumps({'argv': sys.argv[1:], 'env': dict(os.environ)}) + '\\n')\n"
)


def test_send_runs_notify_command_from_the_environment(env_login, monkeypatch, capsys, tmp_path):
    script, out = tmp_path / "record.py", tmp_path / "calls.jsonl"
    script.write_text(RECORDER, encoding="utf-8")
    monkeypatch.setenv("ATLSMS_NOTIFY_COMMAND", json.dumps([sys.executable, str(script), str(out)]))
    code, stdout, _err = run(["send", "--title", "ATL", "--message", "Salam", "--to", "0501234567", "--yes",
                              "--json"], capsys)
    assert code == 0
    doc = json.loads(stdout)
    # the command has finished by the time the command returns (the session waits for it)
    [call] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    env = call["env"]
    assert env["ATLSMS_EVENT"] == "campaign_finished" and env["ATLSMS_TASKID"] == doc["taskid"]
    assert env["ATLSMS_RECIPIENTS"] == "1" and "ATLSMS_PASSWORD" not in env and SENTINEL not in json.dumps(call)


def test_bad_notify_command_setting_is_one_line(env_login, monkeypatch, capsys):
    monkeypatch.setenv("ATLSMS_NOTIFY_COMMAND", "notify-send hello")
    code, _out, err = run(["units"], capsys)
    assert code == 2
    assert "ATLSMS_NOTIFY_COMMAND" in err and "JSON list of strings" in err and len(err.strip().splitlines()) == 1
