"""Journalling and sending a submission: the submit discipline.

A submission is journalled before its request leaves; an answer that cannot
be read is resent once, automatically, with the same controlid and the
identical payload, and the server's duplicate check (002) then tells that
the first one arrived. A submission is never resent under a new controlid.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import baku, codes, journal_payload, ownership, protocol
from .client import AtlClient, SpooledBody, SubmitAnswer, SubmitUncertain
from .drafts import Draft, estimate
from .errors import ApiError, InputError, LocalError, ReadOnly, TransportError
from .models import Recipient, State, Submission
from .outcomes import SubmitResult
from .settings import ResolvedProfile
from .store import ControlIdClash, Store

# A resend refused with one of these says nothing about the first request:
# the answer depends on state that the first request itself may have changed
# (units spent, time passed, password changed) or on a failure of theirs.
STATE_DEPENDENT_CODES = {"105", "113", "118"}

Progress = Callable[[str], None]
Clock = Callable[[], datetime]


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


class Submitter:
    """One profile's journal and client: journals submissions and sends them."""

    def __init__(self, profile: ResolvedProfile, store: Store, client: AtlClient, *, clock: Clock,
                 new_controlid: Callable[[], str], new_campaign_id: Callable[[], str]) -> None:
        self.profile = profile
        self.store = store
        self.client = client
        self.clock = clock
        self.new_controlid = new_controlid
        self.new_campaign_id = new_campaign_id

    def writable(self) -> None:
        """Whatever path led here, monitor mode journals and sends nothing."""
        if self.profile.read_only:
            raise ReadOnly("sending")

    def now_iso(self) -> str:
        """The journal's time: UTC, to the second."""
        return self.clock().astimezone(UTC).isoformat(timespec="seconds")

    def distinct_controlids(self, n: int) -> list[str]:
        out: list[str] = []
        seen: set[str] = set()
        while len(out) < n:
            cid = self.new_controlid()
            if cid not in seen:
                seen.add(cid)
                out.append(cid)
        return out

    async def send_new(self, draft: Draft, say: Progress, key: str, *, abort: asyncio.Event | None = None,
                       proof_of: str | None = None) -> SubmitResult:
        """Journal a checked draft and send it: its first request, and one
        resend under the same controlid when the answer cannot be read."""
        content, spool, sub, lock = await self.journal(draft, say, key, proof_of)
        try:
            return await self.send_fresh(sub, content, spool, say, abort)
        finally:
            spool.close()
            lock.release()

    def own(self, controlid: str) -> ownership.Lock:
        """The row's lock, or an error naming the other live sender."""
        lock = ownership.try_lock(self.store.journal.lock_path(controlid))
        if lock is None:
            raise SenderBusy(f"submission {controlid} is being sent by another running instance")
        return lock

    async def journal(
        self, draft: Draft, say: Progress, key: str, proof_of: str | None = None,
    ) -> tuple[protocol.SubmitContent, SpooledBody, Submission, ownership.Lock]:
        """Write the payload and its journal row (under ``key``, the
        content key; a proof is marked as one)."""
        self.writable()
        est = estimate(draft)
        content = protocol.SubmitContent(
            title=draft.title.strip(),
            scheduled=baku.wire_schedule(draft.scheduled),
            controlid=self.new_controlid(),
            recipients=draft.recipients,
            bulkmessage=draft.message,
        )
        # the rows are checked as they are serialised, before any journal entry
        protocol.validate_head(content)
        say("preparing the request")
        spool = await self.spool(content.recipients, self.store.journal.new_payload_path())
        numbers = journal_payload.numbers_blob(draft.recipients)
        try:
            sub = Submission(
                controlid=content.controlid,
                profile=self.profile.name,
                title=content.title,
                individual=draft.individual,
                scheduled=content.scheduled,
                created=self.now_iso(),
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
                lock = self.own(sub.controlid)
                try:
                    sub = await local_write(
                        self.store.path, self.store.journal.begin_submission, sub, self.profile.api_url,
                        self.profile.login, spool, numbers=numbers, content_key=key,
                    )
                    unlock_spool(spool)
                    break
                except ControlIdClash:
                    lock.release()
                    content.controlid = self.new_controlid()
                except BaseException:
                    lock.release()
                    raise
            else:
                raise InputError("could not draw an unused controlid")
        except BaseException:
            spool.close()
            if spool.path is not None and spool.path.name.startswith(".spool-"):
                spool.path.unlink(missing_ok=True)
            unlock_spool(spool)
            raise
        return content, spool, sub, lock

    async def spool(self, recipients: Sequence[Recipient], path: Path) -> SpooledBody:
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
            body.spool_lock = lock  # type: ignore[attr-defined]  # released with the body (unlock_spool)
            return body

        try:
            return await asyncio.to_thread(write)
        except OSError as exc:
            raise LocalError(f"cannot write the payload file in {path.parent}: {exc.strerror or exc}; "
                             "nothing was sent") from None

    async def journal_campaign(
        self, draft: Draft, parts: list[Draft], key: str, say: Callable[[int, int], None] | None = None,
        *, awaiting_approval_by: str | None = None, pace: str | None = None,
    ) -> str:
        """Journal a campaign and ALL its parts (payload files first, synced,
        then one transaction), before the first part is sent. A kill at any
        instant leaves no campaign (nothing sent; the spooled files are swept
        at the next start) or a complete one that ``campaign resume`` can
        finish. Each part keeps its own ``scheduled`` (a paced campaign).
        With ``awaiting_approval_by`` nothing is sent until another operator
        approves it."""
        self.writable()
        title = draft.title.strip()
        created = self.now_iso()
        spools: list[SpooledBody] = []
        entries: list[tuple[Submission, str, bytes | None]] = []
        try:
            for i, part in enumerate(parts, start=1):
                scheduled = baku.wire_schedule(part.scheduled)
                content = protocol.SubmitContent(title=title, scheduled=scheduled, controlid="",
                                                 recipients=part.recipients, bulkmessage=part.message)
                if i == 1:
                    protocol.validate_head(dataclasses.replace(content, controlid="0"))
                spool = await self.spool(part.recipients, self.store.journal.new_payload_path())
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
                campaign = self.new_campaign_id()
                ids = self.distinct_controlids(len(entries))
                for (sub, _name, _nums), spool, cid in zip(entries, spools, ids, strict=True):
                    sub.controlid = cid
                    sub.campaign = campaign
                    head = protocol.SubmitContent(title=title, scheduled=sub.scheduled, controlid=cid,
                                                  recipients=[], bulkmessage=sub.message)
                    sub.payload_hash = protocol.content_hash(head, spool.digest)
                try:
                    await local_write(
                        self.store.path, self.store.journal.journal_campaign, campaign, profile=self.profile.name,
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
                unlock_spool(spool)

    async def send_fresh(
        self, sub: Submission, content: protocol.SubmitContent, spool: SpooledBody, say: Progress,
        abort: asyncio.Event | None,
    ) -> SubmitResult:
        say("sending")
        result = await self.send(sub, content, spool, first=True, abort=abort)
        if result.state is State.UNCERTAIN and result.resendable and not (abort and abort.is_set()):
            say("no clear answer: resending once with the same controlid")
            result = await self.send(sub, content, spool, first=False, previous=result, abort=abort)
        return result

    async def check_bound(self, controlid: str) -> None:
        """A submission is only ever (re)sent to the account and server that
        journalled it."""
        target = await asyncio.to_thread(self.store.journal.submission_target, controlid)
        if target:
            check_bound(self.profile, target[1], target[0], f"submission {controlid}")

    async def post(self, content: protocol.SubmitContent, spool: SpooledBody,
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

    async def send(
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
            answer: SubmitAnswer = await self.post(content, spool, abort)
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
            await self.record(sub.controlid, State.UNCERTAIN, None, None,
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
                    f"the resend was refused ({ApiError(answer.code)}); "
                    "whether the first request arrived is still unknown"
                )
            else:
                result.state = State.REJECTED
        problem = await self.record(sub.controlid, result.state, result.taskid, result.code,
                                     result.detail, sent=sent)
        if problem is not None:
            answered = (f"ATL accepted it as task {result.taskid}" if result.taskid
                        else f"the outcome was: {result.state.value}")
            result.state = State.UNCERTAIN
            result.resendable = False
            result.detail = (f"{answered}, but the journal could not record it ({problem}); "
                             f"settle it with: atlsms-tui retry {sub.controlid}")
        return result

    async def record(self, controlid: str, state: State, taskid: str | None, code: str | None,
                      detail: str, *, sent: bool = True) -> str | None:
        """Write an attempt's outcome; the error text if the journal refused.
        The row then stays ``sending`` and, once this process lets go of its
        lock, shows as uncertain everywhere."""
        try:
            await asyncio.to_thread(functools.partial(
                self.store.journal.finish_submission, controlid, state, taskid=taskid, code=code,
                detail=detail, sent=sent,
            ))
        except (sqlite3.Error, OSError) as exc:
            return str(exc) or type(exc).__name__
        return None


async def local_write(store_path: Path, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    """A journal write before anything is sent: a failure there is a local
    problem (nothing sent), said with the file and the cause."""
    try:
        return await asyncio.to_thread(functools.partial(fn, *args, **kw))
    except (sqlite3.Error, OSError) as exc:
        raise LocalError(f"cannot write the journal {store_path}: {exc}; nothing was sent") from None


def unlock_spool(spool: SpooledBody) -> None:
    lock = getattr(spool, "spool_lock", None)
    if lock is not None:
        lock.release()
