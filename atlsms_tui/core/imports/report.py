"""What an import found: the report an operator reads (CLI and TUI) and the
records kept. Issues of each kind are kept up to a fixed number and counted
beyond it, so that a file of a million bad or repeated rows stays small."""

from __future__ import annotations

from abc import abstractmethod
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from ..models import Recipient
from ..packed import PackedRecipients

OPERATORS = ("Azercell", "Bakcell", "Nar", "Naxtel", "other")

# Issues kept per kind; the report says how many more there were. More than
# an operator reads, few enough that a file of two million repeated rows
# costs kilobytes, not gigabytes.
MAX_ISSUES = 1000


@dataclass
class ImportIssue:
    row: int  # 1-based file line (number lists) or spreadsheet row (tables)
    column: str | int | None  # column name (tables) or 1-based character position (lists), or None
    raw: str
    reason: str


class IssueList(list[ImportIssue]):
    """Issues of one kind: the first MAX_ISSUES kept, every one counted in
    ``total`` (``len`` is what is kept)."""

    def __init__(self, items: Iterable[ImportIssue] = (), limit: int | None = None) -> None:
        super().__init__()
        self.limit = MAX_ISSUES if limit is None else limit
        self.total = 0
        self.extend(items)

    def append(self, issue: ImportIssue) -> None:
        self.total += 1
        if len(self) < self.limit:
            super().append(issue)

    def extend(self, issues: Iterable[ImportIssue]) -> None:
        for i in issues:
            self.append(i)

    def add_uncounted(self, n: int) -> None:
        """``n`` more issues counted without being kept."""
        self.total += n

    def __reduce__(self) -> tuple[Callable[[list[ImportIssue], int, int], IssueList],
                                  tuple[list[ImportIssue], int, int]]:
        # pickle would append the items before restoring ``total``
        return _restore_issues, (list(self), self.limit, self.total)


def _restore_issues(items: list[ImportIssue], limit: int, total: int) -> IssueList:
    issues = IssueList(limit=limit)
    list.extend(issues, items)
    issues.total = total
    return issues


def count_of(issues: Sequence[ImportIssue]) -> int:
    """How many issues there were (a plain list keeps them all)."""
    return issues.total if isinstance(issues, IssueList) else len(issues)


@dataclass
class ImportRecord:
    msisdn: str  # wire form
    fields: dict[str, str]  # the row's cells by column name (empty for number lists)
    row: int = 0

    def recipient(self) -> Recipient:
        return Recipient(self.msisdn)


class ColumnRecords(Sequence[ImportRecord]):
    """Records of an import held as columns (a number list's or a table's):
    their wire numbers come out as one integer array."""

    __slots__ = ()

    @abstractmethod
    def numbers(self) -> array[int]:
        """The wire numbers as 64-bit integers (shared, do not modify)."""


@dataclass
class ImportReport:
    source: str = ""
    kind: str = "list"  # "list", "csv" or "xlsx"
    encoding: str | None = None  # as read, e.g. "UTF-16"; None for xlsx
    delimiter: str | None = None
    sheet: str | None = None
    header: bool = False
    columns: list[str] = field(default_factory=list)
    number_column: str | None = None
    rows_read: int = 0  # entries (lists) or non-blank data rows (tables)
    valid: int = 0  # unique valid numbers kept (== len(records))
    normalised: int = 0  # of those, how many were written otherwise than 994XXXXXXXXX
    duplicates: int = 0
    invalid: IssueList = field(default_factory=IssueList)
    duplicate_rows: IssueList = field(default_factory=IssueList)
    recovered: IssueList = field(default_factory=IssueList)  # spreadsheet damage undone
    operators: Counter[str] = field(default_factory=lambda: Counter({op: 0 for op in OPERATORS}))
    # ColumnRecords from a file; a plain list for a saved group.
    records: Sequence[ImportRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def unit(self) -> str:
        return "line" if self.kind == "list" else "row"

    @property
    def invalid_count(self) -> int:
        return count_of(self.invalid)

    @property
    def recipients(self) -> Sequence[Recipient]:
        if isinstance(self.records, ColumnRecords):
            return PackedRecipients.from_numbers(self.records.numbers())
        return [Recipient(r.msisdn) for r in self.records]

    def describe_source(self) -> str:
        bits = []
        if self.kind == "xlsx":
            bits.append(f"sheet {self.sheet!r}")
        else:
            if self.encoding:
                bits.append(self.encoding)
            if self.kind == "csv":
                bits.append("tab-separated" if self.delimiter == "\t" else f"delimiter {self.delimiter!r}")
        if self.kind != "list":
            bits.append("header" if self.header else "no header")
            if self.number_column is not None:
                bits.append(f"numbers in column {self.number_column!r}")
        return f"{self.source} ({', '.join(bits)})" if bits else self.source

    def summary(self) -> str:
        noun = "entries" if self.kind == "list" else "rows"
        dup = "duplicate" if self.duplicates == 1 else "duplicates"
        return (
            f"{self.rows_read:,} {noun} read, {self.valid:,} valid, {self.normalised:,} normalised, "
            f"{self.duplicates:,} {dup} removed, {self.invalid_count:,} invalid"
        )

    def operator_line(self) -> str:
        return ", ".join(f"{op} {self.operators.get(op, 0):,}" for op in OPERATORS)

    def issue_line(self, issue: ImportIssue) -> str:
        where = f"{self.unit} {issue.row}"
        if issue.column is not None:
            where += f", column {issue.column}" if self.kind == "list" else f", column {issue.column!r}"
        return f"{where}: {issue.raw!r}: {issue.reason}"

    def lines(self, limit: int = 50) -> list[str]:
        """The report as an operator reads it (CLI and TUI)."""
        out = [f"{self.describe_source()}: {self.summary()}"]
        out += [f"  warning: {w}" for w in self.warnings]
        out.append(f"  operators: {self.operator_line()}")
        for title, issues in (
            ("invalid, not sent to", self.invalid),
            ("recovered from spreadsheet damage", self.recovered),
            ("duplicates removed", self.duplicate_rows),
        ):
            if not issues:
                continue
            out.append(f"  {title}:")
            out += [f"    {self.issue_line(i)}" for i in issues[:limit]]
            if count_of(issues) > limit:
                out.append(f"    ... and {count_of(issues) - limit:,} more")
        return out

    def as_json(self) -> dict[str, object]:
        return {
            "source": self.source,
            "kind": self.kind,
            "rows_read": self.rows_read,
            "valid": self.valid,
            "normalised": self.normalised,
            "duplicates": self.duplicates,
            "invalid": [
                {"row": i.row, "column": i.column, "raw": i.raw, "reason": i.reason} for i in self.invalid
            ],
            "operators": {op: self.operators.get(op, 0) for op in OPERATORS},
            **({"invalid_not_listed": self.invalid_count - len(self.invalid)}
               if self.invalid_count > len(self.invalid) else {}),
        }
