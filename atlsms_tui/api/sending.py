"""Sending: a draft prepared into a plan once, then submitted.

``prepare`` runs every check and computes every figure a confirmation shows
(opt-outs removed, estimate against the balance, parts and their times,
repeat guard, proof and approval rails) exactly once; ``submit`` sends that
plan. The CLI and the TUI both go through these two calls.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ..core import approval, campaign, proof, quiet_hours
from ..core.campaign import Campaign, CampaignProgress, CampaignResult, Plan
from ..core.errors import TransportError
from ..core.lists import OptOutFilter
from ..core.models import Submission, Units
from ..core.pacing import Pace
from ..core.repeat_guard import RepeatError, RepeatHit
from ..core.service import Draft, Estimate, SubmitResult, estimate
from ..core.session import Session


@dataclass(frozen=True, slots=True)
class SendPlan:
    """A draft as it will go out, with what the confirmation shows."""

    draft: Draft  # as given
    kept: Draft  # without the opted-out numbers: what is journalled and sent
    optouts: OptOutFilter
    estimate: Estimate  # of ``kept``, against ``balance``
    balance: Units | None
    balance_error: str  # why the balance is unknown, or ""
    parts: Plan  # sizes and times after quiet hours and pacing
    max_per_task: int
    pace: Pace | None
    quiet: str  # quiet_hours.REFUSE / NEXT_WINDOW / IGNORE
    repeat: RepeatHit | None  # an accepted send of the same content
    proof: str  # the proof rail's line, or ""
    needs_approval: bool
    demo: bool
    profile: str


ProgressFn = Callable[[CampaignProgress], None]


class Sending:
    def __init__(self, session: Session) -> None:
        self._session = session

    @property
    def max_per_task(self) -> int:
        return self._session.settings.preferences.max_recipients_per_task

    async def prepare(self, draft: Draft, *, max_per_task: int | None = None, pace: Pace | None = None,
                      quiet: str = quiet_hours.REFUSE, fetch_balance: bool = True) -> SendPlan:
        """Every check before a question is asked: raises InputError (bad
        draft, everybody opted out), QuietHoursError, ProofRequired."""
        svc = self._session.service
        cap = max_per_task or self.max_per_task
        balance: Units | None = None
        balance_error = ""
        if fetch_balance:
            try:
                balance = await svc.units()
            except TransportError as exc:
                balance_error = str(exc)
                balance = svc.cached_units()
        else:
            balance = svc.cached_units()

        def build() -> SendPlan:
            svc.check(draft)
            opt = svc.preview_optouts(draft)
            if not opt.kept:
                from ..core.errors import InputError

                raise InputError(f"every recipient ({len(opt.removed):,}) is on the opt-out list: nothing to send")
            kept = Draft(draft.title, opt.kept, draft.message, draft.scheduled, draft.template)
            parts, _ = campaign.plan_parts(svc, kept, max_per_task=cap, pace=pace, quiet=quiet)
            proof.check_required(svc, kept)
            shows_proof = bool(self._session.profile.proof_numbers or self._session.profile.require_proof_above)
            return SendPlan(
                draft=draft, kept=kept, optouts=opt, estimate=estimate(kept, balance), balance=balance,
                balance_error=balance_error, parts=parts, max_per_task=cap, pace=pace, quiet=quiet,
                repeat=svc.find_repeat(kept), proof=proof.describe(svc, kept) if shows_proof else "",
                needs_approval=approval.needed(svc, len(kept.recipients)), demo=self._session.demo,
                profile=self._session.profile.name,
            )

        return await asyncio.to_thread(build)

    async def submit(self, plan: SendPlan, *, progress: ProgressFn | None = None,
                     cancel: asyncio.Event | None = None, abort: asyncio.Event | None = None,
                     allow_repeat: bool = False) -> CampaignResult:
        """Send ``plan``: opt-outs, rails and the repeat guard are applied
        again at the last moment (the lists may have changed since)."""
        if plan.repeat is not None and not allow_repeat:
            raise RepeatError(plan.repeat)
        return await campaign.submit_campaign(
            self._session.service, plan.draft, max_per_task=plan.max_per_task, progress=progress,
            cancel=cancel, abort=abort, allow_repeat=allow_repeat, quiet=plan.quiet, pace=plan.pace,
            operator=approval.operator() if plan.needs_approval else None,
        )

    # ------------------------------------------------------------ after a send

    async def retry(self, controlid: str) -> SubmitResult:
        """Settle an uncertain submission under its own controlid, or resend a
        failed one; never a second copy of an accepted one."""
        return await self._session.service.retry(controlid)

    async def abandon(self, controlid: str, reason: str) -> Submission:
        return await self._session.service.abandon(controlid, reason)

    async def campaigns(self) -> list[Campaign]:
        return await asyncio.to_thread(campaign.list_campaigns, self._session.service)

    async def campaign(self, campaign_id: str) -> Campaign:
        return await asyncio.to_thread(campaign.load_campaign, self._session.service, campaign_id)

    async def resume(self, campaign_id: str, *, progress: ProgressFn | None = None,
                     cancel: asyncio.Event | None = None, abort: asyncio.Event | None = None,
                     quiet: str = quiet_hours.REFUSE) -> CampaignResult:
        return await campaign.resume_campaign(self._session.service, campaign_id, progress=progress,
                                              cancel=cancel, abort=abort, quiet=quiet)

    async def cancel(self, campaign_id: str) -> int:
        """Drop a campaign's unsent parts; how many were dropped."""
        return await asyncio.to_thread(campaign.cancel_campaign, self._session.service, campaign_id)

    async def reschedule(self, campaign_id: str, when: datetime,
                         quiet: str = quiet_hours.REFUSE) -> list[tuple[int, str]]:
        return await asyncio.to_thread(campaign.reschedule_campaign, self._session.service, campaign_id,
                                       when, quiet)

    # ------------------------------------------------------------ rails

    async def send_proof(self, draft: Draft, messages: int = proof.DEFAULT_MESSAGES) -> SubmitResult:
        return await proof.send_proof(self._session.service, draft, messages)

    async def pending_approvals(self) -> list[Campaign]:
        return await asyncio.to_thread(approval.pending, self._session.service)

    async def approve(self, campaign_id: str, *, progress: ProgressFn | None = None,
                      cancel: asyncio.Event | None = None, abort: asyncio.Event | None = None) -> CampaignResult:
        return await approval.approve(self._session.service, campaign_id, approval.operator(),
                                      progress=progress, cancel=cancel, abort=abort)

    async def reject(self, campaign_id: str, reason: str) -> int:
        return await asyncio.to_thread(approval.reject, self._session.service, campaign_id,
                                       approval.operator(), reason)

    async def approval_preview(self, campaign_id: str, n: int = 3) -> list[str]:
        """What a campaign awaiting approval sends: its text, or its first messages."""
        return await asyncio.to_thread(approval.rendered, self._session.service, campaign_id, n)
