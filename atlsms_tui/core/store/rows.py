"""Submission rows as the journal and the campaigns read them: one column
list, with the task's stored report joined in."""

from __future__ import annotations

from datetime import datetime

from ..attribution import from_row
from ..models import Report, State, Submission
from .db import Row

SUB_COLUMNS = (
    "controlid", "profile", "title", "individual", "scheduled", "created", "recipients", "segments",
    "units_estimate", "payload_hash", "state", "message", "taskid", "code", "detail", "attempts", "updated",
    "campaign", "part", "proof", "login", "by_user", "by_host", "by_ssh",
)
SUB_COLS = ", ".join(SUB_COLUMNS)
_N = len(SUB_COLUMNS)

# Every submission read goes through this: the report comes with the row.
SELECT_WITH_REPORT = (
    f"SELECT {', '.join('s.' + c for c in SUB_COLUMNS)}, "
    "r.ready, r.pending, r.delivered, r.failed, r.removed, r.error, r.fetched_at "
    "FROM submissions s LEFT JOIN reports r ON r.profile = s.profile AND r.taskid = s.taskid "
)


def sub_from_row(row: Row) -> Submission:
    return Submission(
        controlid=row[0],
        profile=row[1],
        title=row[2],
        individual=bool(row[3]),
        scheduled=row[4],
        created=row[5],
        recipients=row[6],
        segments=row[7],
        units_estimate=row[8],
        payload_hash=row[9],
        state=State(row[10]),
        message=row[11],
        taskid=row[12],
        code=row[13],
        detail=row[14],
        attempts=row[15],
        updated=row[16],
        campaign=row[17],
        part=row[18],
        proof=bool(row[19]),
        by=from_row(row[21], row[22], row[23], row[1], row[20]),
    )


def sub_with_report(row: Row) -> Submission:
    """A row of ``SELECT_WITH_REPORT``."""
    sub = sub_from_row(row[:_N])
    rep = row[_N:]
    if rep[0] is not None and sub.taskid:
        sub.report = Report(
            sub.taskid, bool(rep[0]), rep[1], rep[2], rep[3], rep[4], rep[5], datetime.fromisoformat(rep[6]),
        )
    return sub
