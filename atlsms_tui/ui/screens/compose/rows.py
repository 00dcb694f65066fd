"""Row: one record of an individual (msisdn,message) CSV, and the checks
that judge it exactly as the CSV reader does."""

from __future__ import annotations

from dataclasses import dataclass

from ....core import recipients as recipients_mod


@dataclass
class Row:
    """One CSV record of an individual send, as the operator can edit it."""

    line: int  # 1-based file line where the record starts: its stable key
    number: str
    message: str | None
    wire: str | None = None
    reason: str | None = None  # None: valid

    @property
    def valid(self) -> bool:
        return self.reason is None


def validate_rows(rows: list[Row]) -> None:
    """Set wire/reason of every row with the CSV reader's own rule
    (recipients.judge_individual_row), so a fixed row is judged exactly like
    a loaded one. Duplicates are judged across all rows: first one wins."""
    seen: dict[str, int] = {}
    judge = recipients_mod.judge_individual_row
    for r in rows:
        recipient, issue, _dup = judge(r.number, r.message, r.line, seen)
        if recipient is not None:
            r.wire, r.reason = recipient.msisdn, None
        else:
            r.wire, r.reason = None, issue.reason


def load_individual_rows(path: str) -> list[Row]:
    """Every data record of an individual CSV with its file line (blocking:
    call it in a worker). Header and quoting problems raise InputError with
    the reader's own wording."""
    rows = [Row(line, number, message) for line, number, message in recipients_mod.read_individual_rows(path)]
    validate_rows(rows)
    return rows
