"""Sending: a draft prepared into a plan once, then submitted.

``prepare`` runs every check and computes every figure a confirmation shows
(opt-outs removed, estimate against the balance, parts and their times,
repeat guard, proof and approval rails, content key) exactly once;
``submit`` sends that plan, applying again only what may have changed while
the operator read it (the opt-out list, the repeat guard, the clock). The
CLI and the TUI both go through these two calls, and reach campaigns,
approvals and proofs only through this class.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from ..core import approval, campaign, proof, quiet_hours
from ..core.campaign import Campaign
from ..core.drafts import Draft
from ..core.errors import TransportError
from ..core.lists import OptOutFilter
from ..core.models import Submission, Units
from ..core.outcomes import CampaignProgress, CampaignResult, SubmitResult
from ..core.pacing import Pace
from ..core.send_plan import EveryoneOptedOut, Plan, SendPlan, prepare_plan, submit_plan
from ..core.session import Session

__all__ = [
    "Campaign", "CampaignProgress", "CampaignResult", "EveryoneOptedOut", "OptOutFilter", "Plan", "ProgressFn", "SendPlan",
    "Sending",
]

ProgressFn = Callable[[CampaignProgress], None]


class Sending:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._service = session.service

    @property
    def max_per_task(self) -> int:
        return self._session.settings.preferences.max_recipients_per_task

    def now(self) -> datetime:
        """Baku time now, by the session's clock."""
        return self._service.now()

    async def balance(self) -> tuple[Units | None, str]:
        """The balance from ATL, or the last one known and why it is not fresh."""
        try:
            return await self._service.units(), ""
        except TransportError as exc:
            return self._service.cached_units(), str(exc)

    async def prepare(self, draft: Draft, *, max_per_task: int | None = None, pace: Pace | None = None,
                      quiet: str = quiet_hours.REFUSE, fetch_balance: bool = True,
                      max_segments: int | None = None) -> SendPlan:
        """Every check before a question is asked: raises InputError (bad
        draft), EveryoneOptedOut (with the opt-out filter), QuietHoursError,
        ProofRequired. ``max_segments`` overrides the preference."""
        self._service.writable("sending")
        if fetch_balance:
            balance, balance_error = await self.balance()
        else:
            balance, balance_error = self._service.cached_units(), ""
        return await asyncio.to_thread(
            prepare_plan, self._service, draft, max_per_task=max_per_task or self.max_per_task, pace=pace,
            quiet=quiet, balance=balance, balance_error=balance_error, max_segments=max_segments)

    async def submit(self, plan: SendPlan, *, progress: ProgressFn | None = None,
                     cancel: asyncio.Event | None = None, abort: asyncio.Event | None = None,
                     allow_repeat: bool = False) -> CampaignResult:
        """Send ``plan``. A repeat the plan found refuses (RepeatError) unless
        ``allow_repeat``; the opt-out list, the repeat guard and quiet hours
        are applied again at the last moment."""
        self._service.writable("sending")
        return await submit_plan(
            self._service, plan, progress=progress, cancel=cancel, abort=abort, allow_repeat=allow_repeat,
            operator=approval.operator() if plan.needs_approval else None,
        )

    # ------------------------------------------------------------ after a send

    async def retry(self, controlid: str) -> SubmitResult:
        """Settle an uncertain submission under its own controlid, or resend a
        failed one; never a second copy of an accepted one."""
        self._service.writable("settling")
        return await self._service.retry(controlid)

    async def abandon(self, controlid: str, reason: str) -> Submission:
        self._service.writable("abandoning")
        return await self._service.abandon(controlid, reason)

    async def campaigns(self) -> list[Campaign]:
        return await asyncio.to_thread(campaign.list_campaigns, self._service)

    async def campaign(self, campaign_id: str) -> Campaign:
        return await asyncio.to_thread(campaign.load_campaign, self._service, campaign_id)

    async def resume(self, campaign_id: str, *, progress: ProgressFn | None = None,
                     cancel: asyncio.Event | None = None, abort: asyncio.Event | None = None,
                     quiet: str = quiet_hours.REFUSE) -> CampaignResult:
        self._service.writable("resuming")
        return await campaign.resume_campaign(self._service, campaign_id, progress=progress,
                                              cancel=cancel, abort=abort, quiet=quiet)

    async def cancel(self, campaign_id: str) -> int:
        """Drop a campaign's unsent parts; how many were dropped."""
        self._service.writable("cancelling")
        return await asyncio.to_thread(campaign.cancel_campaign, self._service, campaign_id)

    async def reschedule(self, campaign_id: str, when: datetime,
                         quiet: str = quiet_hours.REFUSE) -> list[tuple[int, str]]:
        self._service.writable("rescheduling")
        return await asyncio.to_thread(campaign.reschedule_campaign, self._service, campaign_id,
                                       when, quiet)

    # ------------------------------------------------------------ rails

    async def proof_draft(self, draft: Draft, messages: int = proof.DEFAULT_MESSAGES) -> Draft:
        """What ``send_proof`` sends: to the staff numbers, now."""
        self._service.writable("a proof")
        return await asyncio.to_thread(proof.proof_draft, self._service, draft, messages)

    async def send_proof(self, draft: Draft, messages: int = proof.DEFAULT_MESSAGES) -> SubmitResult:
        self._service.writable("a proof")
        return await proof.send_proof(self._service, draft, messages)

    async def pending_approvals(self) -> list[Campaign]:
        return await asyncio.to_thread(approval.pending, self._service)

    async def approve(self, campaign_id: str, *, progress: ProgressFn | None = None,
                      cancel: asyncio.Event | None = None, abort: asyncio.Event | None = None,
                      quiet: str = quiet_hours.REFUSE) -> CampaignResult:
        self._service.writable("approving")
        return await approval.approve(self._service, campaign_id, approval.operator(),
                                      progress=progress, cancel=cancel, abort=abort, quiet=quiet)

    async def reject(self, campaign_id: str, reason: str) -> int:
        self._service.writable("rejecting")
        return await asyncio.to_thread(approval.reject, self._service, campaign_id,
                                       approval.operator(), reason)

    async def approval_preview(self, campaign_id: str, n: int = 3) -> list[str]:
        """What a campaign awaiting approval sends: its text, or its first messages."""
        return await asyncio.to_thread(approval.rendered, self._service, campaign_id, n)
