"""Local problems (journal, disk, permissions, settings) end in one line
naming the file and the fix, exit 6; a closed stdout ends quietly; what the
server or the store holds is printed escaped; detailed reports and messages
are bounded."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import subprocess
import sys

import pytest

from atlsms_tui import cli as cli_main
from atlsms_tui.core import paths
from atlsms_tui.core.errors import InputError, LocalError
from atlsms_tui.core.models import Recipient
from atlsms_tui.core.service import Draft, check_draft
from atlsms_tui.core.store import Store
from atlsms_tui.core.store.journal import Journal

A, B, C = "994501234567", "994551234567", "994701234567"
HOSTILE = "A\x1b[31mB\u202eC\x85D\u2066E\x07"


def _journal(store: Store, n: int, *, profile: str = "main", title: str = "ATL",
             message: str = "hi", taskid: str | None = None) -> None:
    """Journal rows as a past run left them (no request involved)."""
    with store.db.transaction() as db:
        for i in range(n):
            db.execute(
                "INSERT INTO submissions(controlid, profile, api_url, login, title, individual, message, "
                "scheduled, created, recipients, segments, units_estimate, payload_hash, state, taskid, "
                "updated) VALUES(?,?,?,?,?,0,?,'NOW',?,1,1,1,'h','accepted',?,?)",
                (f"{1000 + i}", profile, "https://127.0.0.1/api", "tester", title, message,
                 f"2026-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}+00:00", taskid or str(5000 + i),
                 "2026-01-01T00:00:00+00:00"),
            )


# ------------------------------------------------------------ journal problems


def test_corrupt_journal_is_one_line_exit_6(logged_in, private_dirs):
    journal = private_dirs[1] / "journal.sqlite"
    private_dirs[1].mkdir(exist_ok=True)
    journal.write_bytes(b"this is not a database, it is a text file\n" * 200)
    p = logged_in("tasks")
    assert p.returncode == 6
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and str(journal) in lines[0] and f"mv {journal}" in lines[0]


def test_journal_of_a_newer_schema_exit_6(logged_in, private_dirs):
    journal = private_dirs[1] / "journal.sqlite"
    Store(journal).close()
    db = sqlite3.connect(journal)
    db.execute("PRAGMA user_version=99")
    db.close()
    p = logged_in("tasks")
    assert p.returncode == 6
    assert "schema 99, newer" in p.stderr and str(journal) in p.stderr and "upgrade" in p.stderr
    with pytest.raises(LocalError):
        Store(journal)


@pytest.mark.parametrize("code, says", [
    (errno.EROFS, "read-only file system"), (errno.EACCES, "chmod 700"), (errno.ENOSPC, "no space left"),
])
def test_journal_that_cannot_be_created(private_dirs, monkeypatch, code, says):
    data = private_dirs[1]
    journal = data / "journal.sqlite"

    def refuse(path):
        raise OSError(code, os.strerror(code), str(path))

    monkeypatch.setattr(paths, "create_private", refuse)
    with pytest.raises(LocalError) as e:
        Store(journal)
    assert str(journal) in str(e.value) and says in str(e.value)


@pytest.mark.parametrize("sqlite_says, says", [
    ("attempt to write a readonly database", "not writable"),
    ("database or disk is full", "no space left"),
    ("unable to open database file", "cannot open it"),
])
def test_sqlite_errors_at_open_name_the_journal(private_dirs, monkeypatch, sqlite_says, says):
    journal = private_dirs[1] / "journal.sqlite"

    def broken(*_a, **_k):
        raise sqlite3.OperationalError(sqlite_says)

    monkeypatch.setattr(sqlite3, "connect", broken)
    with pytest.raises(LocalError) as e:
        Store(journal)
    assert str(journal) in str(e.value) and says in str(e.value)


def _main(argv, capsys):
    code = cli_main.main(argv)
    cap = capsys.readouterr()
    assert "Traceback" not in cap.err
    return code, cap.out, cap.err


def test_disk_full_during_a_command_is_exit_6(private_dirs, monkeypatch, capsys):
    """ENOSPC at the store layer, in the middle of a command, reaches the
    operator as one line naming the journal."""
    def full(*_a, **_k):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Journal, "list_submissions", full)
    monkeypatch.setenv("ATLSMS_LOGIN", "tester")
    monkeypatch.setenv("ATLSMS_PASSWORD", "pw")
    code, _out, err = _main(["tasks"], capsys)
    assert code == 6
    assert len(err.strip().splitlines()) == 1
    assert str(paths.store_file()) in err and "no space left" in err


def test_disk_full_writing_settings_is_exit_6(private_dirs, monkeypatch, capsys):
    def full(path, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(paths, "write_private", full)
    monkeypatch.setattr(sys, "stdin", _Lines("pw\n"))
    code, _out, err = _main(["login", "--login", "u", "--no-verify", "--password-stdin"], capsys)
    assert code == 6
    assert "credentials.json" in err and "no space left" in err


class _Lines:
    def __init__(self, text: str) -> None:
        self._lines = text.splitlines(keepends=True)

    def readline(self) -> str:
        return self._lines.pop(0) if self._lines else ""

    def isatty(self) -> bool:
        return False


def test_unexpected_error_is_one_line_and_a_hint(private_dirs, monkeypatch, capsys):
    def boom(args):
        raise RuntimeError("something odd\nwith a second line")

    import atlsms_tui.cli.account as account

    monkeypatch.setattr(account, "cmd_locate", boom)
    code, _out, err = _main(["locate"], capsys)
    assert code == 70
    lines = err.strip().splitlines()
    assert len(lines) == 2 and "RuntimeError: something odd" in lines[0] and "ATLSMS_DEBUG=1" in lines[1]


def test_bad_max_segments_setting_names_the_variable(logged_in):
    p = logged_in("send", "--title", "ATL", "--message", "hi", "--to", A, "--yes",
                  extra_env={"ATLSMS_MAX_SEGMENTS": "0"})
    assert p.returncode == 2 and "ATLSMS_MAX_SEGMENTS" in p.stderr


# ------------------------------------------------------------- closed stdout


def test_closed_stdout_ends_quietly(logged_in, private_dirs):
    store = Store(private_dirs[1] / "journal.sqlite")
    _journal(store, 3000)
    store.close()
    p = subprocess.Popen([sys.executable, "-m", "atlsms_tui", "tasks"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=logged_in.env)
    first = p.stdout.readline()
    p.stdout.close()  # as `| head -1` does
    err = p.stderr.read()
    rc = p.wait(timeout=60)
    assert first.startswith(b"CONTROLID")
    assert err == b"" and rc in (0, 141)


def test_stdout_closed_before_a_short_output_ends_quietly(logged_in):
    # the reader is gone before the first byte: the buffered output fails
    # only when flushed, after the command itself has finished
    p = subprocess.Popen([sys.executable, "-m", "atlsms_tui", "locate"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=logged_in.env)
    p.stdout.close()
    err = p.stderr.read()
    assert p.wait(timeout=60) == 141 and err == b""


# ------------------------------------------------------------------ escaping


def test_control_and_bidi_characters_are_escaped_in_tasks(logged_in, private_dirs):
    store = Store(private_dirs[1] / "journal.sqlite")
    _journal(store, 1, title=HOSTILE, message=HOSTILE)
    store.close()
    p = logged_in("tasks")
    assert p.returncode == 0
    for ch in "\x1b\u202e\x85\u2066\x07":
        assert ch not in p.stdout
    assert "A\\x1b[31mB\\u202eC\\x85D\\u2066E\\x07" in p.stdout
    p = logged_in("tasks", "--json")
    for ch in "\x1b\u202e\x85\u2066\x07":
        assert ch not in p.stdout
    assert json.loads(p.stdout)[0]["title"] == HOSTILE  # escaped, not altered


def test_lists_print_escaped(logged_in):
    assert logged_in("optout", "add", A, "--reason", HOSTILE).returncode == 0
    # a template must be sendable: only characters XML carries (no C0)
    assert logged_in("template", "save", "t", "--text", "line one\nline two B\u202eC\x85D\x7f").returncode == 0
    for args in (("optout", "list"), ("template", "show", "t"), ("template", "list")):
        p = logged_in(*args)
        assert p.returncode == 0
        for ch in "\x1b\u202e\x85\u2066\x07\x7f":
            assert ch not in p.stdout + p.stderr, args
    body = logged_in("template", "show", "t").stdout
    assert body == "line one\nline two B\\u202eC\\x85D\\x7f\n"  # a body keeps its lines


def test_report_detailed_escapes_server_text(logged_in, clock):
    msg = "Salam \u202eabc\x85 \u2067x"
    doc = json.loads(logged_in("send", "--title", "ATL", "--message", msg, "--to", A, B, "--yes",
                               "--json").stdout)
    clock.advance(60)
    p = logged_in("report", doc["taskid"], "--detailed")
    assert p.returncode == 0, p.stderr
    assert "\u202e" not in p.stdout and "\x85" not in p.stdout and "Salam \\u202eabc\\x85" in p.stdout
    p = logged_in("report", doc["taskid"], "--detailed", "--json")
    assert "\u202e" not in p.stdout and "\x85" not in p.stdout
    rows = json.loads(p.stdout)["recipients"]
    assert [r["message"] for r in rows] == [msg, msg]


# -------------------------------------------------------- detailed-report bounds


def test_max_segments_refuses_before_journalling(monkeypatch, private_dirs):
    long = "x" * 1600  # 11 segments of GSM-7
    with pytest.raises(InputError) as e:
        check_draft(Draft("ATL", [Recipient(A)], long))
    assert "11 segments" in str(e.value) and "max_segments (10)" in str(e.value)
    check_draft(Draft("ATL", [Recipient(A)], long), max_segments=11)
    from atlsms_tui.core.settings import load_settings

    monkeypatch.setenv("ATLSMS_MAX_SEGMENTS", "11")
    check_draft(Draft("ATL", [Recipient(A)], long), load_settings().preferences.max_segments)
    monkeypatch.delenv("ATLSMS_MAX_SEGMENTS")
    rows = [Recipient(A, "short"), Recipient(B, "ok"), Recipient(C, "ə" * 700)]  # UCS-2: 11 segments
    with pytest.raises(InputError) as e:
        check_draft(Draft("ATL", rows, None))
    assert "recipient row 3 (994701234567)" in str(e.value) and "11 segments" in str(e.value)
    rows[2] = Recipient(C, "x" * 1530)  # long, but 10 segments: within the limit
    check_draft(Draft("ATL", rows, None))


def test_max_segments_preference_from_the_settings_file(private_dirs):
    from atlsms_tui.core.settings import Settings, load_settings

    s = Settings()
    s.preferences.max_segments = 12
    s.save()
    assert load_settings().preferences.max_segments == 12
    check_draft(Draft("ATL", [Recipient(A)], "x" * 1800), load_settings().preferences.max_segments)


def test_send_refuses_a_long_message_and_journals_nothing(logged_in, sim, tmp_path):
    f = tmp_path / "msg.txt"
    f.write_text("y" * 2000)  # 14 segments
    p = logged_in("send", "--title", "ATL", "--message-file", f, "--to", A, "--yes")
    assert p.returncode == 2
    assert "14 segments, more than max_segments (10)" in p.stderr
    assert not [r for r in sim.requests if r.get("operation") == "submit"]
    assert "no submissions" in logged_in("tasks").stdout
    p = logged_in("send", "--title", "ATL", "--message-file", f, "--to", A, "--yes", "--max-segments", "14")
    assert p.returncode == 0, p.stderr


def test_message_file_must_be_a_small_regular_file(logged_in, tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    big = tmp_path / "big.txt"
    big.write_bytes(b"z" * (10 << 20))
    for path, says in ((fifo, "not a regular file"), ("/dev/zero", "not a regular file"),
                       (tmp_path, "not a regular file"), (big, "10,485,760 bytes")):
        p = logged_in("send", "--title", "ATL", "--message-file", path, "--to", A, "--yes", timeout=30)
        assert p.returncode == 2 and says in p.stderr and str(path) in p.stderr
