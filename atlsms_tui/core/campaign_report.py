"""A campaign's delivery report and its recipient export, from the stored
detailed reports of its parts.

The figures are aggregated by SQLite one part at a time (rows per number
prefix and status; deliveries per distinct second), and merged into small
histograms, so a campaign of a million recipients is never held in memory;
the export streams its rows the same way.

Times: a detailed report's dates are Baku wall-clock times. A part's delay
is counted from when it could start delivering: its scheduled time, or when
ATL accepted it if that was later.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from . import baku, export
from .campaign import Campaign
from .errors import InputError
from .models import DeliveryStatus, Submission
from .msisdn import operator_of
from .store import Store

_T = TypeVar("_T")

OPERATORS = ("Azercell", "Bakcell", "Nar", "Naxtel", "other")
FAILED_CODES = (int(DeliveryStatus.FAILED), int(DeliveryStatus.REMOVED), int(DeliveryStatus.ERROR))
TIMELINE_BUCKETS = 60  # at most: a sparkline across an 80-column screen
# Bucket widths a timeline picks from (seconds): round figures to read.
_WIDTHS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)

EXPORT_HEADER = ["number", "operator", "status", "date_baku", "taskid", "part", "author"]
EXPORT_FORMATS = (".csv", ".xlsx")


def author_of(campaign: Campaign, part: Submission) -> str:
    """Who sent the part (its export's author column): the operator who
    journalled the part (a resend by a colleague names them), else the
    campaign's author; empty for rows journalled before authors were kept."""
    by = part.by or campaign.by
    if by is not None:
        return by.label
    return campaign.submitted_by or ""


# ---------------------------------------------------------------- figures


@dataclass(slots=True)
class OperatorFigures:
    """One mobile operator's recipients in the stored detailed reports:
    ``failed`` counts failed, removed and error rows; ``pending`` queued
    ones; rows with a status the document does not list are in ``sent``
    only."""

    operator: str
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    pending: int = 0

    @property
    def rate(self) -> float | None:
        """Delivered share of the rows sent, None before any."""
        return self.delivered / self.sent if self.sent else None

    def as_json(self) -> dict[str, Any]:
        rate = self.rate
        return {"operator": self.operator, "sent": self.sent, "delivered": self.delivered,
                "failed": self.failed, "pending": self.pending,
                "rate": None if rate is None else round(rate, 4)}


@dataclass(frozen=True, slots=True)
class Timeline:
    """Deliveries per bucket of ``bucket_s`` seconds from ``start`` (Baku)."""

    start: str
    bucket_s: int
    counts: list[int]

    def as_json(self) -> dict[str, Any]:
        return {"start": self.start, "bucket_s": self.bucket_s, "counts": self.counts}


@dataclass(slots=True)
class CampaignReport:
    campaign: str
    parts: int  # of the campaign
    parts_reported: int  # with a stored detailed report (the figures' source)
    operators: list[OperatorFigures] = field(default_factory=list)
    timed: int = 0  # deliveries with a date: what the percentiles are of
    median_s: int | None = None
    p95_s: int | None = None
    timeline: Timeline | None = None

    @property
    def sent(self) -> int:
        return sum(o.sent for o in self.operators)

    def as_json(self) -> dict[str, Any]:
        return {
            "parts_reported": self.parts_reported,
            "operators": [o.as_json() for o in self.operators],
            "time_to_delivery": {"median_s": self.median_s, "p95_s": self.p95_s, "deliveries": self.timed},
            "timeline": None if self.timeline is None else self.timeline.as_json(),
        }


def percentile(histogram: Mapping[int, int], q: float) -> int | None:
    """The nearest-rank ``q`` percentile (0 < q <= 100) of values given as
    value -> count: the smallest value with at least q% of them at or below
    it. None for no values."""
    total = sum(histogram.values())
    if total <= 0:
        return None
    rank = max(1, math.ceil(q / 100 * total))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return max(histogram)  # pragma: no cover - rank <= total


def _wall(when: datetime) -> int:
    """Baku wall-clock seconds of an aware time, counted as if UTC: the
    scale the report's dates are read on."""
    return int(when.astimezone(baku.BAKU).replace(tzinfo=UTC).timestamp())


def _wall_text(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S")


def part_start(part: Submission) -> int | None:
    """When a part could start delivering (Baku wall-clock seconds): its
    scheduled time, or its acceptance if later; None if the journal has
    neither."""
    accepted = baku.from_iso(part.updated) or baku.from_iso(part.created)
    scheduled = baku.from_wire(part.scheduled)
    times = [_wall(t) for t in (accepted, scheduled) if t is not None and t.tzinfo is not None]
    return max(times) if times else None


def bucket_width(span: int, buckets: int = TIMELINE_BUCKETS) -> int:
    """The smallest round width that covers ``span`` seconds in ``buckets``."""
    for width in _WIDTHS:
        if (span // width) + 1 <= buckets:
            return width
    return math.ceil((span + 1) / buckets / 86400) * 86400


class OperatorCache:
    """``operator_of`` once per number prefix (the wire form's first 8
    digits decide it): a million rows cost a few thousand look-ups."""

    def __init__(self) -> None:
        self._by_prefix: dict[str, str] = {}

    def __call__(self, number: str) -> str:
        if not (len(number) == 12 and number.isascii() and number.isdigit()):
            return operator_of(number) if number else "other"
        key = number[:8]
        op = self._by_prefix.get(key)
        if op is None:
            op = self._by_prefix[key] = operator_of(number)
        return op


def _date_wall(text: str) -> int | None:
    """A report date as Baku wall-clock seconds (as if UTC); None if it is
    not a date."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if when.tzinfo is not None:
        when = when.astimezone(baku.BAKU)
    return int(when.replace(tzinfo=UTC).timestamp())


def _delay_bucket(d: int) -> int:
    """Exact to the second under an hour, to the minute under a day, to the
    hour beyond: the delay histogram stays small whatever the spread."""
    d = max(0, d)
    return d if d < 3600 else d // 60 * 60 if d < 86400 else d // 3600 * 3600


# The deliveries-per-second histogram of a whole campaign is coarsened (to
# minutes, then hours, then days) past this many keys: that happens only
# for a spread of days, whose timeline buckets are that wide anyway.
_MAX_KEYS = 100_000
_COARSER = (60, 3600, 86400)


def campaign_report(store: Store, profile: str, campaign: Campaign, reported: Iterable[Submission],
                    buckets: int = TIMELINE_BUCKETS) -> CampaignReport:
    """Blocking: the figures of ``campaign`` from the stored detailed
    reports of the ``reported`` parts (each with its own one)."""
    parts = [p for p in reported if p.taskid]
    rep = CampaignReport(campaign.campaign, len(campaign.parts), len(parts))
    figures = {name: OperatorFigures(name) for name in OPERATORS}
    operator = OperatorCache()
    delays: Counter[int] = Counter()
    moments: Counter[int] = Counter()  # deliveries per `resolution` seconds
    resolution = 1
    for p in parts:
        taskid = str(p.taskid)
        for _prefix, number, status, n in store.reports.detail_prefix_counts(profile, taskid):
            f = figures[operator(number)]
            f.sent += n
            if status == DeliveryStatus.DELIVERED:
                f.delivered += n
            elif status in FAILED_CODES:
                f.failed += n
            elif status == DeliveryStatus.QUEUED:
                f.pending += n
        start = part_start(p)
        for text, n in store.reports.detail_delivered_dates(profile, taskid):
            at = _date_wall(text)
            if at is None:
                continue
            if start is not None:
                delays[_delay_bucket(at - start)] += n
            moments[at - at % resolution] += n
        for coarser in _COARSER:
            if len(moments) <= _MAX_KEYS or resolution >= coarser:
                continue
            resolution = coarser
            merged: Counter[int] = Counter()
            for at, n in moments.items():
                merged[at - at % resolution] += n
            moments = merged
    rep.operators = [figures[name] for name in OPERATORS]
    rep.timed = sum(delays.values())
    rep.median_s, rep.p95_s = percentile(delays, 50), percentile(delays, 95)
    if moments:
        first, last = min(moments), max(moments)
        width = max(bucket_width(last - first, buckets), resolution)
        origin = first - first % width if width <= 86400 else first
        counts = [0] * ((last - origin) // width + 1)
        for at, n in moments.items():
            counts[(at - origin) // width] += n
        rep.timeline = Timeline(_wall_text(origin), width, counts)
    return rep


# ---------------------------------------------------------------- export


def export_rows(store: Store, profile: str, campaign: Campaign,
                reported: Iterable[Submission]) -> Iterator[tuple[str, str, str, str, str, int, str]]:
    """Every recipient of the campaign, part by part: from a part's stored
    detailed report where it has one, else from the numbers the journal
    keeps for it (status: the part's state, or ``no report`` once
    accepted)."""
    with_detail = {p.controlid for p in reported if p.taskid}
    operator = OperatorCache()
    labels: dict[int, str] = {}  # status code -> its name, once each
    for i, p in enumerate(campaign.parts, start=1):
        part, taskid, author = p.part or i, p.taskid or "", author_of(campaign, p)
        if p.controlid in with_detail:
            for batch in store.reports.iter_detail(profile, taskid):
                for r in batch:
                    status = labels.get(r.status_code)
                    if status is None:
                        status = labels[r.status_code] = r.status
                    yield (r.msisdn, operator(r.msisdn), status, r.date or "", taskid, part, author)
            continue
        blob = store.reports.sent_numbers(p.controlid)
        if blob is None:
            continue
        numbers = array("q")
        numbers.frombytes(blob[: len(blob) // 8 * 8])
        status = "no report" if p.state.ok else p.state.value
        for n in numbers:
            number = str(n)
            yield number, operator(number), status, "", taskid, part, author


def with_progress(rows: Iterable[_T], total: int, progress: Callable[[int, int], None],
                  every: int = 10_000) -> Iterator[_T]:
    """``rows`` as they are, calling ``progress(done, total)`` every
    ``every`` rows and at the end: a million-row .xlsx takes minutes."""
    done = 0
    for row in rows:
        yield row
        done += 1
        if done % every == 0:
            progress(done, total)
    progress(done, total)


def export_format(path: Path) -> str:
    """``.csv`` or ``.xlsx`` from the file name; InputError otherwise."""
    suffix = path.suffix.lower()
    if suffix not in EXPORT_FORMATS:
        raise InputError(f"export file {path}: name it .csv or .xlsx (the format follows the name)")
    return suffix


def write_export(path: Path, rows: Iterable[Iterable[object]], *, replace: bool = False) -> int:
    """Blocking: the rows to ``path`` as CSV or .xlsx (by its name), with
    export's rules (private, formula-safe, never over a file unless
    ``replace``: FileExistsError); the rows written."""
    if export_format(path) == ".xlsx":
        return export.write_xlsx(path, EXPORT_HEADER, rows, replace=replace)
    return export.write_csv(path, EXPORT_HEADER, rows, replace=replace)
