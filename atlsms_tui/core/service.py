"""The service: one profile's client and journal, and the object the core
API wraps. Journalling and sending live in ``submit``, what happens to a
journalled submission later in ``resend``, detailed reports in
``detail_fetch``; the service holds them together with one clock and one
controlid factory, so tests give it theirs instead of patching modules.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from . import baku, lists, quiet_hours, repeat_guard, resend
from .client import AtlClient, RetryPolicy, Timeouts
from .detail_fetch import DetailFetch, fetch_detailed
from .drafts import Draft, Estimate, check_draft, estimate
from .errors import InputError, ReadOnly
from .journal_payload import numbers_blob
from .models import DetailRow, Report, Submission, Units
from .notify import Notifier
from .outcomes import CampaignResult, SubmitResult
from .settings import Preferences, ResolvedProfile
from .store import DetailPage, Store, new_controlid
from .submit import NotQueued, Progress, SenderBusy, Submitter, WrongAccount, check_bound

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Service:
    def __init__(
        self,
        profile: ResolvedProfile,
        store: Store,
        *,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        transport: Any = None,
        preferences: Preferences | None = None,
        clock: Clock | None = None,
        new_controlid: Callable[[], str] | None = None,
        new_campaign_id: Callable[[], str] | None = None,
    ) -> None:
        """``clock``: the wall clock (an aware datetime) for the journal's
        times, quiet hours, pacing and past schedules; ``new_controlid`` and
        ``new_campaign_id`` draw the journal's identifiers."""
        self.profile = profile
        self.store = store
        self.preferences = preferences or Preferences()
        self.clock: Clock = clock or _utc_now
        ids = new_controlid or _default_controlid
        self.client = AtlClient.for_profile(profile, timeouts=timeouts, retry=retry, transport=transport)
        self.notifier = Notifier(lambda: self.preferences.notify_command)
        # through self.clock, so that a clock given later reaches the journal too
        self.sender = Submitter(profile, store, self.client, clock=lambda: self.clock(), new_controlid=ids,
                                new_campaign_id=new_campaign_id or (lambda: "C" + ids()))

    def __repr__(self) -> str:
        return f"Service(profile={self.profile.name!r})"

    def now(self) -> datetime:
        """Baku time now, by this service's clock."""
        return self.clock().astimezone(baku.BAKU)

    @property
    def read_only(self) -> bool:
        return self.profile.read_only

    def writable(self, what: str) -> None:
        """Refuse ``what`` (an action that sends or changes the journal) in
        monitor mode."""
        if self.profile.read_only:
            raise ReadOnly(what)

    async def aclose(self) -> None:
        await self.client.aclose()
        # a notify_command still running gets its time to finish (bounded)
        await asyncio.to_thread(self.notifier.drain, self.notifier.timeout)

    # ------------------------------------------------------------ units

    async def units(self) -> Units:
        value = await self.client.units()
        units = Units(value, self.clock().astimezone(UTC))
        # The journal may be busy (another instance, a big report): off the loop.
        previous = await asyncio.to_thread(self._keep_units, units)
        # judged against the journal's last figure, so that a cron job run
        # every hour alerts once when the balance falls, not every hour
        self.notifier.balance_seen(previous, units.units, self.preferences.low_balance_threshold,
                                   self.profile.name)
        return units

    def _keep_units(self, units: Units) -> int | None:
        """Save ``units``; the figure it replaces, if any."""
        old = self.store.units.get_units(self.profile.name)
        self.store.units.save_units(self.profile.name, units)
        return None if old is None else old.units

    def cached_units(self) -> Units | None:
        return self.store.units.get_units(self.profile.name)

    def estimate(self, draft: Draft) -> Estimate:
        return estimate(draft, self.cached_units())

    # ---------------------------------------------------------- opt-outs

    def preview_optouts(self, draft: Draft) -> lists.OptOutFilter:
        """What the opt-out list removes from ``draft`` (``kept``, ``removed``
        with each one's reason, ``summary()``)."""
        return self.store.lists.filter_optouts(draft.recipients)

    def without_optouts(self, draft: Draft) -> tuple[Draft, int]:
        """``draft`` without opted-out numbers. Every path that journals a
        submission applies the list, and every later send of a journalled
        part applies it again as it is then (resend.apply_optouts)."""
        optouts = self.preview_optouts(draft)
        if not optouts.removed:
            return draft, 0
        if not optouts.kept:
            raise InputError(
                f"every recipient ({len(optouts.removed)}) is on the opt-out list: nothing sent"
            )
        return dataclasses.replace(draft, recipients=optouts.kept), len(optouts.removed)

    def check(self, draft: Draft) -> None:
        """check_draft with this service's limits."""
        check_draft(draft, self.preferences.max_segments, now=self.now())

    def quiet_hours(self) -> quiet_hours.QuietHours | None:
        """The profile's quiet hours, or None when off."""
        where = ("environment variable ATLSMS_QUIET_HOURS" if "ATLSMS_QUIET_HOURS" in os.environ
                 else "setting quiet_hours")
        return quiet_hours.parse(self.profile.quiet_hours, where)

    # ------------------------------------------------------ repeat guard

    def content_key(self, draft: Draft) -> str:
        return repeat_guard.content_key(draft.title, draft.message, draft.template, draft.recipients)

    def find_repeat(self, draft: Draft, *, key: str | None = None,
                    numbers: bytes | None = None) -> repeat_guard.RepeatHit | None:
        """An accepted send of the same content to most of these recipients
        within the window (preferences ``repeat_guard_share``/``_hours``).
        ``key`` and ``numbers``: the draft's, when already computed."""
        return repeat_guard.find_repeat(
            self.store, key or self.content_key(draft),
            numbers if numbers is not None else numbers_blob(draft.recipients),
            share=self.preferences.repeat_guard_share, hours=self.preferences.repeat_guard_hours,
            now=self.clock(),  # the journal's clock: its "created" times come from here
        )

    # ----------------------------------------------------------- sending

    async def submit(
        self, draft: Draft, progress: Progress | None = None, *, abort: asyncio.Event | None = None,
        proof_of: str | None = None,
    ) -> SubmitResult:
        """Check one submission, journal it and send it. ``proof_of``: this
        is a proof, journalled under that (the campaign's) content key."""
        draft, optouts_removed = self.without_optouts(draft)
        self.check(draft)
        say = progress or (lambda _s: None)
        result = await self.sender.send_new(draft, say, proof_of or self.content_key(draft), abort=abort,
                                            proof_of=proof_of)
        result.optouts_removed = optouts_removed
        return result

    async def journal_campaign(
        self, draft: Draft, parts: list[Draft], say: Callable[[int, int], None] | None = None,
        *, key: str | None = None, awaiting_approval_by: str | None = None, pace: str | None = None,
    ) -> str:
        """Journal a campaign and ALL its parts before the first is sent (see
        Submitter.journal_campaign); its id."""
        return await self.sender.journal_campaign(draft, parts, key or self.content_key(draft), say,
                                                  awaiting_approval_by=awaiting_approval_by, pace=pace)

    async def send_queued(self, controlid: str, progress: Progress | None = None, *,
                          abort: asyncio.Event | None = None) -> SubmitResult:
        self.writable("sending")
        return await resend.send_queued(self.sender, controlid, progress, abort=abort)

    async def resend_part(self, controlid: str, progress: Progress | None = None, *,
                          abort: asyncio.Event | None = None) -> SubmitResult:
        self.writable("sending")
        return await resend.resend_part(self.sender, controlid, progress, abort=abort)

    async def retry(self, controlid: str, progress: Progress | None = None, *,
                    abort: asyncio.Event | None = None) -> SubmitResult:
        """Settle an uncertain submission: resend it, same controlid, same payload."""
        self.writable("settling")
        result = await resend.retry(self.sender, controlid, progress, abort=abort)
        # A send on its own alerts as a one-part run does when it settles (a
        # campaign's part is told by its campaign's run).
        sub = await asyncio.to_thread(self.task, controlid)
        if sub is not None and sub.campaign is None and not sub.proof:
            self.notifier.campaign_settled(CampaignResult(None, [result]), sub.title, self.profile.name)
        return result

    async def abandon(self, controlid: str, reason: str) -> Submission:
        """Close an uncertain submission that cannot be settled."""
        self.writable("abandoning")
        return await resend.abandon(self.sender, controlid, reason)

    # ------------------------------------------------------ tasks/reports

    def tasks(self, limit: int | None = None) -> list[Submission]:
        # A sender that died (or could not record its answer) shows as
        # uncertain as soon as its lock is free, not at the next start.
        self.store.journal.recover_orphans()
        return self.store.journal.list_submissions(self.profile.name, limit=limit)

    def task(self, controlid: str) -> Submission | None:
        return self.store.journal.get_submission(controlid)

    def stored_report(self, taskid: str) -> Report | None:
        return self.store.reports.get_report(self.profile.name, taskid)

    async def report(self, taskid: str) -> Report:
        """The summary report; ``ready`` is False while ATL answers 001."""
        taskid = _check_taskid(taskid)
        report = await self.client.report(taskid)
        report.fetched_at = self.clock().astimezone(UTC)
        await asyncio.to_thread(self._keep_report, report)
        return report

    def _keep_report(self, report: Report) -> None:
        # A 001 answer never replaces a report that had figures.
        if report.ready or self.store.reports.get_report(self.profile.name, report.taskid) is None:
            self.store.reports.save_report(self.profile.name, report)

    async def detailed_report(self, taskid: str, progress: Callable[[int], None] | None = None) -> DetailFetch:
        """Download the detailed report into the journal as it parses."""
        return await fetch_detailed(self.client, self.store, self.profile.name, _check_taskid(taskid),
                                    lambda: self.clock().astimezone(UTC), progress)

    def detail_page(self, taskid: str, **kw: Any) -> DetailPage:
        return self.store.reports.detail_page(self.profile.name, taskid, **kw)

    def iter_detail(self, taskid: str, **kw: Any) -> Iterator[list[DetailRow]]:
        return self.store.reports.iter_detail(self.profile.name, taskid, **kw)

    # Task detail over a million rows: counts kept with the report, pages by
    # key, searches through the msisdn index (see store.search_prefixes).

    def detail_info(self, taskid: str) -> tuple[int, str] | None:
        """(rows, fetched at) of the stored detailed report, if any."""
        return self.store.reports.detail_info(self.profile.name, taskid)

    def detail_counts(self, taskid: str) -> dict[int, int] | None:
        return self.store.reports.detail_counts(self.profile.name, taskid)

    def detail_search(self, taskid: str, search: str, **kw: Any) -> Any:
        return self.store.reports.detail_search(self.profile.name, taskid, search, **kw)

    def detail_window(self, taskid: str, **kw: Any) -> Any:
        return self.store.reports.detail_window(self.profile.name, taskid, **kw)


def _default_controlid() -> str:
    return new_controlid()


def _check_taskid(taskid: str) -> str:
    taskid = (taskid or "").strip()
    if not taskid:
        raise InputError("task id is empty")
    # ASCII digits only: str.isdigit() also takes Arabic-Indic and other digits
    if not (taskid.isascii() and taskid.isdigit()) or len(taskid) > 18:
        raise InputError(f"task id {taskid!r} is not a number")
    return taskid


# Names other modules and tests reach through the service module.
__all__ = [
    "DetailFetch", "Draft", "Estimate", "NotQueued", "SenderBusy", "Service", "SubmitResult", "WrongAccount",
    "check_bound", "check_draft", "estimate",
]
