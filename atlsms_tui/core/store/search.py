"""A number search in a stored detailed report: what "contains these digits"
means for Azerbaijani numbers, and its index-friendly form."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..models import DeliveryStatus
from .db import Db

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


@dataclass(slots=True)
class DetailMatches:
    """The seqs of the rows a number search matched, in report order."""

    seqs: list[int]
    capped: bool  # more matched than MATCH_CAP: these are the first found
    scanned: int | None = None  # a short fragment: only rows with seq below this were searched


def _prefixes(variants: list[str]) -> list[str] | None:
    """The prefix ranges of all the variants, or None: too many, scan instead."""
    out: list[str] = []
    for v in variants:
        more = search_prefixes(v)
        if more is None or len(out) + len(more) > MAX_PREFIXES:
            return None
        out.extend(more)
    return out


def search_seqs(db: Db, gen: int, search: str, status: DeliveryStatus | None,
                cap: int | None, scan_rows: int | None = None) -> DetailMatches:
    """The seqs of report ``gen``'s rows whose number contains ``search``."""
    variants = search_variants(search)
    if not variants:
        return DetailMatches([], False)
    limit = -1 if cap is None else cap + 1
    status_sql, status_args = ("", ()) if status is None else (" AND r.status=?", (int(status),))
    prefixes = _prefixes(variants)
    if prefixes is not None:
        # json_each drives the loop: one range seek on (gen, msisdn) per prefix.
        rows = db.read(
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
        rows = db.read(
            f"SELECT r.seq FROM report_rows AS r WHERE r.gen=?{bound} AND ({likes}){status_sql} "
            "ORDER BY r.seq LIMIT ?",
            (gen, *bound_args, *(f"%{v}%" for v in variants)) + status_args + (limit,),
        )
        seqs = [r[0] for r in rows]
        capped = cap is not None and len(seqs) > cap
        return DetailMatches(seqs[:cap] if capped else seqs, capped, scan_rows)
    capped = cap is not None and len(seqs) > cap
    return DetailMatches(seqs[:cap] if capped else seqs, capped)
