"""Two-person approval: a campaign over ``approval_above`` recipients is
journalled whole and waits until an operator other than the one who
submitted it approves it (then it goes like ``campaign resume``) or rejects
it (its parts are dropped, never sent). The operator is the Unix login name
(``attribution.operator``, the name every row's author is recorded under).
"""

from __future__ import annotations

import asyncio
from typing import Any

from . import baku
from .attribution import operator
from .campaign import Campaign, cancel_campaign, list_campaigns, load_campaign, run_campaign
from .drafts import Draft
from .errors import InputError
from .journal_payload import read_recipients
from .models import State
from .outcomes import CampaignResult, SubmitResult
from .packed import messages_of
from .service import Service

__all__ = ["approve", "hold", "needed", "operator", "pending", "reject", "rendered"]


def needed(service: Service, recipients: int) -> bool:
    above = service.profile.approval_above
    return bool(above) and recipients > above


async def hold(service: Service, draft: Draft, parts: list[Draft], by: str, *, key: str | None = None,
               optouts_removed: int = 0, pace: str | None = None) -> CampaignResult:
    """Journal the campaign whole, awaiting approval; nothing is sent."""
    campaign = await service.journal_campaign(draft, parts, key=key, awaiting_approval_by=by, pace=pace)
    c = await asyncio.to_thread(load_campaign, service, campaign)
    results = [SubmitResult(p.state, p.controlid, p.recipients, p.segments, p.units_estimate, part=p.part)
               for p in c.parts]
    return CampaignResult(campaign, results, optouts_removed=optouts_removed, journalled=c.recipients,
                          awaiting_approval=True)


def pending(service: Service) -> list[Campaign]:
    """Campaigns of this profile awaiting approval, newest first."""
    return [c for c in list_campaigns(service) if c.approval == "awaiting"]


def rendered(service: Service, campaign: str, n: int = 3) -> list[str]:
    """What the campaign sends: its bulk text, or its first ``n`` messages."""
    c = load_campaign(service, campaign)
    if not c.parts:
        return []
    first = c.parts[0]
    if not first.individual:
        return [first.message or ""]
    name = service.store.journal.payload_name(first.controlid)
    recips = read_recipients(service.store.journal.payload_path(first.controlid, name), individual=True)
    return messages_of(recips, 0, min(n, len(recips))) or []


def _awaiting(service: Service, campaign: str) -> Campaign:
    c = load_campaign(service, campaign)
    if c.approval != "awaiting":
        state = c.approval or "not subject to approval"
        raise InputError(f"campaign {campaign} is not awaiting approval ({state})")
    return c


async def approve(service: Service, campaign: str, by: str, **run: Any) -> CampaignResult:
    """Release a campaign awaiting approval and send it; refused to the
    operator who submitted it."""
    c = await asyncio.to_thread(_awaiting, service, campaign)
    if by == c.submitted_by:
        raise InputError(f"campaign {campaign} was submitted by {by}: another operator must approve it")
    now = service.now()
    for p in c.parts:
        when = baku.from_wire(p.scheduled)
        if p.state is State.QUEUED and when is not None and when <= now:
            # ATL refuses a past schedule (113): move it first, keep the approval open
            raise InputError(f"part {p.part} of campaign {campaign} was scheduled for {baku.format_baku(when)} "
                             f"Baku time, which has passed: move it with `atlsms-tui campaign reschedule "
                             f"{campaign} --at ...`, then approve it")
    if not await asyncio.to_thread(service.store.campaigns.decide_approval, campaign, "approved", by):
        raise InputError(f"campaign {campaign} was approved or rejected meanwhile")
    return await run_campaign(service, campaign, **run)


def reject(service: Service, campaign: str, by: str, reason: str) -> int:
    """Drop a campaign awaiting approval; returns the parts dropped."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise InputError("rejecting needs a reason (--reason TEXT)")
    _awaiting(service, campaign)
    if not service.store.campaigns.decide_approval(campaign, "rejected", by, reason):
        raise InputError(f"campaign {campaign} was approved or rejected meanwhile")
    return cancel_campaign(service, campaign)
