"""The individual preview table: CSV rows (invalid first, keyed by their
file line) or the messages of a mail merge (rows left out first)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual.widgets import DataTable

from ....api.recipients import ImportIssue, ImportReport, MergeResult, Row
from ....api.rules import smstext
from ...literal import literal
from .limits import PREVIEW_ROWS
from .oneline import one_line


def left_out(source: ImportReport, merge: MergeResult) -> list[tuple[ImportIssue, str]]:
    """The rows of a mail merge that are not sent, with why: invalid
    numbers, repeated numbers (their message is dropped), missing values."""
    return ([(i, invalid_reason(i)) for i in source.invalid]
            + [(i, "duplicate: " + i.reason + ", its message not sent") for i in source.duplicate_rows]
            + [(p, p.reason) for p in merge.problems])


def invalid_reason(issue: ImportIssue) -> str:
    """Why a row is not sent: a number's fault is named as one; a row's own
    (too many cells, no number at all) is not called an invalid number."""
    if issue.column is None or issue.reason == "missing number":
        return issue.reason
    return "invalid number: " + issue.reason


class PreviewTable(DataTable[object]):
    """Shows rows; the screen's edit row and Del/F8 act on the highlighted one."""

    def __init__(self) -> None:
        super().__init__(id="preview", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.add_columns("Line", "Number", "Seg", "Status", "Message")
        self.border_title = "Preview"

    def show_rows(self, rows: Sequence[Row], transform: Callable[[str], str]) -> None:
        keep = self.cursor_row
        self.clear()
        bad = [r for r in rows if not r.valid]
        good = [r for r in rows if r.valid]
        for r in (bad + good)[:PREVIEW_ROWS]:
            message = transform(r.message or "") if r.valid else (r.message or "")
            status = "ok" if r.valid else literal(r.reason, style="red")
            self.add_row(str(r.line), literal(one_line(r.number, 16)), str(smstext.segments(message)), status,
                         literal(one_line(message, 60)), key=str(r.line))
        if rows:
            self.move_cursor(row=min(keep, len(self.rows) - 1))

    def show_merge(self, source: ImportReport, merge: MergeResult) -> int:
        """The merge's messages after the rows left out; how many are left out."""
        self.clear()
        problems = left_out(source, merge)
        n = 0
        for issue, reason in problems[:PREVIEW_ROWS]:
            # the full reason is in the import report (F10); the table stays narrow
            self.add_row(str(issue.row), literal(one_line(issue.raw, 14)), "",
                         literal(one_line(reason, 36), style="red"), "", key=f"p{n}")
            n += 1
        for row in merge.rows:
            if n >= PREVIEW_ROWS:
                break
            self.add_row(str(row.row), literal(row.msisdn), str(row.segments), "ok",
                         literal(one_line(row.message, 60)), key=f"m{n}")
            n += 1
        return len(problems)

    def highlighted_key(self) -> str | None:
        if not self.row_count:
            return None
        value = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return None if value is None else str(value)
