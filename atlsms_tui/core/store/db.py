"""The journal's SQLite file: opened private, WAL with a busy timeout so two
running instances of the same user share it, brought to the current schema,
and written only in immediate transactions."""

from __future__ import annotations

import errno
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .. import paths
from ..errors import LocalError
from .schema import MIGRATIONS, SCHEMA_VERSION

BUSY_TIMEOUT_MS = 15_000

Row = tuple[Any, ...]
Args = tuple[Any, ...] | list[Any]


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_only_fs(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _free_bytes(path: Path) -> int:
    # SQLite reports a full disk under WAL as a mere "disk I/O error"
    try:
        st = os.statvfs(path)
        return st.f_bavail * st.f_frsize
    except OSError:
        return 1 << 62


def journal_problem(path: Path, exc: BaseException) -> LocalError:
    """One line naming the journal file and the fix, for an error that kept
    it from opening or being written."""
    if isinstance(exc, LocalError):
        return exc
    text = str(exc)
    low = text.lower()
    errno_ = getattr(exc, "errno", None)
    if "not a database" in low or "malformed" in low or "corrupt" in low:
        fix = (f"the file is corrupt or not a journal ({text}): move it aside "
               f"(mv {path} {path}.bad) and run again; its submissions are then no longer listed")
    elif errno_ == errno.EROFS or (_read_only_fs(path.parent) and errno_ != errno.ENOSPC):
        fix = (f"{path.parent} is on a read-only file system: point ATLSMS_DATA_DIR at a writable "
               "directory, or remount it read-write")
    elif errno_ == errno.ENOSPC or "disk is full" in low or (
            "i/o error" in low and _free_bytes(path.parent) < 1 << 20):
        fix = f"no space left on the disk holding {path.parent}: free some space and run again"
    elif errno_ in (errno.EACCES, errno.EPERM) or "readonly" in low or "read-only" in low:
        fix = (f"{path.parent} or the journal is not writable ({getattr(exc, 'strerror', None) or text}): "
               f"fix it with chmod 700 {path.parent} and chmod 600 {path}, or point ATLSMS_DATA_DIR "
               "at a writable directory")
    elif "locked" in low or "busy" in low:
        fix = "another running atlsms-tui holds it: try again when it is done"
    elif "unable to open" in low:
        fix = f"SQLite cannot open it ({text}): check that {path.parent} exists and is writable"
    else:
        fix = getattr(exc, "strerror", None) or text or type(exc).__name__
    return LocalError(f"journal {path}: {fix}")


class Db:
    """One connection shared by the store's repositories; a lock keeps the
    threads of one process from interleaving on it."""

    def __init__(self, path: Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS,
                 clock: Callable[[], datetime] | None = None, team: bool = False) -> None:
        """``clock``: the wall clock (an aware datetime) of the rows' times.
        ``team``: the journal of a team directory (see paths.check_team_dir),
        shared by its group's operators."""
        self.path = path
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        if team:
            paths.check_team_dir(path.parent)
        else:
            paths.private_dir(path.parent)
        self._lock = threading.RLock()
        try:
            try:
                # Created 0600 (0660 to the team) before SQLite opens it;
                # SQLite gives its -wal and -shm files the database file's mode.
                paths.create_private(path).close()
            except FileExistsError:
                if team:
                    for suffix in ("", "-wal", "-shm"):
                        paths.check_team_file(path.with_name(path.name + suffix))
            self._conn = sqlite3.connect(
                path, timeout=busy_timeout_ms / 1000, check_same_thread=False, isolation_level=None
            )
        except (OSError, sqlite3.Error) as exc:
            raise journal_problem(path, exc) from None
        try:
            self._conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._migrate()
        except BaseException as exc:
            self._conn.close()
            if isinstance(exc, (OSError, sqlite3.Error)):
                raise journal_problem(path, exc) from None
            raise

    def now(self) -> str:
        return self.clock().astimezone(UTC).isoformat(timespec="seconds")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction taken at once (BEGIN IMMEDIATE) so that two
        instances never interleave a read-then-write; rolled back whole on
        any exception."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def read(self, sql: str, args: Args = ()) -> list[Row]:
        with self._lock:
            return self._conn.execute(sql, args).fetchall()

    def _migrate(self) -> None:
        with self.transaction() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise LocalError(
                    f"journal {self.path} has schema {version}, newer than this program's "
                    f"({SCHEMA_VERSION}): upgrade atlsms-tui, or point ATLSMS_DATA_DIR at another "
                    "directory"
                )
            for i in range(version, SCHEMA_VERSION):
                for stmt in MIGRATIONS[i].split(";"):
                    if stmt.strip():
                        db.execute(stmt)
                db.execute(f"PRAGMA user_version={i + 1}")
