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
import os
import shutil
import sqlite3
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import baku, codes, journal_payload, ownership, protocol, repeat_guard, smstext
from .client import AtlClient, RetryPolicy, SpooledBody, SubmitAnswer, SubmitUncertain, Timeouts
from .errors import ApiError, InputError, LocalError, NotFoundError, ProtocolError, TransportError
from .models import DeliveryStatus, Recipient, Report, State, Submission, Units
from .packed import columns_of, messages_of
from .settings import Preferences, ResolvedProfile
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
    # the mail-merge template the messages were made from, if any: with the
    # title, what the repeat guard calls "the same text"
    template: str | None = None

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
    part: int | None = None  # 1-based part of its campaign
    # whether a second request under the same controlid may settle it now
    # (not after the operator stopped the wait, nor after a journal failure)
    resendable: bool = True

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
        if self.state is State.CANCELLED:
            return f"Not sent: {self.detail or 'cancelled'}"
        if self.state is State.QUEUED:
            return "Not sent yet: journalled, waiting for its turn"
        if self.state is State.ABANDONED:
            return f"Abandoned, outcome never known: {self.detail}"
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
        if self.part is not None:
            doc["part"] = self.part
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


def check_draft(draft: Draft, max_segments: int = Preferences.max_segments, *,
                now: datetime | None = None) -> None:
    """Refuse a draft the API would refuse, or one longer than
    ``max_segments`` (callers pass the max_segments preference), before
    anything is journalled."""
    title = draft.title.strip()
    if not title:
        raise InputError("title (sender name) is empty")
    if len(title) > MAX_TITLE:
        raise InputError(f"title {title!r} is longer than {MAX_TITLE} characters")
    if not draft.recipients:
        raise InputError("no recipients")
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
    if draft.scheduled is not None and draft.scheduled <= (now or baku.now_baku()):
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
        preferences: Preferences | None = None,
        now: baku.Clock = baku.now_baku,
    ) -> None:
        self.profile = profile
        self.store = store
        self.preferences = preferences or Preferences()
        # Baku "now" for quiet hours, pacing and past schedules
        self.now = now
        self.client = AtlClient.for_profile(profile, timeouts=timeouts, retry=retry, transport=transport)

    def __repr__(self) -> str:
        return f"Service(profile={self.profile.name!r})"

    async def aclose(self) -> None:
        await self.client.aclose()

    # ------------------------------------------------------------ units

    async def units(self) -> Units:
        value = await self.client.units()
        units = Units(value, datetime.now(UTC))
        # The journal may be busy (another instance, a big report): off the loop.
        await asyncio.to_thread(self.store.save_units, self.profile.name, units)
        return units

    def cached_units(self) -> Units | None:
        return self.store.get_units(self.profile.name)

    def estimate(self, draft: Draft) -> Estimate:
        return estimate(draft, self.cached_units())

    # ---------------------------------------------------------- opt-outs

    def preview_optouts(self, draft: Draft):
        """What the opt-out list removes from ``draft``: a lists.OptOutFilter
        (``kept``, ``removed`` with each one's reason, ``summary()``)."""
        from . import lists

        return lists.filter_optouts(self.store, draft.recipients)

    def without_optouts(self, draft: Draft) -> tuple[Draft, int]:
        """``draft`` without opted-out numbers. Every path that journals a
        submission calls this, and every later send of a journalled part
        applies the list again as it is then (see _apply_optouts)."""
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

    def quiet_hours(self):
        """The profile's quiet_hours.QuietHours, or None when off."""
        from . import quiet_hours

        where = ("environment variable ATLSMS_QUIET_HOURS" if "ATLSMS_QUIET_HOURS" in os.environ
                 else "setting quiet_hours")
        return quiet_hours.parse(self.profile.quiet_hours, where)

    # ------------------------------------------------------ repeat guard

    def content_key(self, draft: Draft) -> str:
        return repeat_guard.content_key(draft.title, draft.message, draft.template, draft.recipients)

    def find_repeat(self, draft: Draft) -> repeat_guard.RepeatHit | None:
        """An accepted send of the same content to most of these recipients
        within the window (preferences ``repeat_guard_share``/``_hours``)."""
        return repeat_guard.find_repeat(
            self.store, self.content_key(draft), journal_payload.numbers_blob(draft.recipients),
            share=self.preferences.repeat_guard_share, hours=self.preferences.repeat_guard_hours,
            now=datetime.now(UTC),  # the journal's clock: its "created" times come from here
        )

    # ----------------------------------------------------------- submit

    async def submit(
        self, draft: Draft, progress: Progress | None = None, *, abort: asyncio.Event | None = None,
        proof_of: str | None = None,
    ) -> SubmitResult:
        """Journal one submission and send it. ``proof_of``: this is a proof,
        journalled under that (the campaign's) content key."""
        say = progress or (lambda _s: None)
        draft, optouts_removed = self.without_optouts(draft)
        self.check(draft)
        content, spool, sub, lock = await self._journal(draft, say, proof_of)
        try:
            result = await self._send_fresh(sub, content, spool, say, abort)
            result.optouts_removed = optouts_removed
            return result
        finally:
            spool.close()
            lock.release()

    def _own(self, controlid: str) -> ownership.Lock:
        """The row's lock, or an error naming the other live sender."""
        lock = ownership.try_lock(self.store.lock_path(controlid))
        if lock is None:
            raise SenderBusy(f"submission {controlid} is being sent by another running instance")
        return lock

    async def _journal(
        self, draft: Draft, say: Progress, proof_of: str | None = None,
    ) -> tuple[protocol.SubmitContent, SpooledBody, Submission, ownership.Lock]:
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
        spool = await self._spool(content.recipients, self.store.new_payload_path())
        numbers = journal_payload.numbers_blob(draft.recipients)
        key = proof_of or self.content_key(draft)
        try:
            sub = Submission(
                controlid=content.controlid,
                profile=self.profile.name,
                title=content.title,
                individual=draft.individual,
                scheduled=content.scheduled,
                created=_now_iso(),
                recipients=est.recipients,
                segments=est.segments,
                units_estimate=est.units,
                payload_hash="",
                state=State.SENDING,
                message=draft.message,
                proof=proof_of is not None,
            )
            say("writing the journal")
            for _ in range(5):
                sub.controlid = content.controlid
                sub.payload_hash = protocol.content_hash(content, spool.digest)
                lock = self._own(sub.controlid)
                try:
                    sub = await _local(
                        self.store.path, self.store.begin_submission, sub, self.profile.api_url,
                        self.profile.login, spool, numbers=numbers, content_key=key,
                    )
                    _unlock_spool(spool)
                    break
                except ControlIdClash:
                    lock.release()
                    content.controlid = new_controlid()
                except BaseException:
                    lock.release()
                    raise
            else:
                raise InputError("could not draw an unused controlid")
        except BaseException:
            spool.close()
            if spool.path is not None and spool.path.name.startswith(".spool-"):
                spool.path.unlink(missing_ok=True)
            _unlock_spool(spool)
            raise
        return content, spool, sub, lock

    async def _spool(self, recipients, path: Path) -> SpooledBody:
        """The request bodies written to ``path`` (0600), which stays locked by
        this process until its row is committed, so that the start-up sweep
        never takes a payload being journalled for an orphan."""
        def write() -> SpooledBody:
            lock = ownership.try_lock(path)
            try:
                body = SpooledBody(protocol.iter_submit_bodies(recipients), path)
                body.sync()
            except BaseException:
                if lock is not None:
                    lock.release()
                path.unlink(missing_ok=True)
                raise
            body.spool_lock = lock  # released with the body
            return body

        try:
            return await asyncio.to_thread(write)
        except OSError as exc:
            raise LocalError(f"cannot write the payload file in {path.parent}: {exc.strerror or exc}; "
                             "nothing was sent") from None

    async def journal_campaign(
        self, draft: Draft, parts: list[Draft], say: Callable[[int, int], None] | None = None,
        *, awaiting_approval_by: str | None = None, pace: str | None = None,
    ) -> str:
        """Journal a campaign and ALL its parts (payload files first, synced,
        then one transaction), before the first part is sent. A kill at any
        instant leaves no campaign (nothing sent; the spooled files are swept
        at the next start) or a complete one that ``campaign resume`` can
        finish. Each part keeps its own ``scheduled`` (a paced campaign).
        With ``awaiting_approval_by`` nothing is sent until another operator
        approves it."""
        title = draft.title.strip()
        key = self.content_key(draft)
        created = _now_iso()
        spools: list[SpooledBody] = []
        entries: list[tuple[Submission, str, bytes | None]] = []
        try:
            for i, part in enumerate(parts, start=1):
                scheduled = baku.wire_schedule(part.scheduled)
                content = protocol.SubmitContent(title=title, scheduled=scheduled, controlid="",
                                                 recipients=part.recipients, bulkmessage=part.message)
                if i == 1:
                    protocol.validate_head(dataclasses.replace(content, controlid="0"))
                spool = await self._spool(part.recipients, self.store.new_payload_path())
                spools.append(spool)
                est = estimate(part)
                sub = Submission(
                    controlid="", profile=self.profile.name, title=title, individual=part.individual,
                    scheduled=scheduled, created=created, recipients=est.recipients, segments=est.segments,
                    units_estimate=est.units, payload_hash="", state=State.QUEUED, message=part.message,
                    part=i,
                )
                assert spool.path is not None
                entries.append((sub, spool.path.name, journal_payload.numbers_blob(part.recipients)))
                if say:
                    say(i, len(parts))
            for _ in range(5):
                campaign = new_campaign_id()
                ids = _distinct_controlids(len(entries))
                for (sub, _name, _nums), spool, cid in zip(entries, spools, ids):
                    sub.controlid = cid
                    sub.campaign = campaign
                    head = protocol.SubmitContent(title=title, scheduled=sub.scheduled, controlid=cid,
                                                  recipients=[], bulkmessage=sub.message)
                    sub.payload_hash = protocol.content_hash(head, spool.digest)
                try:
                    await _local(
                        self.store.path, self.store.journal_campaign, campaign, profile=self.profile.name,
                        login=self.profile.login, api_url=self.profile.api_url, title=title,
                        recipients=sum(s.recipients for s, _n, _b in entries), content_key=key, parts=entries,
                        submitted_by=awaiting_approval_by, pace=pace,
                    )
                    return campaign
                except ControlIdClash:
                    continue
            raise InputError("could not draw unused controlids")
        except BaseException:
            for spool in spools:
                spool.close()
                if spool.path is not None:
                    spool.path.unlink(missing_ok=True)
            raise
        finally:
            for spool in spools:
                spool.close()
                _unlock_spool(spool)

    async def send_queued(
        self, controlid: str, progress: Progress | None = None, *, abort: asyncio.Event | None = None,
    ) -> SubmitResult:
        """A journalled, never-sent part: its first attempt, with the opt-out
        list applied as it is now."""
        say = progress or (lambda _s: None)
        lock = self._own(controlid)
        try:
            await self._check_bound(controlid)
            sub = await asyncio.to_thread(self.store.claim_queued, controlid)
            if sub is None:
                raise NotQueued(f"submission {controlid} is not queued (already sent, being sent or cancelled)")
            try:
                content, spool = await self._load_journalled(sub)
                spool, sub, removed = await self._apply_optouts(sub, content, spool)
            except LocalError:
                await asyncio.to_thread(self.store.unclaim, controlid)
                raise
            try:
                if spool is None:
                    return await self._nobody_left(sub, removed)
                result = await self._send_fresh(sub, content, spool, say, abort)
                result.optouts_removed = removed
                return result
            finally:
                if spool is not None:
                    spool.close()
        finally:
            lock.release()

    async def resend_part(
        self, controlid: str, progress: Progress | None = None, *, abort: asyncio.Event | None = None,
    ) -> SubmitResult:
        """A campaign part that ATL refused, or that never left, sent again
        under a fresh controlid (ATL has nothing under the old one to
        deduplicate against); the refused attempt stays in the history."""
        say = progress or (lambda _s: None)
        old = await asyncio.to_thread(self.store.get_submission, controlid)
        if old is None:
            raise NotFoundError(f"no submission with controlid {controlid} in the journal")
        if old.campaign is None or old.state not in (State.FAILED, State.REJECTED):
            raise NotQueued(f"submission {controlid} is {old.state.value}: not a refused campaign part")
        await self._check_bound(controlid)
        content, spool = await self._load_journalled(old)
        try:
            blocked = await asyncio.to_thread(self._blocked_in, spool.path)
            new = dataclasses.replace(old, controlid="", state=State.SENDING, taskid=None, code=None,
                                      detail="", attempts=0, created=_now_iso(), report=None)
            recips = None
            if blocked:
                recips = await asyncio.to_thread(
                    journal_payload.read_recipients, spool.path, individual=old.individual, dropping=blocked)
                if not len(recips):
                    await asyncio.to_thread(self.store.cancel_queued, [controlid],
                                            "every recipient is on the opt-out list")
                    return SubmitResult(State.CANCELLED, controlid, 0, old.segments, 0,
                                        detail="every recipient is on the opt-out list",
                                        optouts_removed=old.recipients, part=old.part)
            for _ in range(5):
                cid = new_controlid()
                lock = self._own(cid)
                try:
                    path = self.store.new_payload_path()
                    if recips is not None:
                        fresh = await self._spool(recips, path)
                    else:
                        fresh = await asyncio.to_thread(_linked_copy, spool, path)
                    nums = (journal_payload.numbers_blob(recips) if recips is not None
                            else await asyncio.to_thread(_numbers_of, path))
                    new.controlid = cid
                    if recips is not None:
                        est = estimate(Draft(old.title, recips, old.message))
                        new.recipients, new.segments, new.units_estimate = est.recipients, est.segments, est.units
                    head = dataclasses.replace(content, controlid=cid, recipients=[])
                    new.payload_hash = protocol.content_hash(head, fresh.digest)
                    try:
                        await _local(self.store.path, self.store.new_attempt, controlid, new, path.name, nums)
                    except ControlIdClash:
                        fresh.close()
                        _unlock_spool(fresh)
                        path.unlink(missing_ok=True)
                        lock.release()
                        continue
                    finally:
                        _unlock_spool(fresh)
                    try:
                        say(f"sending again under controlid {cid}")
                        result = await self._send_fresh(new, head, fresh, say, abort)
                        result.optouts_removed = len(blocked)
                        return result
                    finally:
                        fresh.close()
                finally:
                    lock.release()
            raise InputError("could not draw an unused controlid")
        finally:
            spool.close()

    def _blocked_in(self, path: Path | None) -> set[int]:
        """The numbers of a payload that are on the opt-out list now."""
        from . import lists

        blocked = lists.optout_numbers(self.store)
        if not blocked or path is None:
            return set()
        return blocked.intersection(journal_payload.read_numbers(path))

    async def _apply_optouts(
        self, sub: Submission, content: protocol.SubmitContent, spool: SpooledBody
    ) -> tuple[SpooledBody | None, Submission, int]:
        """A claimed, never-sent part less the numbers opted out since it was
        journalled: its payload is written again and its row updated, so a
        resend after a crash repeats exactly what was sent."""
        blocked = await asyncio.to_thread(self._blocked_in, spool.path)
        if not blocked:
            return spool, sub, 0
        recips = await asyncio.to_thread(
            journal_payload.read_recipients, spool.path, individual=sub.individual, dropping=blocked)
        spool.close()
        if not len(recips):
            return None, sub, len(blocked)
        fresh = await self._spool(recips, self.store.new_payload_path())
        est = estimate(Draft(sub.title, recips, sub.message))
        content.recipients = recips
        sub.recipients, sub.segments, sub.units_estimate = est.recipients, est.segments, est.units
        sub.payload_hash = protocol.content_hash(dataclasses.replace(content, recipients=[]), fresh.digest)
        assert fresh.path is not None
        await _local(self.store.path, functools.partial(
            self.store.replace_payload, sub.controlid, recipients=sub.recipients, segments=sub.segments,
            units_estimate=sub.units_estimate, payload_hash=sub.payload_hash, payload=fresh.path.name,
            numbers=journal_payload.numbers_blob(recips)))
        _unlock_spool(fresh)
        return fresh, sub, len(blocked)

    async def _nobody_left(self, sub: Submission, removed: int) -> SubmitResult:
        detail = "every recipient is on the opt-out list"
        await asyncio.to_thread(functools.partial(
            self.store.finish_submission, sub.controlid, State.CANCELLED, detail=detail, sent=False))
        return SubmitResult(State.CANCELLED, sub.controlid, 0, sub.segments, 0, detail=detail,
                            optouts_removed=removed, part=sub.part)

    async def _load_journalled(self, sub: Submission) -> tuple[protocol.SubmitContent, SpooledBody]:
        """The exact payload of a journalled submission, checked against its hash."""
        controlid = sub.controlid
        content = protocol.SubmitContent(
            title=sub.title, scheduled=sub.scheduled, controlid=controlid,
            recipients=[], bulkmessage=sub.message if not sub.individual else None,
        )
        name = await asyncio.to_thread(self.store._payload_name, controlid)
        try:
            spool = await asyncio.to_thread(SpooledBody.open_existing, self.store.payload_path(controlid, name))
        except OSError as exc:
            if sub.state is State.SENDING:
                self.store.finish_submission(
                    controlid, State.UNCERTAIN, sent=False,
                    detail=f"journalled payload unreadable ({exc.strerror}); not resent",
                )
            raise InputError(f"submission {controlid}: its journalled payload is unreadable; not resent") from None
        if protocol.content_hash(content, spool.digest) != sub.payload_hash:
            spool.close()
            if sub.state is State.SENDING:
                self.store.finish_submission(
                    controlid, State.UNCERTAIN, sent=False,
                    detail="journal payload does not match its hash; not resent",
                )
            raise InputError(
                f"submission {controlid}: the journalled payload does not match its hash; not resent"
            )
        return content, spool

    async def _send_fresh(
        self, sub: Submission, content: protocol.SubmitContent, spool: SpooledBody, say: Progress,
        abort: asyncio.Event | None,
    ) -> SubmitResult:
        say("sending")
        result = await self._send(sub, content, spool, first=True, abort=abort)
        if result.state is State.UNCERTAIN and result.resendable and not (abort and abort.is_set()):
            say("no clear answer: resending once with the same controlid")
            result = await self._send(sub, content, spool, first=False, previous=result, abort=abort)
        return result

    async def _check_bound(self, controlid: str) -> None:
        """A submission is only ever (re)sent to the account and server that
        journalled it."""
        target = await asyncio.to_thread(self.store.submission_target, controlid)
        if target:
            check_bound(self.profile, target[1], target[0], f"submission {controlid}")

    async def retry(
        self, controlid: str, progress: Progress | None = None, *, abort: asyncio.Event | None = None,
    ) -> SubmitResult:
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
        await self._check_bound(controlid)
        lock = self._own(controlid)
        try:
            sub = await asyncio.to_thread(self.store.claim_for_resend, controlid)
            if sub is None:
                raise InputError(f"submission {controlid} was settled meanwhile")
            content, spool = await self._load_journalled(sub)
            try:
                say("resending with the same controlid")
                return await self._send(sub, content, spool, first=False, abort=abort)
            finally:
                spool.close()
        finally:
            lock.release()

    async def abandon(self, controlid: str, reason: str) -> Submission:
        """Close an uncertain submission that cannot be settled: it stays in
        the history as ``abandoned``, with the reason, and is never resent."""
        reason = " ".join((reason or "").split())
        if not reason:
            raise InputError("abandoning needs a reason (--reason TEXT)")
        await asyncio.to_thread(self.store.recover_orphans)
        existing = await asyncio.to_thread(self.store.get_submission, controlid)
        if existing is None:
            raise NotFoundError(f"no submission with controlid {controlid} in the journal")
        if not existing.state.settleable:
            raise InputError(f"submission {controlid} is {existing.state.value}, not uncertain: "
                             "only an uncertain submission can be abandoned")
        lock = self._own(controlid)
        try:
            if not await asyncio.to_thread(self.store.abandon, controlid, reason):
                raise InputError(f"submission {controlid} was settled meanwhile")
        finally:
            lock.release()
        sub = await asyncio.to_thread(self.store.get_submission, controlid)
        assert sub is not None
        return sub

    async def _post(self, content: protocol.SubmitContent, spool: SpooledBody,
                    abort: asyncio.Event | None) -> SubmitAnswer:
        """The request, given up (as uncertain) when ``abort`` is set."""
        if abort is None:
            return await self.client.submit(content, spool)
        if abort.is_set():
            raise SubmitUncertain("stopped before the answer came")
        request = asyncio.ensure_future(self.client.submit(content, spool))
        stop = asyncio.ensure_future(abort.wait())
        try:
            done, _ = await asyncio.wait({request, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
        if request in done:
            return request.result()
        request.cancel()
        await asyncio.gather(request, return_exceptions=True)
        raise SubmitUncertain("stopped while waiting for ATL's answer")

    async def _send(
        self,
        sub: Submission,
        content: protocol.SubmitContent,
        spool: SpooledBody,
        *,
        first: bool,
        previous: SubmitResult | None = None,
        abort: asyncio.Event | None = None,
    ) -> SubmitResult:
        """One request and its record. From here on, whatever goes wrong (the
        journal locked or full, a stop, a crash) the submission is uncertain,
        never "not sent": the request may have left."""
        result = SubmitResult(
            State.UNCERTAIN, sub.controlid, sub.recipients, sub.segments, sub.units_estimate, part=sub.part
        )
        sent = True
        try:
            answer: SubmitAnswer = await self._post(content, spool, abort)
        except SubmitUncertain as exc:
            result.code = exc.code
            result.detail = str(exc)
            result.resendable = "stopped" not in result.detail
        except TransportError as exc:
            if first and exc.nothing_sent:
                result.state = State.FAILED
                result.detail = str(exc)
                sent = False
            else:
                # This attempt did not leave, but an earlier one may have.
                result.detail = (previous.detail + "; then " if previous else "") + str(exc)
        except asyncio.CancelledError:
            await self._record(sub.controlid, State.UNCERTAIN, None, None,
                               "stopped while waiting for ATL's answer")
            raise
        except Exception as exc:
            result.detail = f"unexpected error after the request may have left: {exc!r}"
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
        problem = await self._record(sub.controlid, result.state, result.taskid, result.code,
                                     result.detail, sent=sent)
        if problem is not None:
            answered = (f"ATL accepted it as task {result.taskid}" if result.taskid
                        else f"the outcome was: {result.state.value}")
            result.state = State.UNCERTAIN
            result.resendable = False
            result.detail = (f"{answered}, but the journal could not record it ({problem}); "
                             f"settle it with: atlsms-tui retry {sub.controlid}")
        return result

    async def _record(self, controlid: str, state: State, taskid: str | None, code: str | None,
                      detail: str, *, sent: bool = True) -> str | None:
        """Write an attempt's outcome; the error text if the journal refused.
        The row then stays ``sending`` and, once this process lets go of its
        lock, shows as uncertain everywhere."""
        try:
            await asyncio.to_thread(functools.partial(
                self.store.finish_submission, controlid, state, taskid=taskid, code=code,
                detail=detail, sent=sent,
            ))
        except (sqlite3.Error, OSError) as exc:
            return str(exc) or type(exc).__name__
        return None

    # ------------------------------------------------------ tasks/reports

    def tasks(self, limit: int | None = None) -> list[Submission]:
        # A sender that died (or could not record its answer) shows as
        # uncertain as soon as its lock is free, not at the next start.
        self.store.recover_orphans()
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
        report.fetched_at = datetime.now(UTC)
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
            fetched_at=datetime.now(UTC),
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


class SenderBusy(InputError):
    """Another live process holds the submission (it is sending it)."""


class WrongAccount(InputError):
    """A journalled submission or campaign belongs to another account or server."""


class NotQueued(InputError):
    """The part is no longer in the state the caller expected."""


def check_bound(profile: ResolvedProfile, login: str | None, api_url: str | None, what: str) -> None:
    """Refuse to (re)send ``what`` under another account or server than the
    one that journalled it. The demo's simulator listens on a new port each
    run: its URL is not the account's identity there."""
    if login is None:
        return
    if login != profile.login or (api_url != profile.api_url and not profile.demo):
        raise WrongAccount(
            f"{what} was journalled for login {login} at {api_url}; the current profile "
            f"{profile.name!r} is login {profile.login} at {profile.api_url}. "
            "Use the profile that journalled it (--profile NAME)"
        )


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


async def _local(store_path: Path, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    """A journal write before anything is sent: a failure there is a local
    problem (nothing sent), said with the file and the cause."""
    try:
        return await asyncio.to_thread(functools.partial(fn, *args, **kw))
    except (sqlite3.Error, OSError) as exc:
        raise LocalError(f"cannot write the journal {store_path}: {exc}; nothing was sent") from None


def new_campaign_id() -> str:
    return "C" + new_controlid()


def _distinct_controlids(n: int) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        cid = new_controlid()
        if cid not in seen:
            seen.add(cid)
            out.append(cid)
    return out


def _linked_copy(spool: SpooledBody, path: Path) -> SpooledBody:
    """The same payload bytes under a new name (a hard link where the file
    system allows: a million-row payload is not copied)."""
    assert spool.path is not None
    try:
        os.link(spool.path, path)
    except OSError:
        shutil.copyfile(spool.path, path)
        os.chmod(path, 0o600)
    return SpooledBody.open_existing(path)


def _unlock_spool(spool: SpooledBody) -> None:
    lock = getattr(spool, "spool_lock", None)
    if lock is not None:
        lock.release()


def _numbers_of(path: Path) -> bytes:
    return journal_payload.read_numbers(path).tobytes()


def _check_taskid(taskid: str) -> str:
    taskid = (taskid or "").strip()
    if not taskid:
        raise InputError("task id is empty")
    # ASCII digits only: str.isdigit() also takes Arabic-Indic and other digits
    if not (taskid.isascii() and taskid.isdigit()) or len(taskid) > 18:
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
