"""Private directories and files: who may own and write them, and how a
private file comes to exist (exclusively, 0600 before its first byte)."""

from __future__ import annotations

import json
import os
import stat

import pytest

from atlsms_tui.core import credentials, paths
from atlsms_tui.core.errors import LocalError
from atlsms_tui.core.secret import Secret
from atlsms_tui.core.settings import Profile, Settings, load_settings
from atlsms_tui.core.store import Store

from support import SENTINEL


def _mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def open_umask():
    """Run with umask 0: the modes must come from the code, not the umask."""
    old = os.umask(0)
    yield
    os.umask(old)


def test_dir_writable_by_others_is_refused_with_the_fix(private_dirs):
    cfg = private_dirs[0]
    cfg.mkdir()
    os.chmod(cfg, 0o777)
    with pytest.raises(LocalError) as e:
        credentials.store_password("p", Secret(SENTINEL))
    assert str(cfg) in str(e.value) and f"chmod 700 {cfg}" in str(e.value)
    assert list(cfg.iterdir()) == []  # nothing written into it
    with pytest.raises(LocalError):
        load_settings()  # a settings file there could point the password anywhere
    os.chmod(cfg, 0o770)
    with pytest.raises(LocalError, match="writable by others"):
        Settings().save()


def test_data_dir_writable_by_others_is_refused(private_dirs):
    data = private_dirs[1]
    data.mkdir()
    os.chmod(data, 0o757)
    with pytest.raises(LocalError) as e:
        Store(data / "journal.sqlite")
    assert f"chmod 700 {data}" in str(e.value)
    assert not (data / "journal.sqlite").exists()


def test_dir_of_another_user_is_refused(private_dirs, monkeypatch):
    cfg = private_dirs[0]
    cfg.mkdir(mode=0o700)
    me = os.getuid()
    monkeypatch.setattr(paths.os, "getuid", lambda: me + 1)  # the dir now belongs to someone else
    with pytest.raises(LocalError) as e:
        Settings().save()
    assert "owned by another user" in str(e.value) and f"chown {me + 1} {cfg}" in str(e.value)


def test_own_dir_only_readable_by_others_is_tightened(private_dirs):
    data = private_dirs[1]
    data.mkdir()
    os.chmod(data, 0o755)
    Store(data / "journal.sqlite").close()
    assert _mode(data) == 0o700


def test_new_dirs_and_files_are_private_whatever_the_umask(private_dirs, open_umask):
    cfg, data = private_dirs
    credentials.store_password("p", Secret(SENTINEL))
    s = Settings(profiles={"p": Profile("p", "login")}, current="p")
    s.save()
    store = Store(data / "journal.sqlite")
    try:
        spool = store.journal.new_payload_path()
        # the spool exists, empty and 0600, before a payload byte is written
        assert spool.stat().st_size == 0 and _mode(spool) == 0o600
        assert _mode(store.journal.payload_dir) == 0o700
    finally:
        store.close()
    assert _mode(cfg) == 0o700 and _mode(data) == 0o700
    for f in (cfg / "credentials.json", cfg / "settings.json", data / "journal.sqlite"):
        assert _mode(f) == 0o600, f
    assert sorted(p.name for p in cfg.iterdir()) == ["credentials.json", "settings.json"]  # no temp left


def test_create_private_never_writes_through_an_existing_name(tmp_path):
    target = tmp_path / "elsewhere"
    target.write_text("theirs")
    link = tmp_path / "link"
    link.symlink_to(target)
    with pytest.raises(FileExistsError):
        paths.create_private(link)
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "would-be-created")
    with pytest.raises(FileExistsError):
        paths.create_private(dangling)
    assert not (tmp_path / "would-be-created").exists()
    assert target.read_text() == "theirs"


@pytest.mark.parametrize("which", ["credentials.json", "settings.json"])
def test_planted_symlink_at_the_temp_path_never_gets_the_secret(private_dirs, tmp_path, which):
    cfg = private_dirs[0]
    cfg.mkdir(mode=0o700)
    stolen = tmp_path / "stolen"
    (cfg / f".{which}.{os.getpid()}.tmp").symlink_to(stolen)  # dangling: O_CREAT alone would create it
    if which == "credentials.json":
        credentials.store_password("p", Secret(SENTINEL))
        assert credentials.load_password("p").reveal() == SENTINEL
    else:
        Settings(profiles={"p": Profile("p", SENTINEL)}, current="p").save()
        assert load_settings().profiles["p"].login == SENTINEL
    assert not stolen.exists()
    assert os.path.islink(cfg / f".{which}.{os.getpid()}.tmp")  # left as it was
    assert _mode(cfg / which) == 0o600
    assert SENTINEL in (cfg / which).read_text()


def test_planted_symlink_at_the_final_path_is_replaced_not_followed(private_dirs, tmp_path):
    cfg = private_dirs[0]
    cfg.mkdir(mode=0o700)
    outside = tmp_path / "outside.json"
    outside.write_text(json.dumps({"profiles": {}}))
    (cfg / "settings.json").symlink_to(outside)
    Settings(profiles={"p": Profile("p", "login")}).save()
    assert json.loads(outside.read_text()) == {"profiles": {}}
    assert not os.path.islink(cfg / "settings.json")


def test_journal_is_created_exclusively_0600(private_dirs, open_umask):
    data = private_dirs[1]
    Store(data / "journal.sqlite").close()
    assert _mode(data / "journal.sqlite") == 0o600
    # an existing journal is opened, not recreated
    Store(data / "journal.sqlite").close()
