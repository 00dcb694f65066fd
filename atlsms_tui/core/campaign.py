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

from . import baku, ownership, pacing, quiet_hours
from .errors import AtlSmsError, InputError, NotFoundError
from .models import Report, State, Submission
from .repeat_guard import RepeatError
from .service import (
    Draft,
    NotQueued,
    SenderBusy,
    Service,
    SubmitResult,
    WrongAccount,
    check_bound,
)

DEFAULT_MAX_PER_TASK = 50_000

# A part ATL refused, or that could not leave: the parts after it would meet
# the same fate (units, password, network), so the run stops there.
STOPPING_STATES = (State.REJECTED, State.FAILED)


def outcome_of(states: list[State]) -> str:
    """One word for a campaign's parts: accepted (all), uncertain (some
    outcome unknown), incomplete (some accepted, others not; or journalled
    and not sent), rejected or failed (none accepted; ATL refused / nothing
    could leave)."""
    if not states:
        return "empty"
    if any(s.settleable for s in states):
        return "uncertain"
    if all(s.ok for s in states):
        return "accepted"
    if any(s.ok for s in states):
        return "incomplete"
    if State.REJECTED in states:
        return "rejected"
    if State.FAILED in states:
        return "failed"
    if all(s is State.CANCELLED for s in states):
        return "cancelled"
    return "incomplete"


@dataclass(slots=True)
class CampaignProgress:
    part: int  # 1-based part being worked on
    parts: int
    stage: str  # "journalling", "waiting", "sending", "done", "cancelled"
    recipients_done: int
    recipients_total: int
    text: str = ""

    @property
    def fraction(self) -> float:
        return self.recipients_done / self.recipients_total if self.recipients_total else 1.0


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

    def as_json(self) -> dict:
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
            **({"approval": self.approval, "submitted_by": self.submitted_by, "decided_by": self.decided_by,
                "decision": self.decision} if self.approval else {}),
            "parts": [
                {**p.as_json(), "code": p.code, "detail": p.detail,
                 "report": p.report.as_json() if p.report else None}
                for p in self.parts
            ],
            "report": rep.as_json() | {"taskid": None},
        }


@dataclass(slots=True)
class CampaignResult:
    """What a send or a resume came to. ``results`` has one entry per part,
    in part order, as the journal has it at the end of the run."""

    campaign: str | None  # None when it fitted in one task
    results: list[SubmitResult]
    optouts_removed: int = 0
    interrupted: bool = False  # stopped by the operator (Ctrl-C, SIGHUP, Esc)
    mine: set[str] = field(default_factory=set)  # controlids this process sent
    journalled: int = 0  # recipients journalled when the campaign was made
    # stopped at the edge of quiet hours: when it may go on, and the window
    paused_until: datetime | None = None
    quiet: str = ""
    awaiting_approval: bool = False
    plan: dict | None = None  # a paced or moved campaign's schedule (Plan.as_json)

    @property
    def single(self) -> bool:
        return self.campaign is None and len(self.results) == 1

    @property
    def state(self) -> str:
        if self.awaiting_approval:
            return "awaiting_approval"
        if self.single:
            return self.results[0].state.value
        return outcome_of([r.state for r in self.results])

    @property
    def queued(self) -> list[str]:
        """Parts journalled and not sent (yet)."""
        return [r.controlid for r in self.results if r.state is State.QUEUED]

    @property
    def worst(self) -> State:
        states = [r.state for r in self.results]
        for s in (State.UNCERTAIN, State.SENDING, State.REJECTED, State.FAILED, State.QUEUED,
                  State.ABANDONED, State.CANCELLED):
            if s in states:
                return s
        return State.ACCEPTED_WITHOUT_TASKID if State.ACCEPTED_WITHOUT_TASKID in states else State.ACCEPTED

    def by_other(self, r: SubmitResult) -> bool:
        """Settled before this run or by another process, not by this one."""
        return self.campaign is not None and r.controlid not in self.mine

    def totals(self) -> dict[str, int]:
        accepted = sum(r.recipients for r in self.results if r.state.ok)
        uncertain = sum(r.recipients for r in self.results if r.state.settleable)
        abandoned = sum(r.recipients for r in self.results if r.state is State.ABANDONED)
        not_sent = sum(r.recipients for r in self.results
                       if r.state in (State.QUEUED, State.CANCELLED, State.FAILED, State.REJECTED))
        return {
            "recipients": self.journalled or sum(r.recipients for r in self.results),
            "sent": accepted + uncertain + abandoned,
            "accepted": accepted,
            "uncertain": uncertain,
            "abandoned": abandoned,
            "not_sent": not_sent,
        }

    def as_json(self) -> dict:
        if self.single and not self.awaiting_approval:
            return self.results[0].as_json() | ({"plan": self.plan} if self.plan else {})
        doc = {
            "campaign": self.campaign,
            "state": self.state,
            "interrupted": self.interrupted,
            "totals": self.totals(),
            "recipients": self.totals()["recipients"],
            "units_estimate": sum(r.units_estimate for r in self.results),
            "parts": [r.as_json() | {"this_run": r.controlid in self.mine} for r in self.results],
            "queued": self.queued,
        }
        if self.optouts_removed:
            doc["optouts_removed"] = self.optouts_removed
        if self.plan:
            doc["plan"] = self.plan
        if self.paused_until is not None:
            doc["quiet_hours"] = self.quiet
            doc["resume_at"] = baku.wire_schedule(self.paused_until)
        return doc


def split(draft: Draft, max_per_task: int) -> list[Draft]:
    if max_per_task < 1:
        raise InputError("recipients per task must be at least 1")
    rs = draft.recipients
    return [
        Draft(draft.title, rs[i:i + max_per_task], draft.message, draft.scheduled, draft.template)
        for i in range(0, len(rs), max_per_task)
    ]


ProgressFn = Callable[[CampaignProgress], None]


@dataclass(slots=True)
class Plan:
    """How a draft will go out: its parts' sizes and scheduled times (None:
    now), after quiet hours and pacing."""

    sizes: list[int]
    times: list[datetime | None]
    moved: bool = False  # quiet hours moved the start (next-window)

    def as_json(self) -> dict:
        return pacing.plan_json(self.sizes, self.times)

    def lines(self) -> list[str]:
        """The plan as the confirmation shows it (paced or moved only)."""
        if len(set(map(str, self.times))) <= 1 and not self.moved:
            return []
        first, last = self.times[0], self.times[-1]
        out = [f"plan: {len(self.sizes)} part(s), first {_when(first)}, last {_when(last)} Baku time"]
        out += [f"  part {i}: {n:,} recipient(s) at {_when(t)}"
                for i, (n, t) in enumerate(zip(self.sizes, self.times), start=1)][:24]
        return out


def _when(t: datetime | None) -> str:
    return "now" if t is None else baku.format_baku(t)


def plan_parts(service: Service, draft: Draft, *, max_per_task: int = DEFAULT_MAX_PER_TASK,
               pace: pacing.Pace | None = None, quiet: str = quiet_hours.REFUSE) -> tuple[Plan, list[Draft]]:
    """The parts of ``draft`` with their scheduled times. Raises
    QuietHoursError when it would start inside quiet hours and ``quiet`` is
    ``refuse``."""
    window = service.quiet_hours()
    now = service.now()
    start = quiet_hours.start_time(window, draft.scheduled, now, quiet)
    cap = min(max_per_task, pace.count) if pace is not None else max_per_task
    parts = split(draft, cap)
    times = pacing.part_times(len(parts), pace, start, now, window, quiet)
    for part, t in zip(parts, times):
        part.scheduled = t
    return Plan([len(p.recipients) for p in parts], times, moved=start != draft.scheduled), parts


async def submit_campaign(
    service: Service,
    draft: Draft,
    *,
    max_per_task: int = DEFAULT_MAX_PER_TASK,
    progress: ProgressFn | None = None,
    cancel: asyncio.Event | None = None,
    abort: asyncio.Event | None = None,
    allow_repeat: bool = False,
    quiet: str = quiet_hours.REFUSE,
    pace: pacing.Pace | None = None,
    operator: str | None = None,
) -> CampaignResult:
    """Submit a campaign, as one task or as several parts. ``cancel`` stops
    between parts; ``abort`` stops waiting for the answer in flight (that
    part is then uncertain). Refused before anything is journalled: bad
    input, a start inside quiet hours (``quiet``: refuse, next-window or
    ignore), a missing proof (setting require_proof_above), and (unless
    ``allow_repeat``) a repeat of an accepted send. Over the
    approval_above setting it is journalled for ``operator`` and waits for
    another operator's approval."""
    from . import approval, proof

    # Opt-outs come off before splitting, so parts and totals are the real ones.
    draft, optouts_removed = service.without_optouts(draft)
    service.check(draft)
    plan, parts = plan_parts(service, draft, max_per_task=max_per_task, pace=pace, quiet=quiet)
    await asyncio.to_thread(proof.check_required, service, draft)
    if not allow_repeat:
        hit = await asyncio.to_thread(service.find_repeat, draft)
        if hit is not None:
            raise RepeatError(hit)
    say = progress or (lambda _p: None)
    total = len(draft.recipients)
    shown = plan.as_json() if (pace is not None or plan.moved) else None
    if approval.needed(service, total):
        held = await approval.hold(service, draft, parts, operator or approval.operator(),
                                   optouts_removed=optouts_removed, pace=str(pace) if pace else None)
        held.plan = shown
        return held
    if len(parts) == 1:
        draft = parts[0]
        say(CampaignProgress(1, 1, "sending", 0, total, "sending"))
        result = await service.submit(
            draft, lambda t: say(CampaignProgress(1, 1, "sending", 0, total, t)), abort=abort)
        result.optouts_removed = optouts_removed
        say(CampaignProgress(1, 1, "done", total, total, result.state.value))
        return CampaignResult(None, [result], optouts_removed=optouts_removed,
                              interrupted=bool(cancel and cancel.is_set()), journalled=total, plan=shown)

    def journalling(i: int, n: int) -> None:
        say(CampaignProgress(i, n, "journalling", 0, total, f"journalling part {i} of {n}"))

    campaign = await service.journal_campaign(draft, parts, journalling, pace=str(pace) if pace else None)
    result = await run_campaign(service, campaign, progress=say, cancel=cancel, abort=abort, quiet=quiet)
    result.optouts_removed += optouts_removed
    result.plan = shown
    return result


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

        def tell(text: str, i: int = i, label: str = label) -> None:
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
    c = Campaign(row[0], row[2], row[3], row[4], parts, row[1], login, api_url)
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
    from . import protocol
    from .client import SpooledBody

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
        for p, t in zip(queued, times):
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
