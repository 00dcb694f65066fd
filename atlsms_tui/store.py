"""The local store: a durable journal of submissions, reports and the
balance, in SQLite under the user data dir.

A submission's row is committed before its request leaves, so a process
killed at any point leaves a row the next start can show and settle. WAL and
a busy timeout let two running instances of the same user share the file.
"""

from __future__ import annotations

import os
import secrets
import socket
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from . import paths
from .models import DetailRow, DeliveryStatus, Recipient, Report, State, Submission, Units

SCHEMA_VERSION = 2
BUSY_TIMEOUT_MS = 15_000

# Each entry brings the schema from version i to i+1.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE submissions(
        controlid TEXT PRIMARY KEY,
        profile TEXT NOT NULL,
        api_url TEXT NOT NULL,
        login TEXT NOT NULL,
        title TEXT NOT NULL,
        individual INTEGER NOT NULL,
        message TEXT,
        scheduled TEXT NOT NULL,
        created TEXT NOT NULL,
        recipients INTEGER NOT NULL,
        segments INTEGER NOT NULL,
        units_estimate INTEGER NOT NULL,
        payload_hash TEXT NOT NULL,
        state TEXT NOT NULL,
        taskid TEXT,
        code TEXT,
        detail TEXT NOT NULL DEFAULT '',
        attempts INTEGER NOT NULL DEFAULT 0,
        updated TEXT NOT NULL,
        owner TEXT,
        campaign TEXT
    );
    CREATE INDEX submissions_by_profile ON submissions(profile, created);
    CREATE INDEX submissions_by_taskid ON submissions(profile, taskid);
    CREATE TABLE submission_recipients(
        controlid TEXT NOT NULL,
        seq INTEGER NOT NULL,
        msisdn TEXT NOT NULL,
        message TEXT,
        PRIMARY KEY(controlid, seq)
    ) WITHOUT ROWID;
    CREATE TABLE reports(
        profile TEXT NOT NULL,
        taskid TEXT NOT NULL,
        ready INTEGER NOT NULL,
        pending INTEGER NOT NULL,
        delivered INTEGER NOT NULL,
        failed INTEGER NOT NULL,
        removed INTEGER NOT NULL,
        error INTEGER NOT NULL,
        fetched_at TEXT NOT NULL,
        PRIMARY KEY(profile, taskid)
    );
    CREATE TABLE detail_fetches(
        profile TEXT NOT NULL,
        taskid TEXT NOT NULL,
        gen INTEGER NOT NULL,
        rows INTEGER NOT NULL,
        fetched_at TEXT NOT NULL,
        PRIMARY KEY(profile, taskid)
    );
    CREATE TABLE report_rows(
        gen INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        msisdn TEXT NOT NULL,
        message TEXT NOT NULL,
        status INTEGER NOT NULL,
        date TEXT,
        PRIMARY KEY(gen, seq)
    ) WITHOUT ROWID;
    CREATE INDEX report_rows_by_status ON report_rows(gen, status, seq);
    CREATE INDEX report_rows_by_msisdn ON report_rows(gen, msisdn);
    CREATE TABLE units_cache(
        profile TEXT PRIMARY KEY,
        units INTEGER NOT NULL,
        fetched_at TEXT NOT NULL
    );
    """,
    # 2: campaign tooling (saved groups, templates, opt-outs) and campaigns
    # larger than one task.
    """
    CREATE TABLE groups(
        name TEXT PRIMARY KEY,
        created TEXT NOT NULL,
        updated TEXT NOT NULL,
        source TEXT,
        columns TEXT
    );
    CREATE TABLE group_members(
        name TEXT NOT NULL,
        seq INTEGER NOT NULL,
        msisdn TEXT NOT NULL,
        fields TEXT,
        PRIMARY KEY(name, seq)
    ) WITHOUT ROWID;
    CREATE TABLE templates(
        name TEXT PRIMARY KEY,
        body TEXT NOT NULL,
        created TEXT NOT NULL,
        updated TEXT NOT NULL
    );
    CREATE TABLE optouts(
        msisdn TEXT PRIMARY KEY,
        added TEXT NOT NULL,
        reason TEXT,
        source TEXT
    );
    CREATE TABLE campaigns(
        campaign TEXT PRIMARY KEY,
        profile TEXT NOT NULL,
        title TEXT NOT NULL,
        created TEXT NOT NULL,
        recipients INTEGER NOT NULL,
        parts INTEGER NOT NULL
    );
    CREATE INDEX submissions_by_campaign ON submissions(campaign);
    """,
]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def new_controlid() -> str:
    """Numeric, at most 18 digits: microseconds since the epoch and two random
    digits, so two instances starting in the same microsecond still differ."""
    return f"{time.time_ns() // 1000}{secrets.randbelow(100):02d}"


def _process_start() -> str:
    # Distinguishes this process from a later one that reuses its pid.
    try:
        with open(f"/proc/{os.getpid()}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        return "0"


def _start_of(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        return None


HOST = socket.gethostname()
OWNER = f"{HOST}:{os.getpid()}:{_process_start()}"


def owner_alive(owner: str | None) -> bool:
    """Whether the process that claimed a row may still be working on it."""
    if not owner:
        return False
    try:
        host, pid_s, start = owner.rsplit(":", 2)
        pid = int(pid_s)
    except ValueError:
        return False
    if host != HOST:
        return True  # another machine: cannot tell, assume it is alive
    if pid == os.getpid():
        return owner == OWNER
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    current = _start_of(pid)
    return current is None or current == start


_SUB_COLS = (
    "controlid, profile, title, individual, scheduled, created, recipients, segments, "
    "units_estimate, payload_hash, state, message, taskid, code, detail, attempts, updated, campaign"
)


def _sub_from_row(row: tuple) -> Submission:
    return Submission(
        controlid=row[0],
        profile=row[1],
        title=row[2],
        individual=bool(row[3]),
        scheduled=row[4],
        created=row[5],
        recipients=row[6],
        segments=row[7],
        units_estimate=row[8],
        payload_hash=row[9],
        state=State(row[10]),
        message=row[11],
        taskid=row[12],
        code=row[13],
        detail=row[14],
        attempts=row[15],
        updated=row[16],
        campaign=row[17],
    )


class ControlIdClash(Exception):
    """The journal already holds this controlid; draw another."""


@dataclass(slots=True)
class DetailPage:
    rows: list[DetailRow]
    total: int


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        paths.private_dir(path.parent)
        if not path.exists():
            # Created 0600 before SQLite opens it; SQLite gives its -wal and
            # -shm files the database file's mode.
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        self._lock = threading.RLock()
        self._db = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False, isolation_level=None
        )
        self._db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._migrate()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction taken at once (BEGIN IMMEDIATE) so that two
        instances never interleave a read-then-write."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def transaction(self):
        """A write transaction for modules that keep their own tables here."""
        return self._tx()

    def query(self, sql: str, args: tuple = ()) -> list[tuple]:
        return self._read(sql, args)

    def _read(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def _migrate(self) -> None:
        with self._tx() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise RuntimeError(
                    f"store {self.path} has schema {version}, newer than this program ({SCHEMA_VERSION})"
                )
            for i in range(version, SCHEMA_VERSION):
                for stmt in MIGRATIONS[i].split(";"):
                    if stmt.strip():
                        db.execute(stmt)
                db.execute(f"PRAGMA user_version={i + 1}")

    @property
    def schema_version(self) -> int:
        return self._read("PRAGMA user_version")[0][0]

    # ------------------------------------------------------ submissions

    @property
    def payload_dir(self) -> Path:
        return self.path.parent / "payloads"

    def payload_path(self, controlid: str) -> Path:
        return self.payload_dir / f"{controlid}.xml"

    def new_payload_path(self) -> Path:
        """Where a payload is spooled before its submission is journalled."""
        paths.private_dir(self.payload_dir)
        return self.payload_dir / f".spool-{os.getpid()}-{secrets.token_hex(6)}"

    def begin_submission(self, sub: Submission, api_url: str, login: str, payload) -> Submission:
        """Journal a submission (``sending`` or ``queued``) durably, before
        anything is sent. Its payload (the request bodies, never the
        credentials) is kept as a file beside the store: the exact bytes a
        resend must repeat."""
        now = _now()
        if sub.state not in (State.SENDING, State.QUEUED):
            sub.state = State.SENDING
        sub.updated = now
        target = self.payload_path(sub.controlid)
        if target.exists():
            raise ControlIdClash(sub.controlid)
        payload.sync()
        if payload.path is not None and payload.path != target:
            os.replace(payload.path, target)
            payload.path = target
            _fsync_dir(target.parent)
        with self._tx() as db:
            if db.execute("SELECT 1 FROM submissions WHERE controlid=?", (sub.controlid,)).fetchone():
                raise ControlIdClash(sub.controlid)
            db.execute(
                "INSERT INTO submissions(controlid, profile, api_url, login, title, individual, message, "
                "scheduled, created, recipients, segments, units_estimate, payload_hash, state, attempts, "
                "updated, owner, campaign) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,0,?,?,?)",
                (
                    sub.controlid, sub.profile, api_url, login, sub.title, int(sub.individual),
                    sub.message, sub.scheduled, sub.created, sub.recipients, sub.segments,
                    sub.units_estimate, sub.payload_hash, sub.state.value, now,
                    OWNER if sub.state is State.SENDING else None, sub.campaign,
                ),
            )
        return sub

    def forget_payload(self, controlid: str) -> None:
        try:
            os.unlink(self.payload_path(controlid))
        except FileNotFoundError:
            pass

    def mark_attempt(self, controlid: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE submissions SET attempts=attempts+1, updated=? WHERE controlid=?",
                (_now(), controlid),
            )

    def finish_submission(
        self,
        controlid: str,
        state: State,
        *,
        taskid: str | None = None,
        code: str | None = None,
        detail: str = "",
    ) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE submissions SET state=?, taskid=COALESCE(?, taskid), code=?, detail=?, "
                "updated=?, owner=NULL WHERE controlid=?",
                (state.value, taskid, code, detail, _now(), controlid),
            )
        if not state.settleable and state is not State.QUEUED:
            # Settled for good: it will never be resent, so its payload can go.
            self.forget_payload(controlid)

    def claim_for_resend(self, controlid: str) -> Submission | None:
        """Take an uncertain (or orphaned ``sending``) row for a resend.

        Returns None when the row is not settleable or another live process
        holds it; the claim is atomic across instances."""
        with self._tx() as db:
            row = db.execute(
                f"SELECT {_SUB_COLS}, owner FROM submissions WHERE controlid=?", (controlid,)
            ).fetchone()
            if row is None:
                return None
            sub = _sub_from_row(row[:-1])
            owner = row[-1]
            if sub.state is State.UNCERTAIN or (sub.state is State.SENDING and not owner_alive(owner)):
                db.execute(
                    "UPDATE submissions SET state='sending', owner=?, updated=? WHERE controlid=?",
                    (OWNER, _now(), controlid),
                )
                sub.state = State.SENDING
                return sub
            return None

    def claim_queued(self, controlid: str) -> Submission | None:
        """Take a queued (never sent) row for its first send; atomic across instances."""
        with self._tx() as db:
            cur = db.execute(
                "UPDATE submissions SET state='sending', owner=?, updated=? WHERE controlid=? AND state='queued'",
                (OWNER, _now(), controlid),
            )
            if cur.rowcount != 1:
                return None
            row = db.execute(f"SELECT {_SUB_COLS} FROM submissions WHERE controlid=?", (controlid,)).fetchone()
        return _sub_from_row(row)

    def cancel_queued(self, controlids: Iterable[str]) -> int:
        n = 0
        with self._tx() as db:
            for cid in controlids:
                n += db.execute(
                    "UPDATE submissions SET state='cancelled', updated=?, detail='cancelled before sending' "
                    "WHERE controlid=? AND state='queued'",
                    (_now(), cid),
                ).rowcount
                self.forget_payload(cid)
        return n

    # ------------------------------------------------------------ campaigns

    def create_campaign(self, campaign: str, profile: str, title: str, recipients: int, parts: int) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO campaigns(campaign, profile, title, created, recipients, parts) VALUES(?,?,?,?,?,?)",
                (campaign, profile, title, _now(), recipients, parts),
            )

    def get_campaign(self, campaign: str) -> tuple | None:
        rows = self._read(
            "SELECT campaign, profile, title, created, recipients, parts FROM campaigns WHERE campaign=?",
            (campaign,),
        )
        return rows[0] if rows else None

    def list_campaign_ids(self, profile: str) -> list[str]:
        return [r[0] for r in self._read(
            "SELECT campaign FROM campaigns WHERE profile=? ORDER BY created DESC, rowid DESC", (profile,)
        )]

    def campaign_parts(self, campaign: str) -> list[Submission]:
        rows = self._read(
            f"SELECT {_SUB_COLS} FROM submissions WHERE campaign=? ORDER BY created, rowid", (campaign,)
        )
        parts = [_sub_from_row(r) for r in rows]
        for p in parts:
            if p.taskid:
                p.report = self.get_report(p.profile, p.taskid)
        return parts

    def recover_orphans(self) -> list[str]:
        """Rows left ``sending`` by a process that is gone become uncertain."""
        rows = self._read("SELECT controlid, owner FROM submissions WHERE state='sending'")
        orphans = [cid for cid, owner in rows if not owner_alive(owner)]
        if orphans:
            with self._tx() as db:
                for cid in orphans:
                    db.execute(
                        "UPDATE submissions SET state='uncertain', owner=NULL, updated=?, "
                        "detail='the program stopped before the outcome was known' "
                        "WHERE controlid=? AND state='sending'",
                        (_now(), cid),
                    )
        return orphans

    def get_submission(self, controlid: str) -> Submission | None:
        rows = self._read(f"SELECT {_SUB_COLS} FROM submissions WHERE controlid=?", (controlid,))
        if not rows:
            return None
        sub = _sub_from_row(rows[0])
        if sub.taskid:
            sub.report = self.get_report(sub.profile, sub.taskid)
        return sub

    def submission_target(self, controlid: str) -> tuple[str, str] | None:
        rows = self._read("SELECT api_url, login FROM submissions WHERE controlid=?", (controlid,))
        return (rows[0][0], rows[0][1]) if rows else None

    def list_submissions(self, profile: str | None = None, limit: int | None = None) -> list[Submission]:
        sql = (
            f"SELECT {', '.join('s.' + c.strip() for c in _SUB_COLS.split(','))}, "
            "r.ready, r.pending, r.delivered, r.failed, r.removed, r.error, r.fetched_at "
            "FROM submissions s LEFT JOIN reports r ON r.profile = s.profile AND r.taskid = s.taskid "
        )
        args: tuple = ()
        if profile is not None:
            sql += "WHERE s.profile=? "
            args = (profile,)
        sql += "ORDER BY s.created DESC, s.rowid DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        out = []
        for row in self._read(sql, args):
            sub = _sub_from_row(row[:18])
            if row[18] is not None and sub.taskid:
                sub.report = Report(
                    sub.taskid, bool(row[18]), row[19], row[20], row[21], row[22], row[23],
                    datetime.fromisoformat(row[24]),
                )
            out.append(sub)
        return out

    # ---------------------------------------------------------- reports

    def save_report(self, profile: str, report: Report) -> None:
        at = (report.fetched_at or datetime.now(timezone.utc)).isoformat(timespec="seconds")
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO reports(profile, taskid, ready, pending, delivered, failed, "
                "removed, error, fetched_at) VALUES(?,?,?,?,?,?,?,?,?)",
                (profile, report.taskid, int(report.ready), report.pending, report.delivered,
                 report.failed, report.removed, report.error, at),
            )

    def get_report(self, profile: str, taskid: str) -> Report | None:
        rows = self._read(
            "SELECT ready, pending, delivered, failed, removed, error, fetched_at FROM reports "
            "WHERE profile=? AND taskid=?",
            (profile, taskid),
        )
        if not rows:
            return None
        r = rows[0]
        return Report(taskid, bool(r[0]), r[1], r[2], r[3], r[4], r[5], datetime.fromisoformat(r[6]))

    # Detailed reports are written under a new generation number while they
    # download, then switched in by one small transaction: readers keep the
    # previous complete report until then.

    def new_detail_generation(self) -> int:
        # Unique without coordination between instances.
        return time.time_ns() + secrets.randbelow(1000)

    def add_detail_rows(self, gen: int, first_seq: int, rows: list[DetailRow]) -> None:
        with self._tx() as db:
            db.executemany(
                "INSERT INTO report_rows(gen, seq, msisdn, message, status, date) VALUES(?,?,?,?,?,?)",
                ((gen, first_seq + i, r.msisdn, r.message, r.status_code, r.date) for i, r in enumerate(rows)),
            )

    def discard_detail(self, gen: int) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM report_rows WHERE gen=?", (gen,))

    def commit_detail(self, profile: str, taskid: str, gen: int, count: int) -> None:
        with self._tx() as db:
            old = db.execute(
                "SELECT gen FROM detail_fetches WHERE profile=? AND taskid=?", (profile, taskid)
            ).fetchone()
            db.execute(
                "INSERT OR REPLACE INTO detail_fetches(profile, taskid, gen, rows, fetched_at) VALUES(?,?,?,?,?)",
                (profile, taskid, gen, count, _now()),
            )
            if old is not None and old[0] != gen:
                db.execute("DELETE FROM report_rows WHERE gen=?", (old[0],))

    def _detail_gen(self, profile: str, taskid: str) -> tuple[int, int, str] | None:
        rows = self._read(
            "SELECT gen, rows, fetched_at FROM detail_fetches WHERE profile=? AND taskid=?",
            (profile, taskid),
        )
        return rows[0] if rows else None

    def detail_info(self, profile: str, taskid: str) -> tuple[int, str] | None:
        """(row count, fetched at) of the stored detailed report, if any."""
        g = self._detail_gen(profile, taskid)
        return (g[1], g[2]) if g else None

    def _detail_where(self, gen: int, status: DeliveryStatus | None, search: str | None) -> tuple[str, tuple]:
        where = "gen=?"
        args: list = [gen]
        if status is not None:
            where += " AND status=?"
            args.append(int(status))
        if search:
            digits = "".join(ch for ch in search if ch.isdigit())
            where += " AND msisdn LIKE ?"
            args.append(f"%{digits}%")
        return where, tuple(args)

    def detail_page(
        self,
        profile: str,
        taskid: str,
        *,
        status: DeliveryStatus | None = None,
        search: str | None = None,
        offset: int = 0,
        limit: int = 100,
        count: bool = True,
    ) -> DetailPage:
        g = self._detail_gen(profile, taskid)
        if g is None:
            return DetailPage([], 0)
        where, args = self._detail_where(g[0], status, search)
        rows = self._read(
            f"SELECT msisdn, message, status, date FROM report_rows WHERE {where} ORDER BY seq LIMIT ? OFFSET ?",
            args + (limit, offset),
        )
        total = -1
        if count:
            if status is None and not search:
                total = g[1]
            else:
                total = self._read(f"SELECT COUNT(*) FROM report_rows WHERE {where}", args)[0][0]
        return DetailPage([DetailRow(*r) for r in rows], total)

    def iter_detail(self, profile: str, taskid: str, *, status: DeliveryStatus | None = None,
                    search: str | None = None, batch: int = 5000) -> Iterator[list[DetailRow]]:
        g = self._detail_gen(profile, taskid)
        if g is None:
            return
        where, args = self._detail_where(g[0], status, search)
        last = -1
        while True:
            rows = self._read(
                f"SELECT seq, msisdn, message, status, date FROM report_rows WHERE {where} AND seq > ? "
                "ORDER BY seq LIMIT ?",
                args + (last, batch),
            )
            if not rows:
                return
            last = rows[-1][0]
            yield [DetailRow(r[1], r[2], r[3], r[4]) for r in rows]

    # ------------------------------------------------------------ units

    def save_units(self, profile: str, units: Units) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO units_cache(profile, units, fetched_at) VALUES(?,?,?)",
                (profile, units.units, units.fetched_at.isoformat(timespec="seconds")),
            )

    def get_units(self, profile: str) -> Units | None:
        rows = self._read("SELECT units, fetched_at FROM units_cache WHERE profile=?", (profile,))
        if not rows:
            return None
        return Units(rows[0][0], datetime.fromisoformat(rows[0][1]))
