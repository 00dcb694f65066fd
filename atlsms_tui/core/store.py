"""The local store: a durable journal of submissions, reports and the
balance, in SQLite under the user data dir.

A submission's row is committed before its request leaves, so a process
killed at any point leaves a row the next start can show and settle. WAL and
a busy timeout let two running instances of the same user share the file.
"""

from __future__ import annotations

import errno
import json
import os
import secrets
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from . import ownership, paths
from .errors import LocalError
from .models import DeliveryStatus, DetailRow, Report, State, Submission, Units

SCHEMA_VERSION = 5
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
    # 3: per-status counts of each stored detailed report, written with it,
    # so a status filter over a million rows shows its total without a
    # COUNT(*) per page (the paging itself uses report_rows_by_status).
    """
    CREATE TABLE detail_counts(
        gen INTEGER NOT NULL,
        status INTEGER NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY(gen, status)
    ) WITHOUT ROWID;
    """,
    # 4: campaigns journalled whole and bound to the account that journalled
    # them; a part sent again after a refusal is a new row (``part`` ties the
    # attempts together, ``superseded`` marks the earlier ones); each row's
    # payload file by name; and the numbers and content key of every
    # submission, for the repeat guard.
    """
    ALTER TABLE submissions ADD COLUMN part INTEGER;
    ALTER TABLE submissions ADD COLUMN payload TEXT;
    ALTER TABLE submissions ADD COLUMN content_key TEXT;
    ALTER TABLE submissions ADD COLUMN superseded INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE campaigns ADD COLUMN login TEXT;
    ALTER TABLE campaigns ADD COLUMN api_url TEXT;
    ALTER TABLE campaigns ADD COLUMN content_key TEXT;
    CREATE INDEX submissions_by_content ON submissions(content_key, created);
    CREATE INDEX submissions_by_state ON submissions(state);
    CREATE TABLE sent_numbers(
        controlid TEXT PRIMARY KEY,
        numbers BLOB NOT NULL
    );
    """,
    # 5: the rails. A proof (the campaign's text sent to staff numbers) is
    # marked, so the repeat guard ignores it and a large campaign can ask
    # for one; a campaign may wait for a second operator's approval.
    """
    ALTER TABLE submissions ADD COLUMN proof INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE campaigns ADD COLUMN approval TEXT;
    ALTER TABLE campaigns ADD COLUMN submitted_by TEXT;
    ALTER TABLE campaigns ADD COLUMN decided_by TEXT;
    ALTER TABLE campaigns ADD COLUMN decision TEXT;
    ALTER TABLE campaigns ADD COLUMN pace TEXT;
    CREATE INDEX submissions_proofs ON submissions(content_key, proof, state);
    """,
]

# A search by number returns at most this many matches (their seqs are held
# in memory to page through them); the screen says "first N matches".
MATCH_CAP = 10_000
# Above this many prefix ranges a search falls back to a scan (see search_prefixes)
# of at most SCAN_ROWS rows, so that it answers within ~30 ms on any report.
MAX_PREFIXES = 12_000
SCAN_ROWS = 200_000
COUNTRY = "994"
MSISDN_LEN = 12


def search_variants(search: str | None) -> list[str]:
    """What a number search looks for: its digits, and, when they start with
    0 or 00, also the 994 form they dial (0501234567, 00994501234567). A row
    matches if its number contains any of them."""
    digits = "".join(ch for ch in (search or "") if ch.isdigit())
    if not digits:
        return []
    out = [digits]
    if digits.startswith("00") and len(digits) > 2:
        out.append(digits[2:])
    elif digits.startswith("0") and len(digits) > 1:
        out.append(COUNTRY + digits[1:])
    return out


def search_prefixes(digits: str) -> list[str] | None:
    """Index-friendly form of "the number contains ``digits``".

    Stored numbers are normalised 994XXXXXXXXX (12 digits). A fragment of k
    digits sits at one of 13-k offsets; at offset o the number is
    994 + (o-3 free digits) + fragment + anything, i.e. a *prefix*, and a
    prefix is a range seek on report_rows_by_msisdn (gen, msisdn). Enumerating
    the free digits gives 1 + 10 + 100 + ... ranges: a full number is one
    seek (equality), the last 7 digits 111 seeks, 6 digits ~1,100. Shorter
    fragments would need too many seeks (None): they scan instead, where
    matches are dense and "first N matches" stops early."""
    k = len(digits)
    if k == 0 or k > MSISDN_LEN:
        return [] if k else None
    out: list[str] = []
    for o in range(0, MSISDN_LEN - k + 1):
        # The country code is fixed: the fragment must agree with it where they overlap.
        if any(digits[i - o] != COUNTRY[i] for i in range(o, min(len(COUNTRY), o + k))):
            continue
        free = max(0, o - len(COUNTRY))
        if len(out) + 10 ** free > MAX_PREFIXES:
            return None
        if free == 0:
            prefix = COUNTRY[:o] + digits
            out.append(prefix if len(prefix) >= len(COUNTRY) else COUNTRY)
        else:
            out.extend(f"{COUNTRY}{n:0{free}d}{digits}" for n in range(10 ** free))
    return out


def _fsync_dir(path: Path) -> None:
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


def new_controlid() -> str:
    """Numeric, at most 18 digits: microseconds since the epoch and two random
    digits, so two instances starting in the same microsecond still differ."""
    return f"{time.time_ns() // 1000}{secrets.randbelow(100):02d}"


def _process_start() -> str:
    try:
        with open(f"/proc/{os.getpid()}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        return "0"


# Who claimed a row, for people reading the journal. Whether that sender is
# still alive is told by its lock (see ownership.py), never by this string.
OWNER = f"{socket.gethostname()}:{os.getpid()}:{_process_start()}"


_SUB_COLS = (
    "controlid, profile, title, individual, scheduled, created, recipients, segments, "
    "units_estimate, payload_hash, state, message, taskid, code, detail, attempts, updated, campaign, part, proof"
)
_NCOLS = len(_SUB_COLS.split(","))


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
        part=row[18],
        proof=bool(row[19]),
    )


class ControlIdClash(Exception):
    """The journal already holds this controlid; draw another."""


@dataclass(slots=True)
class DetailPage:
    rows: list[DetailRow]
    total: int


@dataclass(slots=True)
class DetailWindow:
    """A page of rows with their seqs (the keys the next page starts from)."""

    rows: list[DetailRow]
    seqs: list[int]


@dataclass(slots=True)
class DetailMatches:
    """The seqs of the rows a number search matched, in report order."""

    seqs: list[int]
    capped: bool  # more matched than MATCH_CAP: these are the first found
    scanned: int | None = None  # a short fragment: only rows with seq below this were searched


class Store:
    def __init__(self, path: Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS,
                 clock: Callable[[], datetime] | None = None) -> None:
        """``clock``: the wall clock (an aware datetime) of the rows' times."""
        self.path = path
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        paths.private_dir(path.parent)
        self._lock = threading.RLock()
        try:
            try:
                # Created 0600 before SQLite opens it; SQLite gives its -wal
                # and -shm files the database file's mode.
                paths.create_private(path).close()
            except FileExistsError:
                pass
            self._db = sqlite3.connect(
                path, timeout=busy_timeout_ms / 1000, check_same_thread=False, isolation_level=None
            )
        except (OSError, sqlite3.Error) as exc:
            raise journal_problem(path, exc) from None
        try:
            self._db.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._migrate()
        except BaseException as exc:
            self._db.close()
            if isinstance(exc, (OSError, sqlite3.Error)):
                raise journal_problem(path, exc) from None
            raise

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _now(self) -> str:
        return self.clock().astimezone(UTC).isoformat(timespec="seconds")

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

    @property
    def schema_version(self) -> int:
        return self._read("PRAGMA user_version")[0][0]

    # ------------------------------------------------------ submissions

    @property
    def payload_dir(self) -> Path:
        return self.path.parent / "payloads"

    @property
    def lock_dir(self) -> Path:
        return self.path.parent / "locks"

    def payload_path(self, controlid: str, name: str | None = None) -> Path:
        """A journalled payload: the row's own file name, or (rows journalled
        one at a time) ``<controlid>.xml``."""
        return self.payload_dir / (name or f"{controlid}.xml")

    def new_payload_path(self) -> Path:
        """Where a payload is spooled before its submission is journalled."""
        paths.private_dir(self.payload_dir)
        while True:
            path = self.payload_dir / f".spool-{os.getpid()}-{secrets.token_hex(6)}"
            try:
                # 0600 before the payload (numbers, messages) is written into it
                paths.create_private(path).close()
                return path
            except FileExistsError:
                continue

    def lock_path(self, controlid: str) -> Path:
        """The lock its sender holds while a submission is ``sending``."""
        return self.lock_dir / f"{controlid}.lock"

    def campaign_lock_path(self, campaign: str) -> Path:
        """Held by the one process sending a campaign's parts."""
        return self.lock_dir / f"campaign-{campaign}.lock"

    def _sender_alive(self, controlid: str) -> bool:
        return ownership.held_elsewhere(self.lock_path(controlid))

    def _insert_submission(self, db: sqlite3.Connection, sub: Submission, api_url: str, login: str,
                           payload: str | None, numbers: bytes | None, content_key: str | None) -> None:
        if db.execute("SELECT 1 FROM submissions WHERE controlid=?", (sub.controlid,)).fetchone():
            raise ControlIdClash(sub.controlid)
        db.execute(
            "INSERT INTO submissions(controlid, profile, api_url, login, title, individual, message, "
            "scheduled, created, recipients, segments, units_estimate, payload_hash, state, attempts, "
            "updated, owner, campaign, part, payload, content_key, proof) "
            "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,0,?,?,?,?,?,?,?)",
            (
                sub.controlid, sub.profile, api_url, login, sub.title, int(sub.individual),
                sub.message, sub.scheduled, sub.created, sub.recipients, sub.segments,
                sub.units_estimate, sub.payload_hash, sub.state.value, sub.updated,
                OWNER if sub.state is State.SENDING else None, sub.campaign, sub.part, payload,
                content_key, int(sub.proof),
            ),
        )
        if numbers is not None:
            db.execute("INSERT OR REPLACE INTO sent_numbers(controlid, numbers) VALUES(?,?)",
                       (sub.controlid, numbers))

    def begin_submission(self, sub: Submission, api_url: str, login: str, payload, *,
                         numbers: bytes | None = None, content_key: str | None = None) -> Submission:
        """Journal one submission (``sending`` or ``queued``) durably, before
        anything is sent. Its payload (the request bodies, never the
        credentials) is kept as a file beside the store: the exact bytes a
        resend must repeat. A ``sending`` row's caller holds its lock."""
        if sub.state not in (State.SENDING, State.QUEUED):
            sub.state = State.SENDING
        sub.updated = self._now()
        target = self.payload_path(sub.controlid)
        if target.exists():
            raise ControlIdClash(sub.controlid)
        payload.sync()
        if payload.path is not None and payload.path != target:
            os.replace(payload.path, target)
            payload.path = target
            _fsync_dir(target.parent)
        with self._tx() as db:
            self._insert_submission(db, sub, api_url, login, None, numbers, content_key)
        return sub

    def journal_campaign(self, campaign: str, *, profile: str, login: str, api_url: str, title: str,
                         recipients: int, content_key: str | None,
                         parts: list[tuple[Submission, str, bytes | None]],
                         submitted_by: str | None = None, pace: str | None = None) -> None:
        """A campaign and every one of its parts (``queued``, each with its
        payload file, already synced, and its numbers) in ONE transaction: a
        kill at any instant leaves either no campaign or a complete one."""
        _fsync_dir(self.payload_dir)
        now = self._now()
        with self._tx() as db:
            db.execute(
                "INSERT INTO campaigns(campaign, profile, title, created, recipients, parts, login, api_url, "
                "content_key, approval, submitted_by, pace) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                (campaign, profile, title, now, recipients, len(parts), login, api_url, content_key,
                 "awaiting" if submitted_by else None, submitted_by, pace),
            )
            for sub, payload, numbers in parts:
                sub.updated = now
                self._insert_submission(db, sub, api_url, login, payload, numbers, content_key)

    def new_attempt(self, previous: str, sub: Submission, payload: str, numbers: bytes | None) -> Submission:
        """A refused or never-sent campaign part sent again under a fresh
        controlid: the new row (``sending``; its caller holds its lock) and
        the old one marked superseded, together. The old row stays in the
        history."""
        now = self._now()
        sub.state = State.SENDING
        sub.updated = now
        with self._tx() as db:
            row = db.execute(
                "SELECT api_url, login, content_key, state, superseded FROM submissions WHERE controlid=?",
                (previous,),
            ).fetchone()
            if row is None or row[3] not in ("failed", "rejected") or row[4]:
                raise ControlIdClash(previous)
            self._insert_submission(db, sub, row[0], row[1], payload, numbers, row[2])
            db.execute("UPDATE submissions SET superseded=1, updated=? WHERE controlid=?", (now, previous))
        self._forget_payload_of(previous)
        return sub

    def replace_payload(self, controlid: str, *, recipients: int, segments: int, units_estimate: int,
                        payload_hash: str, payload: str, numbers: bytes | None) -> None:
        """A claimed, never-sent part whose recipients changed (opt-outs
        added since it was journalled) points at its new payload."""
        old = self._payload_name(controlid)
        with self._tx() as db:
            db.execute(
                "UPDATE submissions SET recipients=?, segments=?, units_estimate=?, payload_hash=?, "
                "payload=?, updated=? WHERE controlid=? AND state='sending' AND attempts=0",
                (recipients, segments, units_estimate, payload_hash, payload, self._now(), controlid),
            )
            if numbers is not None:
                db.execute("INSERT OR REPLACE INTO sent_numbers(controlid, numbers) VALUES(?,?)",
                           (controlid, numbers))
        if old != payload:
            self._unlink_payload(controlid, old)

    def _payload_name(self, controlid: str) -> str | None:
        rows = self._read("SELECT payload FROM submissions WHERE controlid=?", (controlid,))
        return rows[0][0] if rows else None

    def _unlink_payload(self, controlid: str, name: str | None) -> None:
        try:
            os.unlink(self.payload_path(controlid, name))
        except FileNotFoundError:
            pass

    def _forget_payload_of(self, controlid: str) -> None:
        self._unlink_payload(controlid, self._payload_name(controlid))

    def finish_submission(
        self,
        controlid: str,
        state: State,
        *,
        taskid: str | None = None,
        code: str | None = None,
        detail: str = "",
        sent: bool = True,
    ) -> None:
        """Record what became of an attempt. A campaign part that was refused
        or never left keeps its payload, for ``campaign resume``."""
        with self._tx() as db:
            db.execute(
                "UPDATE submissions SET state=?, taskid=COALESCE(?, taskid), code=?, detail=?, "
                "updated=?, owner=NULL, attempts=attempts+? WHERE controlid=?",
                (state.value, taskid, code, detail, self._now(), int(sent), controlid),
            )
            row = db.execute("SELECT campaign FROM submissions WHERE controlid=?", (controlid,)).fetchone()
        in_campaign = row is not None and row[0] is not None
        if state.ok or state in (State.CANCELLED, State.ABANDONED) or (
            state in (State.FAILED, State.REJECTED) and not in_campaign
        ):
            # Settled for good: it will never be resent, so its payload can go.
            self._forget_payload_of(controlid)

    def claim_for_resend(self, controlid: str) -> Submission | None:
        """Take an uncertain (or orphaned ``sending``) row for a resend. The
        caller holds the row's lock, so a ``sending`` row here has no live
        sender. None when the row is not settleable."""
        with self._tx() as db:
            cur = db.execute(
                "UPDATE submissions SET state='sending', owner=?, updated=? "
                "WHERE controlid=? AND state IN ('uncertain', 'sending')",
                (OWNER, self._now(), controlid),
            )
            if cur.rowcount != 1:
                return None
            row = db.execute(f"SELECT {_SUB_COLS} FROM submissions WHERE controlid=?", (controlid,)).fetchone()
        return _sub_from_row(row)

    def claim_queued(self, controlid: str) -> Submission | None:
        """Take a queued (never sent) row for its first send; the caller holds
        its lock. Atomic across instances."""
        with self._tx() as db:
            cur = db.execute(
                "UPDATE submissions SET state='sending', owner=?, updated=? WHERE controlid=? AND state='queued'",
                (OWNER, self._now(), controlid),
            )
            if cur.rowcount != 1:
                return None
            row = db.execute(f"SELECT {_SUB_COLS} FROM submissions WHERE controlid=?", (controlid,)).fetchone()
        return _sub_from_row(row)

    def unclaim(self, controlid: str) -> None:
        """A claimed part that failed before its request left is queued again."""
        with self._tx() as db:
            db.execute(
                "UPDATE submissions SET state='queued', owner=NULL, updated=? "
                "WHERE controlid=? AND state='sending' AND attempts=0",
                (self._now(), controlid),
            )

    def abandon(self, controlid: str, reason: str) -> bool:
        """Close an uncertain row (the caller holds its lock) as ``abandoned``."""
        with self._tx() as db:
            cur = db.execute(
                "UPDATE submissions SET state='abandoned', owner=NULL, updated=?, detail=? "
                "WHERE controlid=? AND state IN ('uncertain', 'sending')",
                (self._now(), f"abandoned: {reason}", controlid),
            )
        if cur.rowcount == 1:
            self._forget_payload_of(controlid)
        return cur.rowcount == 1

    def cancel_queued(self, controlids: Iterable[str], why: str = "cancelled before sending") -> int:
        n = 0
        cancelled = []
        with self._tx() as db:
            for cid in controlids:
                hit = db.execute(
                    "UPDATE submissions SET state='cancelled', updated=?, detail=? "
                    "WHERE controlid=? AND superseded=0 AND (state='queued' OR "
                    "(campaign IS NOT NULL AND state IN ('failed', 'rejected')))",
                    (self._now(), why, cid),
                ).rowcount
                if hit:
                    cancelled.append(cid)
                n += hit
        for cid in cancelled:
            self._forget_payload_of(cid)
        return n

    # ------------------------------------------------------------ campaigns

    def get_campaign(self, campaign: str) -> tuple | None:
        """(campaign, profile, title, created, recipients, parts, login, api_url, content_key)."""
        rows = self._read(
            "SELECT campaign, profile, title, created, recipients, parts, login, api_url, content_key "
            "FROM campaigns WHERE campaign=?",
            (campaign,),
        )
        return rows[0] if rows else None

    def list_campaign_ids(self, profile: str) -> list[str]:
        return [r[0] for r in self._read(
            "SELECT campaign FROM campaigns WHERE profile=? ORDER BY created DESC, rowid DESC", (profile,)
        )]

    def campaign_parts(self, campaign: str, *, history: bool = False) -> list[Submission]:
        """Each part's latest attempt, in part order; with ``history`` every
        attempt."""
        where = "campaign=?" if history else "campaign=? AND superseded=0"
        rows = self._read(
            f"SELECT {_SUB_COLS} FROM submissions WHERE {where} ORDER BY COALESCE(part, 0), created, rowid",
            (campaign,),
        )
        parts = [_sub_from_row(r) for r in rows]
        for i, p in enumerate(parts, start=1):
            if p.part is None and not history:
                p.part = i  # journalled before parts were numbered
            if p.taskid:
                p.report = self.get_report(p.profile, p.taskid)
        return parts

    def recover_orphans(self) -> list[str]:
        """Rows left ``sending`` by a process that is gone (nobody holds their
        lock) become uncertain."""
        rows = self._read("SELECT controlid FROM submissions WHERE state='sending'")
        orphans = [cid for (cid,) in rows if not self._sender_alive(cid)]
        if orphans:
            with self._tx() as db:
                for cid in orphans:
                    db.execute(
                        "UPDATE submissions SET state='uncertain', owner=NULL, updated=?, "
                        "detail='the program stopped before the outcome was known' "
                        "WHERE controlid=? AND state='sending'",
                        (self._now(), cid),
                    )
        return orphans

    def sweep_payloads(self) -> list[str]:
        """Remove payload files no row needs: spools of a journalling that
        never committed (its process is gone) and payloads of rows settled
        for good. A file its writer still holds locked is left alone."""
        try:
            names = [n for n in os.listdir(self.payload_dir)]
        except FileNotFoundError:
            return []
        needed = self._needed_payloads()
        removed = []
        for name in names:
            if name in needed:
                continue
            path = self.payload_dir / name
            lock = ownership.try_lock(path) if path.is_file() and not path.is_symlink() else None
            if lock is None:
                continue
            try:
                if name not in self._needed_payloads():
                    path.unlink(missing_ok=True)
                    removed.append(name)
            finally:
                lock.release()
        return removed

    def _needed_payloads(self) -> set[str]:
        rows = self._read(
            "SELECT controlid, payload FROM submissions WHERE state IN ('queued', 'sending', 'uncertain') "
            "OR (campaign IS NOT NULL AND superseded=0 AND state IN ('failed', 'rejected'))"
        )
        return {p or f"{cid}.xml" for cid, p in rows}

    def accepted_with_key(self, content_key: str, since: str) -> list[tuple[str, str | None, str, bytes]]:
        """(controlid, taskid, created, numbers) of accepted submissions of the
        same content since ``since`` (ISO UTC): the repeat guard's evidence."""
        return self._read(
            "SELECT s.controlid, s.taskid, s.created, n.numbers FROM submissions s "
            "JOIN sent_numbers n ON n.controlid = s.controlid "
            "WHERE s.content_key=? AND s.created >= ? AND s.proof=0 "
            "AND s.state IN ('accepted', 'accepted_without_taskid') ORDER BY s.created",
            (content_key, since),
        )

    def accepted_proof(self, content_key: str) -> str | None:
        """When (ISO UTC) the latest accepted proof of this content was journalled."""
        rows = self._read(
            "SELECT MAX(created) FROM submissions WHERE content_key=? AND proof=1 "
            "AND state IN ('accepted', 'accepted_without_taskid')", (content_key,))
        return rows[0][0] if rows else None

    def campaign_approval(self, campaign: str) -> tuple | None:
        """(approval, submitted_by, decided_by, decision) of a campaign;
        approval is None for one that never needed it."""
        rows = self._read("SELECT approval, submitted_by, decided_by, decision FROM campaigns WHERE campaign=?",
                          (campaign,))
        return rows[0] if rows else None

    def campaign_pace(self, campaign: str) -> str | None:
        rows = self._read("SELECT pace FROM campaigns WHERE campaign=?", (campaign,))
        return rows[0][0] if rows else None

    def decide_approval(self, campaign: str, approval: str, by: str, decision: str = "") -> bool:
        """Approve or reject a campaign still awaiting approval (once)."""
        with self._tx() as db:
            return db.execute(
                "UPDATE campaigns SET approval=?, decided_by=?, decision=? WHERE campaign=? AND approval='awaiting'",
                (approval, by, decision, campaign),
            ).rowcount == 1

    def reschedule_queued(self, controlid: str, scheduled: str, payload_hash: str) -> bool:
        """A part not submitted yet gets another ``scheduled`` (and so
        another payload hash)."""
        with self._tx() as db:
            return db.execute(
                "UPDATE submissions SET scheduled=?, payload_hash=?, updated=? WHERE controlid=? AND state='queued'",
                (scheduled, payload_hash, self._now(), controlid),
            ).rowcount == 1

    def prune_sent_numbers(self, before: str) -> None:
        with self._tx() as db:
            db.execute(
                "DELETE FROM sent_numbers WHERE controlid IN "
                "(SELECT controlid FROM submissions WHERE created < ?)", (before,)
            )

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

    def list_submissions(self, profile: str | None = None, limit: int | None = None, *,
                         history: bool = False) -> list[Submission]:
        """Newest first; a campaign part's earlier, refused attempts only with
        ``history`` (``campaign_parts(..., history=True)`` lists them too)."""
        sql = (
            f"SELECT {', '.join('s.' + c.strip() for c in _SUB_COLS.split(','))}, "
            "r.ready, r.pending, r.delivered, r.failed, r.removed, r.error, r.fetched_at "
            "FROM submissions s LEFT JOIN reports r ON r.profile = s.profile AND r.taskid = s.taskid "
        )
        args: tuple = ()
        where = [] if history else ["s.superseded=0"]
        if profile is not None:
            where.append("s.profile=?")
            args = (profile,)
        if where:
            sql += "WHERE " + " AND ".join(where) + " "
        sql += "ORDER BY s.created DESC, s.rowid DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        out = []
        for row in self._read(sql, args):
            sub = _sub_from_row(row[:_NCOLS])
            rep = row[_NCOLS:]
            if rep[0] is not None and sub.taskid:
                sub.report = Report(
                    sub.taskid, bool(rep[0]), rep[1], rep[2], rep[3], rep[4], rep[5],
                    datetime.fromisoformat(rep[6]),
                )
            out.append(sub)
        return out

    # ---------------------------------------------------------- reports

    def save_report(self, profile: str, report: Report) -> None:
        at = (report.fetched_at or self.clock()).isoformat(timespec="seconds")
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

    def task_recipients(self, profile: str, taskid: str) -> int | None:
        """How many recipients the journal's submission with this task id
        had (the most a detailed report of it may hold); None: not ours."""
        rows = self._read(
            "SELECT MAX(recipients) FROM submissions WHERE profile=? AND taskid=?", (profile, taskid)
        )
        return rows[0][0] if rows and rows[0][0] is not None else None

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
            db.execute("DELETE FROM detail_counts WHERE gen=?", (gen,))

    def _count_statuses(self, gen: int) -> dict[int, int]:
        # Reads the (gen, status, seq) index only: once per report, never per page.
        return dict(self._read("SELECT status, COUNT(*) FROM report_rows WHERE gen=? GROUP BY status", (gen,)))

    def commit_detail(
        self, profile: str, taskid: str, gen: int, count: int, counts: dict[int, int] | None = None
    ) -> None:
        """Switch in a downloaded report; ``counts`` (status code -> rows) as
        the download counted them, else counted here once."""
        if counts is None:
            counts = self._count_statuses(gen)
        with self._tx() as db:
            db.executemany(
                "INSERT OR REPLACE INTO detail_counts(gen, status, n) VALUES(?,?,?)",
                [(gen, int(k), int(v)) for k, v in counts.items() if v],
            )
            old = db.execute(
                "SELECT gen FROM detail_fetches WHERE profile=? AND taskid=?", (profile, taskid)
            ).fetchone()
            db.execute(
                "INSERT OR REPLACE INTO detail_fetches(profile, taskid, gen, rows, fetched_at) VALUES(?,?,?,?,?)",
                (profile, taskid, gen, count, self._now()),
            )
            if old is not None and old[0] != gen:
                db.execute("DELETE FROM report_rows WHERE gen=?", (old[0],))
                db.execute("DELETE FROM detail_counts WHERE gen=?", (old[0],))

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

    def detail_counts(self, profile: str, taskid: str) -> dict[int, int] | None:
        """Rows per status code of the stored detailed report (None: none stored)."""
        g = self._detail_gen(profile, taskid)
        return None if g is None else self._gen_counts(g)

    def _gen_counts(self, g: tuple) -> dict[int, int]:
        counts = dict(self._read("SELECT status, n FROM detail_counts WHERE gen=?", (g[0],)))
        if not counts and g[1]:
            # Stored before schema 3: count once and keep the figures.
            counts = self._count_statuses(g[0])
            with self._tx() as db:
                db.executemany(
                    "INSERT OR IGNORE INTO detail_counts(gen, status, n) VALUES(?,?,?)",
                    [(g[0], k, v) for k, v in counts.items()],
                )
        return counts

    def _status_total(self, g: tuple, status: DeliveryStatus | None) -> int:
        return g[1] if status is None else self._gen_counts(g).get(int(status), 0)

    def _search_seqs(self, gen: int, search: str, status: DeliveryStatus | None,
                     cap: int | None, scan_rows: int | None = None) -> DetailMatches:
        variants = search_variants(search)
        if not variants:
            return DetailMatches([], False)
        limit = -1 if cap is None else cap + 1
        status_sql, status_args = ("", ()) if status is None else (" AND r.status=?", (int(status),))
        prefixes: list[str] | None = []
        for v in variants:
            more = search_prefixes(v)
            if more is None or len(prefixes) + len(more) > MAX_PREFIXES:
                prefixes = None
                break
            prefixes.extend(more)
        if prefixes is not None:
            # json_each drives the loop: one range seek on (gen, msisdn) per prefix.
            rows = self._read(
                "SELECT DISTINCT r.seq FROM json_each(?) AS j CROSS JOIN report_rows AS r "
                "WHERE r.gen=? AND r.msisdn >= j.value AND r.msisdn < j.value || ':'"
                f"{status_sql} LIMIT ?",
                (json.dumps(prefixes), gen) + status_args + (limit,),
            )
            seqs = sorted(r[0] for r in rows)
        else:
            # Four digits or fewer: no index helps a substring that short, so
            # the scan is bounded (the first ``scan_rows`` rows, in report
            # order) and stops early once it has ``cap`` matches.
            bound, bound_args = ("", ()) if scan_rows is None else (" AND r.seq < ?", (scan_rows,))
            likes = " OR ".join("r.msisdn LIKE ?" for _ in variants)
            rows = self._read(
                f"SELECT r.seq FROM report_rows AS r WHERE r.gen=?{bound} AND ({likes}){status_sql} "
                "ORDER BY r.seq LIMIT ?",
                (gen, *bound_args, *(f"%{v}%" for v in variants)) + status_args + (limit,),
            )
            seqs = [r[0] for r in rows]
            capped = cap is not None and len(seqs) > cap
            return DetailMatches(seqs[:cap] if capped else seqs, capped, scan_rows)
        capped = cap is not None and len(seqs) > cap
        return DetailMatches(seqs[:cap] if capped else seqs, capped)

    def detail_search(self, profile: str, taskid: str, search: str, *,
                      status: DeliveryStatus | None = None, cap: int | None = MATCH_CAP,
                      scan_rows: int | None = SCAN_ROWS) -> DetailMatches:
        """The rows whose number contains ``search`` (its digits, or the 994
        form of a 0XX... local form: search_variants), in report order, at most ``cap`` of them; a fragment too
        short for the index is looked for in the first ``scan_rows`` rows only
        (``scanned`` says so when the report is longer)."""
        g = self._detail_gen(profile, taskid)
        if g is None:
            return DetailMatches([], False)
        m = self._search_seqs(g[0], search, status, cap, scan_rows)
        if m.scanned is not None and m.scanned >= g[1]:
            m.scanned = None  # the whole report was searched
        return m

    def detail_window(
        self,
        profile: str,
        taskid: str,
        *,
        status: DeliveryStatus | None = None,
        seqs: list[int] | None = None,
        after: int | None = None,
        before: int | None = None,
        from_end: bool = False,
        offset: int = 0,
        limit: int = 100,
    ) -> DetailWindow:
        """One page, found by key rather than by skipping rows: ``seqs``
        (a page of search matches), rows after/before a seq (next/previous
        page), the last rows (``from_end``), or ``offset`` (a jump: unfiltered
        seqs are 0..n-1, so that is a key too; filtered it skips index entries
        of report_rows_by_status only)."""
        g = self._detail_gen(profile, taskid)
        if g is None:
            return DetailWindow([], [])
        cols = "seq, msisdn, message, status, date"
        if seqs is not None:
            if not seqs:
                return DetailWindow([], [])
            marks = ",".join("?" * len(seqs))
            rows = self._read(
                f"SELECT {cols} FROM report_rows WHERE gen=? AND seq IN ({marks}) ORDER BY seq",
                (g[0], *seqs),
            )
        else:
            where, args = "gen=?", [g[0]]
            if status is not None:
                where += " AND status=?"
                args.append(int(status))
            order = "ORDER BY seq"
            tail = ""
            if after is not None:
                where += " AND seq > ?"
                args.append(after)
            elif before is not None:
                where += " AND seq < ?"
                args.append(before)
                order = "ORDER BY seq DESC"
            elif from_end:
                order = "ORDER BY seq DESC"
            elif offset:
                if status is None:
                    where += " AND seq >= ?"
                    args.append(offset)
                else:
                    tail = f" OFFSET {int(offset)}"
            rows = self._read(f"SELECT {cols} FROM report_rows WHERE {where} {order} LIMIT ?{tail}",
                              (*args, limit))
            if order.endswith("DESC"):
                rows.reverse()
        return DetailWindow([DetailRow(r[1], r[2], r[3], r[4]) for r in rows], [r[0] for r in rows])

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
        if search:
            matches = self._search_seqs(g[0], search, status, None)
            page = self.detail_window(profile, taskid, seqs=matches.seqs[offset:offset + limit])
            return DetailPage(page.rows, len(matches.seqs) if count else -1)
        page = self.detail_window(profile, taskid, status=status, offset=offset, limit=limit)
        return DetailPage(page.rows, self._status_total(g, status) if count else -1)

    def iter_detail(self, profile: str, taskid: str, *, status: DeliveryStatus | None = None,
                    search: str | None = None, batch: int = 5000) -> Iterator[list[DetailRow]]:
        g = self._detail_gen(profile, taskid)
        if g is None:
            return
        if search:
            seqs = self._search_seqs(g[0], search, status, None).seqs
            for i in range(0, len(seqs), 500):
                yield self.detail_window(profile, taskid, seqs=seqs[i:i + 500]).rows
            return
        where, args = "gen=?", (g[0],)
        if status is not None:
            where, args = "gen=? AND status=?", (g[0], int(status))
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
