"""The service layer: the one object the CLI and the TUI call.

It owns the submit discipline. A submission is journalled before its request
leaves; an answer that cannot be read is resent once, automatically, with the
same controlid and the identical payload, and the server's duplicate check
(002) then tells that the first one arrived. A submission is never resent
under a new controlid.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from . import baku, codes, protocol, smstext
from .client import AtlClient, RetryPolicy, SpooledBody, SubmitAnswer, SubmitUncertain, Timeouts
from .errors import ApiError, InputError, NotFoundError, ProtocolError, TransportError
from .packed import columns_of, messages_of
from .models import DeliveryStatus, Recipient, Report, State, Submission, Units
from .settings import ResolvedProfile
from .store import ControlIdClash, DetailPage, Store, new_controlid

# A resend refused with one of these says nothing about the first request:
# the answer depends on state that the first request itself may have changed
# (units spent, time passed, password changed) or on a failure of theirs.
STATE_DEPENDENT_CODES = {"105", "113", "118"}

MAX_TITLE = 11

# Detailed-report rows per store write while a report downloads.
DETAIL_WRITE_BATCH = 20_000

Progress = Callable[[str], None]


@dataclass(slots=True)
class Draft:
    """A campaign as the operator composed it."""

    title: str
    recipients: list[Recipient]
    message: str | None = None  # the bulk message; None for individual messages
    scheduled: datetime | None = None  # None: send now

    @property
    def individual(self) -> bool:
        return self.message is None


@dataclass(slots=True)
class Estimate:
    recipients: int
    encoding: str  # "GSM-7", "UCS-2" or "mixed"
    segments: int  # of the bulk message; of the longest individual message
    units: int
    balance: Units | None = None

    @property
    def balance_after(self) -> int | None:
        return None if self.balance is None else self.balance.units - self.units

    @property
    def affordable(self) -> bool | None:
        return None if self.balance is None else self.balance.units >= self.units


@dataclass(slots=True)
class SubmitResult:
    state: State
    controlid: str
    recipients: int
    segments: int
    units_estimate: int
    taskid: str | None = None
    code: str | None = None
    detail: str = ""
    optouts_removed: int = 0  # recipients left out by the opt-out list

    @property
    def wording(self) -> str:
        return codes.describe(self.code) if self.code else ""

    @property
    def advice(self) -> str:
        return codes.ADVICE.get(self.code or "", "")

    def headline(self) -> str:
        if self.state is State.ACCEPTED:
            return f"Accepted: task {self.taskid}"
        if self.state is State.ACCEPTED_WITHOUT_TASKID:
            return (
                "Sent, but ATL gave no task id (the resend was a duplicate of a request that "
                "arrived): it will be delivered, but no report can be fetched for it"
            )
        if self.state is State.REJECTED:
            return f"Rejected: error {self.code}: {self.wording}"
        if self.state is State.FAILED:
            return f"Not sent: {self.detail}"
        return (
            f"Outcome unknown: {self.detail}. It may have reached ATL. Settle it with "
            f"retry (controlid {self.controlid}); never send it again as a new campaign"
        )

    def as_json(self) -> dict:
        doc: dict = {
            "state": self.state.value,
            "taskid": self.taskid,
            "controlid": self.controlid,
            "recipients": self.recipients,
            "segments": self.segments,
            "units_estimate": self.units_estimate,
        }
        if self.code:
            doc["code"] = self.code
            doc["message"] = self.wording
        if self.detail and self.state is not State.ACCEPTED:
            doc["detail"] = self.detail
        if self.optouts_removed > 0:
            doc["optouts_removed"] = self.optouts_removed
        return doc


@dataclass(slots=True)
class DetailFetch:
    ready: bool
    rows: int
    report: Report | None = None


def estimate(draft: Draft, balance: Units | None = None) -> Estimate:
    n = len(draft.recipients)
    if draft.message is not None:
        info = smstext.analyze(draft.message)
        return Estimate(n, info.encoding, info.segments, info.segments * n, balance)
    total = longest = 0
    any_gsm = any_ucs2 = False
    step = 65536  # in batches, so a million messages never exist at once
    for a in range(0, n, step):
        texts = messages_of(draft.recipients, a, min(a + step, n))
        t, lg, g, u = smstext.batch_segments(texts if texts is not None else [""] * (min(a + step, n) - a))
        total += t
        longest = max(longest, lg)
        any_gsm = any_gsm or g
        any_ucs2 = any_ucs2 or u
    encoding = "mixed" if any_gsm and any_ucs2 else ("UCS-2" if any_ucs2 else "GSM-7")
    return Estimate(n, encoding, longest, total, balance)


def check_draft(draft: Draft, max_segments: int | None = None) -> None:
    """Refuse a draft the API would refuse, or one longer than
    ``max_segments`` (default: the max_segments preference), before anything
    is journalled."""
    title = draft.title.strip()
    if not title:
        raise InputError("title (sender name) is empty")
    if len(title) > MAX_TITLE:
        raise InputError(f"title {title!r} is longer than {MAX_TITLE} characters")
    if not draft.recipients:
        raise InputError("no recipients")
    if max_segments is None:
        from .settings import configured_max_segments

        max_segments = configured_max_segments()
    if draft.message is not None:
        if not draft.message.strip():
            raise InputError("message is empty")
        n = smstext.segments(draft.message)
        if n > max_segments:
            raise InputError(f"message is {n:,} segments, more than max_segments ({max_segments}): "
                             f"shorten it, or raise the limit with --max-segments {n} "
                             "(setting max_segments, ATLSMS_MAX_SEGMENTS)")
    else:
        rs = draft.recipients
        step = 65536
        for a in range(0, len(rs), step):
            texts = messages_of(rs, a, min(a + step, len(rs)))
            if texts is not None and all(map(str.strip, texts)) and (
                    # at most 2 units a character, at least 66 units a part:
                    # short texts need no count
                    max(map(len, texts), default=0) * 2 <= 66 * max_segments
                    or smstext.batch_segments(texts)[1] <= max_segments):
                continue
            ms, texts = columns_of(rs, a, min(a + step, len(rs)))
            for row, (m, t) in enumerate(zip(ms, texts or [None] * len(ms)), start=a + 1):
                if t is None or not t.strip():
                    raise InputError(f"recipient row {row} ({m}): message is empty")
                n = smstext.segments(t)
                if n > max_segments:
                    raise InputError(
                        f"recipient row {row} ({m}): message is {n:,} segments, more than max_segments "
                        f"({max_segments}): shorten it, or raise the limit with --max-segments {n} "
                        "(setting max_segments, ATLSMS_MAX_SEGMENTS)")
    if draft.scheduled is not None and draft.scheduled <= baku.now_baku():
        raise InputError(f"schedule {baku.format_baku(draft.scheduled)} Baku time is in the past")


class Service:
    def __init__(
        self,
        profile: ResolvedProfile,
        store: Store,
        *,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        transport=None,
    ) -> None:
        self.profile = profile
        self.store = store
        self.client = AtlClient(
            profile.api_url, profile.login, profile.password,
            timeouts=timeouts, retry=retry, transport=transport,
        )

    def __repr__(self) -> str:
        return f"Service(profile={self.profile.name!r})"

    async def aclose(self) -> None:
        await self.client.aclose()

    # ------------------------------------------------------------ units

    async def units(self) -> Units:
        value = await self.client.units()
        units = Units(value, datetime.now(timezone.utc))
        # The journal may be busy (another instance, a big report): off the loop.
        await asyncio.to_thread(self.store.save_units, self.profile.name, units)
        return units

    def cached_units(self) -> Units | None:
        return self.store.get_units(self.profile.name)

    def estimate(self, draft: Draft) -> Estimate:
        return estimate(draft, self.cached_units())

    # ------------------------------------------------ opt-outs (issue 4)

    def preview_optouts(self, draft: Draft):
        """What the opt-out list removes from ``draft``: a lists.OptOutFilter
        (``kept``, ``removed`` with each one's reason, ``summary()``)."""
        from . import lists

        return lists.filter_optouts(self.store, draft.recipients)

    def without_optouts(self, draft: Draft) -> tuple[Draft, int]:
        """``draft`` without opted-out numbers. Every path that journals a
        submission calls this, so nothing bypasses the list; what is
        journalled (and resent by retry) is the filtered list."""
        optouts = self.preview_optouts(draft)
        if not optouts.removed:
            return draft, 0
        if not optouts.kept:
            raise InputError(
                f"every recipient ({len(optouts.removed)}) is on the opt-out list: nothing sent"
            )
        return dataclasses.replace(draft, recipients=optouts.kept), len(optouts.removed)

    # ----------------------------------------------------------- submit

    async def submit(
        self, draft: Draft, progress: Progress | None = None, *, campaign: str | None = None
    ) -> SubmitResult:
        say = progress or (lambda _s: None)
        draft, optouts_removed = self.without_optouts(draft)  # issue 4: opt-outs
        check_draft(draft)
        content, spool, sub = await self._journal(draft, State.SENDING, campaign, say)
        try:
            result = await self._send_fresh(sub, content, spool, say)
            result.optouts_removed = optouts_removed
            return result
        finally:
            spool.close()

    async def journal_queued(self, draft: Draft, campaign: str | None = None) -> Submission:
        """Journal a submission without sending it (a part of a campaign)."""
        draft, _removed = self.without_optouts(draft)  # issue 4: opt-outs
        check_draft(draft)
        _content, spool, sub = await self._journal(draft, State.QUEUED, campaign, lambda _s: None)
        spool.close()
        return sub

    async def send_queued(self, controlid: str, progress: Progress | None = None) -> SubmitResult:
        """Send a journalled, never-sent submission: its first attempt."""
        say = progress or (lambda _s: None)
        sub = await asyncio.to_thread(self.store.claim_queued, controlid)
        if sub is None:
            raise InputError(f"submission {controlid} is not queued (already sent or being sent)")
        content, spool = await self._load_journalled(sub)
        try:
            return await self._send_fresh(sub, content, spool, say)
        finally:
            spool.close()

    async def _journal(
        self, draft: Draft, state: State, campaign: str | None, say: Progress
    ) -> tuple[protocol.SubmitContent, SpooledBody, Submission]:
        est = estimate(draft)
        content = protocol.SubmitContent(
            title=draft.title.strip(),
            scheduled=baku.wire_schedule(draft.scheduled),
            controlid=new_controlid(),
            recipients=draft.recipients,
            bulkmessage=draft.message,
        )
        # the rows are checked as they are serialised, before any journal entry
        protocol.validate_head(content)
        say("preparing the request")
        spool = await asyncio.to_thread(
            SpooledBody, protocol.iter_submit_bodies(content.recipients), self.store.new_payload_path()
        )
        try:
            sub = Submission(
                controlid=content.controlid,
                profile=self.profile.name,
                title=content.title,
                individual=draft.individual,
                scheduled=content.scheduled,
                created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                recipients=est.recipients,
                segments=est.segments,
                units_estimate=est.units,
                payload_hash="",
                state=state,
                message=draft.message,
                campaign=campaign,
            )
            say("writing the journal")
            for _ in range(5):
                sub.controlid = content.controlid
                sub.payload_hash = protocol.content_hash(content, spool.digest)
                try:
                    sub = await asyncio.to_thread(
                        self.store.begin_submission, sub, self.profile.api_url,
                        self.profile.login, spool,
                    )
                    break
                except ControlIdClash:
                    content.controlid = new_controlid()
            else:
                raise InputError("could not draw an unused controlid")
        except BaseException:
            spool.close()
            if spool.path is not None and spool.path.name.startswith(".spool-"):
                spool.path.unlink(missing_ok=True)
            raise
        return content, spool, sub

    async def _load_journalled(self, sub: Submission) -> tuple[protocol.SubmitContent, SpooledBody]:
        """The exact payload of a journalled submission, checked against its hash."""
        controlid = sub.controlid
        content = protocol.SubmitContent(
            title=sub.title, scheduled=sub.scheduled, controlid=controlid,
            recipients=[], bulkmessage=sub.message if not sub.individual else None,
        )
        try:
            spool = await asyncio.to_thread(SpooledBody.open_existing, self.store.payload_path(controlid))
        except OSError as exc:
            self.store.finish_submission(
                controlid, State.UNCERTAIN, detail=f"journalled payload unreadable ({exc.strerror}); not resent"
            )
            raise InputError(f"submission {controlid}: its journalled payload is unreadable; not resent") from None
        if protocol.content_hash(content, spool.digest) != sub.payload_hash:
            spool.close()
            self.store.finish_submission(
                controlid, State.UNCERTAIN, detail="journal payload does not match its hash; not resent"
            )
            raise InputError(
                f"submission {controlid}: the journalled payload does not match its hash; not resent"
            )
        return content, spool

    async def _send_fresh(
        self, sub: Submission, content: protocol.SubmitContent, spool: SpooledBody, say: Progress
    ) -> SubmitResult:
        say("sending")
        result = await self._send(sub, content, spool, first=True)
        if result.state is State.UNCERTAIN:
            say("no clear answer: resending once with the same controlid")
            result = await self._send(sub, content, spool, first=False, previous=result)
        return result

    async def retry(self, controlid: str, progress: Progress | None = None) -> SubmitResult:
        """Settle an uncertain submission: resend it, same controlid, same payload."""
        say = progress or (lambda _s: None)
        await asyncio.to_thread(self.store.recover_orphans)
        existing = await asyncio.to_thread(self.store.get_submission, controlid)
        if existing is None:
            raise NotFoundError(f"no submission with controlid {controlid} in the journal")
        if not existing.state.settleable:
            raise InputError(
                f"submission {controlid} is {existing.state.value}, not uncertain: nothing to settle"
            )
        target = await asyncio.to_thread(self.store.submission_target, controlid)
        # The demo's simulator listens on a new port each run: its URL is not
        # the account's identity there.
        if target and (target[1] != self.profile.login or (
            target[0] != self.profile.api_url and not self.profile.demo
        )):
            raise InputError(
                f"submission {controlid} was sent to {target[0]} as {target[1]}; "
                f"use that profile to settle it"
            )
        sub = await asyncio.to_thread(self.store.claim_for_resend, controlid)
        if sub is None:
            raise InputError(f"submission {controlid} is being sent by another running instance")
        content, spool = await self._load_journalled(sub)
        try:
            say("resending with the same controlid")
            return await self._send(sub, content, spool, first=False)
        finally:
            spool.close()

    async def _send(
        self,
        sub: Submission,
        content: protocol.SubmitContent,
        spool: SpooledBody,
        *,
        first: bool,
        previous: SubmitResult | None = None,
    ) -> SubmitResult:
        result = SubmitResult(
            State.UNCERTAIN, sub.controlid, sub.recipients, sub.segments, sub.units_estimate
        )
        await asyncio.to_thread(self.store.mark_attempt, sub.controlid)
        try:
            answer: SubmitAnswer = await self.client.submit(content, spool)
        except SubmitUncertain as exc:
            result.code = exc.code
            result.detail = str(exc)
        except TransportError as exc:
            if first and exc.nothing_sent:
                result.state = State.FAILED
                result.detail = str(exc)
            else:
                # This attempt did not leave, but an earlier one may have.
                result.detail = (previous.detail + "; then " if previous else "") + str(exc)
        else:
            result.code = answer.code
            if answer.code == codes.OK:
                result.state = State.ACCEPTED
                result.taskid = answer.taskid
                result.code = None
            elif answer.code == codes.DUPLICATE_CONTROLID and not first:
                result.state = State.ACCEPTED_WITHOUT_TASKID
                result.detail = "ATL answered 002 to the resend: the first request had arrived"
            elif not first and answer.code in STATE_DEPENDENT_CODES:
                result.detail = (
                    f"the resend was refused with error {answer.code} ({codes.describe(answer.code)}); "
                    "whether the first request arrived is still unknown"
                )
            else:
                result.state = State.REJECTED
        # Off the event loop: a durable commit waits for the disk.
        await asyncio.to_thread(
            functools.partial(
                self.store.finish_submission,
                sub.controlid, result.state, taskid=result.taskid, code=result.code, detail=result.detail,
            )
        )
        return result

    # ------------------------------------------------------ tasks/reports

    def tasks(self, limit: int | None = None) -> list[Submission]:
        return self.store.list_submissions(self.profile.name, limit=limit)

    def task(self, controlid: str) -> Submission | None:
        return self.store.get_submission(controlid)

    def recover(self) -> list[str]:
        return self.store.recover_orphans()

    def stored_report(self, taskid: str) -> Report | None:
        return self.store.get_report(self.profile.name, taskid)

    async def report(self, taskid: str) -> Report:
        """The summary report; ``ready`` is False while ATL answers 001."""
        taskid = _check_taskid(taskid)
        report = await self.client.report(taskid)
        report.fetched_at = datetime.now(timezone.utc)
        await asyncio.to_thread(self._keep_report, report)
        return report

    def _keep_report(self, report: Report) -> None:
        # A 001 answer never replaces a report that had figures.
        if report.ready or self.store.get_report(self.profile.name, report.taskid) is None:
            self.store.save_report(self.profile.name, report)

    async def detailed_report(
        self, taskid: str, progress: Callable[[int], None] | None = None
    ) -> DetailFetch:
        """Download the detailed report into the store as it parses.

        Only a task of the journal is fetched, and at most as many rows as
        it had recipients are kept: a server streaming without end gets a
        ProtocolError, not the disk."""
        taskid = _check_taskid(taskid)
        store = self.store
        limit = await asyncio.to_thread(store.task_recipients, self.profile.name, taskid)
        if limit is None:
            raise NotFoundError(
                f"task {taskid} is not in the journal of profile {self.profile.name!r}: "
                "a detailed report is fetched only for a task sent from here"
            )
        gen = store.new_detail_generation()
        seq = 0
        # Rows per status code as stored (kept with the report: the task
        # detail screen's filter totals); mapped to the summary at the end.
        raw: Counter[int] = Counter()

        # Rows are written in large batches (one durable commit each, not one
        # per network chunk), by a thread, while the next ones download and
        # parse: at most one write in flight.
        batch: list = []
        writing: asyncio.Future | None = None

        async def flush() -> None:
            nonlocal seq, writing
            if writing is not None:
                await writing
                writing = None
            if batch:
                rows, start = batch[:], seq
                batch.clear()
                seq += len(rows)
                writing = asyncio.ensure_future(asyncio.to_thread(store.add_detail_rows, gen, start, rows))

        async def on_rows(rows) -> None:
            if seq + len(batch) + len(rows) > limit:
                raise ProtocolError(
                    f"detailed report of task {taskid} has more rows than the {limit:,} recipient(s) "
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
            await asyncio.to_thread(store.discard_detail, gen)
            seq = 0
            raw.clear()

        try:
            ready = await self.client.detailed_report(taskid, on_rows, on_restart=on_restart)
            await flush()
            await flush()  # the last batch's write
        except BaseException:
            if writing is not None:
                await asyncio.gather(writing, return_exceptions=True)
            await asyncio.to_thread(store.discard_detail, gen)
            raise
        if not ready:
            await asyncio.to_thread(store.discard_detail, gen)
            return DetailFetch(False, 0)
        await asyncio.to_thread(store.commit_detail, self.profile.name, taskid, gen, seq, dict(raw))
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
            fetched_at=datetime.now(timezone.utc),
        )
        await asyncio.to_thread(store.save_report, self.profile.name, report)
        return DetailFetch(True, seq, report)

    def detail_page(self, taskid: str, **kw) -> DetailPage:
        return self.store.detail_page(self.profile.name, taskid, **kw)

    def iter_detail(self, taskid: str, **kw):
        return self.store.iter_detail(self.profile.name, taskid, **kw)

    # Task detail over a million rows: counts kept with the report, pages by
    # key, searches through the msisdn index (see store.search_prefixes).

    def detail_info(self, taskid: str) -> tuple[int, str] | None:
        """(rows, fetched at) of the stored detailed report, if any."""
        return self.store.detail_info(self.profile.name, taskid)

    def detail_counts(self, taskid: str) -> dict[int, int] | None:
        return self.store.detail_counts(self.profile.name, taskid)

    def detail_search(self, taskid: str, search: str, **kw):
        return self.store.detail_search(self.profile.name, taskid, search, **kw)

    def detail_window(self, taskid: str, **kw):
        return self.store.detail_window(self.profile.name, taskid, **kw)


def _check_taskid(taskid: str) -> str:
    taskid = (taskid or "").strip()
    if not taskid:
        raise InputError("task id is empty")
    if not taskid.isdigit() or len(taskid) > 32:
        raise InputError(f"task id {taskid!r} is not a number")
    return taskid


__all__ = [
    "ApiError",
    "Draft",
    "Estimate",
    "Service",
    "SubmitResult",
    "DetailFetch",
    "estimate",
    "check_draft",
]
