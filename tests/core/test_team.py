"""The team store and attribution in the core: the one directory shape a
shared journal accepts, files shared with the team's group from their first
byte, every row's author, and a schema-5 journal migrated."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from contextlib import closing, contextmanager

import pytest

from atlsms_tui.core import ownership, paths
from atlsms_tui.core.attribution import Attribution
from atlsms_tui.core.campaign import load_campaign
from atlsms_tui.core.drafts import Draft
from atlsms_tui.core.errors import ConfigError, LocalError
from atlsms_tui.core.models import Recipient
from atlsms_tui.core.service import Service
from atlsms_tui.core.settings import load_settings, profile_read_only, resolve_profile, store_location
from atlsms_tui.core.store import MIGRATIONS, SCHEMA_VERSION, Store

from support import FAST_RETRY, FAST_TIMEOUTS, make_profile

# A group the test process is made a member of when it runs as root, so that
# sharing goes to a group other than the user's own.
TEAM_GID = 4242


@contextmanager
def team_group():
    """A group of the user's other than their primary one when possible
    (root: one added for the test), else the primary group."""
    if os.getuid() == 0:
        before = os.getgroups()
        os.setgroups([*before, TEAM_GID])
        try:
            yield TEAM_GID
        finally:
            os.setgroups(before)
        return
    others = [g for g in os.getgroups() if g != os.getgid()]
    yield others[0] if others else os.getgid()


@contextmanager
def umask(mask: int):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def make_team_dir(path, gid, mode=0o2770):
    path.mkdir()
    os.chown(path, -1, gid)
    os.chmod(path, mode)
    return path


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# ------------------------------------------------------------ the shape


def test_the_team_dir_shape_is_accepted(tmp_path):
    with team_group() as gid:
        team = make_team_dir(tmp_path / "team", gid)
        assert paths.check_team_dir(team) == team


@pytest.mark.parametrize(("mode", "why"), [
    (0o2775, "accessible by others"),
    (0o2777, "accessible by others"),
    (0o2771, "accessible by others"),
    (0o0770, "not setgid"),
    (0o2750, "mode 2750, not 2770"),
    (0o2700, "mode 2700, not 2770"),
])
def test_anything_looser_or_off_shape_is_refused_with_the_fix(tmp_path, mode, why):
    with team_group() as gid:
        team = make_team_dir(tmp_path / "team", gid, mode)
        with pytest.raises(LocalError) as exc:
            paths.check_team_dir(team)
    msg = str(exc.value)
    assert why in msg and str(team) in msg and "\n" not in msg
    assert f"&& chmod 2770 {team}" in msg and "chgrp " in msg


def test_a_group_the_user_is_not_in_is_refused(tmp_path):
    team = make_team_dir(tmp_path / "team", os.getgid())
    outsider_groups = {g + 100_000 for g in paths.user_groups()}
    with pytest.raises(LocalError) as exc:
        paths.check_team_dir(team, groups=outsider_groups)
    msg = str(exc.value)
    assert "which you are not in" in msg and f"chgrp GROUP {team} && chmod 2770 {team}" in msg


def test_a_missing_team_dir_says_how_to_make_it(tmp_path):
    with pytest.raises(LocalError, match=r"mkdir .*chgrp GROUP .*chmod 2770"):
        paths.check_team_dir(tmp_path / "nowhere")


def test_a_private_dir_is_still_refused_group_access(tmp_path):
    # the team's shape is accepted only where team_dir points: elsewhere a
    # group-writable directory is refused as before
    with team_group() as gid:
        shaped = make_team_dir(tmp_path / "not-the-team", gid)
        with pytest.raises(LocalError, match="writable by others"):
            paths.private_dir(shaped)


# ------------------------------------------------------- shared files


def test_every_file_of_a_team_store_is_the_groups_from_the_start(tmp_path):
    with team_group() as gid, umask(0o077):
        team = make_team_dir(tmp_path / "team", gid)
        store = Store(team / "journal.sqlite", team=True)
        try:
            store.lists.add_optouts(["0501234567"])  # a write: the WAL files exist while it is open
            spool = store.journal.new_payload_path()
            lock = ownership.try_lock(store.journal.lock_path("123"))
            assert lock is not None
            lock.release()
            files = [team / "journal.sqlite", team / "journal.sqlite-wal", team / "journal.sqlite-shm", spool,
                     store.journal.lock_path("123")]
            for f in files:
                st = os.stat(f)
                assert (stat.S_IMODE(st.st_mode), st.st_gid) == (0o660, gid), f
            for d in (store.journal.payload_dir, store.journal.lock_dir):
                st = os.stat(d)
                assert (stat.S_IMODE(st.st_mode), st.st_gid) == (0o2770, gid), d
        finally:
            store.close()


def test_a_team_journal_readable_by_others_is_refused(tmp_path):
    with team_group() as gid:
        team = make_team_dir(tmp_path / "team", gid)
        Store(team / "journal.sqlite", team=True).close()
        os.chmod(team / "journal.sqlite", 0o664)
        with pytest.raises(LocalError, match=r"accessible by others .*chmod 660"):
            Store(team / "journal.sqlite", team=True)


def test_team_dir_setting_moves_the_journal_and_nothing_else(tmp_path, monkeypatch, private_dirs):
    monkeypatch.setenv("ATLSMS_TEAM_DIR", str(tmp_path / "team"))
    settings = load_settings()
    assert settings.preferences.team_dir == str(tmp_path / "team")
    assert store_location(settings) == (tmp_path / "team" / "journal.sqlite", True)
    assert store_location(settings, demo=True) == (private_dirs[1] / "demo" / "journal.sqlite", False)
    monkeypatch.delenv("ATLSMS_TEAM_DIR")
    assert store_location() == (private_dirs[1] / "journal.sqlite", False)


# --------------------------------------------------------- attribution


async def test_submissions_and_campaigns_record_their_author(sim, store, monkeypatch):
    monkeypatch.setenv("LOGNAME", "alice")
    monkeypatch.setenv("SSH_CLIENT", "10.1.2.3 51234 22")
    svc = Service(make_profile(sim.url), store, timeouts=FAST_TIMEOUTS, retry=FAST_RETRY)
    try:
        one = Draft(title="ATL", message="Salam", recipients=[Recipient("994501234567")])
        result = await svc.submit(one)
        parts = [Draft(title="ATL", message="Salam", recipients=[Recipient(f"99450123456{i}")]) for i in range(2)]
        campaign = await svc.journal_campaign(parts[0], parts)
    finally:
        await svc.aclose()
    alice = Attribution("alice", "jump1", "10.1.2.3", "test", "tester")
    sub = store.journal.get_submission(result.controlid)
    assert sub is not None and sub.by == alice
    assert sub.as_json()["by"] == {"user": "alice", "host": "jump1", "ssh_from": "10.1.2.3", "profile": "test",
                                   "login": "tester"}
    c = load_campaign(svc, campaign)
    assert c.by == alice and all(p.by == alice for p in c.parts)
    assert c.as_json()["by"]["user"] == "alice" and c.by.label == "alice@jump1"


def test_a_schema_5_journal_migrates_and_its_rows_have_no_author(private_dirs):
    path = private_dirs[1] / "old.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path)) as db:
        db.executescript(";".join(MIGRATIONS[:5]))
        db.execute(
            "INSERT INTO submissions(controlid, profile, api_url, login, title, individual, message, scheduled, "
            "created, recipients, segments, units_estimate, payload_hash, state, taskid, updated, campaign) "
            "VALUES('11','p','u','l','ATL',0,'hi','NOW','2026-03-01T08:00:00+00:00',1,1,1,'h','accepted','7',"
            "'2026-03-01T08:00:00+00:00','C1')")
        db.execute("INSERT INTO campaigns(campaign, profile, title, created, recipients, parts, login) "
                   "VALUES('C1','p','ATL','2026-03-01T08:00:00+00:00',1,1,'l')")
        db.execute("PRAGMA user_version=5")
        db.commit()
    store = Store(path)
    try:
        assert store.db.read("PRAGMA user_version") == [(SCHEMA_VERSION,)]
        old = store.journal.get_submission("11")
        assert old is not None and old.by is None and old.as_json()["by"] is None
        assert store.campaigns.campaign_author("C1") is None
    finally:
        store.close()


def test_a_read_only_profile_is_read_from_the_settings(private_dirs):
    paths.private_dir(private_dirs[0])
    doc = {"current": "wall", "profiles": {"wall": {"login": "l", "read_only": True}, "desk": {"login": "l"}}}
    paths.settings_file().write_text(json.dumps(doc))
    settings = load_settings()
    assert resolve_profile(settings, need_password=False).read_only
    assert not resolve_profile(settings, "desk", need_password=False).read_only
    assert profile_read_only() and not profile_read_only("desk")
    doc["profiles"]["wall"]["read_only"] = "yes"
    paths.settings_file().write_text(json.dumps(doc))
    with pytest.raises(ConfigError, match="read_only must be true or false"):
        load_settings()
