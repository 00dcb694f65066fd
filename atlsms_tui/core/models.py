"""Plain data shared by the core, the CLI and the UI."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from .attribution import Attribution


class State(str, enum.Enum):  # noqa: UP042 -- StrEnum would change how a member prints (str(), f-strings)
    QUEUED = "queued"  # journalled, never sent (a later part of a campaign)
    SENDING = "sending"  # journalled; request in flight (or the process died)
    ACCEPTED = "accepted"
    ACCEPTED_WITHOUT_TASKID = "accepted_without_taskid"
    REJECTED = "rejected"  # the API refused it with a code
    FAILED = "failed"  # never reached the server (connection refused); nothing sent
    UNCERTAIN = "uncertain"  # may have reached the server; settle with retry
    CANCELLED = "cancelled"  # a queued part the operator dropped; never sent
    # uncertain, and closed by the operator without settling (with a reason):
    # it may have been delivered, and it is never resent
    ABANDONED = "abandoned"

    @property
    def final(self) -> bool:
        return self in (State.REJECTED, State.FAILED, State.CANCELLED, State.ABANDONED)

    @property
    def ok(self) -> bool:
        return self in (State.ACCEPTED, State.ACCEPTED_WITHOUT_TASKID)

    @property
    def settleable(self) -> bool:
        return self in (State.UNCERTAIN, State.SENDING)


class DeliveryStatus(int, enum.Enum):
    QUEUED = 1
    DELIVERED = 2
    FAILED = 3
    REMOVED = 4
    ERROR = 5

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Recipient:
    msisdn: str
    message: str | None = None  # individual sends only


@dataclass(slots=True)
class Units:
    units: int
    fetched_at: datetime


@dataclass(slots=True)
class Report:
    taskid: str
    ready: bool
    pending: int = 0
    delivered: int = 0
    failed: int = 0
    removed: int = 0
    error: int = 0
    fetched_at: datetime | None = None

    @property
    def total(self) -> int:
        return self.pending + self.delivered + self.failed + self.removed + self.error

    @property
    def final(self) -> bool:
        return self.ready and self.pending == 0 and self.total > 0

    def as_json(self) -> dict[str, object]:
        return {
            "taskid": self.taskid,
            "ready": self.ready,
            "pending": self.pending,
            "delivered": self.delivered,
            "failed": self.failed,
            "removed": self.removed,
            "error": self.error,
        }


class DetailRow(NamedTuple):
    """One recipient of a detailed report. A tuple: a million of them are
    built while a report downloads, and tuples are the cheapest rows."""

    msisdn: str
    message: str
    status_code: int
    date: str | None = None

    @property
    def status(self) -> str:
        # Sister platforms of this API send statuses the document does not
        # list (up to 8): kept and named by number, never passed off as one
        # of the known ones.
        try:
            return DeliveryStatus(self.status_code).label
        except ValueError:
            return f"status {self.status_code}"

    def as_json(self) -> dict[str, object]:
        return {
            "msisdn": self.msisdn,
            "message": self.message,
            "status": self.status,
            "status_code": self.status_code,
            "date": self.date,
        }


@dataclass(slots=True)
class Submission:
    """One journal row: a submit request and what became of it."""

    controlid: str
    profile: str
    title: str
    individual: bool
    scheduled: str  # "NOW" or "YYYY-MM-DD HH:MM:SS" Baku time, as on the wire
    created: str  # ISO 8601 UTC
    recipients: int
    segments: int
    units_estimate: int
    payload_hash: str
    state: State
    message: str | None = None  # the bulk message
    taskid: str | None = None
    code: str | None = None
    detail: str = ""
    attempts: int = 0
    updated: str = ""
    report: Report | None = field(default=None)
    campaign: str | None = None
    part: int | None = None  # 1-based part of its campaign
    proof: bool = False  # the campaign's text sent to staff numbers first
    by: Attribution | None = None  # who journalled it (None: before this was kept)

    @property
    def phase(self) -> str:
        """One word for where it stands, the same in the TUI and the CLI: an
        accepted task is "done" once its report has nothing pending,
        "delivering" while it has, else "accepted"; any other state is its
        name."""
        name: str = self.state.value
        if self.state is not State.ACCEPTED:
            return name
        rep = self.report
        if rep is not None and rep.final:
            return "done"
        if rep is not None and rep.ready:
            return "delivering"
        return "accepted"

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "controlid": self.controlid,
            "taskid": self.taskid,
            "state": self.state.value,
            "phase": self.phase,
            "title": self.title,
            "created": self.created,
            "scheduled": self.scheduled,
            "recipients": self.recipients,
            "campaign": self.campaign,
        }
        if self.part is not None:
            out["part"] = self.part
        if self.proof:
            out["proof"] = True
        out["by"] = self.by.as_json() if self.by is not None else None
        return out
