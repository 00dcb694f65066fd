"""Follow-ups from a report: the numbers of a task or a campaign that ended
in given delivery statuses, and what was sent to them, ready for a new send
or a saved group.

The numbers come from the stored detailed reports (the caller fetches a
missing one first: ``api.reports.Reports.followup``). The earlier text is
the journal's bulk message; the per-number messages of an individual send
are what the detailed report says each number was sent, since the journal
drops a payload once ATL has accepted it. The opt-out list, as it is now,
is applied here, and again by any send that follows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from . import msisdn
from .errors import InputError, NotFoundError
from .imports import ImportRecord, ImportReport
from .models import DeliveryStatus, DetailRow, Recipient, State, Submission
from .service import Service
from .wording import plural

# What an operator types for each status: the report's own names, and
# "queued" as the detailed report's document calls status 1.
STATUS_NAMES: dict[str, DeliveryStatus] = {
    "pending": DeliveryStatus.QUEUED,
    "queued": DeliveryStatus.QUEUED,
    "delivered": DeliveryStatus.DELIVERED,
    "failed": DeliveryStatus.FAILED,
    "removed": DeliveryStatus.REMOVED,
    "error": DeliveryStatus.ERROR,
}
CHOICES = "pending, delivered, failed, removed, error"
_KNOWN = {int(s) for s in DeliveryStatus}
MESSAGE_COLUMN = "message"


def parse_statuses(given: str | Iterable[str | DeliveryStatus]) -> tuple[DeliveryStatus, ...]:
    """Statuses from "failed,error" (or a list of names or statuses), each
    once, in report order; InputError naming an unknown one."""
    items: list[str | DeliveryStatus] = []
    if isinstance(given, str):
        items.extend(given.replace(",", " ").split())
    else:
        for item in given:
            if isinstance(item, DeliveryStatus):
                items.append(item)
            else:
                items.extend(str(item).replace(",", " ").split())
    found: set[DeliveryStatus] = set()
    for item in items:
        if isinstance(item, DeliveryStatus):
            found.add(item)
            continue
        status = STATUS_NAMES.get(item.strip().lower())
        if status is None:
            raise InputError(f"unknown status {item!r} (choose from {CHOICES})")
        found.add(status)
    if not found:
        raise InputError(f"no status given (choose from {CHOICES})")
    return tuple(sorted(found))


def status_names(statuses: Iterable[DeliveryStatus]) -> str:
    """"failed,error": as the operator would type them."""
    return ",".join("pending" if s is DeliveryStatus.QUEUED else s.label for s in statuses)


@dataclass(slots=True)
class Followup:
    source: str  # "task 4837" or "campaign C123…"
    statuses: tuple[DeliveryStatus, ...]
    title: str
    message: str | None  # the earlier bulk text; None: each number's own message
    recipients: list[Recipient]  # in those statuses, each once, opt-outs removed
    matched: int  # numbers in those statuses, before the opt-out list
    optouts_removed: int
    tasks: list[str]  # the task ids whose reports were read
    fetched: list[str] = field(default_factory=list)  # of those, fetched from ATL now
    pending: int = 0  # rows of those reports still pending: their outcome may change
    unsent_parts: int = 0  # campaign parts ATL never accepted: in no report
    unreadable: int = 0  # report rows whose number is not a valid one

    @property
    def individual(self) -> bool:
        return self.message is None

    @property
    def what(self) -> str:
        """"task 4837, failed or error"."""
        if set(self.statuses) == set(DeliveryStatus):
            return f"{self.source}, any status"
        names = status_names(self.statuses).split(",")
        return f"{self.source}, {' or '.join(names)}"

    @property
    def columns(self) -> list[str]:
        return [MESSAGE_COLUMN] if self.individual else []

    def records(self) -> list[ImportRecord]:
        """The numbers as a group keeps them (with each one's message when
        the earlier send was individual)."""
        if self.individual:
            return [ImportRecord(r.msisdn, {MESSAGE_COLUMN: r.message or ""}, i)
                    for i, r in enumerate(self.recipients, 1)]
        return [ImportRecord(r.msisdn, {}, i) for i, r in enumerate(self.recipients, 1)]

    def import_report(self) -> ImportReport:
        """The numbers seen as an import (as a saved group is), so the
        compose form loads them as it loads a group."""
        records = self.records()
        rep = ImportReport(source=self.what, kind="group", columns=self.columns, rows_read=len(records),
                           valid=len(records), records=records)
        for r in records:
            rep.operators[msisdn.operator_of(r.msisdn)] += 1
        return rep

    def lines(self) -> list[str]:
        """What the operator is told about it, before anything is done."""
        out = [f"{self.what}: {plural(self.matched, 'number')}"
               + (f", {self.optouts_removed:,} on the opt-out list left out" if self.optouts_removed else "")]
        if self.fetched:
            out.append(f"detailed report fetched from ATL for {'task' if len(self.fetched) == 1 else 'tasks'} "
                       f"{', '.join(self.fetched)}")
        if self.pending:
            out.append(f"note: {plural(self.pending, 'recipient')} {'was' if self.pending == 1 else 'were'} still pending "
                       "when the report was fetched; "
                       "their outcome may have changed since")
        if self.unsent_parts:
            out.append(f"note: {plural(self.unsent_parts, 'part')} never accepted by ATL "
                       f"{'has' if self.unsent_parts == 1 else 'have'} no report and {'is' if self.unsent_parts == 1 else 'are'} left out")
        if self.unreadable:
            out.append(f"note: {plural(self.unreadable, 'report row')} without a valid number left out")
        return out

    def as_json(self) -> dict[str, object]:
        return {"source": self.source, "statuses": status_names(self.statuses).split(","), "title": self.title,
                "individual": self.individual, "message": self.message, "matched": self.matched,
                "optouts_removed": self.optouts_removed, "recipients": len(self.recipients),
                "tasks": self.tasks, "fetched": self.fetched, "pending": self.pending}


# ------------------------------------------------------------ blocking parts


def resolve(service: Service, source: str | Submission) -> tuple[str, list[Submission]]:
    """(what to call it, its submissions): a task id, a campaign id, or a
    submission of the journal. NotFoundError names what is not there."""
    profile = service.profile.name
    if isinstance(source, Submission):
        return f"task {source.taskid or source.controlid}", [source]
    text = source.strip()
    if not text:
        raise InputError("no task id or campaign id given")
    if text.isascii() and text.isdigit():
        subs = [s for s in service.store.journal.list_submissions(profile) if s.taskid == text]
        if not subs:
            raise NotFoundError(f"no task {text} in the journal of profile {profile!r}")
        return f"task {text}", subs[:1]
    row = service.store.campaigns.get_campaign(text)
    if row is None:
        raise NotFoundError(f"no task or campaign {text!r} in the journal (a task id is a number)")
    if row.profile != profile:
        raise NotFoundError(f"campaign {text} was sent from profile {row.profile!r}, not {profile!r}: "
                            f"give --profile {row.profile}")
    return f"campaign {text}", service.store.campaigns.campaign_parts(text)


def reported(label: str, parts: Sequence[Submission]) -> list[Submission]:
    """The parts ATL accepted as tasks (the only ones with a report)."""
    tasks = [p for p in parts if p.taskid and p.state is State.ACCEPTED]
    if not tasks:
        raise InputError(f"{label} was never accepted by ATL as a task: it has no report to follow up")
    return tasks


def collect(service: Service, label: str, parts: Sequence[Submission], statuses: tuple[DeliveryStatus, ...],
            fetched: list[str], unsent_parts: int = 0) -> Followup:
    """The numbers of ``parts``' stored detailed reports in ``statuses``
    (``unsent_parts``: how many of the source's parts were left out, never
    accepted)."""
    profile = service.profile.name
    reports = service.store.reports
    wanted = {int(s) for s in statuses}
    seen: set[str] = set()
    found: list[Recipient] = []
    pending = unreadable = 0
    individual = any(p.individual for p in parts)
    for p in parts:
        assert p.taskid is not None
        counts = reports.detail_counts(profile, p.taskid) or {}
        pending += counts.get(int(DeliveryStatus.QUEUED), 0)
        # Statuses the document does not list are counted as errors (as the
        # summary counts them): "error" takes them too.
        odd = DeliveryStatus.ERROR in statuses and any(c not in _KNOWN for c in counts)
        batches: list[Iterable[list[DetailRow]]] = (
            [reports.iter_detail(profile, p.taskid)] if odd
            else [reports.iter_detail(profile, p.taskid, status=s) for s in statuses if counts.get(int(s))])
        for rows in batches:
            for batch in rows:
                for r in batch:
                    if odd and r.status_code not in wanted and r.status_code in _KNOWN:
                        continue
                    number = msisdn.normalize_or_none(r.msisdn)
                    if number is None:
                        unreadable += 1
                        continue
                    if number in seen:
                        continue
                    seen.add(number)
                    found.append(Recipient(number, r.message if individual else None))
    first = parts[0]
    kept = service.store.lists.filter_optouts(found)
    return Followup(
        source=label, statuses=statuses, title=first.title, message=None if individual else (first.message or ""),
        recipients=list(kept.kept), matched=len(found), optouts_removed=len(kept.removed),
        tasks=[p.taskid for p in parts if p.taskid], fetched=fetched, pending=pending, unsent_parts=unsent_parts,
        unreadable=unreadable,
    )
