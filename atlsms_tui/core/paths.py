"""Where files live, and how private ones are made. Environment overrides
come first so tests and automation can point everything elsewhere.

Every file that holds numbers, messages or secrets is created here, by
create_private: exclusive (a planted file or symlink is never written
through), 0600 before its first byte, in a directory that only its owner
can write to (checked as ssh checks ~/.ssh).

The one exception is a team store (setting ``team_dir``): a directory of
one shape only, 2770 and owned by a group the user is in, where the journal
is shared by the group's operators. Once this process has accepted it
(check_team_dir), files created under it are 0660 to that group and its
subdirectories 2770, from their first byte; everything else stays private.
"""

from __future__ import annotations

import grp
import os
import pwd
import secrets
import stat
from collections.abc import Collection
from pathlib import Path
from typing import BinaryIO

import platformdirs

from .. import APP_NAME
from .errors import LocalError


def config_dir() -> Path:
    return Path(os.environ.get("ATLSMS_CONFIG_DIR") or platformdirs.user_config_dir(APP_NAME))


def data_dir() -> Path:
    return Path(os.environ.get("ATLSMS_DATA_DIR") or platformdirs.user_data_dir(APP_NAME))


def settings_file() -> Path:
    return config_dir() / "settings.json"


def credentials_file() -> Path:
    return config_dir() / "credentials.json"


JOURNAL_NAME = "journal.sqlite"


def store_file(demo: bool = False, team_dir: str = "") -> Path:
    """The journal: the team's when ``team_dir`` is set (never for the demo)."""
    if team_dir and not demo:
        return Path(team_dir).expanduser().absolute() / JOURNAL_NAME
    return (demo_dir() if demo else data_dir()) / JOURNAL_NAME


def demo_dir() -> Path:
    return data_dir() / "demo"


def check_private_dir(path: Path) -> Path:
    """Refuse a directory another user owns or can write to: whoever can
    write there can swap our files (settings pointing the password at their
    server, a journal of their making)."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise LocalError(f"directory {path}: {exc.strerror}; create it (mkdir -m 700 {path}) or point "
                         "ATLSMS_CONFIG_DIR / ATLSMS_DATA_DIR elsewhere") from None
    if not stat.S_ISDIR(st.st_mode):
        raise LocalError(f"{path} is not a directory; remove it or point ATLSMS_CONFIG_DIR / "
                         "ATLSMS_DATA_DIR elsewhere")
    if st.st_uid != os.getuid():
        raise LocalError(f"directory {path} is owned by another user (uid {st.st_uid}); refusing to use it. "
                         f"Fix it with: chown {os.getuid()} {path} && chmod 700 {path}")
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o022:
        raise LocalError(f"directory {path} is writable by others (mode {mode:04o}); refusing to use it. "
                         f"Fix it with: chmod 700 {path}")
    if mode & 0o077:
        os.chmod(path, 0o700)  # ours and only readable by others: tighten quietly
    return path


def private_dir(path: Path) -> Path:
    """Create ``path`` (0700) if missing; refuse it if it is not private.
    Under an accepted team directory: 2770 to the team's group instead."""
    team = team_of(path)
    if team is not None:
        return _team_subdir(path, team)
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except FileExistsError:
        pass  # not a directory: check_private_dir says so
    except OSError as exc:
        raise LocalError(f"cannot create directory {path}: {exc.strerror}; create it (mkdir -m 700 {path}) "
                         "or point ATLSMS_CONFIG_DIR / ATLSMS_DATA_DIR at a writable place") from None
    return check_private_dir(path)


def check_private_file(path: Path, what: str) -> None:
    """Refuse a secret-holding file that others can read, as ssh does."""
    st = path.stat()
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        raise LocalError(
            f"{what} {path} is accessible by others (mode {mode:04o}); "
            f"it holds a password. Fix it with: chmod 600 {path}"
        )
    if st.st_uid != os.getuid():
        raise LocalError(f"{what} {path} is owned by another user; refusing to use it. "
                         f"Fix it with: chown {os.getuid()} {path}")


def create_private(path: Path) -> BinaryIO:
    """A new file, 0600 (0660 to the team in a team directory) before any
    byte is written, opened for writing.

    O_EXCL|O_NOFOLLOW: an existing file or symlink at ``path`` raises
    FileExistsError (or ELOOP) instead of being written through."""
    mode = file_mode(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    try:
        settle_mode(fd, path.parent)
        return os.fdopen(fd, "wb")
    except BaseException:
        os.close(fd)
        raise


# ---------------------------------------------------------------- team store

TEAM_DIR_MODE = 0o2770
TEAM_FILE_MODE = 0o660

# The team directories this process accepted (check_team_dir), by absolute path.
_team_dirs: dict[Path, int] = {}


def file_mode(directory: Path) -> int:
    """The mode of a new file in ``directory``: private, or the team's."""
    return TEAM_FILE_MODE if team_of(directory) is not None else 0o600


def settle_mode(fd: int, directory: Path) -> None:
    """Give a file just opened in ``directory`` its mode (and, in a team
    directory, the team's group) whatever the umask, before it holds data.
    A file another operator created is theirs to keep as it is."""
    mode = file_mode(directory)
    st = os.fstat(fd)
    if st.st_uid != os.getuid():
        return
    if stat.S_IMODE(st.st_mode) != mode:
        os.fchmod(fd, mode)
    team = team_of(directory)
    if team is not None and st.st_gid != _team_dirs[team]:
        os.fchown(fd, -1, _team_dirs[team])


def team_of(path: Path) -> Path | None:
    """The accepted team directory ``path`` is, or is inside of."""
    if not _team_dirs:
        return None
    p = path.absolute()
    for team in _team_dirs:
        if p == team or team in p.parents:
            return team
    return None


def _group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def _in_group(uid: int, gid: int) -> bool:
    try:
        user = pwd.getpwuid(uid)
    except KeyError:
        return False
    try:
        members = grp.getgrgid(gid).gr_mem
    except KeyError:
        members = []
    return user.pw_gid == gid or user.pw_name in members


def _team_shape(path: Path, st: os.stat_result, groups: Collection[int], gid: int | None = None) -> None:
    """Refuse anything but 2770, a group the user is in (``gid``: the team
    directory's, for what lies inside it) and an owner inside the team."""
    mode = stat.S_IMODE(st.st_mode)
    mine = st.st_gid in groups and (gid is None or st.st_gid == gid)
    group = _group_name(st.st_gid if mine else gid if gid is not None else st.st_gid)
    fix = f"chgrp {group if mine or gid is not None else 'GROUP'} {path} && chmod 2770 {path}"
    if not stat.S_ISDIR(st.st_mode):
        raise LocalError(f"team directory {path} is not a directory; create it: mkdir {path} && {fix}")
    if gid is not None and st.st_gid != gid:
        raise LocalError(f"team directory {path} belongs to group {_group_name(st.st_gid)}, not the team's "
                         f"({group}); refusing to use it. Fix it with: {fix}")
    if st.st_gid not in groups:
        raise LocalError(f"team directory {path} belongs to group {_group_name(st.st_gid)}, which you are not "
                         f"in; refusing to use it. Fix it with: {fix} (GROUP: the team's group, one of yours: "
                         "see `id`)")
    if mode & 0o007:
        raise LocalError(f"team directory {path} is accessible by others (mode {mode:04o}); refusing to use "
                         f"it. Fix it with: {fix}")
    if not mode & stat.S_ISGID:
        raise LocalError(f"team directory {path} is not setgid (mode {mode:04o}), so files made there would "
                         f"not be the group's; refusing to use it. Fix it with: {fix}")
    if mode != TEAM_DIR_MODE:
        raise LocalError(f"team directory {path} has mode {mode:04o}, not 2770; refusing to use it. "
                         f"Fix it with: {fix}")
    if st.st_uid not in (os.getuid(), 0) and not _in_group(st.st_uid, st.st_gid):
        raise LocalError(f"team directory {path} is owned by uid {st.st_uid}, who is outside its group "
                         f"{group}; refusing to use it. Fix it with: chown {os.getuid()} {path}")


def user_groups() -> set[int]:
    return {os.getgid(), *os.getgroups()}


def check_team_dir(path: Path, groups: Collection[int] | None = None) -> Path:
    """Accept ``path`` as the team store's directory if it has the one safe
    shape: mode 2770 (setgid, the group rwx, nothing for others), its group
    one of the user's (``groups``: the user's, by default), owned by root or
    a member. Whoever is in the group can change the journal, as the team
    intends; nobody else can. Anything else is refused with the fix."""
    path = path.expanduser().absolute()
    try:
        st = os.stat(path)
    except OSError as exc:
        raise LocalError(f"team directory {path}: {exc.strerror}; create it: mkdir {path} && "
                         f"chgrp GROUP {path} && chmod 2770 {path}") from None
    _team_shape(path, st, user_groups() if groups is None else set(groups))
    _team_dirs[path] = st.st_gid
    return path


def _team_subdir(path: Path, team: Path) -> Path:
    path = path.absolute()
    gid = _team_dirs[team]
    if path == team:
        check_team_dir(team)
        return path
    try:
        path.mkdir(mode=TEAM_DIR_MODE, parents=True, exist_ok=True)
    except FileExistsError:
        pass  # not a directory: the shape check says so
    except OSError as exc:
        raise LocalError(f"cannot create directory {path}: {exc.strerror}") from None
    st = os.stat(path)
    if st.st_uid == os.getuid() and stat.S_ISDIR(st.st_mode) and (
            stat.S_IMODE(st.st_mode) != TEAM_DIR_MODE or st.st_gid != gid):
        # just made (the umask took the group's bits) or left by an older run
        os.chown(path, -1, gid)
        os.chmod(path, TEAM_DIR_MODE)
        st = os.stat(path)
    _team_shape(path, st, user_groups(), gid)
    return path


def check_team_file(path: Path) -> None:
    """A file of the team store another operator may have made: refused if
    people outside the team can read or write it."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    mode = stat.S_IMODE(st.st_mode)
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISREG(st.st_mode):
        raise LocalError(f"{path} is not a regular file; refusing to use it. Remove it or move it aside")
    if mode & 0o007:
        raise LocalError(f"{path} is accessible by others (mode {mode:04o}); refusing to use it. "
                         f"Fix it with: chmod 660 {path}")


def _temp_beside(path: Path) -> tuple[Path, BinaryIO]:
    """A private temporary file next to ``path``; a name already taken (a
    crashed run, or something planted) is skipped, never reused."""
    name = f".{path.name}.{os.getpid()}.tmp"
    for _ in range(8):
        tmp = path.with_name(name)
        try:
            return tmp, create_private(tmp)
        except FileExistsError:
            name = f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    raise LocalError(f"cannot create a temporary file beside {path}: the names are taken; "
                     f"remove stale .{path.name}.*.tmp files from {path.parent}")


def write_private(path: Path, data: bytes) -> None:
    """Atomic write of a 0600 file in a private (0700) directory."""
    private_dir(path.parent)
    tmp, f = _temp_beside(path)
    try:
        with f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
