"""Task reports: the summary ATL last gave for each task, and detailed
reports (one row per recipient) paged by key.

A detailed report is written under a new generation number while it
downloads, then switched in by one small transaction: readers keep the
previous complete report until then.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..models import DeliveryStatus, DetailRow, Report
from .db import Db
from .search import MATCH_CAP, SCAN_ROWS, DetailMatches, search_seqs


@dataclass(slots=True)
class DetailPage:
    rows: list[DetailRow]
    total: int


@dataclass(slots=True)
class DetailWindow:
    """A page of rows with their seqs (the keys the next page starts from)."""

    rows: list[DetailRow]
    seqs: list[int]


@dataclass(frozen=True, slots=True)
class _Stored:
    gen: int
    rows: int
    fetched_at: str


def _detail_rows(rows: list[tuple[Any, ...]]) -> list[DetailRow]:
    return [DetailRow(r[1], r[2], r[3], r[4]) for r in rows]


class Reports:
    def __init__(self, db: Db) -> None:
        self._db = db

    # ------------------------------------------------------------ summaries

    def save_report(self, profile: str, report: Report) -> None:
        at = report.fetched_at.isoformat(timespec="seconds") if report.fetched_at else self._db.now()
        with self._db.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO reports(profile, taskid, ready, pending, delivered, failed, "
                "removed, error, fetched_at) VALUES(?,?,?,?,?,?,?,?,?)",
                (profile, report.taskid, int(report.ready), report.pending, report.delivered,
                 report.failed, report.removed, report.error, at),
            )

    def get_report(self, profile: str, taskid: str) -> Report | None:
        rows = self._db.read(
            "SELECT ready, pending, delivered, failed, removed, error, fetched_at FROM reports "
            "WHERE profile=? AND taskid=?",
            (profile, taskid),
        )
        if not rows:
            return None
        r = rows[0]
        return Report(taskid, bool(r[0]), r[1], r[2], r[3], r[4], r[5], datetime.fromisoformat(r[6]))

    def task_recipients(self, profile: str, taskid: str) -> int | None:
        """How many recipients the journal's submission with this task id
        had (the most a detailed report of it may hold); None: not ours."""
        rows = self._db.read(
            "SELECT MAX(recipients) FROM submissions WHERE profile=? AND taskid=?", (profile, taskid)
        )
        return int(rows[0][0]) if rows and rows[0][0] is not None else None

    # ------------------------------------------------------------ writing a detailed report

    def new_detail_generation(self) -> int:
        # Unique without coordination between instances.
        return time.time_ns() + secrets.randbelow(1000)

    def add_detail_rows(self, gen: int, first_seq: int, rows: list[DetailRow]) -> None:
        with self._db.transaction() as db:
            db.executemany(
                "INSERT INTO report_rows(gen, seq, msisdn, message, status, date) VALUES(?,?,?,?,?,?)",
                ((gen, first_seq + i, r.msisdn, r.message, r.status_code, r.date) for i, r in enumerate(rows)),
            )

    def discard_detail(self, gen: int) -> None:
        with self._db.transaction() as db:
            db.execute("DELETE FROM report_rows WHERE gen=?", (gen,))
            db.execute("DELETE FROM detail_counts WHERE gen=?", (gen,))

    def _count_statuses(self, gen: int) -> dict[int, int]:
        # Reads the (gen, status, seq) index only: once per report, never per page.
        return {int(s): int(n) for s, n in self._db.read(
            "SELECT status, COUNT(*) FROM report_rows WHERE gen=? GROUP BY status", (gen,))}

    def commit_detail(self, profile: str, taskid: str, gen: int, count: int,
                      counts: dict[int, int] | None = None) -> None:
        """Switch in a downloaded report; ``counts`` (status code -> rows) as
        the download counted them, else counted here once."""
        if counts is None:
            counts = self._count_statuses(gen)
        with self._db.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO detail_counts(gen, status, n) VALUES(?,?,?)",
                [(gen, int(k), int(v)) for k, v in counts.items() if v],
            )
            old = db.execute(
                "SELECT gen FROM detail_fetches WHERE profile=? AND taskid=?", (profile, taskid)
            ).fetchone()
            db.execute(
                "INSERT OR REPLACE INTO detail_fetches(profile, taskid, gen, rows, fetched_at) VALUES(?,?,?,?,?)",
                (profile, taskid, gen, count, self._db.now()),
            )
            if old is not None and old[0] != gen:
                db.execute("DELETE FROM report_rows WHERE gen=?", (old[0],))
                db.execute("DELETE FROM detail_counts WHERE gen=?", (old[0],))

    # ------------------------------------------------------------ reading it

    def _stored(self, profile: str, taskid: str) -> _Stored | None:
        rows = self._db.read(
            "SELECT gen, rows, fetched_at FROM detail_fetches WHERE profile=? AND taskid=?",
            (profile, taskid),
        )
        return _Stored(*rows[0]) if rows else None

    def detail_info(self, profile: str, taskid: str) -> tuple[int, str] | None:
        """(row count, fetched at) of the stored detailed report, if any."""
        g = self._stored(profile, taskid)
        return (g.rows, g.fetched_at) if g else None

    def detail_counts(self, profile: str, taskid: str) -> dict[int, int] | None:
        """Rows per status code of the stored detailed report (None: none stored)."""
        g = self._stored(profile, taskid)
        return None if g is None else self._gen_counts(g)

    def _gen_counts(self, g: _Stored) -> dict[int, int]:
        counts = {int(s): int(n) for s, n in self._db.read(
            "SELECT status, n FROM detail_counts WHERE gen=?", (g.gen,))}
        if not counts and g.rows:
            # Stored before schema 3: count once and keep the figures.
            counts = self._count_statuses(g.gen)
            with self._db.transaction() as db:
                db.executemany(
                    "INSERT OR IGNORE INTO detail_counts(gen, status, n) VALUES(?,?,?)",
                    [(g.gen, k, v) for k, v in counts.items()],
                )
        return counts

    def detail_search(self, profile: str, taskid: str, search: str, *,
                      status: DeliveryStatus | None = None, cap: int | None = MATCH_CAP,
                      scan_rows: int | None = SCAN_ROWS) -> DetailMatches:
        """The rows whose number contains ``search`` (its digits, or the 994
        form of a 0XX... local form: search_variants), in report order, at
        most ``cap`` of them; a fragment too short for the index is looked
        for in the first ``scan_rows`` rows only (``scanned`` says so when
        the report is longer)."""
        g = self._stored(profile, taskid)
        if g is None:
            return DetailMatches([], False)
        m = search_seqs(self._db, g.gen, search, status, cap, scan_rows)
        if m.scanned is not None and m.scanned >= g.rows:
            m.scanned = None  # the whole report was searched
        return m

    def detail_window(self, profile: str, taskid: str, *, status: DeliveryStatus | None = None,
                      seqs: list[int] | None = None, after: int | None = None, before: int | None = None,
                      from_end: bool = False, offset: int = 0, limit: int = 100) -> DetailWindow:
        """One page, found by key rather than by skipping rows: ``seqs``
        (a page of search matches), rows after/before a seq (next/previous
        page), the last rows (``from_end``), or ``offset`` (a jump: unfiltered
        seqs are 0..n-1, so that is a key too; filtered it skips index entries
        of report_rows_by_status only)."""
        g = self._stored(profile, taskid)
        if g is None:
            return DetailWindow([], [])
        cols = "seq, msisdn, message, status, date"
        if seqs is not None:
            if not seqs:
                return DetailWindow([], [])
            marks = ",".join("?" * len(seqs))
            rows = self._db.read(
                f"SELECT {cols} FROM report_rows WHERE gen=? AND seq IN ({marks}) ORDER BY seq",
                (g.gen, *seqs),
            )
        else:
            where, args = "gen=?", [g.gen]
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
            rows = self._db.read(f"SELECT {cols} FROM report_rows WHERE {where} {order} LIMIT ?{tail}",
                                 (*args, limit))
            if order.endswith("DESC"):
                rows.reverse()
        return DetailWindow(_detail_rows(rows), [r[0] for r in rows])

    def detail_page(self, profile: str, taskid: str, *, status: DeliveryStatus | None = None,
                    search: str | None = None, offset: int = 0, limit: int = 100,
                    count: bool = True) -> DetailPage:
        """Rows ``offset``.. of the report (or of its search matches) and,
        with ``count``, how many there are in all (else -1)."""
        g = self._stored(profile, taskid)
        if g is None:
            return DetailPage([], 0)
        if search:
            matches = search_seqs(self._db, g.gen, search, status, None)
            page = self.detail_window(profile, taskid, seqs=matches.seqs[offset:offset + limit])
            return DetailPage(page.rows, len(matches.seqs) if count else -1)
        page = self.detail_window(profile, taskid, status=status, offset=offset, limit=limit)
        if not count:
            return DetailPage(page.rows, -1)
        return DetailPage(page.rows, g.rows if status is None else self._gen_counts(g).get(int(status), 0))

    def iter_detail(self, profile: str, taskid: str, *, status: DeliveryStatus | None = None,
                    search: str | None = None, batch: int = 5000) -> Iterator[list[DetailRow]]:
        g = self._stored(profile, taskid)
        if g is None:
            return
        if search:
            seqs = search_seqs(self._db, g.gen, search, status, None).seqs
            for i in range(0, len(seqs), 500):
                yield self.detail_window(profile, taskid, seqs=seqs[i:i + 500]).rows
            return
        where, args = "gen=?", [g.gen]
        if status is not None:
            where, args = "gen=? AND status=?", [g.gen, int(status)]
        last = -1
        while True:
            rows = self._db.read(
                f"SELECT seq, msisdn, message, status, date FROM report_rows WHERE {where} AND seq > ? "
                "ORDER BY seq LIMIT ?",
                (*args, last, batch),
            )
            if not rows:
                return
            last = rows[-1][0]
            yield _detail_rows(rows)

    # ------------------------------------------------------------ campaign report figures
    # Aggregated in SQL, one stored report at a time: a campaign of a
    # million rows never has its rows in memory.

    def detail_prefix_counts(self, profile: str, taskid: str) -> list[tuple[str, str, int, int]]:
        """(number prefix, a number with it, status code, rows) of the stored
        report: the prefix is the wire form's first 8 digits (the longest
        prefix the numbering plan's carrier data uses), '' for a number not
        in wire form."""
        g = self._stored(profile, taskid)
        if g is None:
            return []
        return [(str(p), str(m), int(s), int(n)) for p, m, s, n in self._db.read(
            "SELECT CASE WHEN length(msisdn)=12 AND msisdn GLOB '994[0-9]*' THEN substr(msisdn, 1, 8) "
            "ELSE '' END AS p, MIN(msisdn), status, COUNT(*) FROM report_rows WHERE gen=? GROUP BY p, status",
            (g.gen,))]

    def detail_delivered_dates(self, profile: str, taskid: str) -> list[tuple[str, int]]:
        """(date as the report gives it, deliveries) of the stored report's
        delivered rows with a date: one row per distinct second, so at most
        as many as the task had recipients, usually far fewer."""
        g = self._stored(profile, taskid)
        if g is None:
            return []
        return [(str(d), int(n)) for d, n in self._db.read(
            "SELECT date, COUNT(*) FROM report_rows WHERE gen=? AND status=? AND date IS NOT NULL AND date != '' "
            "GROUP BY date",
            (g.gen, int(DeliveryStatus.DELIVERED)))]

    def sent_numbers(self, controlid: str) -> bytes | None:
        """The numbers a submission went to (packed 64-bit integers)."""
        rows = self._db.read("SELECT numbers FROM sent_numbers WHERE controlid=?", (controlid,))
        return bytes(rows[0][0]) if rows else None
