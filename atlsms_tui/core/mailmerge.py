"""Personal messages by mail merge, and the cost of cheaper text.

A template holds ``{column}`` placeholders (``{{`` and ``}}`` for literal
braces), filled from each row's fields (an import's or a saved group's). A
placeholder naming no column is an InputError before anything else; a row
whose value is empty is reported and left out, never sent with a hole.

Transliteration (:func:`smstext.transliterate`) is only ever applied on
request: :func:`compare_costs` (in :mod:`textcost`) shows the cost both ways
so that the operator chooses.
"""

from __future__ import annotations

import re
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, repeat
from operator import add
from typing import overload

from . import smstext
from .errors import InputError
from .imports import ImportIssue, ImportRecord
from .imports.records import TableRecords
from .imports.report import IssueList
from .models import Recipient
from .packed import SEP, PackedRecipients
from .xmlchars import cells_checked, describe_char, encode_checked, find_illegal

__all__ = [
    "Template",
    "MergedRow",
    "MergeResult",
    "parse_template",
    "merge",
    "CostComparison",
    "compare_costs",
    "transliterate_draft",
    "format_cost",
]

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


@dataclass(frozen=True)
class Template:
    body: str
    parts: tuple[str | _Field, ...]  # literal text, or a placeholder
    fields: tuple[str, ...]  # placeholder names, first-use order, unique

    @property
    def personal(self) -> bool:
        return bool(self.fields)

    def literal(self) -> str:
        """The text of a template without placeholders (braces unescaped)."""
        return "".join(p for p in self.parts if isinstance(p, str))


@dataclass(frozen=True)
class _Field:
    name: str


def parse_template(body: str, what: str = "template") -> Template:
    """Parse ``body``; InputError names the character of a stray brace."""
    parts: list[str | _Field] = []
    fields: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(body):
        if m.start() > pos:
            parts.append(body[pos:m.start()])
        tok = m.group()
        if tok == "{{":
            parts.append("{")
        elif tok == "}}":
            parts.append("}")
        elif tok == "{":
            raise InputError(f"{what}: '{{' at character {m.start() + 1} has no closing '}}' "
                             "(write '{{' for a literal brace)")
        elif tok == "}":
            raise InputError(f"{what}: '}}' at character {m.start() + 1} has no opening '{{' "
                             "(write '}}' for a literal brace)")
        else:
            name = m.group(1).strip()
            if not name:
                raise InputError(f"{what}: empty placeholder '{{}}' at character {m.start() + 1}")
            parts.append(_Field(name))
            if name not in fields:
                fields.append(name)
        pos = m.end()
    if pos < len(body):
        parts.append(body[pos:])
    bad = find_illegal(body)
    if bad is not None:
        raise InputError(f"{what}: {describe_char(bad[1])} at character {bad[0] + 1} cannot be sent")
    return Template(body, tuple(parts), tuple(fields))


@dataclass
class MergedRow:
    row: int
    msisdn: str
    message: str
    segments: int
    encoding: str


@dataclass
class MergeResult:
    recipients: Sequence[Recipient] = field(default_factory=list)  # packed over columns
    rows: Sequence[MergedRow] = field(default_factory=list)
    problems: list[ImportIssue] = field(default_factory=list)  # rows left out, with why
    units: int = 0  # total segments of every message
    longest: int = 0
    encodings: Counter[str] = field(default_factory=Counter)

    def preview(self, n: int = 3) -> list[MergedRow]:
        return list(self.rows[:n])

    @property
    def encoding(self) -> str:
        if not self.encodings:
            return "GSM-7"
        return next(iter(self.encodings)) if len(self.encodings) == 1 else "mixed"


def _resolve(fields: Iterable[str], columns: list[str], source: str) -> dict[str, str]:
    """Placeholder -> column name, matched without case; InputError if absent."""
    by_lower = {c.strip().lower(): c for c in columns}
    out: dict[str, str] = {}
    missing: list[str] = []
    for f in fields:
        col = by_lower.get(f.lower())
        if col is None:
            missing.append(f)
        else:
            out[f] = col
    if missing:
        names = ", ".join("{" + f + "}" for f in missing)
        cols = ", ".join(repr(c) for c in columns) or "none"
        src = f" of {source}" if source else ""
        raise InputError(f"template {'placeholder' if len(missing) == 1 else 'placeholders'} {names} name no column{src} (columns: {cols})")
    return out


def merge(
    template: Template,
    records: Iterable[ImportRecord],
    columns: list[str],
    *,
    source: str = "",
    transform: Callable[[str], str] | None = None,
    unit: str = "row",
) -> MergeResult:
    """One message per record. ``transform`` (e.g. transliterate) is applied
    to each merged message."""
    mapping = _resolve(template.fields, columns, source)
    if isinstance(records, TableRecords) and all(records.values(c, 0, 0) is not None for c in mapping.values()):
        return _merge_one_column(template, records, mapping, transform) or \
            _merge_columns(template, records, mapping, transform)
    recipients: list[Recipient] = []
    merged: list[MergedRow] = []
    res = MergeResult(recipients=recipients, rows=merged)
    seg = smstext.segments
    gsm = smstext.is_gsm7
    for rec in records:
        out: list[str] = []
        missing: list[str] = []
        for p in template.parts:
            if isinstance(p, str):
                out.append(p)
                continue
            value = rec.fields.get(mapping[p.name], "")
            value = value.strip() if value else ""
            if not value:
                missing.append(mapping[p.name])
            out.append(value)
        if missing:
            res.problems.append(ImportIssue(
                rec.row, missing[0], rec.msisdn,
                "no value for " + ", ".join("{" + m + "}" for m in dict.fromkeys(missing)) + ": not sent",
            ))
            continue
        message = "".join(out)
        if transform is not None:
            message = transform(message)
        if not message.strip():
            res.problems.append(ImportIssue(rec.row, None, rec.msisdn, "the message is empty: not sent"))
            continue
        bad = find_illegal(message)
        if bad is not None:
            res.problems.append(ImportIssue(
                rec.row, None, rec.msisdn,
                f"the message holds {describe_char(bad[1])} at character {bad[0] + 1}, "
                "which cannot be sent",
            ))
            continue
        s = seg(message)
        enc = "GSM-7" if gsm(message) else "UCS-2"
        recipients.append(Recipient(rec.msisdn, message))
        merged.append(MergedRow(rec.row, rec.msisdn, message, s, enc))
        res.units += s
        res.longest = max(res.longest, s)
        res.encodings[enc] += 1
    return res


class MergedRows(Sequence[MergedRow]):
    """The rows of a merge over columns, built when read (a preview reads a
    few of a million)."""

    def __init__(self, recipients: PackedRecipients, rows: array[int]) -> None:
        self._recipients = recipients
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def _row(self, i: int) -> MergedRow:
        r = self._recipients[i]
        message = r.message or ""
        return MergedRow(self._rows[i], r.msisdn, message, smstext.segments(message),
                         "GSM-7" if smstext.is_gsm7(message) else "UCS-2")

    @overload
    def __getitem__(self, i: int) -> MergedRow: ...
    @overload
    def __getitem__(self, i: slice) -> list[MergedRow]: ...

    def __getitem__(self, i: int | slice) -> MergedRow | list[MergedRow]:
        if isinstance(i, slice):
            return [self._row(j) for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._row(i)




# The template over a batch: literal text, or the position of a column in it.
_Parts = list[str | int]


def _whole_batch(parts: _Parts, batch: list[list[str]], transform: Callable[[str], str] | None) -> list[str] | None:
    """The messages of a batch when every value of it is present: joined in
    C. None when some row needs judging alone. A message can then be blank
    only if the template has no field (values are kept stripped: a present
    one is not blank); what it holds is checked on its bytes
    (:func:`_encode_batch`)."""
    if transform is not None or not batch or any("" in values for values in batch):
        return None
    if all(isinstance(p, str) for p in parts) and not "".join(map(str, parts)).strip():
        return None
    columns = [repeat(p) if isinstance(p, str) else batch[p] for p in parts]
    return list(map("".join, zip(*columns, strict=False)))  # literal parts repeat without end


def _judge_rows(parts: _Parts, names: list[str], batch: list[list[str]], nums: array[int], a: int,
                rows: array[int], transform: Callable[[str], str] | None,
                problems: list[ImportIssue]) -> tuple[list[int], list[int], list[str]]:
    """A batch row by row, as :func:`merge` judges a record: (numbers,
    rows, messages) of those sent; the others go to ``problems``."""
    take_nums: list[int] = []
    take_rows: list[int] = []
    messages: list[str] = []
    for j in range(len(rows)):
        out = [p if isinstance(p, str) else batch[p][j] for p in parts]
        missing = [names[p] for p in parts if not isinstance(p, str) and not batch[p][j]]
        if missing:
            problems.append(ImportIssue(
                rows[j], missing[0], str(nums[a + j]),
                "no value for " + ", ".join("{" + m + "}" for m in dict.fromkeys(missing)) + ": not sent",
            ))
            continue
        message = "".join(out)
        if transform is not None:
            message = transform(message)
        if not message.strip():
            problems.append(ImportIssue(rows[j], None, str(nums[a + j]), "the message is empty: not sent"))
            continue
        bad = find_illegal(message)
        if bad is not None:
            problems.append(ImportIssue(
                rows[j], None, str(nums[a + j]),
                f"the message holds {describe_char(bad[1])} at character {bad[0] + 1}, "
                "which cannot be sent",
            ))
            continue
        take_nums.append(nums[a + j])
        take_rows.append(rows[j])
        messages.append(message)
    return take_nums, take_rows, messages


def _merge_one_column(template: Template, records: TableRecords, mapping: dict[str, str],
                      transform: Callable[[str], str] | None) -> MergeResult | None:
    """A template that is one placeholder (``{message}`` of an individual
    CSV) over a column whose every row is sent as it is: the recipients
    share the import's buffer instead of copying a hundred megabytes. None
    when some row must be judged or changed."""
    only = template.parts[0] if len(template.parts) == 1 else None
    if transform is not None or not isinstance(only, _Field):
        return None
    name = mapping[only.name]
    buf = records.buffer(name)
    # every value present (kept stripped by the import) and sendable: told
    # from the column's bytes at once
    if buf is None or not cells_checked(buf[0], len(records)):
        return None
    res = MergeResult(problems=IssueList())
    n = len(records)
    packed = PackedRecipients.from_buffers(records.numbers(), *buf)
    res.recipients = packed
    res.rows = MergedRows(packed, records.rows(0, n))
    _count(res, packed)
    return res


def _count(res: MergeResult, packed: PackedRecipients) -> None:
    """Units, longest and encodings of the messages sent (counted once, for
    the campaign's later estimates too)."""
    if not packed:
        return
    res.units, res.longest, _, _ = packed.segment_stats()
    ucs2 = packed.ucs2_count()
    if ucs2:
        res.encodings["UCS-2"] += ucs2
    if len(packed) - ucs2:
        res.encodings["GSM-7"] += len(packed) - ucs2


def _merge_columns(template: Template, records: TableRecords, mapping: dict[str, str],
                   transform: Callable[[str], str] | None) -> MergeResult:
    """:func:`merge` over an import's columns (imports.TableRecords), a
    batch at a time, into packed recipients: the same result without an
    object per row."""
    packed = PackedRecipients(individual=True)
    cols = packed._c
    res = MergeResult(recipients=packed, problems=IssueList())
    kept_rows = array("q")
    names = list(dict.fromkeys(mapping.values()))
    # The template as literal strings and column positions.
    parts: _Parts = [p if isinstance(p, str) else names.index(mapping[p.name]) for p in template.parts]
    n = len(records)
    nums = records.numbers()
    step = 4096
    for a in range(0, n, step):
        b = min(a + step, n)
        # an import keeps its cells stripped (TableSink)
        batch = [records.column(c, a, b) for c in names]
        rows = records.rows(a, b)
        messages = _whole_batch(parts, batch, transform)
        data = None if messages is None else encode_checked(messages)
        take_nums: Sequence[int]
        take_rows: Sequence[int]
        if messages is not None and data is not None:
            take_nums, take_rows = nums[a:b], rows
        else:
            take_nums, take_rows, messages = _judge_rows(parts, names, batch, nums, a, rows, transform,
                                                         res.problems)
            # no message holds a NUL nor a lone surrogate: find_illegal refused them
            data = "\x00".join(messages).encode("utf-8")
        if not messages:
            continue
        # encoded at once, their byte lengths from the bytes split back
        lens = map(len, messages) if data.isascii() else map(len, data.split(SEP))
        base = len(cols.blob)
        cols.blob += data
        cols.blob += SEP
        cols.starts.extend(map(add, accumulate(map(add, lens, repeat(1))), repeat(base)))
        cols.nums.extend(take_nums)
        packed._stop += len(take_nums)
        kept_rows.extend(take_rows)
    res.rows = MergedRows(packed, kept_rows)
    _count(res, packed)
    return res


def problem_line(issue: ImportIssue, unit: str = "row") -> str:
    col = f", column {issue.column!r}" if issue.column else ""
    return f"{unit} {issue.row}{col} ({issue.raw}): {issue.reason}"


# the cost of cheaper text, shown with a merge's result
from .textcost import (  # noqa: E402
    CostComparison,
    compare_costs,
    format_cost,
    transliterate_draft,
)
