"""A draft prepared for sending: every check and every figure a
confirmation shows, computed once.

``prepare_plan`` refuses what would be refused (a bad draft, everybody
opted out, a start inside quiet hours, a missing proof) and computes the
rest: the recipients the opt-out list leaves, the estimate against the
balance, the parts and their times, the repeat guard's finding, the proof
and approval rails and the content key. ``campaign.submit_plan`` sends the
plan and re-applies only what may have changed since: the opt-out list,
the repeat guard and the clock.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import approval, journal_payload, lists, pacing, proof, quiet_hours
from .baku import format_baku
from .campaign import run_campaign
from .drafts import Draft, Estimate, as_list, check_draft, check_schedule, estimate
from .errors import InputError
from .models import Recipient, Units
from .outcomes import CampaignProgress, CampaignResult
from .packed import PackedRecipients
from .repeat_guard import RepeatError, RepeatHit
from .service import Service
from .wording import plural

DEFAULT_MAX_PER_TASK = 50_000

ProgressFn = Callable[[CampaignProgress], None]


class EveryoneOptedOut(InputError):
    """Every recipient of a draft is on the opt-out list: nothing to send."""

    def __init__(self, optouts: lists.OptOutFilter) -> None:
        self.optouts = optouts
        super().__init__(f"every recipient ({len(optouts.removed):,}) is on the opt-out list: nothing to send")


@dataclass(slots=True)
class Plan:
    """How a draft will go out: its parts' sizes and scheduled times (None:
    now), after quiet hours and pacing."""

    sizes: list[int]
    times: list[datetime | None]
    moved: bool = False  # quiet hours moved the start (next-window)

    def as_json(self) -> dict[str, Any]:
        return pacing.plan_json(self.sizes, self.times)

    def lines(self) -> list[str]:
        """The plan as the confirmation shows it (paced or moved only)."""
        if len(set(map(str, self.times))) <= 1 and not self.moved:
            return []
        first, last = self.times[0], self.times[-1]
        out = [f"plan: {plural(len(self.sizes), 'part')}, first {_when(first)}, last {_when(last)} Baku time"]
        out += [f"  part {i}: {plural(n, 'recipient')} at {_when(t)}"
                for i, (n, t) in enumerate(zip(self.sizes, self.times, strict=True), start=1)][:24]
        return out


def _when(t: datetime | None) -> str:
    return "now" if t is None else format_baku(t)


def split(draft: Draft, max_per_task: int) -> list[Draft]:
    if max_per_task < 1:
        raise InputError("recipients per task must be at least 1")
    rs = draft.recipients
    return [
        Draft(draft.title, rs[i:i + max_per_task], draft.message, draft.scheduled, draft.template)
        for i in range(0, len(rs), max_per_task)
    ]


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
    for part, t in zip(parts, times, strict=True):
        part.scheduled = t
    return Plan([len(p.recipients) for p in parts], times, moved=start != draft.scheduled), parts


@dataclass(frozen=True, slots=True)
class SendPlan:
    """A draft as it will go out, with what the confirmation shows."""

    draft: Draft  # as given
    kept: Draft  # without the opted-out numbers: what is journalled and sent
    optouts: lists.OptOutFilter
    estimate: Estimate  # of ``kept``, against ``balance``
    balance: Units | None
    balance_error: str  # why the balance is unknown, or ""
    parts: Plan  # sizes and times after quiet hours and pacing
    max_per_task: int
    pace: pacing.Pace | None
    quiet: str  # quiet_hours.REFUSE / NEXT_WINDOW / IGNORE
    repeat: RepeatHit | None  # an accepted send of the same content
    proof: str  # the proof rail's line, or ""
    needs_approval: bool
    demo: bool
    profile: str
    part_drafts: tuple[Draft, ...] = ()  # ``kept`` split, each with its time
    content_key: str = ""  # the repeat guard's and the proof's key of ``kept``
    numbers: bytes = b""  # ``kept``'s numbers, packed (the repeat guard's)
    window: quiet_hours.QuietHours | None = None  # the profile's quiet hours
    approval_above: int = 0

    @property
    def removed(self) -> int:
        """Recipients the opt-out list left out."""
        return len(self.optouts.removed)

    @property
    def shown_plan(self) -> dict[str, Any] | None:
        """The schedule a paced or moved campaign reports."""
        return self.parts.as_json() if (self.pace is not None or self.parts.moved) else None


def prepare_plan(service: Service, draft: Draft, *, max_per_task: int = DEFAULT_MAX_PER_TASK,
                 pace: pacing.Pace | None = None, quiet: str = quiet_hours.REFUSE,
                 balance: Units | None = None, balance_error: str = "",
                 max_segments: int | None = None) -> SendPlan:
    """Every check and figure before the question is asked (blocking: reads
    the journal). Raises InputError (a bad draft), EveryoneOptedOut,
    QuietHoursError, ProofRequired."""
    limit = max_segments if max_segments is not None else service.preferences.max_segments
    check_draft(draft, limit, now=service.now())
    opt = service.preview_optouts(draft)
    if not opt.kept:
        raise EveryoneOptedOut(opt)
    kept = Draft(draft.title, opt.kept, draft.message, draft.scheduled, draft.template)
    parts, part_drafts = plan_parts(service, kept, max_per_task=max_per_task, pace=pace, quiet=quiet)
    key = service.content_key(kept)
    proof.check_required(service, kept, key)
    numbers = journal_payload.numbers_blob(kept.recipients)
    profile = service.profile
    shows_proof = bool(profile.proof_numbers or profile.require_proof_above)
    return SendPlan(
        draft=draft, kept=kept, optouts=opt, estimate=estimate(kept, balance), balance=balance,
        balance_error=balance_error, parts=parts, max_per_task=max_per_task, pace=pace, quiet=quiet,
        repeat=service.find_repeat(kept, key=key, numbers=numbers),
        proof=proof.describe(service, kept, key) if shows_proof else "",
        needs_approval=approval.needed(service, len(kept.recipients)), demo=profile.demo,
        profile=profile.name, part_drafts=tuple(part_drafts), content_key=key, numbers=numbers,
        window=service.quiet_hours(), approval_above=profile.approval_above or 0,
    )


@dataclass(slots=True)
class LateChanges:
    """What changed between prepare and submit: the opt-out list and the clock."""

    parts: list[Draft]
    kept: Draft
    content_key: str
    numbers: bytes
    removed: int  # recipients left out by the list as it is now


def at_send_time(service: Service, plan: SendPlan) -> LateChanges:
    """The plan's parts with the opt-out list as it is now, and its start
    judged against the clock as it is now (the operator may have waited at
    the question): a schedule now past is refused, a start now inside quiet
    hours is refused (or moved, with next-window)."""
    now = service.now()
    check_schedule(plan.kept.scheduled, now)
    late = service.preview_optouts(plan.kept)
    parts = [dataclasses.replace(p) for p in plan.part_drafts]  # the plan stays as prepared
    kept, key, numbers = plan.kept, plan.content_key, plan.numbers
    if late.removed:
        blocked = {h.msisdn for h in late.removed}
        parts = [p for p in (_without(p, blocked) for p in parts) if p.recipients]
        if not parts:
            raise EveryoneOptedOut(lists.OptOutFilter([], plan.optouts.removed + late.removed))
        kept = Draft(kept.title, late.kept, kept.message, kept.scheduled, kept.template)
        key = service.content_key(kept)
        numbers = journal_payload.numbers_blob(kept.recipients)
    start = quiet_hours.start_time(plan.window, plan.kept.scheduled, now, plan.quiet)
    if parts and start != plan.parts.times[0] and plan.pace is None:
        for p in parts:
            p.scheduled = start
    return LateChanges(parts, kept, key, numbers, len(plan.optouts.removed) + len(late.removed))


def _without(part: Draft, blocked: set[str]) -> Draft:
    rs = part.recipients
    kept: list[Recipient] = [r for r in rs if r.msisdn not in blocked]
    if isinstance(rs, PackedRecipients):
        kept = as_list(PackedRecipients(kept, individual=rs.individual))
    return Draft(part.title, kept, part.message, part.scheduled, part.template)


async def submit_plan(service: Service, plan: SendPlan, *, progress: ProgressFn | None = None,
                      cancel: asyncio.Event | None = None, abort: asyncio.Event | None = None,
                      allow_repeat: bool = False, operator: str | None = None) -> CampaignResult:
    """Send a prepared plan, as one task or as several parts. What may have
    changed since it was prepared is applied again (the opt-out list, the
    clock's quiet hours and past schedules) and the repeat guard asked
    again (unless ``allow_repeat``), before anything is journalled; the rest
    of the plan is used as it is. ``cancel`` stops between parts; ``abort``
    stops waiting for the answer in flight (that part is then uncertain).
    Over the approval_above setting it is journalled for ``operator`` and
    waits for another operator's approval."""
    if plan.repeat is not None and not allow_repeat:
        raise RepeatError(plan.repeat)
    late = await asyncio.to_thread(at_send_time, service, plan)
    if not allow_repeat:
        hit = await asyncio.to_thread(service.find_repeat, late.kept, key=late.content_key, numbers=late.numbers)
        if hit is not None:
            raise RepeatError(hit)
    say = progress or (lambda _p: None)
    total = len(late.kept.recipients)
    pace = str(plan.pace) if plan.pace else None
    if plan.needs_approval:
        held = await approval.hold(service, late.kept, late.parts, operator or approval.operator(),
                                   key=late.content_key, optouts_removed=late.removed, pace=pace)
        held.plan = plan.shown_plan
        return held
    if len(late.parts) == 1:
        say(CampaignProgress(1, 1, "sending", 0, total, "sending"))
        result = await service.sender.send_new(
            late.parts[0], lambda t: say(CampaignProgress(1, 1, "sending", 0, total, t)), late.content_key,
            abort=abort)
        result.optouts_removed = late.removed
        say(CampaignProgress(1, 1, "done", total, total, result.state.value))
        single = CampaignResult(None, [result], optouts_removed=late.removed,
                                interrupted=bool(cancel and cancel.is_set()), journalled=total, plan=plan.shown_plan)
        service.notifier.campaign_settled(single, late.parts[0].title, service.profile.name)
        return single

    def journalling(i: int, n: int) -> None:
        say(CampaignProgress(i, n, "journalling", 0, total, f"journalling part {i} of {n}"))

    campaign_id = await service.journal_campaign(late.kept, late.parts, journalling, key=late.content_key,
                                                 pace=pace)
    result_ = await run_campaign(service, campaign_id, progress=say, cancel=cancel, abort=abort, quiet=plan.quiet)
    result_.optouts_removed += late.removed
    result_.plan = plan.shown_plan
    return result_


async def submit_campaign(service: Service, draft: Draft, *, max_per_task: int = DEFAULT_MAX_PER_TASK,
                          progress: ProgressFn | None = None, cancel: asyncio.Event | None = None,
                          abort: asyncio.Event | None = None, allow_repeat: bool = False,
                          quiet: str = quiet_hours.REFUSE, pace: pacing.Pace | None = None,
                          operator: str | None = None) -> CampaignResult:
    """Prepare ``draft`` (against the cached balance) and send it at once:
    for a caller with no question to ask in between."""
    plan = await asyncio.to_thread(prepare_plan, service, draft, max_per_task=max_per_task, pace=pace,
                                   quiet=quiet, balance=service.cached_units())
    return await submit_plan(service, plan, progress=progress, cancel=cancel, abort=abort,
                             allow_repeat=allow_repeat, operator=operator)
