"""The scripting CLI as a user runs it: subprocesses against the simulator."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import threading

from atlsms_tui.simulator import Fault

from support import LOGIN, SENTINEL

A, B = "994501234567", "994551234567"


def test_login_saves_private_files(cli, sim, private_dirs):
    p = cli("login", "--login", LOGIN, "--api-url", sim.url, "--password-stdin", stdin=SENTINEL + "\n")
    assert p.returncode == 0, p.stderr
    assert "10,000 units" in p.stderr
    cfg = private_dirs[0]
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o700
    cred = cfg / "credentials.json"
    assert stat.S_IMODE(cred.stat().st_mode) == 0o600
    assert SENTINEL in cred.read_text()
    settings = (cfg / "settings.json").read_text()
    assert SENTINEL not in settings and LOGIN in settings


def test_login_wrong_password_is_not_saved(cli, sim, private_dirs):
    p = cli("login", "--login", LOGIN, "--api-url", sim.url, "--password-stdin", stdin="nope\n")
    assert p.returncode == 1
    assert "error 105: Invalid authentification information" in p.stderr
    assert not (private_dirs[0] / "credentials.json").exists()


def test_login_names_a_new_profile_main_as_the_tui_does(cli, sim, private_dirs):
    p = cli("login", "--login", LOGIN, "--api-url", sim.url, "--password-stdin", "--title", "ATL",
            "--title", "SHOP", stdin=SENTINEL + "\n")
    assert p.returncode == 0, p.stderr
    doc = json.loads((private_dirs[0] / "settings.json").read_text())
    assert doc["current"] == "main" and list(doc["profiles"]) == ["main"]
    assert doc["profiles"]["main"]["default_title"] == "ATL"


def test_login_refuses_a_bad_title_before_asking_atl(cli, sim, private_dirs):
    p = cli("login", "--login", LOGIN, "--api-url", sim.url, "--password-stdin", "--title", "WAYTOOLONGTITLE",
            stdin=SENTINEL + "\n")
    assert p.returncode == 2 and "longer than 11 characters" in p.stderr
    assert not [r for r in sim.requests if r.get("operation") == "units"]
    assert not (private_dirs[0] / "credentials.json").exists()


def test_refused_environment_credentials_advise_the_environment(cli, sim):
    p = cli("units", extra_env={"ATLSMS_LOGIN": LOGIN, "ATLSMS_PASSWORD": "nope", "ATLSMS_API_URL": sim.url})
    assert p.returncode == 1 and "error 105" in p.stderr
    assert "ATLSMS_LOGIN and ATLSMS_PASSWORD" in p.stderr and "profile" not in p.stderr


def test_login_without_terminal_or_stdin_flag_refuses(cli, sim):
    p = cli("login", "--login", LOGIN, "--api-url", sim.url)
    assert p.returncode == 2 and "--password-stdin" in p.stderr


def test_units_json(logged_in):
    p = logged_in("units", "--json")
    assert p.returncode == 0 and json.loads(p.stdout) == {"units": 10000}


def test_environment_only_needs_no_profile(cli, sim):
    p = cli("units", "--json", extra_env={"ATLSMS_LOGIN": LOGIN, "ATLSMS_PASSWORD": SENTINEL, "ATLSMS_API_URL": sim.url})
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == {"units": 10000}


def test_no_profile_is_a_clear_usage_error(cli):
    p = cli("units")
    assert p.returncode == 2 and "atlsms-tui login" in p.stderr


def test_send_bulk_json(logged_in, sim):
    p = logged_in("send", "--title", "ATL", "--message", "Salam", "--to", "+994 50 123 45 67", "(055) 123-45-67", "--yes", "--json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["state"] == "accepted" and doc["recipients"] == 2 and doc["segments"] == 1 and doc["units_estimate"] == 2
    assert sim.recipients_of(doc["taskid"]) == [(A, "Salam"), (B, "Salam")]
    assert sim.task(doc["taskid"]).controlid == doc["controlid"]
    tasks = json.loads(logged_in("tasks", "--json").stdout)
    assert tasks[0]["taskid"] == doc["taskid"]
    assert set(tasks[0]) == {"controlid", "taskid", "state", "phase", "title", "created", "scheduled", "by",
                             "recipients", "campaign"}


def test_send_reports_invalid_and_duplicates_by_line(logged_in, sim, tmp_path):
    f = tmp_path / "to.txt"
    f.write_text(f"{A}\n12345\n0501234567; {B}\nabc\n")
    p = logged_in("send", "--title", "ATL", "--message", "hi", "--to-file", str(f), "--yes", "--json")
    assert p.returncode == 0, p.stderr
    assert "line 2" in p.stderr and "12345" in p.stderr
    assert "line 3" in p.stderr and "duplicate of line 1" in p.stderr
    assert "line 4" in p.stderr
    assert json.loads(p.stdout)["recipients"] == 2
    p = logged_in("send", "--title", "ATL", "--message", "hi", "--to-file", str(f), "--yes", "--strict")
    assert p.returncode == 2 and "nothing sent" in p.stderr
    p = logged_in("send", "--title", "ATL", "--message", "hi", "--to", "123", "--yes")
    assert p.returncode == 2 and "no valid recipient" in p.stderr
    assert len(sim.tasks) == 1


def test_send_needs_confirmation_or_yes(logged_in, sim):
    p = logged_in("send", "--title", "ATL", "--message", "hi", "--to", A)
    assert p.returncode == 2 and "--yes" in p.stderr
    assert sim.tasks == []


def test_send_individual_csv(logged_in, sim, tmp_path):
    f = tmp_path / "ind.csv"
    f.write_text('msisdn,message\n0501234567,"Salam, Aysel!"\n0551234567,Hörmətli müştəri\n', encoding="utf-8")
    p = logged_in("send", "--title", "ATL", "--individual", str(f), "--yes", "--json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert sim.recipients_of(doc["taskid"]) == [(A, "Salam, Aysel!"), (B, "Hörmətli müştəri")]


def test_send_schedule_is_baku_time(logged_in, sim):
    p = logged_in("send", "--title", "ATL", "--message", "hi", "--to", A, "--at", "2099-01-02 03:04", "--yes", "--json")
    assert p.returncode == 0, p.stderr
    assert sim.requests[-1]["scheduled"] == "2099-01-02 03:04:00"
    p = logged_in("send", "--title", "ATL", "--message", "hi", "--to", A, "--at", "2001-01-02 03:04", "--yes")
    assert p.returncode == 2 and "past" in p.stderr
    p = logged_in("send", "--title", "ATL", "--message", "hi", "--to", A, "--at", "tomorrow", "--yes")
    assert p.returncode == 2 and "YYYY-MM-DD" in p.stderr


def test_send_rejected_exit_1_with_api_wording(logged_in, sim):
    p = logged_in("send", "--title", "NOTREG", "--message", "hi", "--to", A, "--yes", "--json")
    assert p.returncode == 1
    assert json.loads(p.stdout) | {} and json.loads(p.stdout)["state"] == "rejected"
    assert json.loads(p.stdout)["code"] == "235"
    assert "error 235: Invalid TITLE please contact Account Manager" in p.stderr


def test_send_uncertain_exit_4_then_retry(logged_in, sim):
    sim.inject(Fault("drop", operation="submit", times=2))
    p = logged_in("send", "--title", "ATL", "--message", "hi", "--to", A, "--yes", "--json")
    assert p.returncode == 4
    doc = json.loads(p.stdout)
    assert doc["state"] == "uncertain" and "retry" in p.stderr
    p = logged_in("retry", doc["controlid"], "--json")
    assert p.returncode == 0
    assert json.loads(p.stdout)["state"] == "accepted_without_taskid"
    assert "warning" in p.stderr and "no report" in p.stderr
    assert len(sim.tasks) == 1
    p = logged_in("retry", "12345")
    assert p.returncode == 2


def test_transport_failure_exit_3(cli):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    p = cli("units", extra_env={"ATLSMS_LOGIN": LOGIN, "ATLSMS_PASSWORD": SENTINEL, "ATLSMS_API_URL": f"http://127.0.0.1:{port}/api"})
    assert p.returncode == 3 and "cannot reach" in p.stderr


def test_report_json_detailed_and_wait(logged_in, sim, clock):
    doc = json.loads(logged_in("send", "--title", "ATL", "--message", "hi", "--to", A, B, "--yes", "--json").stdout)
    p = logged_in("report", doc["taskid"], "--json")
    assert json.loads(p.stdout) == {"taskid": doc["taskid"], "ready": False, "pending": 0, "delivered": 0, "failed": 0, "removed": 0, "error": 0}
    timer = threading.Timer(1.0, lambda: clock.advance(60))
    timer.start()
    p = logged_in("report", doc["taskid"], "--wait", "--detailed", "--json")
    timer.join()
    assert p.returncode == 0, p.stderr
    rep = json.loads(p.stdout)
    assert rep["ready"] and rep["pending"] == 0
    assert rep["delivered"] + rep["failed"] + rep["removed"] + rep["error"] == 2
    assert sorted(r["msisdn"] for r in rep["recipients"]) == [A, B]
    for r in rep["recipients"]:
        assert r["status"] in ("delivered", "failed", "removed", "error") and r["message"] == "hi"
        assert set(r) == {"msisdn", "message", "status", "status_code", "date"}
    p = logged_in("report", "77777")
    assert p.returncode == 1 and "error 109" in p.stderr


def test_open_credentials_file_is_refused(logged_in, private_dirs):
    cred = private_dirs[0] / "credentials.json"
    os.chmod(cred, 0o644)
    p = logged_in("units")
    assert p.returncode == 6  # a local problem: nothing sent
    assert "chmod 600" in p.stderr and str(cred) in p.stderr


def test_bad_settings_file_named_with_line(cli, private_dirs):
    private_dirs[0].mkdir(parents=True, exist_ok=True)
    (private_dirs[0] / "settings.json").write_text('{"profiles": {\n  "x": }\n}')
    p = cli("units")
    assert p.returncode == 2 and "line 2" in p.stderr
    assert (private_dirs[0] / "settings.json").read_text().startswith('{"profiles"')


def test_locate_and_count(cli, private_dirs):
    p = cli("locate")
    assert str(private_dirs[0]) in p.stdout and str(private_dirs[1]) in p.stdout
    p = cli("count", "--json", "Salam ə")
    doc = json.loads(p.stdout)
    assert doc["encoding"] == "UCS-2" and doc["ucs2_chars"] == ["ə"] and doc["segments"] == 1


def test_sentinel_absent_from_every_file_but_credentials(logged_in, sim, private_dirs):
    sim.inject(Fault("drop", operation="submit", times=2))
    logged_in("send", "--title", "ATL", "--message", "hi", "--to", A, "--yes")
    logged_in("tasks")
    for root in private_dirs:
        for path in root.rglob("*"):
            if path.is_file() and path.name != "credentials.json":
                assert SENTINEL.encode() not in path.read_bytes(), path
    for entry in sim.requests:
        assert SENTINEL not in json.dumps(entry, default=str)


def test_core_imports_no_textual():
    """Every module of the core, its API, the simulator and the CLI, imported
    in a fresh interpreter, loads no Textual. (Rich may load: httpx imports it
    for its own command line when click is installed.)"""
    code = (
        "import importlib, pkgutil, sys\n"
        "import atlsms_tui.api, atlsms_tui.cli, atlsms_tui.core, atlsms_tui.simulator\n"
        "names = []\n"
        "for pkg in (atlsms_tui.core, atlsms_tui.api, atlsms_tui.simulator, atlsms_tui.cli):\n"
        "    for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        if not info.name.endswith('__main__'):\n"
        "            importlib.import_module(info.name)\n"
        "            names.append(info.name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'textual')\n"
        "assert not bad, bad\n"
        "print(len(names), 'modules clean')\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode == 0 and "modules clean" in p.stdout, p.stderr
    assert int(p.stdout.split()[0]) > 60  # the walk really reached the modules


def test_a_command_loads_openpyxl_only_for_a_spreadsheet():
    """openpyxl costs a seventh of every start-up: the CLI (its whole core
    API included) loads it only to read or write an .xlsx."""
    code = (
        "import sys\n"
        "from atlsms_tui.cli import main\n"
        "main(['count', 'Salam'])\n"
        "assert 'openpyxl' not in sys.modules, 'openpyxl loaded'\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode == 0 and "openpyxl loaded" not in p.stderr, p.stderr


def test_local_commands_load_no_http_client_nor_numbering_plan(logged_in, sim):
    """`locate`, `count` and `tasks` read files and the journal only: they
    start without httpx, the TLS certificates or the numbering plan (the
    CLI's start-up time is what its imports drag in), and `tasks` still
    lists what the journal holds."""
    sent = logged_in("send", "--title", "ATL", "--message", "Salam", "--to", "0501234567", "--yes")
    assert sent.returncode == 0, sent.stderr
    code = (
        "import sys\n"
        "from atlsms_tui.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "heavy = sorted(m for m in ('httpx', 'phonenumbers', 'ssl', 'openpyxl') if m in sys.modules)\n"
        "print('LOADED', heavy, file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    for args in (["locate"], ["count", "Salam"], ["tasks"]):
        p = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=logged_in.env)
        assert p.returncode == 0, (args, p.stderr)
        assert "LOADED []" in p.stderr, (args, p.stderr)
    assert "accepted" in p.stdout and "Salam" not in p.stderr


def test_global_options_before_or_after_the_command(logged_in, sim):
    p = logged_in("--profile", "nosuch", "units")
    assert p.returncode == 2 and "nosuch" in p.stderr
    p = logged_in("units", "--profile", "nosuch")
    assert p.returncode == 2 and "nosuch" in p.stderr


def test_task_id_must_be_ascii_digits(logged_in):
    p = logged_in("report", "\u0661\u0662\u0663")  # Arabic-Indic 123
    assert p.returncode == 2 and "not a number" in p.stderr


def test_send_takes_the_profiles_default_title(logged_in, sim):
    # logged_in saved the profile with --title ATL: its default title
    p = logged_in("send", "--message", "Salam", "--to", A, "--yes", "--json")
    assert p.returncode == 0, p.stderr
    assert sim.tasks[0].title == "ATL"


def test_send_without_a_title_anywhere(cli, sim):
    # credentials from the environment: no stored profile, so no default title
    p = cli("send", "--message", "Salam", "--to", A, "--yes",
            extra_env={"ATLSMS_LOGIN": LOGIN, "ATLSMS_PASSWORD": SENTINEL, "ATLSMS_API_URL": sim.url})
    assert p.returncode == 2 and "no title: give --title" in p.stderr
    assert sim.tasks == []


def test_tasks_shows_phase_and_full_delivery(logged_in, sim):
    p = logged_in("send", "--title", "ATL", "--message", "Salam", "--to", A, B, "--yes", "--json")
    taskid = json.loads(p.stdout)["taskid"]
    p = logged_in("tasks")
    assert " accepted " in p.stdout.splitlines()[1]
    sim.clock.advance(3600)
    logged_in("report", taskid)
    line = logged_in("tasks").stdout.splitlines()[1]
    assert " done " in line and "delivered" in line
    doc = json.loads(logged_in("tasks", "--json").stdout)[0]
    assert doc["state"] == "accepted" and doc["phase"] == "done"
    assert re.fullmatch(r"\d{1,3}(,\d{3})+ units", logged_in("units").stdout.strip())
