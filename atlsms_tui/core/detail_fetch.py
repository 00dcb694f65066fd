"""A detailed report downloaded into the journal as it parses."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from .client import AtlClient
from .errors import NotFoundError, ProtocolError
from .models import DeliveryStatus, DetailRow, Report
from .store import Store
from .wording import plural

# Detailed-report rows per store write while a report downloads.
DETAIL_WRITE_BATCH = 20_000


@dataclass(slots=True)
class DetailFetch:
    ready: bool
    rows: int
    report: Report | None = None


async def fetch_detailed(
    client: AtlClient, store: Store, profile: str, taskid: str, clock: Callable[[], datetime],
    progress: Callable[[int], None] | None = None,
) -> DetailFetch:
    """Download the detailed report into the store as it parses.

    Only a task of the journal is fetched, and at most as many rows as
    it had recipients are kept: a server streaming without end gets a
    ProtocolError, not the disk."""
    limit = await asyncio.to_thread(store.reports.task_recipients, profile, taskid)
    if limit is None:
        raise NotFoundError(
            f"task {taskid} is not in the journal of profile {profile!r}: "
            "a detailed report is fetched only for a task sent from here"
        )
    gen = store.reports.new_detail_generation()
    seq = 0
    # Rows per status code as stored (kept with the report: the task
    # detail screen's filter totals); mapped to the summary at the end.
    raw: Counter[int] = Counter()

    # Rows are written in large batches (one durable commit each, not one
    # per network chunk), by a thread, while the next ones download and
    # parse: at most one write in flight.
    batch: list[DetailRow] = []
    writing: asyncio.Future[None] | None = None

    async def flush() -> None:
        nonlocal seq, writing
        if writing is not None:
            await writing
            writing = None
        if batch:
            rows, start = batch[:], seq
            batch.clear()
            seq += len(rows)
            writing = asyncio.ensure_future(asyncio.to_thread(store.reports.add_detail_rows, gen, start, rows))

    async def on_rows(rows: list[DetailRow]) -> None:
        if seq + len(batch) + len(rows) > limit:
            raise ProtocolError(
                f"detailed report of task {taskid} has more rows than the {plural(limit, 'recipient')} "
                "it was sent to; nothing of it was stored"
            )
        batch.extend(rows)
        raw.update(r.status_code for r in rows)
        if len(batch) >= DETAIL_WRITE_BATCH:
            await flush()
        if progress:
            progress(seq + len(batch))

    async def on_restart() -> None:
        nonlocal seq, writing
        if writing is not None:
            await asyncio.gather(writing, return_exceptions=True)
            writing = None
        batch.clear()
        await asyncio.to_thread(store.reports.discard_detail, gen)
        seq = 0
        raw.clear()

    try:
        ready = await client.detailed_report(taskid, on_rows, on_restart=on_restart)
        await flush()
        await flush()  # the last batch's write
    except BaseException:
        if writing is not None:
            await asyncio.gather(writing, return_exceptions=True)
        await asyncio.to_thread(store.reports.discard_detail, gen)
        raise
    if not ready:
        await asyncio.to_thread(store.reports.discard_detail, gen)
        return DetailFetch(False, 0)
    await asyncio.to_thread(store.reports.commit_detail, profile, taskid, gen, seq, dict(raw))
    counts = {s: 0 for s in DeliveryStatus}
    for code, n in raw.items():
        try:
            counts[DeliveryStatus(code)] += n
        except ValueError:
            counts[DeliveryStatus.ERROR] += n
    report = Report(
        taskid, True,
        pending=counts[DeliveryStatus.QUEUED],
        delivered=counts[DeliveryStatus.DELIVERED],
        failed=counts[DeliveryStatus.FAILED],
        removed=counts[DeliveryStatus.REMOVED],
        error=counts[DeliveryStatus.ERROR],
        fetched_at=clock(),
    )
    await asyncio.to_thread(store.reports.save_report, profile, report)
    return DetailFetch(True, seq, report)
