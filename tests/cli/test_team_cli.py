"""A team on one jump host: two operators (two processes with their own
LOGNAME/USER, config and data directories) sharing one journal in a team
directory; and monitor mode in the CLI (--monitor, or a read_only profile).
"""

from __future__ import annotations

import json
import os

import pytest

from atlsms_tui import cli as cli_main
from atlsms_tui.core.settings import Profile, Settings

from support import LOGIN, SENTINEL

NUMBERS = [f"99450{i:07d}" for i in range(4000000, 4000008)]
TEAM_GID = 4242


@pytest.fixture
def team_dir(tmp_path):
    """A 2770 directory of a group the operators are in (as root: a group
    the test adds, which its subprocesses inherit, so that sharing is not
    the user's own group)."""
    before = os.getgroups()
    gid = os.getgid()
    if os.getuid() == 0:
        os.setgroups([*before, TEAM_GID])
        gid = TEAM_GID
    team = tmp_path / "team"
    team.mkdir()
    os.chown(team, -1, gid)
    os.chmod(team, 0o2770)
    try:
        yield team
    finally:
        if os.getuid() == 0:
            os.setgroups(before)


def operator(tmp_path, sim, team, name: str) -> dict[str, str]:
    """One operator's environment: their own config and data, the team's journal."""
    home = tmp_path / name
    env = {
        "LOGNAME": name, "USER": name, "SSH_CLIENT": f"10.0.0.{len(name)} 50000 22",
        "ATLSMS_CONFIG_DIR": str(home / "config"), "ATLSMS_DATA_DIR": str(home / "data"),
        "ATLSMS_TEAM_DIR": str(team), "ATLSMS_APPROVAL_ABOVE": "5",
        "ATLSMS_LOGIN": LOGIN, "ATLSMS_PASSWORD": SENTINEL, "ATLSMS_API_URL": sim.url,
    }
    return env


def test_two_operators_share_a_team_journal(cli, sim, tmp_path, team_dir):
    alice = operator(tmp_path, sim, team_dir, "alice")
    bob = operator(tmp_path, sim, team_dir, "bob")

    def run(*args, env):
        return cli(*args, extra_env=env)

    p = run("send", "--title", "ATL", "--message", "Salam", "--to", *NUMBERS, "--yes", "--json", env=alice)
    assert p.returncode == 0, p.stderr
    campaign = json.loads(p.stdout)["campaign"]
    assert sim.tasks == []
    p = run("approve", campaign, env=alice)
    assert p.returncode == 2 and "another operator" in p.stderr
    # bob sees alice's campaign, with its author, and approves it
    show = json.loads(run("campaign", "show", campaign, "--json", env=bob).stdout)
    assert show["state"] == "awaiting_approval" and show["submitted_by"] == "alice"
    assert show["by"] == {"user": "alice", "host": os.uname().nodename, "ssh_from": "10.0.0.5", "profile": "env",
                          "login": LOGIN}
    p = run("approve", campaign, "--json", env=bob)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["state"] == "accepted"
    assert sorted(n for n, _m in sim.recipients_of(sim.tasks[0].taskid)) == NUMBERS
    tasks = json.loads(run("tasks", "--json", env=alice).stdout)
    assert [t["by"]["user"] for t in tasks] == ["alice"] and tasks[0]["campaign"] == campaign
    # the repeat guard sees alice's send when bob sends the same text again
    p = run("send", "--title", "ATL", "--message", "Salam", "--to", *NUMBERS[:4], "--yes", env=bob)
    assert p.returncode == 2 and "--allow-repeat" in p.stderr, p.stderr
    # one journal, the team's: nothing in either operator's own data directory
    assert (team_dir / "journal.sqlite").exists()
    assert not (tmp_path / "alice" / "data" / "journal.sqlite").exists()
    assert not (tmp_path / "bob" / "data" / "journal.sqlite").exists()
    for f in team_dir.rglob("*"):
        assert f.stat().st_mode & 0o007 == 0, f


def test_a_misconfigured_team_dir_is_refused_with_the_fix(cli, sim, tmp_path, team_dir):
    os.chmod(team_dir, 0o2775)
    p = cli("tasks", extra_env=operator(tmp_path, sim, team_dir, "alice"))
    assert p.returncode == 6
    [line] = p.stderr.strip().splitlines()
    assert f"team directory {team_dir} is accessible by others" in line
    assert f"chmod 2770 {team_dir}" in line


# ------------------------------------------------------------ monitor mode


def _main(argv, capsys):
    code = cli_main.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_a_read_only_profile_refuses_every_change(sim, capsys, monkeypatch):
    Settings(profiles={"wall": Profile("wall", LOGIN, sim.url, read_only=True)}, current="wall").save()
    monkeypatch.setenv("ATLSMS_PASSWORD", SENTINEL)
    for argv in (["send", "--title", "ATL", "--message", "Salam", "--to", NUMBERS[0], "--yes"],
                 ["optout", "add", NUMBERS[0]],
                 ["template", "save", "t", "--text", "Salam"],
                 ["campaign", "cancel", "C1"],
                 ["retry", "123"]):
        code, _out, err = _main(argv, capsys)
        assert code == 2, (argv, err)
        assert "monitor mode is read-only" in err and err.count("\n") == 1, err
    assert sim.tasks == []
    code, out, _err = _main(["tasks", "--json"], capsys)  # looking is allowed
    assert code == 0 and json.loads(out) == []


def test_monitor_flag_refuses_a_send_on_a_writable_profile(sim, capsys, monkeypatch):
    Settings(profiles={"main": Profile("main", LOGIN, sim.url)}, current="main").save()
    monkeypatch.setenv("ATLSMS_PASSWORD", SENTINEL)
    code, _out, err = _main(["--monitor", "send", "--title", "ATL", "--message", "Salam", "--to", NUMBERS[0],
                             "--yes"], capsys)
    assert code == 2 and "sending refused: monitor mode" in err
    assert sim.tasks == []
