"""Optional SQLite persistence of the simulator's server-side state."""

from __future__ import annotations

import os
import sqlite3
import threading
from array import array
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    login TEXT PRIMARY KEY,
    units INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tasks (
    taskid INTEGER PRIMARY KEY,
    login TEXT NOT NULL,
    controlid TEXT,
    title TEXT NOT NULL,
    isbulk INTEGER NOT NULL,
    bulkmessage TEXT,
    scheduled TEXT NOT NULL,
    start REAL NOT NULL,
    created REAL NOT NULL,
    ready_at REAL NOT NULL,
    window REAL NOT NULL,
    fate_key INTEGER NOT NULL,
    recipients INTEGER NOT NULL,
    units_charged INTEGER NOT NULL,
    canceled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS recipients (
    taskid INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    msisdn INTEGER NOT NULL,
    message TEXT,
    PRIMARY KEY (taskid, idx)
) WITHOUT ROWID;
"""

TASK_COLUMNS = (
    "taskid", "login", "controlid", "title", "isbulk", "bulkmessage", "scheduled",
    "start", "created", "ready_at", "window", "fate_key", "recipients",
    "units_charged", "canceled",
)


class Store:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # It keeps numbers and messages: 0600 before SQLite writes a byte
            # (its -wal and -shm files take the database file's mode).
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
        except FileExistsError:
            pass
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def account_units(self) -> dict[str, int]:
        with self._lock:
            return dict(self._db.execute("SELECT login, units FROM accounts"))

    def set_units(self, login: str, units: int) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO accounts(login, units) VALUES (?, ?) "
                "ON CONFLICT(login) DO UPDATE SET units = excluded.units",
                (login, units),
            )

    def tasks(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {', '.join(TASK_COLUMNS)} FROM tasks ORDER BY taskid"
            ).fetchall()
        return [dict(zip(TASK_COLUMNS, row, strict=True)) for row in rows]

    def add_task(
        self,
        row: dict[str, Any],
        msisdns: array,
        messages: list[str] | None,
        units_left: Callable[[], int],
    ) -> None:
        def rows() -> Iterable[tuple]:
            tid = row["taskid"]
            if messages is None:
                for i, m in enumerate(msisdns):
                    yield (tid, i, m, None)
            else:
                for i, (m, text) in enumerate(zip(msisdns, messages, strict=True)):
                    yield (tid, i, m, text)

        with self._lock:
            db = self._db
            db.execute("BEGIN")
            try:
                db.execute(
                    f"INSERT INTO tasks({', '.join(TASK_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * len(TASK_COLUMNS))})",
                    tuple(row[c] for c in TASK_COLUMNS),
                )
                db.executemany(
                    "INSERT INTO recipients(taskid, idx, msisdn, message) VALUES (?, ?, ?, ?)",
                    rows(),
                )
                db.execute(
                    "INSERT INTO accounts(login, units) VALUES (?, ?) "
                    "ON CONFLICT(login) DO UPDATE SET units = excluded.units",
                    (row["login"], units_left()),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def cancel(self, taskid: int) -> None:
        with self._lock:
            self._db.execute("UPDATE tasks SET canceled = 1 WHERE taskid = ?", (taskid,))

    def recipients(self, taskid: int, with_messages: bool) -> tuple[array, list[str] | None]:
        msisdns = array("q")
        messages: list[str] | None = [] if with_messages else None
        with self._lock:
            cur = self._db.execute(
                "SELECT msisdn, message FROM recipients WHERE taskid = ? ORDER BY idx", (taskid,)
            )
            while True:
                batch = cur.fetchmany(10000)
                if not batch:
                    break
                for m, text in batch:
                    msisdns.append(m)
                    if messages is not None:
                        messages.append(text or "")
        return msisdns, messages
