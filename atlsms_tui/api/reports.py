"""Submissions, their reports and detail pages, and the poll scheduler.

A report belongs to the submission it was fetched for: ATL's task ids are
not unique for ever (a restarted server hands them out again), so a stored
report or detailed report fetched before a submission was created is never
shown as that submission's (``own_report``)."""

from __future__ import annotations

import asyncio
import contextvars
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..core import campaign_report, export, followup
from ..core.campaign import Campaign, load_campaign
from ..core.campaign_report import CampaignReport
from ..core.errors import InputError
from ..core.followup import Followup
from ..core.models import DeliveryStatus, DetailRow, Report, Submission
from ..core.polling import Clock, Poller, PollRound, ReadClock, needs_poll, report_sig, scheduled_epoch
from ..core.service import DetailFetch, Service
from ..core.session import Session
from ..core.store import DetailMatches, DetailPage, DetailWindow
from .journal import own_detail, own_report

__all__ = [
    "CampaignReport", "Clock", "DetailFetch", "DetailMatches", "DetailQuery", "DetailView", "PollRound", "Poller", "ReadClock",
    "Reports", "TaskView", "needs_poll", "own_report", "report_sig", "scheduled_epoch",
]
# Follow-ups from a report (Reports.followup): what they hold, the status names.
__all__ += ["Followup", "STATUS_CHOICES", "parse_statuses", "status_names"]
STATUS_CHOICES = followup.CHOICES
parse_statuses = followup.parse_statuses
status_names = followup.status_names


@dataclass(frozen=True, slots=True)
class DetailQuery:
    """Which rows of a detailed report: a status, a number fragment."""

    status: DeliveryStatus | None = None
    search: str = ""


@dataclass(frozen=True, slots=True)
class DetailView:
    """One page of a detailed report and where it stands in the whole."""

    query: DetailQuery
    total: int  # rows matching the query
    offset: int  # of the first row of the page
    rows: list[DetailRow]
    seqs: list[int]  # the rows' keys: the next page reads from them
    matches: DetailMatches | None  # a search's matches (paged through)


@dataclass(frozen=True, slots=True)
class TaskView:
    """What opening a task reads: its submission, first page and the
    stored detailed report's (rows, fetched at), in one trip."""

    sub: Submission | None
    page: DetailView | None
    stored: tuple[int, str] | None


def read_page(service: Service, sub: Submission, query: DetailQuery, offset: int, limit: int,
              shown: DetailView | None = None) -> DetailView:
    """Blocking: a page of ``sub``'s stored detailed report, by key where it
    can (next/previous from the ``shown`` page, the last page from the end);
    the total is counted once per query. No rows for a report that is not
    the submission's own."""
    taskid = sub.taskid
    if taskid is None or own_detail(sub, service.detail_info(taskid)) is None:
        return DetailView(query, 0, 0, [], [], None)
    same = shown is not None and shown.query == query
    matches = shown.matches if shown is not None and same else None
    if shown is not None and same:
        total = shown.total
    elif query.search:
        matches = service.detail_search(taskid, query.search, status=query.status)
        total = len(matches.seqs)
    elif query.status is None:
        info = service.detail_info(taskid)
        total = info[0] if info else 0
    else:
        total = (service.detail_counts(taskid) or {}).get(int(query.status), 0)
    last = ((total - 1) // limit) * limit if total else 0
    offset = max(0, min(offset, last))
    if query.search:
        seqs = matches.seqs[offset:offset + limit] if matches is not None else []
        window = service.detail_window(taskid, seqs=seqs)
    else:
        anchors = shown.seqs if shown is not None and same else []
        loaded = shown.offset if shown is not None else 0
        if offset == 0:
            window = service.detail_window(taskid, status=query.status, limit=limit)
        elif anchors and offset == loaded + len(anchors):
            window = service.detail_window(taskid, status=query.status, limit=limit, after=anchors[-1])
        elif anchors and offset == loaded - limit:
            window = service.detail_window(taskid, status=query.status, limit=limit, before=anchors[0])
        elif offset == last:
            window = service.detail_window(taskid, status=query.status, limit=total - last, from_end=True)
        else:  # a jump (a resize): unfiltered that is a key too; filtered it skips index entries
            window = service.detail_window(taskid, status=query.status, limit=limit, offset=offset)
    return DetailView(query, total, offset, window.rows, window.seqs, matches)


WAIT_INTERVAL = 2.0  # seconds: a task followed by ``wait`` is first asked again after this


class Reports:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._service = session.service
        self._poller: Poller | None = None

    # ---------------------------------------------------------- journal

    async def tasks(self, limit: int | None = None) -> list[Submission]:
        """Every submission of the profile, newest first, with its own report."""
        subs = await asyncio.to_thread(self._service.tasks, limit)
        return [own_report(s) for s in subs]

    async def task(self, controlid: str) -> Submission | None:
        sub = await asyncio.to_thread(self._service.task, controlid)
        return None if sub is None else own_report(sub)

    async def task_of(self, taskid: str) -> Submission | None:
        """The newest submission of the journal that got ``taskid``."""
        for sub in await self.tasks():
            if sub.taskid == taskid:
                return sub
        return None

    # ---------------------------------------------------------- reports

    async def stored_report(self, taskid: str) -> Report | None:
        return await asyncio.to_thread(self._service.stored_report, taskid)

    async def report(self, taskid: str) -> Report:
        """Ask ATL for the task's report (kept in the journal)."""
        return await self._service.report(taskid)

    async def detailed_report(self, taskid: str, progress: Callable[[int], None] | None = None) -> DetailFetch:
        """Download the detailed report into the journal as it parses."""
        return await self._service.detailed_report(taskid, progress)

    def poller(self, clock: Clock | None = None) -> Poller:
        """The session's poll scheduler: one for every face, so the
        ``max_polls_per_second`` ceiling holds for all of them together.
        ``clock`` is taken when the first caller creates it; the interval
        and ceiling follow the preferences at each call."""
        prefs = self._session.settings.preferences
        if self._poller is None:
            self._poller = Poller(self._service.report, interval=prefs.refresh_interval,
                                  max_per_second=prefs.max_polls_per_second, clock=clock)
        else:
            self._poller.configure(prefs.refresh_interval, prefs.max_polls_per_second)
        return self._poller

    async def wait(self, taskid: str, *, within: float, interval: float = WAIT_INTERVAL,
                   on_wait: Callable[[Report | None, float], None] | None = None) -> tuple[Report, bool]:
        """Follow one task until its report is final or ``within`` seconds
        pass: (last report, timed out). First asked after ``interval``
        seconds, less often while nothing changes, never before its
        scheduled time, within the ``max_polls_per_second`` ceiling."""
        sub = await self.task_of(taskid)
        prefs = self._session.settings.preferences
        poller = Poller(self._service.report, interval=interval, max_per_second=prefs.max_polls_per_second)
        return await poller.wait(taskid, within=within, on_wait=on_wait,
                                 scheduled=None if sub is None else scheduled_epoch(sub))

    def now(self) -> datetime:
        """The journal's Baku time (what countdowns count from)."""
        return self._service.now()

    # ---------------------------------------------------------- detail

    def open_task(self, controlid: str, query: DetailQuery, offset: int, limit: int) -> asyncio.Future[TaskView]:
        """Start reading a task's submission, first page and stored detail
        in a thread at once (not when the loop next comes round, as a
        coroutine would): a screen's first paint can wait for it."""

        def read() -> TaskView:
            sub = self._service.task(controlid)
            if sub is None:
                return TaskView(None, None, None)
            own_report(sub)
            if not sub.taskid:
                return TaskView(sub, None, None)
            stored = own_detail(sub, self._service.detail_info(sub.taskid))
            return TaskView(sub, read_page(self._service, sub, query, offset, limit), stored)

        ctx = contextvars.copy_context()
        return asyncio.get_running_loop().run_in_executor(None, ctx.run, read)

    async def page(self, sub: Submission, query: DetailQuery, offset: int, limit: int,
                   shown: DetailView | None = None) -> DetailView:
        return await asyncio.to_thread(read_page, self._service, sub, query, offset, limit, shown)

    async def detail_info(self, sub: Submission) -> tuple[int, str] | None:
        """(rows, fetched at) of the stored detailed report of ``sub``."""
        if not sub.taskid:
            return None
        return own_detail(sub, await asyncio.to_thread(self._service.detail_info, sub.taskid))

    async def detail_counts(self, taskid: str) -> dict[int, int] | None:
        return await asyncio.to_thread(self._service.detail_counts, taskid)

    async def detail_page(self, taskid: str, *, status: DeliveryStatus | None = None, offset: int = 0,
                          limit: int = 100) -> DetailPage:
        return await asyncio.to_thread(
            lambda: self._service.detail_page(taskid, status=status, offset=offset, limit=limit))

    async def detail_window(self, taskid: str, *, status: DeliveryStatus | None = None, limit: int = 100,
                            offset: int = 0) -> DetailWindow:
        return await asyncio.to_thread(
            lambda: self._service.detail_window(taskid, status=status, limit=limit, offset=offset))

    async def detail_search(self, taskid: str, search: str, *,
                            status: DeliveryStatus | None = None) -> DetailMatches:
        return await asyncio.to_thread(lambda: self._service.detail_search(taskid, search, status=status))

    def iter_detail(self, taskid: str, *, status: DeliveryStatus | None = None,
                    search: str | None = None) -> Iterator[list[DetailRow]]:
        """Blocking batches of rows, for a face printing them as they come."""
        batches: Iterator[list[DetailRow]] = self._service.iter_detail(taskid, status=status, search=search)
        return batches

    # ---------------------------------------------------------- export

    async def exports_dir(self) -> Path:
        """Where exports go by default (created private if missing); OSError."""
        return await asyncio.to_thread(export.exports_dir)

    async def export_path(self, text: str) -> tuple[Path, bool]:
        """Where an export named ``text`` goes (a bare name: the exports
        folder, never wherever the TUI was started) and whether something
        is there already; OSError when the exports folder cannot be made."""

        def resolve() -> tuple[Path, bool]:
            path = Path(os.path.expanduser(text))
            if not path.is_absolute():
                path = export.exports_dir() / path
            path = Path(os.path.abspath(path))
            return path, os.path.lexists(path)

        return await asyncio.to_thread(resolve)

    async def export_csv(self, taskid: str, path: Path, query: DetailQuery, replace: bool = False) -> int:
        """Stream the stored rows to ``path`` (private, formula-safe, never
        over an existing file unless ``replace``: FileExistsError); rows written."""

        def rows() -> Iterator[tuple[str, str, int, str, str]]:
            for batch in self._service.iter_detail(taskid, status=query.status, search=query.search or None):
                for r in batch:
                    yield r.msisdn, r.status, r.status_code, r.date or "", r.message

        header = ["msisdn", "status", "status_code", "date", "message"]
        return await asyncio.to_thread(export.write_csv, path, header, rows(), replace=replace)

    # ---------------------------------------------------------- follow-ups

    async def followup(self, source: str | Submission,
                       statuses: str | Iterable[str | DeliveryStatus]) -> Followup:
        """The numbers of a task (its id, or its submission) or a campaign
        (its id) in ``statuses`` ("failed,error"), less the opt-out list,
        with the earlier text (or each number's message); a detailed report
        not stored yet is fetched from ATL first. InputError for a bad
        status, NotFoundError for an unknown task or campaign."""
        wanted = followup.parse_statuses(statuses)
        label, parts = await asyncio.to_thread(followup.resolve, self._service, source)
        tasks = followup.reported(label, parts)
        fetched: list[str] = []
        for sub in tasks:
            if await self.detail_info(sub) is not None:
                continue
            assert sub.taskid is not None
            got = await self.detailed_report(sub.taskid)
            if not got.ready:
                raise InputError(f"task {sub.taskid}: ATL has no detailed report yet (001); try again later")
            fetched.append(sub.taskid)
        return await asyncio.to_thread(followup.collect, self._service, label, tasks, wanted, fetched,
                                       len(parts) - len(tasks))

    # ---------------------------------------------------------- campaigns

    def _reported(self, c: Campaign) -> list[Submission]:
        """Blocking: the parts with a stored detailed report of their own."""
        return [p for p in c.parts
                if p.taskid and own_detail(p, self._service.detail_info(p.taskid)) is not None]

    async def campaign_report(self, campaign_id: str, *, buckets: int = campaign_report.TIMELINE_BUCKETS
                              ) -> CampaignReport:
        """Delivery by operator, time to delivery and delivery over time,
        from the parts' stored detailed reports (NotFoundError: no such
        campaign)."""

        def build() -> CampaignReport:
            c = load_campaign(self._service, campaign_id)
            return campaign_report.campaign_report(self._service.store, self._service.profile.name, c,
                                                   self._reported(c), buckets)

        return await asyncio.to_thread(build)

    async def details_due(self, c: Campaign) -> list[Submission]:
        """The parts whose detailed report is worth fetching: ATL has a
        report for them and the journal has none of its own yet, or one
        with recipients still pending."""

        def due() -> list[Submission]:
            out = []
            for p in c.parts:
                if not p.taskid or p.report is None or not p.report.ready:
                    continue
                info = own_detail(p, self._service.detail_info(p.taskid))
                counts = self._service.detail_counts(p.taskid) if info is not None else None
                if info is None or (counts or {}).get(int(DeliveryStatus.QUEUED), 0):
                    out.append(p)
            return out

        return await asyncio.to_thread(due)

    async def export_campaign(self, campaign_id: str, path: Path, replace: bool = False,
                              progress: Callable[[int, int], None] | None = None) -> int:
        """Every recipient row of the campaign (number, operator, status,
        date in Baku time, task, part, author) to ``path``, CSV or .xlsx by
        its name (InputError otherwise), private, formula-safe, never over
        an existing file unless ``replace`` (FileExistsError); rows written.
        ``progress(rows written, recipients)`` is called from the writing
        thread every ten thousand rows."""
        campaign_report.export_format(path)

        def write() -> int:
            c = load_campaign(self._service, campaign_id)
            rows: Iterable[tuple[object, ...]] = campaign_report.export_rows(
                self._service.store, self._service.profile.name, c, self._reported(c))
            if progress is not None:
                rows = campaign_report.with_progress(rows, sum(p.recipients for p in c.parts), progress)
            return campaign_report.write_export(path, rows, replace=replace)

        return await asyncio.to_thread(write)
