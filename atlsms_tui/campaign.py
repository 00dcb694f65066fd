"""Campaigns larger than one task.

A campaign over the per-task cap is split into parts. Every part is
journalled (state ``queued``, with its payload and hash) before the first one
is sent, so an interrupted or cancelled campaign can be resumed without ever
resending an accepted part: queued parts get their first send, uncertain
parts are settled under their own controlid, and everything else is left
alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from .errors import AtlSmsError, InputError, NotFoundError
from .models import Report, State, Submission
from .service import Draft, Service, SubmitResult, check_draft
from .store import new_controlid

DEFAULT_MAX_PER_TASK = 50_000

# Worst first: the exit status of a campaign is that of its worst part.
SEVERITY = [State.UNCERTAIN, State.SENDING, State.FAILED, State.REJECTED, State.QUEUED, State.CANCELLED]


@dataclass(slots=True)
class CampaignProgress:
    part: int  # 1-based part being worked on
    parts: int
    stage: str  # "journalling", "sending", "done", "cancelled"
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
    expected_parts: int = 0

    def count(self, *states: State) -> int:
        return sum(1 for p in self.parts if p.state in states)

    @property
    def state(self) -> str:
        """One word for the whole: accepted, partial, uncertain, queued, rejected..."""
        states = {p.state for p in self.parts}
        if not states:
            return "empty"
        ok = {State.ACCEPTED, State.ACCEPTED_WITHOUT_TASKID}
        if states <= ok:
            return "accepted"
        if State.UNCERTAIN in states or State.SENDING in states:
            return "uncertain"
        if State.QUEUED in states:
            return "incomplete"
        if states & ok:
            return "partial"
        return sorted(states, key=SEVERITY.index)[0].value

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
            "parts": [
                {**p.as_json(), "code": p.code, "report": p.report.as_json() if p.report else None}
                for p in self.parts
            ],
            "report": rep.as_json() | {"taskid": None},
        }


@dataclass(slots=True)
class CampaignResult:
    campaign: str | None  # None when it fitted in one task
    results: list[SubmitResult]
    queued: list[str] = field(default_factory=list)  # parts left unsent (cancelled run)
    optouts_removed: int = 0

    @property
    def state(self) -> str:
        if self.campaign is None and len(self.results) == 1:
            return self.results[0].state.value
        states = {r.state for r in self.results}
        ok = {State.ACCEPTED, State.ACCEPTED_WITHOUT_TASKID}
        if self.queued:
            return "incomplete"
        if states <= ok:
            return "accepted"
        if states & {State.UNCERTAIN, State.SENDING}:
            return "uncertain"
        if states & ok:
            return "partial"
        return self.worst.value

    @property
    def worst(self) -> State:
        if not self.results:
            return State.QUEUED
        states = {r.state for r in self.results}
        for s in SEVERITY:
            if s in states:
                return s
        if self.queued:
            return State.QUEUED
        return State.ACCEPTED_WITHOUT_TASKID if State.ACCEPTED_WITHOUT_TASKID in states else State.ACCEPTED

    def as_json(self) -> dict:
        if self.campaign is None and len(self.results) == 1:
            return self.results[0].as_json()
        return {
            "campaign": self.campaign,
            "state": self.state,
            "recipients": sum(r.recipients for r in self.results),
            "units_estimate": sum(r.units_estimate for r in self.results),
            "parts": [r.as_json() for r in self.results],
            "queued": list(self.queued),
        } | ({"optouts_removed": self.optouts_removed} if self.optouts_removed else {})


def split(draft: Draft, max_per_task: int) -> list[Draft]:
    if max_per_task < 1:
        raise InputError("recipients per task must be at least 1")
    rs = draft.recipients
    return [
        Draft(draft.title, rs[i:i + max_per_task], draft.message, draft.scheduled)
        for i in range(0, len(rs), max_per_task)
    ]


ProgressFn = Callable[[CampaignProgress], None]


async def submit_campaign(
    service: Service,
    draft: Draft,
    *,
    max_per_task: int = DEFAULT_MAX_PER_TASK,
    progress: ProgressFn | None = None,
    cancel: asyncio.Event | None = None,
) -> CampaignResult:
    """Submit a campaign, as one task or as several parts."""
    # Opt-outs come off before splitting, so parts and totals are the real ones.
    draft, optouts_removed = service.without_optouts(draft)
    check_draft(draft)
    say = progress or (lambda _p: None)
    total = len(draft.recipients)
    parts = split(draft, max_per_task)
    if len(parts) == 1:
        say(CampaignProgress(1, 1, "sending", 0, total, "sending"))
        result = await service.submit(draft, lambda t: say(CampaignProgress(1, 1, "sending", 0, total, t)))
        result.optouts_removed = optouts_removed
        say(CampaignProgress(1, 1, "done", total, total, result.state.value))
        return CampaignResult(None, [result], optouts_removed=optouts_removed)

    campaign = "C" + new_controlid()
    await asyncio.to_thread(
        service.store.create_campaign, campaign, service.profile.name, draft.title.strip(), total, len(parts)
    )
    done = 0
    journalled: list[Submission] = []
    for i, part in enumerate(parts, start=1):
        say(CampaignProgress(i, len(parts), "journalling", done, total, f"journalling part {i} of {len(parts)}"))
        journalled.append(await service.journal_queued(part, campaign))
    result = await _send_parts(service, campaign, journalled, say, cancel)
    result.optouts_removed = optouts_removed
    return result


async def _send_parts(
    service: Service,
    campaign: str,
    parts: list[Submission],
    say: ProgressFn,
    cancel: asyncio.Event | None,
) -> CampaignResult:
    total = sum(p.recipients for p in parts)
    results: list[SubmitResult] = []
    queued: list[str] = []
    done = 0
    n = len(parts)
    for i, sub in enumerate(parts, start=1):
        if cancel is not None and cancel.is_set():
            queued.extend(p.controlid for p in parts[i - 1:] if p.state is State.QUEUED)
            say(CampaignProgress(i, n, "cancelled", done, total, "cancelled between parts"))
            break
        label = f"part {i} of {n}"
        try:
            if sub.state is State.QUEUED:
                r = await service.send_queued(
                    sub.controlid, lambda t, label=label: say(CampaignProgress(i, n, "sending", done, total, f"{label}: {t}"))
                )
            elif sub.state.settleable:
                r = await service.retry(
                    sub.controlid, lambda t, label=label: say(CampaignProgress(i, n, "sending", done, total, f"{label}: {t}"))
                )
            else:
                r = SubmitResult(sub.state, sub.controlid, sub.recipients, sub.segments, sub.units_estimate,
                                 taskid=sub.taskid, code=sub.code, detail=sub.detail)
        except AtlSmsError as exc:
            # Another instance holds this part, or its journal entry is damaged:
            # report it and carry on with the others.
            r = SubmitResult(State.UNCERTAIN if sub.state.settleable else sub.state, sub.controlid,
                             sub.recipients, sub.segments, sub.units_estimate, detail=str(exc))
        results.append(r)
        done += sub.recipients
        say(CampaignProgress(i, n, "done" if i == n else "sending", done, total, f"{label}: {r.state.value}"))
    return CampaignResult(campaign, results, queued)


def load_campaign(service: Service, campaign: str) -> Campaign:
    row = service.store.get_campaign(campaign)
    if row is None:
        raise NotFoundError(f"no campaign {campaign} in the journal")
    c = Campaign(row[0], row[2], row[3], row[4], service.store.campaign_parts(campaign), row[5])
    return c


def list_campaigns(service: Service) -> list[Campaign]:
    return [load_campaign(service, cid) for cid in service.store.list_campaign_ids(service.profile.name)]


async def resume_campaign(
    service: Service,
    campaign: str,
    *,
    progress: ProgressFn | None = None,
    cancel: asyncio.Event | None = None,
) -> CampaignResult:
    """Send queued parts and settle uncertain ones; accepted parts are never resent."""
    await asyncio.to_thread(service.store.recover_orphans)
    c = await asyncio.to_thread(load_campaign, service, campaign)
    return await _send_parts(service, campaign, c.parts, progress or (lambda _p: None), cancel)


def cancel_campaign(service: Service, campaign: str) -> int:
    """Drop the parts not sent yet; returns how many were dropped."""
    c = load_campaign(service, campaign)
    return service.store.cancel_queued(p.controlid for p in c.parts if p.state is State.QUEUED)
