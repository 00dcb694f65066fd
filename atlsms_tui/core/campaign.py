"""Campaigns larger than one task.

A campaign over the per-task cap is split into parts, and the campaign with
every part (rows, payload files, numbers) is journalled in one transaction
before the first part is sent. One process at a time sends a campaign's
parts (it holds the campaign's lock); a second one waits its turn and then
finishes whatever is left. Resuming never resends an accepted part:

- an uncertain part is settled under its own controlid, same bytes;
- a queued part gets its first send;
- a part ATL refused, or that never left, goes again under a fresh
  controlid (the refused attempt stays in the history);
- each (re)send applies the opt-out list as it is at that moment.

What a run reports comes from the journal at its end, so parts handled by
another process are shown as they are, never as "queued".
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import baku, ownership, pacing, protocol, quiet_hours
from .attribution import Attribution
from .client import SpooledBody
from .errors import AtlSmsError, InputError, NotFoundError
from .models import Report, State, Submission
from .outcomes import STOPPING_STATES, CampaignProgress, CampaignResult, SubmitResult, outcome_of
from .service import Service
from .submit import NotQueued, SenderBusy, WrongAccount, check_bound

ProgressFn = Callable[[CampaignProgress], None]


@dataclass(slots=True)
class Campaign:
    campaign: str
    title: str
    created: str
    recipients: int
    parts: list[Submission] = field(default_factory=list)
    profile: str = ""
    login: str | None = None
    api_url: str | None = None
    # None (never needed), "awaiting", "approved" or "rejected"
    approval: str | None = None
    submitted_by: str | None = None
    decided_by: str | None = None
    decision: str = ""
    by: Attribution | None = None  # who journalled it (None: before this was kept)

    def count(self, *states: State) -> int:
        return sum(1 for p in self.parts if p.state in states)

    @property
    def state(self) -> str:
        if self.approval == "awaiting":
            return "awaiting_approval"
        return outcome_of([p.state for p in self.parts])

    @property
    def resumable(self) -> bool:
        return any(p.state in (State.QUEUED, State.UNCERTAIN, State.SENDING, State.FAILED, State.REJECTED)
                   for p in self.parts)

    def report(self) -> Report:
        """Summed delivery counts of the parts with a report."""
        total = Report(taskid=self.campaign, ready=False)
        fetched: list[datetime] = []
        for p in self.parts:
            r = p.report
            if r is None or not r.ready:
                continue
            total.ready = True
            total.pending += r.pending
            total.delivered += r.delivered
            total.failed += r.failed
            total.removed += r.removed
            total.error += r.error
            if r.fetched_at:
                fetched.append(r.fetched_at)
        total.fetched_at = min(fetched) if fetched else None
        return total

    def as_json(self) -> dict[str, Any]:
        rep = self.report()
        return {
            "campaign": self.campaign,
            "state": self.state,
            "title": self.title,
            "created": self.created,
            "recipients": self.recipients,
            "profile": self.profile,
            "login": self.login,
            "api_url": self.api_url,
            "by": self.by.as_json() if self.by is not None else None,
            **({"approval": self.approval, "submitted_by": self.submitted_by, "decided_by": self.decided_by,
                "decision": self.decision} if self.approval else {}),
            "parts": [
                {**p.as_json(), "code": p.code, "detail": p.detail,
                 "report": p.report.as_json() if p.report else None}
                for p in self.parts
            ],
            "report": rep.as_json() | {"taskid": None},
        }


async def _campaign_lock(service: Service, campaign: str, say: ProgressFn,
                         cancel: asyncio.Event | None) -> ownership.Lock | None:
    """The campaign's lock, waiting while another process sends it; None
    when the operator stops the wait."""
    path = service.store.journal.campaign_lock_path(campaign)
    told = False
    while True:
        lock = await asyncio.to_thread(ownership.try_lock, path)
        if lock is not None:
            return lock
        if cancel is not None and cancel.is_set():
            return None
        if not told:
            say(CampaignProgress(0, 0, "waiting", 0, 0,
                                 "another process is sending this campaign: waiting for it"))
            told = True
        await asyncio.sleep(0.25)


async def run_campaign(
    service: Service,
    campaign: str,
    *,
    progress: ProgressFn | None = None,
    cancel: asyncio.Event | None = None,
    abort: asyncio.Event | None = None,
    quiet: str = quiet_hours.REFUSE,
) -> CampaignResult:
    """Send every part of a journalled campaign that is not accepted, in
    part order, until done, stopped, a part is refused, or the next part
    would start inside quiet hours (unless ``quiet`` is ``ignore``)."""
    say = progress or (lambda _p: None)
    c = await asyncio.to_thread(load_campaign, service, campaign)
    check_bound(service.profile, c.login, c.api_url, f"campaign {campaign}")
    if c.approval == "awaiting":
        raise InputError(f"campaign {campaign} is awaiting approval by another operator "
                         f"(atlsms-tui approve {campaign}); nothing sent")
    if c.approval == "rejected":
        raise InputError(f"campaign {campaign} was rejected by {c.decided_by}; nothing sent")
    mine: dict[str, SubmitResult] = {}
    interrupted = False
    gate = _QuietGate(service, quiet)
    lock = await _campaign_lock(service, campaign, say, cancel)
    if lock is None:
        interrupted = True
    else:
        try:
            await asyncio.to_thread(service.store.journal.recover_orphans)
            c = await asyncio.to_thread(load_campaign, service, campaign)
            interrupted = await _send_parts(service, c, mine, say, cancel, abort, gate)
        finally:
            lock.release()
    result = await asyncio.to_thread(_result_from_journal, service, campaign, mine, interrupted)
    if gate.paused_until is not None and any(r.state is State.QUEUED for r in result.results):
        result.paused_until = gate.paused_until
        result.quiet = str(gate.window)
    service.notifier.campaign_settled(result, c.title, service.profile.name)
    return result


class _QuietGate:
    """Whether the next part may leave now: not inside quiet hours (a part
    scheduled later is judged by its own time)."""

    def __init__(self, service: Service, mode: str) -> None:
        self.service = service
        self.window = None if quiet_hours.check_mode(mode) == quiet_hours.IGNORE else service.quiet_hours()
        self.paused_until: datetime | None = None

    def closed(self, sub: Submission) -> bool:
        if self.window is None:
            return False
        now = self.service.now()
        start = baku.from_wire(sub.scheduled) or now
        start = max(start, now)
        if self.window.contains(start):
            self.paused_until = self.window.window_end(start)
            return True
        return False


async def _send_parts(service: Service, c: Campaign, mine: dict[str, SubmitResult], say: ProgressFn,
                      cancel: asyncio.Event | None, abort: asyncio.Event | None, gate: _QuietGate) -> bool:
    """The sending loop; True when the operator stopped it."""
    n = len(c.parts)
    total = sum(p.recipients for p in c.parts)
    done = 0
    for i, sub in enumerate(c.parts, start=1):
        label = f"part {i} of {n}"
        if sub.state.ok or sub.state in (State.CANCELLED, State.ABANDONED):
            done += sub.recipients
            continue
        if cancel is not None and cancel.is_set():
            say(CampaignProgress(i, n, "cancelled", done, total, "stopped between parts"))
            return True
        if gate.closed(sub):
            say(CampaignProgress(i, n, "cancelled", done, total,
                                 f"quiet hours: goes on at {baku.format_baku(gate.paused_until)}"))
            return False

        def tell(text: str, i: int = i, label: str = label, done: int = done) -> None:
            say(CampaignProgress(i, n, "sending", done, total, f"{label}: {text}"))

        try:
            if sub.state is State.QUEUED:
                r = await service.send_queued(sub.controlid, tell, abort=abort)
            elif sub.state.settleable:
                r = await service.retry(sub.controlid, tell, abort=abort)
            else:
                r = await service.resend_part(sub.controlid, tell, abort=abort)
        except (SenderBusy, NotQueued):
            # Another process took or settled it meanwhile: the journal says
            # what became of it, at the end.
            continue
        except WrongAccount:
            raise
        except AtlSmsError as exc:
            tell(f"not sent: {exc}")
            continue
        mine[r.controlid] = r
        done += sub.recipients
        say(CampaignProgress(i, n, "sending", done, total, f"{label}: {r.state.value}"))
        if r.state in STOPPING_STATES:
            return False
        if abort is not None and abort.is_set():
            return True
    say(CampaignProgress(n, n, "done", total, total, "done"))
    return False


def _result_from_journal(service: Service, campaign: str, mine: dict[str, SubmitResult],
                         interrupted: bool) -> CampaignResult:
    c = load_campaign(service, campaign)
    results = []
    for p in c.parts:
        own = mine.get(p.controlid)
        r = SubmitResult(p.state, p.controlid, p.recipients, p.segments, p.units_estimate,
                         taskid=p.taskid, code=p.code, detail=p.detail, part=p.part)
        if own is not None:
            r.optouts_removed = own.optouts_removed
            if own.state is not p.state:
                # The journal could not record this process's outcome: what
                # the process knows is the truer of the two.
                r.state, r.taskid, r.detail = own.state, own.taskid or r.taskid, own.detail
        results.append(r)
    return CampaignResult(
        campaign, results, optouts_removed=sum(r.optouts_removed for r in mine.values()),
        interrupted=interrupted, mine=set(mine), journalled=c.recipients,
    )


def load_campaign(service: Service, campaign: str) -> Campaign:
    row = service.store.campaigns.get_campaign(campaign)
    if row is None:
        raise NotFoundError(f"no campaign {campaign} in the journal")
    parts = service.store.campaigns.campaign_parts(campaign)
    login, api_url = row[6], row[7]
    if login is None and parts:
        # journalled before campaigns remembered their account
        target = service.store.journal.submission_target(parts[0].controlid)
        if target:
            api_url, login = target
    c = Campaign(row[0], row[2], row[3], row[4], parts, row[1], login, api_url,
                 by=service.store.campaigns.campaign_author(campaign))
    approval = service.store.campaigns.campaign_approval(campaign)
    if approval is not None:
        c.approval, c.submitted_by, c.decided_by, c.decision = approval[0], approval[1], approval[2], approval[3] or ""
    return c


def list_campaigns(service: Service) -> list[Campaign]:
    return [load_campaign(service, cid) for cid in service.store.campaigns.list_campaign_ids(service.profile.name)]


async def resume_campaign(
    service: Service,
    campaign: str,
    *,
    progress: ProgressFn | None = None,
    cancel: asyncio.Event | None = None,
    abort: asyncio.Event | None = None,
    quiet: str = quiet_hours.REFUSE,
) -> CampaignResult:
    """Finish a campaign: settle uncertain parts, send queued ones, send
    refused or never-sent ones again; accepted parts are never resent."""
    return await run_campaign(service, campaign, progress=progress, cancel=cancel, abort=abort, quiet=quiet)


def cancel_campaign(service: Service, campaign: str) -> int:
    """Drop the parts not sent (queued, or refused and not sent again);
    returns how many were dropped. A part being sent right now is not
    touched."""
    c = load_campaign(service, campaign)
    return service.store.journal.cancel_queued(
        p.controlid for p in c.parts if p.state in (State.QUEUED, State.FAILED, State.REJECTED)
    )


def reschedule_campaign(service: Service, campaign: str, when: datetime,
                        quiet: str = quiet_hours.REFUSE) -> list[tuple[int, str]]:
    """Move the parts not submitted yet (queued): the first to ``when``, the
    others planned from there as the campaign was (its pace, quiet hours).
    Returns (part, new scheduled). A part already submitted cannot be moved:
    ATL's API has no way to cancel or change a task."""
    c = load_campaign(service, campaign)
    check_bound(service.profile, c.login, c.api_url, f"campaign {campaign}")
    now = service.now()
    if when <= now:
        raise InputError(f"schedule {baku.format_baku(when)} Baku time is in the past")
    window = service.quiet_hours()
    start = quiet_hours.start_time(window, when, now, quiet)
    queued = [p for p in c.parts if p.state is State.QUEUED]
    if not queued:
        raise InputError(f"campaign {campaign} has no part waiting to be submitted; a submitted task "
                         "cannot be moved (ATL's API offers no way to cancel or change it)")
    pace_text = service.store.campaigns.campaign_pace(campaign)
    pace = pacing.parse_pace(pace_text) if pace_text else None
    times = pacing.part_times(len(queued), pace, start, now, window, quiet)
    lock = ownership.try_lock(service.store.journal.campaign_lock_path(campaign))
    if lock is None:
        raise SenderBusy(f"campaign {campaign} is being sent by another running instance")
    try:
        moved: list[tuple[int, str]] = []
        for p, t in zip(queued, times, strict=True):
            wire = baku.wire_schedule(t)
            name = service.store.journal.payload_name(p.controlid)
            spool = SpooledBody.open_existing(service.store.journal.payload_path(p.controlid, name))
            try:
                head = protocol.SubmitContent(title=p.title, scheduled=wire, controlid=p.controlid, recipients=[],
                                              bulkmessage=p.message if not p.individual else None)
                digest = protocol.content_hash(head, spool.digest)
            finally:
                spool.close()
            if service.store.campaigns.reschedule_queued(p.controlid, wire, digest):
                moved.append((p.part or 0, wire))
        return moved
    finally:
        lock.release()
