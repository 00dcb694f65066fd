"""What happens to a journalled submission after its first send: a queued
campaign part sent, a refused part sent again, an uncertain one settled or
abandoned. Each (re)send applies the opt-out list as it is at that moment,
and goes only to the account and server that journalled it."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import os
import shutil
from pathlib import Path

from . import journal_payload, paths, protocol
from .client import SpooledBody
from .drafts import Draft, as_list, estimate
from .errors import InputError, LocalError, NotFoundError
from .models import State, Submission
from .outcomes import SubmitResult
from .store import ControlIdClash
from .submit import NotQueued, Progress, Submitter, local_write, unlock_spool


async def send_queued(
    s: Submitter, controlid: str, progress: Progress | None = None, *, abort: asyncio.Event | None = None,
) -> SubmitResult:
    """A journalled, never-sent part: its first attempt, with the opt-out
    list applied as it is now."""
    say = progress or (lambda _s: None)
    lock = s.own(controlid)
    try:
        await s.check_bound(controlid)
        sub = await asyncio.to_thread(s.store.journal.claim_queued, controlid)
        if sub is None:
            raise NotQueued(f"submission {controlid} is not queued (already sent, being sent or cancelled)")
        try:
            content, journalled = await load_journalled(s, sub)
            spool, sub, removed = await apply_optouts(s, sub, content, journalled)
        except LocalError:
            await asyncio.to_thread(s.store.journal.unclaim, controlid)
            raise
        try:
            if spool is None:
                return await nobody_left(s, sub, removed)
            result = await s.send_fresh(sub, content, spool, say, abort)
            result.optouts_removed = removed
            return result
        finally:
            if spool is not None:
                spool.close()
    finally:
        lock.release()


async def resend_part(
    s: Submitter, controlid: str, progress: Progress | None = None, *, abort: asyncio.Event | None = None,
) -> SubmitResult:
    """A campaign part that ATL refused, or that never left, sent again
    under a fresh controlid (ATL has nothing under the old one to
    deduplicate against); the refused attempt stays in the history."""
    say = progress or (lambda _s: None)
    old = await asyncio.to_thread(s.store.journal.get_submission, controlid)
    if old is None:
        raise NotFoundError(f"no submission with controlid {controlid} in the journal")
    if old.campaign is None or old.state not in (State.FAILED, State.REJECTED):
        raise NotQueued(f"submission {controlid} is {old.state.value}: not a refused campaign part")
    await s.check_bound(controlid)
    content, spool = await load_journalled(s, old)
    try:
        blocked = await asyncio.to_thread(blocked_in, s, _path(spool))
        new = dataclasses.replace(old, controlid="", state=State.SENDING, taskid=None, code=None,
                                  detail="", attempts=0, created=s.now_iso(), report=None)
        recips = None
        if blocked:
            recips = await asyncio.to_thread(
                journal_payload.read_recipients, _path(spool), individual=old.individual, dropping=blocked)
            if not len(recips):
                await asyncio.to_thread(s.store.journal.cancel_queued, [controlid],
                                        "every recipient is on the opt-out list")
                return SubmitResult(State.CANCELLED, controlid, 0, old.segments, 0,
                                    detail="every recipient is on the opt-out list",
                                    optouts_removed=old.recipients, part=old.part)
        for _ in range(5):
            cid = s.new_controlid()
            lock = s.own(cid)
            try:
                path = s.store.journal.new_payload_path()
                if recips is not None:
                    fresh = await s.spool(recips, path)
                else:
                    fresh = await asyncio.to_thread(_linked_copy, spool, path)
                nums = (journal_payload.numbers_blob(recips) if recips is not None
                        else await asyncio.to_thread(_numbers_of, path))
                new.controlid = cid
                if recips is not None:
                    est = estimate(Draft(old.title, as_list(recips), old.message))
                    new.recipients, new.segments, new.units_estimate = est.recipients, est.segments, est.units
                head = dataclasses.replace(content, controlid=cid, recipients=[])
                new.payload_hash = protocol.content_hash(head, fresh.digest)
                try:
                    await local_write(s.store.path, s.store.journal.new_attempt, controlid, new, path.name, nums)
                except ControlIdClash:
                    fresh.close()
                    unlock_spool(fresh)
                    path.unlink(missing_ok=True)
                    lock.release()
                    continue
                finally:
                    unlock_spool(fresh)
                try:
                    say(f"sending again under controlid {cid}")
                    result = await s.send_fresh(new, head, fresh, say, abort)
                    result.optouts_removed = len(blocked)
                    return result
                finally:
                    fresh.close()
            finally:
                lock.release()
        raise InputError("could not draw an unused controlid")
    finally:
        spool.close()


def blocked_in(s: Submitter, path: Path | None) -> set[int]:
    """The numbers of a payload that are on the opt-out list now."""
    blocked = s.store.lists.optout_numbers()
    if not blocked or path is None:
        return set()
    return blocked.intersection(journal_payload.read_numbers(path))


async def apply_optouts(
    s: Submitter, sub: Submission, content: protocol.SubmitContent, spool: SpooledBody,
) -> tuple[SpooledBody | None, Submission, int]:
    """A claimed, never-sent part less the numbers opted out since it was
    journalled: its payload is written again and its row updated, so a
    resend after a crash repeats exactly what was sent."""
    blocked = await asyncio.to_thread(blocked_in, s, _path(spool))
    if not blocked:
        return spool, sub, 0
    recips = await asyncio.to_thread(
        journal_payload.read_recipients, _path(spool), individual=sub.individual, dropping=blocked)
    spool.close()
    if not len(recips):
        return None, sub, len(blocked)
    fresh = await s.spool(recips, s.store.journal.new_payload_path())
    est = estimate(Draft(sub.title, as_list(recips), sub.message))
    content.recipients = as_list(recips)
    sub.recipients, sub.segments, sub.units_estimate = est.recipients, est.segments, est.units
    sub.payload_hash = protocol.content_hash(dataclasses.replace(content, recipients=[]), fresh.digest)
    assert fresh.path is not None
    await local_write(s.store.path, functools.partial(
        s.store.journal.replace_payload, sub.controlid, recipients=sub.recipients, segments=sub.segments,
        units_estimate=sub.units_estimate, payload_hash=sub.payload_hash, payload=fresh.path.name,
        numbers=journal_payload.numbers_blob(recips)))
    unlock_spool(fresh)
    return fresh, sub, len(blocked)


async def nobody_left(s: Submitter, sub: Submission, removed: int) -> SubmitResult:
    detail = "every recipient is on the opt-out list"
    await asyncio.to_thread(functools.partial(
        s.store.journal.finish_submission, sub.controlid, State.CANCELLED, detail=detail, sent=False))
    return SubmitResult(State.CANCELLED, sub.controlid, 0, sub.segments, 0, detail=detail,
                        optouts_removed=removed, part=sub.part)


async def load_journalled(s: Submitter, sub: Submission) -> tuple[protocol.SubmitContent, SpooledBody]:
    """The exact payload of a journalled submission, checked against its hash."""
    controlid = sub.controlid
    content = protocol.SubmitContent(
        title=sub.title, scheduled=sub.scheduled, controlid=controlid,
        recipients=[], bulkmessage=sub.message if not sub.individual else None,
    )
    name = await asyncio.to_thread(s.store.journal.payload_name, controlid)
    try:
        spool = await asyncio.to_thread(SpooledBody.open_existing, s.store.journal.payload_path(controlid, name))
    except OSError as exc:
        if sub.state is State.SENDING:
            s.store.journal.finish_submission(
                controlid, State.UNCERTAIN, sent=False,
                detail=f"journalled payload unreadable ({exc.strerror}); not resent",
            )
        raise InputError(f"submission {controlid}: its journalled payload is unreadable; not resent") from None
    if protocol.content_hash(content, spool.digest) != sub.payload_hash:
        spool.close()
        if sub.state is State.SENDING:
            s.store.journal.finish_submission(
                controlid, State.UNCERTAIN, sent=False,
                detail="journal payload does not match its hash; not resent",
            )
        raise InputError(
            f"submission {controlid}: the journalled payload does not match its hash; not resent"
        )
    return content, spool


async def retry(
    s: Submitter, controlid: str, progress: Progress | None = None, *, abort: asyncio.Event | None = None,
) -> SubmitResult:
    """Settle an uncertain submission: resend it, same controlid, same payload."""
    say = progress or (lambda _s: None)
    await asyncio.to_thread(s.store.journal.recover_orphans)
    existing = await asyncio.to_thread(s.store.journal.get_submission, controlid)
    if existing is None:
        raise NotFoundError(f"no submission with controlid {controlid} in the journal")
    if not existing.state.settleable:
        raise InputError(
            f"submission {controlid} is {existing.state.value}, not uncertain: nothing to settle"
        )
    await s.check_bound(controlid)
    lock = s.own(controlid)
    try:
        sub = await asyncio.to_thread(s.store.journal.claim_for_resend, controlid)
        if sub is None:
            raise InputError(f"submission {controlid} was settled meanwhile")
        content, spool = await load_journalled(s, sub)
        try:
            say("resending with the same controlid")
            return await s.send(sub, content, spool, first=False, abort=abort)
        finally:
            spool.close()
    finally:
        lock.release()


async def abandon(s: Submitter, controlid: str, reason: str) -> Submission:
    """Close an uncertain submission that cannot be settled: it stays in
    the history as ``abandoned``, with the reason, and is never resent."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise InputError("abandoning needs a reason (--reason TEXT)")
    await asyncio.to_thread(s.store.journal.recover_orphans)
    existing = await asyncio.to_thread(s.store.journal.get_submission, controlid)
    if existing is None:
        raise NotFoundError(f"no submission with controlid {controlid} in the journal")
    if not existing.state.settleable:
        raise InputError(f"submission {controlid} is {existing.state.value}, not uncertain: "
                         "only an uncertain submission can be abandoned")
    lock = s.own(controlid)
    try:
        if not await asyncio.to_thread(s.store.journal.abandon, controlid, reason):
            raise InputError(f"submission {controlid} was settled meanwhile")
    finally:
        lock.release()
    sub = await asyncio.to_thread(s.store.journal.get_submission, controlid)
    assert sub is not None
    return sub


def _linked_copy(spool: SpooledBody, path: Path) -> SpooledBody:
    """The same payload bytes under a new name (a hard link where the file
    system allows: a million-row payload is not copied)."""
    assert spool.path is not None
    try:
        os.link(spool.path, path)
    except OSError:
        shutil.copyfile(spool.path, path)
        os.chmod(path, paths.file_mode(path.parent))
    return SpooledBody.open_existing(path)


def _numbers_of(path: Path) -> bytes:
    return journal_payload.read_numbers(path).tobytes()


def _path(spool: SpooledBody) -> Path:
    """A journalled payload's file (one read back from the journal has one)."""
    if spool.path is None:
        raise LocalError("a journalled payload has no file; nothing was sent")
    return spool.path
