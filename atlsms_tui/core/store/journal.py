"""The journal of submissions: each row committed before its request leaves,
claimed by one sender at a time, settled once; the payload files beside it.

A process killed at any point leaves a row the next start can show and
settle. Whether a row's sender is still alive is told by its lock file
(see ``ownership``), never by the ``owner`` string.
"""

from __future__ import annotations

import os
import secrets
import socket
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from .. import attribution, ownership, paths
from ..models import State, Submission
from .db import Db, fsync_dir
from .rows import SELECT_WITH_REPORT, SUB_COLS, sub_from_row, sub_with_report


class ControlIdClash(Exception):
    """The journal already holds this controlid; draw another."""


class Payload(Protocol):
    """A request body spooled to a file (``client.SpooledBody``)."""

    path: Path | None

    def sync(self) -> None: ...


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


# Who claimed a row, for people reading the journal.
OWNER = f"{socket.gethostname()}:{os.getpid()}:{_process_start()}"

# Rows whose payload a later send may still need.
_LIVE = ("state IN ('queued', 'sending', 'uncertain') "
         "OR (campaign IS NOT NULL AND superseded=0 AND state IN ('failed', 'rejected'))")


class Journal:
    def __init__(self, db: Db) -> None:
        self._db = db

    # ------------------------------------------------------------ files

    @property
    def payload_dir(self) -> Path:
        return self._db.path.parent / "payloads"

    @property
    def lock_dir(self) -> Path:
        return self._db.path.parent / "locks"

    def payload_path(self, controlid: str, name: str | None = None) -> Path:
        """A journalled payload: the row's own file name, or (rows journalled
        one at a time) ``<controlid>.xml``."""
        return self.payload_dir / (name or f"{controlid}.xml")

    def payload_name(self, controlid: str) -> str | None:
        """The row's payload file name (None: ``<controlid>.xml``, or no row)."""
        rows = self._db.read("SELECT payload FROM submissions WHERE controlid=?", (controlid,))
        return rows[0][0] if rows else None

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

    def _unlink_payload(self, controlid: str, name: str | None) -> None:
        try:
            os.unlink(self.payload_path(controlid, name))
        except FileNotFoundError:
            pass

    def _forget_payload_of(self, controlid: str) -> None:
        self._unlink_payload(controlid, self.payload_name(controlid))

    def sweep_payloads(self) -> list[str]:
        """Remove payload files no row needs: spools of a journalling that
        never committed (its process is gone) and payloads of rows settled
        for good. A file its writer still holds locked is left alone."""
        try:
            names = os.listdir(self.payload_dir)
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
                # journalled meanwhile by a process that released the spool
                if name not in self._needed_payloads():
                    path.unlink(missing_ok=True)
                    removed.append(name)
            finally:
                lock.release()
        return removed

    def _needed_payloads(self) -> set[str]:
        rows = self._db.read(f"SELECT controlid, payload FROM submissions WHERE {_LIVE}")
        return {p or f"{cid}.xml" for cid, p in rows}

    # ------------------------------------------------------------ writes

    def _insert(self, db: sqlite3.Connection, sub: Submission, api_url: str, login: str,
                payload: str | None, numbers: bytes | None, content_key: str | None) -> None:
        if db.execute("SELECT 1 FROM submissions WHERE controlid=?", (sub.controlid,)).fetchone():
            raise ControlIdClash(sub.controlid)
        # Whoever journals a row is its author: an attempt made again by
        # another operator is that operator's.
        by = sub.by = attribution.current(sub.profile, login)
        db.execute(
            "INSERT INTO submissions(controlid, profile, api_url, login, title, individual, message, "
            "scheduled, created, recipients, segments, units_estimate, payload_hash, state, attempts, "
            "updated, owner, campaign, part, payload, content_key, proof, by_user, by_host, by_ssh) "
            "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,0,?,?,?,?,?,?,?,?,?,?)",
            (
                sub.controlid, sub.profile, api_url, login, sub.title, int(sub.individual),
                sub.message, sub.scheduled, sub.created, sub.recipients, sub.segments,
                sub.units_estimate, sub.payload_hash, sub.state.value, sub.updated,
                OWNER if sub.state is State.SENDING else None, sub.campaign, sub.part, payload,
                content_key, int(sub.proof), by.user, by.host, by.ssh_from,
            ),
        )
        if numbers is not None:
            db.execute("INSERT OR REPLACE INTO sent_numbers(controlid, numbers) VALUES(?,?)",
                       (sub.controlid, numbers))

    def begin_submission(self, sub: Submission, api_url: str, login: str, payload: Payload, *,
                         numbers: bytes | None = None, content_key: str | None = None) -> Submission:
        """Journal one submission (``sending`` or ``queued``) durably, before
        anything is sent. Its payload (the request bodies, never the
        credentials) is kept as a file beside the store: the exact bytes a
        resend must repeat. A ``sending`` row's caller holds its lock."""
        if sub.state not in (State.SENDING, State.QUEUED):
            sub.state = State.SENDING
        sub.updated = self._db.now()
        target = self.payload_path(sub.controlid)
        if target.exists():
            raise ControlIdClash(sub.controlid)
        payload.sync()
        if payload.path is not None and payload.path != target:
            os.replace(payload.path, target)
            payload.path = target
            fsync_dir(target.parent)
        with self._db.transaction() as db:
            self._insert(db, sub, api_url, login, None, numbers, content_key)
        return sub

    def journal_campaign(self, campaign: str, *, profile: str, login: str, api_url: str, title: str,
                         recipients: int, content_key: str | None,
                         parts: list[tuple[Submission, str, bytes | None]],
                         submitted_by: str | None = None, pace: str | None = None) -> None:
        """A campaign and every one of its parts (``queued``, each with its
        payload file, already synced, and its numbers) in ONE transaction: a
        kill at any instant leaves either no campaign or a complete one."""
        fsync_dir(self.payload_dir)
        at = self._db.now()
        by = attribution.current(profile, login)
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO campaigns(campaign, profile, title, created, recipients, parts, login, api_url, "
                "content_key, approval, submitted_by, pace, by_user, by_host, by_ssh) "
                "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (campaign, profile, title, at, recipients, len(parts), login, api_url, content_key,
                 "awaiting" if submitted_by else None, submitted_by, pace, by.user, by.host, by.ssh_from),
            )
            for sub, payload, numbers in parts:
                sub.updated = at
                self._insert(db, sub, api_url, login, payload, numbers, content_key)

    def new_attempt(self, previous: str, sub: Submission, payload: str, numbers: bytes | None) -> Submission:
        """A refused or never-sent campaign part sent again under a fresh
        controlid: the new row (``sending``; its caller holds its lock) and
        the old one marked superseded, together. The old row stays in the
        history."""
        at = self._db.now()
        sub.state = State.SENDING
        sub.updated = at
        with self._db.transaction() as db:
            row = db.execute(
                "SELECT api_url, login, content_key, state, superseded FROM submissions WHERE controlid=?",
                (previous,),
            ).fetchone()
            if row is None or row[3] not in ("failed", "rejected") or row[4]:
                raise ControlIdClash(previous)
            self._insert(db, sub, row[0], row[1], payload, numbers, row[2])
            db.execute("UPDATE submissions SET superseded=1, updated=? WHERE controlid=?", (at, previous))
        self._forget_payload_of(previous)
        return sub

    def replace_payload(self, controlid: str, *, recipients: int, segments: int, units_estimate: int,
                        payload_hash: str, payload: str, numbers: bytes | None) -> None:
        """A claimed, never-sent part whose recipients changed (opt-outs
        added since it was journalled) points at its new payload."""
        old = self.payload_name(controlid)
        with self._db.transaction() as db:
            db.execute(
                "UPDATE submissions SET recipients=?, segments=?, units_estimate=?, payload_hash=?, "
                "payload=?, updated=? WHERE controlid=? AND state='sending' AND attempts=0",
                (recipients, segments, units_estimate, payload_hash, payload, self._db.now(), controlid),
            )
            if numbers is not None:
                db.execute("INSERT OR REPLACE INTO sent_numbers(controlid, numbers) VALUES(?,?)",
                           (controlid, numbers))
        if old != payload:
            self._unlink_payload(controlid, old)

    def finish_submission(self, controlid: str, state: State, *, taskid: str | None = None,
                          code: str | None = None, detail: str = "", sent: bool = True) -> None:
        """Record what became of an attempt. A campaign part that was refused
        or never left keeps its payload, for ``campaign resume``."""
        with self._db.transaction() as db:
            db.execute(
                "UPDATE submissions SET state=?, taskid=COALESCE(?, taskid), code=?, detail=?, "
                "updated=?, owner=NULL, attempts=attempts+? WHERE controlid=?",
                (state.value, taskid, code, detail, self._db.now(), int(sent), controlid),
            )
            row = db.execute("SELECT campaign FROM submissions WHERE controlid=?", (controlid,)).fetchone()
        in_campaign = row is not None and row[0] is not None
        if state.ok or state in (State.CANCELLED, State.ABANDONED) or (
            state in (State.FAILED, State.REJECTED) and not in_campaign
        ):
            # Settled for good: it will never be resent, so its payload can go.
            self._forget_payload_of(controlid)

    # ------------------------------------------------------------ claims

    def _claim(self, controlid: str, states: str) -> Submission | None:
        with self._db.transaction() as db:
            cur = db.execute(
                f"UPDATE submissions SET state='sending', owner=?, updated=? WHERE controlid=? AND state IN {states}",
                (OWNER, self._db.now(), controlid),
            )
            if cur.rowcount != 1:
                return None
            row = db.execute(f"SELECT {SUB_COLS} FROM submissions WHERE controlid=?", (controlid,)).fetchone()
        return sub_from_row(row)

    def claim_for_resend(self, controlid: str) -> Submission | None:
        """Take an uncertain (or orphaned ``sending``) row for a resend. The
        caller holds the row's lock, so a ``sending`` row here has no live
        sender. None when the row is not settleable."""
        return self._claim(controlid, "('uncertain', 'sending')")

    def claim_queued(self, controlid: str) -> Submission | None:
        """Take a queued (never sent) row for its first send; the caller holds
        its lock. Atomic across instances."""
        return self._claim(controlid, "('queued')")

    def unclaim(self, controlid: str) -> None:
        """A claimed part that failed before its request left is queued again."""
        with self._db.transaction() as db:
            db.execute(
                "UPDATE submissions SET state='queued', owner=NULL, updated=? "
                "WHERE controlid=? AND state='sending' AND attempts=0",
                (self._db.now(), controlid),
            )

    def abandon(self, controlid: str, reason: str) -> bool:
        """Close an uncertain row (the caller holds its lock) as ``abandoned``."""
        with self._db.transaction() as db:
            cur = db.execute(
                "UPDATE submissions SET state='abandoned', owner=NULL, updated=?, detail=? "
                "WHERE controlid=? AND state IN ('uncertain', 'sending')",
                (self._db.now(), f"abandoned: {reason}", controlid),
            )
        if cur.rowcount == 1:
            self._forget_payload_of(controlid)
        return cur.rowcount == 1

    def cancel_queued(self, controlids: Iterable[str], why: str = "cancelled before sending") -> int:
        cancelled = []
        with self._db.transaction() as db:
            for cid in controlids:
                if db.execute(
                    "UPDATE submissions SET state='cancelled', updated=?, detail=? "
                    "WHERE controlid=? AND superseded=0 AND (state='queued' OR "
                    "(campaign IS NOT NULL AND state IN ('failed', 'rejected')))",
                    (self._db.now(), why, cid),
                ).rowcount:
                    cancelled.append(cid)
        for cid in cancelled:
            self._forget_payload_of(cid)
        return len(cancelled)

    def recover_orphans(self) -> list[str]:
        """Rows left ``sending`` by a process that is gone (nobody holds their
        lock) become uncertain."""
        rows = self._db.read("SELECT controlid FROM submissions WHERE state='sending'")
        orphans = [cid for (cid,) in rows if not ownership.held_elsewhere(self.lock_path(cid))]
        if orphans:
            with self._db.transaction() as db:
                for cid in orphans:
                    db.execute(
                        "UPDATE submissions SET state='uncertain', owner=NULL, updated=?, "
                        "detail='the program stopped before the outcome was known' "
                        "WHERE controlid=? AND state='sending'",
                        (self._db.now(), cid),
                    )
        return orphans

    # ------------------------------------------------------------ reads

    def get_submission(self, controlid: str) -> Submission | None:
        rows = self._db.read(SELECT_WITH_REPORT + "WHERE s.controlid=?", (controlid,))
        return sub_with_report(rows[0]) if rows else None

    def submission_target(self, controlid: str) -> tuple[str, str] | None:
        """(api_url, login) the row was journalled for."""
        rows = self._db.read("SELECT api_url, login FROM submissions WHERE controlid=?", (controlid,))
        return (rows[0][0], rows[0][1]) if rows else None

    def list_submissions(self, profile: str | None = None, limit: int | None = None, *,
                         history: bool = False) -> list[Submission]:
        """Newest first; a campaign part's earlier, refused attempts only with
        ``history`` (``campaign_parts(..., history=True)`` lists them too)."""
        where = [] if history else ["s.superseded=0"]
        args: tuple[str, ...] = ()
        if profile is not None:
            where.append("s.profile=?")
            args = (profile,)
        sql = SELECT_WITH_REPORT + ("WHERE " + " AND ".join(where) + " " if where else "")
        sql += "ORDER BY s.created DESC, s.rowid DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [sub_with_report(r) for r in self._db.read(sql, args)]

    def accepted_with_key(self, content_key: str, since: str) -> list[tuple[str, str | None, str, bytes]]:
        """(controlid, taskid, created, numbers) of accepted submissions of the
        same content since ``since`` (ISO UTC): the repeat guard's evidence."""
        return [(r[0], r[1], r[2], r[3]) for r in self._db.read(
            "SELECT s.controlid, s.taskid, s.created, n.numbers FROM submissions s "
            "JOIN sent_numbers n ON n.controlid = s.controlid "
            "WHERE s.content_key=? AND s.created >= ? AND s.proof=0 "
            "AND s.state IN ('accepted', 'accepted_without_taskid') ORDER BY s.created",
            (content_key, since),
        )]

    def accepted_proof(self, content_key: str) -> str | None:
        """When (ISO UTC) the latest accepted proof of this content was journalled."""
        rows = self._db.read(
            "SELECT MAX(created) FROM submissions WHERE content_key=? AND proof=1 "
            "AND state IN ('accepted', 'accepted_without_taskid')", (content_key,))
        return rows[0][0] if rows else None
