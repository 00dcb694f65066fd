"""Recipient sources as the compose form reads them: number files, a saved
group seen as an import, individual (msisdn,message) rows the operator can
fix one by one, mail merges and cost estimates.

Every function that reads a file or walks many rows is async and does its
work in a thread (or, for a big number file, a child process); the pure,
small ones are plain functions.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from ..core import mailmerge, msisdn, recipients, smstext
from ..core.errors import InputError
from ..core.imports import (
    ImportIssue,
    ImportRecord,
    ImportReport,
    decode_bytes,
    parse_table_text,
    parse_text_list,
    read_recipients,
)
from ..core.imports.child import import_in_child
from ..core.lists import Group
from ..core.mailmerge import CostComparison, MergeResult, Template
from ..core.models import Recipient
from ..core.msisdn import ParsedNumbers, operator_of, parse_numbers
from ..core.service import Draft, Estimate, estimate

__all__ = [
    "CostComparison", "ImportIssue", "ImportRecord", "ImportReport", "IndividualFile", "MergeResult",
    "ParsedNumbers", "Row", "Template", "compare_costs", "estimate_of", "group_report", "judge_rows", "merge",
    "parse_text_list", "parse_typed", "read_individual", "read_numbers",
    # blocking, for the CLI (the TUI reads files through read_numbers/read_individual)
    "read_recipients",
]

XLSX = (".xlsx", ".xlsm")
REQUIRED_COLUMNS = (recipients.MSISDN_COLUMN, recipients.MESSAGE_COLUMN)
# Rows judged on the event loop up to this many; more go to a thread.
SYNC_JUDGE_ROWS = 5000


@dataclass
class Row:
    """One record of an individual CSV, as the operator can edit it."""

    line: int  # 1-based file line where the record starts: its stable key
    number: str
    message: str | None
    wire: str | None = None
    reason: str | None = None  # None: sent
    duplicate_of: int | None = None  # the earlier line with the same number
    # the record's fault as the file holds it (more cells than the header):
    # it stands until the operator fixes the row
    fault: str = ""

    @property
    def valid(self) -> bool:
        return self.reason is None


def validate_rows(rows: Sequence[Row]) -> None:
    """Judge every row with the CSV reader's own rule, so a fixed row is
    judged exactly like a loaded one. A repeated number keeps its first row."""
    seen: dict[str, int] = {}
    for r in rows:
        if r.fault:
            r.wire, r.reason, r.duplicate_of = None, r.fault, None
            continue
        recipient, issue, dup = recipients.judge_individual_row(r.number, r.message, r.line, seen)
        if recipient is not None:
            r.wire, r.reason, r.duplicate_of = recipient.msisdn, None, None
        else:
            r.wire = None
            r.reason = issue.reason if issue is not None else "invalid"
            r.duplicate_of = seen.get(_wire_or_none(r.number) or "") if dup else None


def _wire_or_none(number: str) -> str | None:
    try:
        return msisdn.normalize(number)
    except Exception:
        return None


async def judge_rows(rows: Sequence[Row]) -> None:
    if len(rows) > SYNC_JUDGE_ROWS:
        await asyncio.to_thread(validate_rows, rows)
    else:
        validate_rows(rows)


@dataclass
class IndividualFile:
    """An individual-mode file read once: its rows when it has msisdn and
    message columns, and the same table as a mail-merge source."""

    name: str  # the file's base name, as the form shows it
    rows: list[Row] | None  # None: not a msisdn,message CSV (see rows_error / missing)
    source: ImportReport | None  # None: not readable as a table (see source_error)
    missing: tuple[str, ...] = ()  # required columns its header lacks
    rows_error: str = ""
    source_error: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def error(self) -> str:
        """Why nothing at all could be read ("" when something was)."""
        if self.rows is None and self.source is None:
            return self.rows_error or self.source_error
        return ""


def _rows_of(text: str, source: str) -> list[Row]:
    """Every data record with its first file line; header and quoting
    problems raise the CSV reader's own InputError."""
    rows = [Row(line, number, message, fault=fault)
            for line, number, message, fault in recipients.individual_rows(text, source)]
    validate_rows(rows)
    return rows


def _read_individual(path: str, column: str | None, sheet: str | None) -> IndividualFile:
    full = os.path.expanduser(path)
    name = os.path.basename(full)
    if os.path.splitext(full)[1].lower() in XLSX or column or sheet:
        try:
            return IndividualFile(name, None, read_recipients(full, column=column, sheet=sheet))
        except InputError as exc:
            return IndividualFile(name, None, None, source_error=str(exc))
    try:
        data = recipients.read_file_bytes(full)
        text, encoding, warnings = decode_bytes(data, full)
    except InputError as exc:
        return IndividualFile(name, None, None, rows_error=str(exc), source_error=str(exc))
    header = recipients.individual_header(text)
    missing = tuple(c for c in REQUIRED_COLUMNS if c not in header)
    rows: list[Row] | None = None
    rows_error = ""
    if not missing:
        try:
            rows = _rows_of(text, full)
        except InputError as exc:
            rows_error = str(exc)
    source: ImportReport | None = None
    source_error = ""
    try:
        source = parse_table_text(text, full, encoding=encoding)
        source.warnings[:0] = warnings
    except InputError as exc:
        source_error = str(exc)
    return IndividualFile(name, rows, source, missing, rows_error, source_error, warnings)


async def read_individual(path: str, column: str = "", sheet: str = "") -> IndividualFile:
    """Read an individual-mode file once; never raises for its content."""
    return await asyncio.to_thread(_read_individual, path, column or None, sheet or None)


async def read_numbers(path: str, column: str = "", sheet: str = "", *,
                       progress: Callable[[int, int], None] | None = None,
                       cancelled: Callable[[], bool] | None = None) -> ImportReport | None:
    """A number file read in a child process (a million lines must not hold
    the interpreter lock the form's keys need); None when ``cancelled()``
    became true first. InputError for an unreadable file."""
    try:
        full = os.path.expanduser(path)  # noqa: ASYNC240 - no I/O: a string operation
        return await import_in_child(full, column=column or None, sheet=sheet or None,
                                     progress=progress, cancelled=cancelled)
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"cannot read {path}: {exc}") from None


def group_report(group: Group) -> ImportReport:
    """A saved group seen as an import, so both feed the same code."""
    info = group.info
    rep = ImportReport(source=f"group {info.name}", kind="group", columns=list(info.columns),
                       rows_read=info.members, valid=info.members, records=list(group.records))
    for r in group.records:
        rep.operators[operator_of(r.msisdn)] += 1
    return rep


async def parse_typed(text: str) -> ParsedNumbers:
    """Typed or pasted numbers, parsed in a thread (for big pastes)."""
    return await asyncio.to_thread(parse_numbers, text)


async def merge(template: Template, source: ImportReport, *, name: str = "",
                transliterate: bool = False) -> MergeResult:
    transform = smstext.transliterate if transliterate else None
    return await asyncio.to_thread(lambda: mailmerge.merge(template, source.records, source.columns,
                                                           source=name, transform=transform))


async def estimate_of(recipients_: Iterable[Recipient] | Sequence[Recipient], message: str | None = None) -> Estimate:
    draft = Draft("", list(recipients_) if not isinstance(recipients_, list) else recipients_, message)
    return await asyncio.to_thread(estimate, draft)


async def compare_costs(recipients_: list[Recipient]) -> CostComparison:
    return await asyncio.to_thread(mailmerge.compare_costs, Draft("", recipients_, None))
