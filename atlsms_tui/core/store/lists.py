"""Saved groups, templates and the opt-out list in the journal file (tables
groups, group_members, templates, optouts). The rules they obey are in
``core.lists``; every write checks them first."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence

from ..errors import InputError, NotFoundError
from ..imports import ImportRecord, ImportReport
from ..lists import (
    DEFAULT_OPTOUT_REASON,
    Group,
    GroupInfo,
    OptOut,
    OptOutFilter,
    SavedTemplate,
    apply_optouts,
    check_name,
    check_template,
    optout_wires,
)
from ..models import Recipient
from .db import Db, Row

_BATCH = 5000
_INSERT_MEMBERS = "INSERT INTO group_members(name, seq, msisdn, fields) VALUES(?,?,?,?)"


def _info(row: Row, members: int) -> GroupInfo:
    """A ``name, created, updated, source, columns`` row."""
    return GroupInfo(row[0], members, row[1], row[2], row[3], json.loads(row[4] or "[]"))


class Lists:
    def __init__(self, db: Db) -> None:
        self._db = db

    def _by_name(self, sql: str, name: str) -> list[Row]:
        """Rows of ``sql ... WHERE name=?``: the exact name, else in any case."""
        return self._db.read(sql + " WHERE name=?", (name,)) or \
            self._db.read(sql + " WHERE name=? COLLATE NOCASE", (name,))

    def _known(self, table: str) -> str:
        names = [r[0] for r in self._db.read(f"SELECT name FROM {table} ORDER BY name COLLATE NOCASE LIMIT 20")]
        return f" (saved: {', '.join(names)})" if names else " (none saved)"

    # ------------------------------------------------------------ groups

    def save_group(self, name: str, records: Iterable[ImportRecord] | ImportReport, *,
                   columns: list[str] | None = None, source: str | None = None,
                   replace: bool = False) -> GroupInfo:
        """Create (or with ``replace`` overwrite) a group from an import's
        records; a number listed twice is kept once."""
        name = check_name(name, "group")
        if isinstance(records, ImportReport):
            columns = records.columns if columns is None else columns
            source = records.source if source is None else source
            records = records.records
        cols = list(columns or [])
        at = self._db.now()
        with self._db.transaction() as db:
            row = db.execute("SELECT created FROM groups WHERE name=?", (name,)).fetchone()
            if row is not None and not replace:
                raise InputError(f"group {name!r} already exists (replace it, or delete it first)")
            created = row[0] if row else at
            db.execute("DELETE FROM group_members WHERE name=?", (name,))
            db.execute(
                "INSERT OR REPLACE INTO groups(name, created, updated, source, columns) VALUES(?,?,?,?,?)",
                (name, created, at, source, json.dumps(cols, ensure_ascii=False)),
            )
            members = self._insert_members(db, name, records)
            if members == 0:
                raise InputError(f"group {name!r}: no valid number to save")
        return GroupInfo(name, members, created, at, source, cols)

    @staticmethod
    def _insert_members(db: sqlite3.Connection, name: str, records: Iterable[ImportRecord]) -> int:
        seen: set[str] = set()
        batch: list[tuple[str, int, str, str | None]] = []
        for r in records:
            if r.msisdn in seen:
                continue
            seen.add(r.msisdn)
            batch.append((name, len(seen) - 1, r.msisdn, json.dumps(r.fields, ensure_ascii=False) if r.fields else None))
            if len(batch) >= _BATCH:
                db.executemany(_INSERT_MEMBERS, batch)
                batch.clear()
        if batch:
            db.executemany(_INSERT_MEMBERS, batch)
        return len(seen)

    def list_groups(self) -> list[GroupInfo]:
        rows = self._db.read(
            "SELECT g.name, g.created, g.updated, g.source, g.columns, "
            "(SELECT COUNT(*) FROM group_members m WHERE m.name = g.name) "
            "FROM groups g ORDER BY g.name COLLATE NOCASE"
        )
        return [_info(r, r[5]) for r in rows]

    def get_group(self, name: str) -> Group:
        """The group of this name (in any case, an exact match first)."""
        n = (name or "").strip()
        rows = self._by_name("SELECT name, created, updated, source, columns FROM groups", n)
        if not rows:
            raise NotFoundError(f"no group named {n!r}" + self._known("groups"))
        g = rows[0]
        members = self._db.read("SELECT seq, msisdn, fields FROM group_members WHERE name=? ORDER BY seq", (g[0],))
        records = [ImportRecord(m[1], json.loads(m[2]) if m[2] else {}, m[0] + 1) for m in members]
        return Group(_info(g, len(records)), records)

    def delete_group(self, name: str) -> None:
        g = self.get_group(name)
        with self._db.transaction() as db:
            db.execute("DELETE FROM group_members WHERE name=?", (g.info.name,))
            db.execute("DELETE FROM groups WHERE name=?", (g.info.name,))

    # ------------------------------------------------------------ templates

    def save_template(self, name: str, body: str) -> tuple[SavedTemplate, bool]:
        """Save or overwrite a template (checked first); (template, created)."""
        name = check_template(name, body)
        at = self._db.now()
        with self._db.transaction() as db:
            row = db.execute("SELECT created FROM templates WHERE name=?", (name,)).fetchone()
            created = row[0] if row else at
            db.execute(
                "INSERT OR REPLACE INTO templates(name, body, created, updated) VALUES(?,?,?,?)",
                (name, body, created, at),
            )
        return SavedTemplate(name, body, created, at), row is None

    def list_templates(self) -> list[SavedTemplate]:
        return [SavedTemplate(*r) for r in self._db.read(
            "SELECT name, body, created, updated FROM templates ORDER BY name COLLATE NOCASE")]

    def get_template(self, name: str) -> SavedTemplate:
        """The template of this name (in any case, an exact match first)."""
        n = (name or "").strip()
        rows = self._by_name("SELECT name, body, created, updated FROM templates", n)
        if not rows:
            raise NotFoundError(f"no template named {n!r}" + self._known("templates"))
        return SavedTemplate(*rows[0])

    def delete_template(self, name: str) -> None:
        t = self.get_template(name)
        with self._db.transaction() as db:
            db.execute("DELETE FROM templates WHERE name=?", (t.name,))

    # ------------------------------------------------------------ opt-outs

    def add_optouts(self, numbers: Iterable[str], *, reason: str | None = None,
                    source: str | None = None) -> tuple[list[str], list[str]]:
        """Add numbers (any form; all checked before any is added).
        Returns (added, already on the list), wire form."""
        wires = optout_wires(numbers)
        reason = (reason or "").strip() or DEFAULT_OPTOUT_REASON
        at = self._db.now()
        added: list[str] = []
        already: list[str] = []
        with self._db.transaction() as db:
            for i in range(0, len(wires), _BATCH):
                chunk = wires[i:i + _BATCH]
                marks = ",".join("?" * len(chunk))
                present = {r[0] for r in db.execute(f"SELECT msisdn FROM optouts WHERE msisdn IN ({marks})", chunk)}
                new = [w for w in chunk if w not in present]
                db.executemany(
                    "INSERT INTO optouts(msisdn, added, reason, source) VALUES(?,?,?,?)",
                    [(w, at, reason, source) for w in new],
                )
                added += new
                already += [w for w in chunk if w in present]
        return added, already

    def remove_optouts(self, numbers: Iterable[str]) -> tuple[list[str], list[str]]:
        """Remove numbers; returns (removed, not on the list), wire form."""
        removed: list[str] = []
        absent: list[str] = []
        with self._db.transaction() as db:
            for w in optout_wires(numbers):
                cur = db.execute("DELETE FROM optouts WHERE msisdn=?", (w,))
                (removed if cur.rowcount else absent).append(w)
        return removed, absent

    def list_optouts(self) -> list[OptOut]:
        """In the order they were added."""
        return [OptOut(*r) for r in self._db.read("SELECT msisdn, added, reason, source FROM optouts ORDER BY rowid")]

    def optout_count(self) -> int:
        return int(self._db.read("SELECT COUNT(*) FROM optouts")[0][0])

    def optout_numbers(self) -> set[int]:
        """The opt-out list as integers, to check a journalled part against."""
        return {int(m) for (m,) in self._db.read("SELECT msisdn FROM optouts") if m.isdigit()}

    def filter_optouts(self, recipients: Sequence[Recipient]) -> OptOutFilter:
        """``recipients`` without the numbers on the opt-out list (see
        ``core.lists.apply_optouts``)."""
        rows = self._db.read("SELECT msisdn, reason, added FROM optouts")
        return apply_optouts({r[0]: (r[1] or DEFAULT_OPTOUT_REASON, r[2]) for r in rows}, recipients)
