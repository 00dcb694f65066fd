"""Saved recipient groups, message templates and the opt-out list, kept in
the store (schema 2: tables groups, group_members, templates, optouts).

Every function takes the :class:`~atlsms_tui.core.store.Store` first. Numbers are
stored in wire form (``994XXXXXXXXX``). The opt-out list is applied to every
submission by :meth:`Service.submit`; :func:`filter_optouts` is the one
place that does it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .errors import InputError, NotFoundError
from .imports import ImportRecord, ImportReport
from .models import Recipient
from .msisdn import NumberError, normalize
from .packed import PackedRecipients

__all__ = [
    "GroupInfo",
    "Group",
    "SavedTemplate",
    "OptOut",
    "OptOutHit",
    "OptOutFilter",
    "check_name",
    "save_group",
    "list_groups",
    "get_group",
    "delete_group",
    "save_template",
    "list_templates",
    "get_template",
    "delete_template",
    "add_optouts",
    "remove_optouts",
    "list_optouts",
    "optout_count",
    "filter_optouts",
    "DEFAULT_OPTOUT_REASON",
]

MAX_NAME = 64
DEFAULT_OPTOUT_REASON = "asked to stop"
_BATCH = 5000


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def check_name(name: str, what: str) -> str:
    """A group/template name: trimmed, 1..64 printable characters."""
    n = (name or "").strip()
    if not n:
        raise InputError(f"{what} name is empty")
    if len(n) > MAX_NAME:
        raise InputError(f"{what} name {n[:20]!r}... is longer than {MAX_NAME} characters")
    for i, ch in enumerate(n):
        if not ch.isprintable():
            raise InputError(f"{what} name {n!r}: character {i + 1} (U+{ord(ch):04X}) is not printable")
    return n


# --------------------------------------------------------------------------
# groups


@dataclass
class GroupInfo:
    name: str
    members: int
    created: str
    updated: str
    source: str | None
    columns: list[str]


@dataclass
class Group:
    info: GroupInfo
    records: list[ImportRecord] = field(default_factory=list)

    @property
    def recipients(self) -> list[Recipient]:
        return [Recipient(r.msisdn) for r in self.records]


def save_group(store, name: str, records: Iterable[ImportRecord] | ImportReport, *,
               columns: list[str] | None = None, source: str | None = None,
               replace: bool = False) -> GroupInfo:
    """Create (or with ``replace`` overwrite) a group from an import's records."""
    name = check_name(name, "group")
    if isinstance(records, ImportReport):
        rep = records
        columns = rep.columns if columns is None else columns
        source = rep.source if source is None else source
        records = rep.records
    cols = list(columns or [])
    now = _now()
    seen: set[str] = set()
    with store.transaction() as db:
        row = db.execute("SELECT created FROM groups WHERE name=?", (name,)).fetchone()
        if row is not None and not replace:
            raise InputError(f"group {name!r} already exists (replace it, or delete it first)")
        created = row[0] if row else now
        db.execute("DELETE FROM group_members WHERE name=?", (name,))
        db.execute(
            "INSERT OR REPLACE INTO groups(name, created, updated, source, columns) VALUES(?,?,?,?,?)",
            (name, created, now, source, json.dumps(cols, ensure_ascii=False)),
        )
        batch: list[tuple] = []
        seq = 0
        for r in records:
            if r.msisdn in seen:
                continue
            seen.add(r.msisdn)
            fields = json.dumps(r.fields, ensure_ascii=False) if r.fields else None
            batch.append((name, seq, r.msisdn, fields))
            seq += 1
            if len(batch) >= _BATCH:
                db.executemany("INSERT INTO group_members(name, seq, msisdn, fields) VALUES(?,?,?,?)", batch)
                batch.clear()
        if batch:
            db.executemany("INSERT INTO group_members(name, seq, msisdn, fields) VALUES(?,?,?,?)", batch)
        if seq == 0:
            raise InputError(f"group {name!r}: no valid number to save")
    return GroupInfo(name, seq, created, now, source, cols)


def list_groups(store) -> list[GroupInfo]:
    rows = store.query(
        "SELECT g.name, g.created, g.updated, g.source, g.columns, "
        "(SELECT COUNT(*) FROM group_members m WHERE m.name = g.name) "
        "FROM groups g ORDER BY g.name COLLATE NOCASE"
    )
    return [GroupInfo(r[0], r[5], r[1], r[2], r[3], json.loads(r[4] or "[]")) for r in rows]


def get_group(store, name: str) -> Group:
    n = (name or "").strip()
    rows = store.query("SELECT name, created, updated, source, columns FROM groups WHERE name=?", (n,))
    if not rows:
        rows = store.query(
            "SELECT name, created, updated, source, columns FROM groups WHERE name=? COLLATE NOCASE", (n,)
        )
    if not rows:
        raise NotFoundError(f"no group named {n!r}" + _known(store, "groups"))
    g = rows[0]
    members = store.query(
        "SELECT seq, msisdn, fields FROM group_members WHERE name=? ORDER BY seq", (g[0],)
    )
    records = [ImportRecord(m[1], json.loads(m[2]) if m[2] else {}, m[0] + 1) for m in members]
    info = GroupInfo(g[0], len(records), g[1], g[2], g[3], json.loads(g[4] or "[]"))
    return Group(info, records)


def delete_group(store, name: str) -> None:
    g = get_group(store, name)
    with store.transaction() as db:
        db.execute("DELETE FROM group_members WHERE name=?", (g.info.name,))
        db.execute("DELETE FROM groups WHERE name=?", (g.info.name,))


def _known(store, table: str) -> str:
    names = [r[0] for r in store.query(f"SELECT name FROM {table} ORDER BY name COLLATE NOCASE LIMIT 20")]
    return f" (saved: {', '.join(names)})" if names else " (none saved)"


# --------------------------------------------------------------------------
# templates


@dataclass
class SavedTemplate:
    name: str
    body: str
    created: str
    updated: str


def save_template(store, name: str, body: str) -> tuple[SavedTemplate, bool]:
    """Save or overwrite a template; (template, created). The body is checked
    (balanced braces, characters XML can carry) before it is kept."""
    from .mailmerge import parse_template

    name = check_name(name, "template")
    if not body or not body.strip():
        raise InputError(f"template {name!r}: the text is empty")
    parse_template(body, f"template {name!r}")
    now = _now()
    with store.transaction() as db:
        row = db.execute("SELECT created FROM templates WHERE name=?", (name,)).fetchone()
        created = row[0] if row else now
        db.execute(
            "INSERT OR REPLACE INTO templates(name, body, created, updated) VALUES(?,?,?,?)",
            (name, body, created, now),
        )
    return SavedTemplate(name, body, created, now), row is None


def list_templates(store) -> list[SavedTemplate]:
    return [SavedTemplate(*r) for r in store.query(
        "SELECT name, body, created, updated FROM templates ORDER BY name COLLATE NOCASE")]


def get_template(store, name: str) -> SavedTemplate:
    n = (name or "").strip()
    rows = store.query("SELECT name, body, created, updated FROM templates WHERE name=?", (n,)) or \
        store.query("SELECT name, body, created, updated FROM templates WHERE name=? COLLATE NOCASE", (n,))
    if not rows:
        raise NotFoundError(f"no template named {n!r}" + _known(store, "templates"))
    return SavedTemplate(*rows[0])


def delete_template(store, name: str) -> None:
    t = get_template(store, name)
    with store.transaction() as db:
        db.execute("DELETE FROM templates WHERE name=?", (t.name,))


# --------------------------------------------------------------------------
# opt-outs


@dataclass
class OptOut:
    msisdn: str
    added: str  # ISO 8601 UTC
    reason: str | None
    source: str | None

    def as_json(self) -> dict:
        return {"msisdn": self.msisdn, "added": self.added, "reason": self.reason, "source": self.source}


@dataclass
class OptOutHit:
    """A recipient removed from a campaign by the opt-out list."""

    msisdn: str
    reason: str  # why the number is on the list
    added: str

    def line(self) -> str:
        return f"{self.msisdn}: on the opt-out list since {self.added[:10]} ({self.reason})"


@dataclass
class OptOutFilter:
    kept: list[Recipient]
    removed: list[OptOutHit]

    def reasons(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for h in self.removed:
            out[h.reason] = out.get(h.reason, 0) + 1
        return out

    def summary(self) -> str:
        if not self.removed:
            return "no recipient is on the opt-out list"
        why = ", ".join(f"{reason}: {n:,}" for reason, n in self.reasons().items())
        return f"{len(self.removed):,} recipient(s) removed: on the opt-out list ({why})"

    def __iter__(self):  # kept, removed = filter_optouts(...)
        return iter((self.kept, self.removed))


def _wire(raw: str) -> str:
    try:
        return normalize(raw)
    except NumberError as exc:
        raise InputError(f"opt-out number {exc.raw!r}: {exc.reason}") from None


def add_optouts(store, numbers: Iterable[str], *, reason: str | None = None,
                source: str | None = None) -> tuple[list[str], list[str]]:
    """Add numbers (any form; all checked before any is added).
    Returns (added, already on the list), wire form."""
    wires: list[str] = []
    seen: set[str] = set()
    for raw in numbers:
        w = raw if (len(raw) == 12 and raw.isdigit() and raw.startswith("994")) else _wire(raw)
        if w not in seen:
            seen.add(w)
            wires.append(w)
    reason = (reason or "").strip() or DEFAULT_OPTOUT_REASON
    now = _now()
    added: list[str] = []
    already: list[str] = []
    with store.transaction() as db:
        for i in range(0, len(wires), _BATCH):
            chunk = wires[i:i + _BATCH]
            marks = ",".join("?" * len(chunk))
            present = {r[0] for r in db.execute(f"SELECT msisdn FROM optouts WHERE msisdn IN ({marks})", chunk)}
            new = [w for w in chunk if w not in present]
            db.executemany(
                "INSERT INTO optouts(msisdn, added, reason, source) VALUES(?,?,?,?)",
                [(w, now, reason, source) for w in new],
            )
            added += new
            already += [w for w in chunk if w in present]
    return added, already


def remove_optouts(store, numbers: Iterable[str]) -> tuple[list[str], list[str]]:
    """Remove numbers; returns (removed, not on the list), wire form."""
    wires = list(dict.fromkeys(_wire(n) for n in numbers))
    removed: list[str] = []
    absent: list[str] = []
    with store.transaction() as db:
        for w in wires:
            cur = db.execute("DELETE FROM optouts WHERE msisdn=?", (w,))
            (removed if cur.rowcount else absent).append(w)
    return removed, absent


def list_optouts(store) -> list[OptOut]:
    return [OptOut(*r) for r in store.query(
        "SELECT msisdn, added, reason, source FROM optouts ORDER BY rowid")]


def optout_count(store) -> int:
    return store.query("SELECT COUNT(*) FROM optouts")[0][0]


def optout_numbers(store) -> set[int]:
    """The opt-out list as integers, to check a journalled part against."""
    return {int(m) for (m,) in store.query("SELECT msisdn FROM optouts") if m.isdigit()}


def filter_optouts(store, recipients: list[Recipient]) -> OptOutFilter:
    """``recipients`` without the numbers on the opt-out list, and why each
    removed one was removed. The list is returned as is when nothing matches."""
    rows = store.query("SELECT msisdn, reason, added FROM optouts")
    if not rows:
        return OptOutFilter(recipients, [])
    blocked = {r[0]: (r[1] or DEFAULT_OPTOUT_REASON, r[2]) for r in rows}
    get = blocked.get
    if isinstance(recipients, PackedRecipients):
        # a million packed numbers are checked as integers, without a
        # Recipient per row
        wanted = {int(m) for m in blocked if m.isdigit()}
        if wanted.isdisjoint(recipients.numbers()):
            return OptOutFilter(recipients, [])
    elif not any(get(r.msisdn) for r in recipients):
        return OptOutFilter(recipients, [])
    kept: list[Recipient] = []
    removed: list[OptOutHit] = []
    for r in recipients:
        hit = get(r.msisdn)
        if hit is None:
            kept.append(r)
        else:
            removed.append(OptOutHit(r.msisdn, hit[0], hit[1]))
    if isinstance(recipients, PackedRecipients):
        kept = PackedRecipients(kept, individual=recipients.individual)
    return OptOutFilter(kept, removed)
