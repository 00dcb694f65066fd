"""What a send came to: one submission's result, a campaign's, and the
progress reported on the way."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import baku, codes
from .errors import ApiError
from .models import State

# A part ATL refused, or that could not leave: the parts after it would meet
# the same fate (units, password, network), so a run stops there.
STOPPING_STATES = (State.REJECTED, State.FAILED)


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
    def error(self) -> ApiError | None:
        """ATL's refusal, when it refused (its text names the code)."""
        return ApiError(self.code) if self.code else None

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
            return f"Rejected: {self.error}"
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

    def as_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
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
    plan: dict[str, Any] | None = None  # a paced or moved campaign's schedule (Plan.as_json)

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

    def as_json(self) -> dict[str, Any]:
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
