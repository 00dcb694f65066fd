"""Personal messages by mail merge, and the cost of cheaper text.

A template holds ``{column}`` placeholders (``{{`` and ``}}`` for literal
braces), filled from each row's fields (an import's or a saved group's). A
placeholder naming no column is an InputError before anything else; a row
whose value is empty is reported and left out, never sent with a hole.

Transliteration (:func:`smstext.transliterate`) is only ever applied on
request: :func:`compare_costs` shows the cost both ways so that the operator
chooses.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from . import smstext
from .errors import InputError
from .imports import ImportIssue, ImportRecord
from .models import Recipient
from .xmlchars import describe_char, find_illegal

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
    parts: tuple  # str (literal text) or _Field
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
    parts: list = []
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
    recipients: list[Recipient] = field(default_factory=list)
    rows: list[MergedRow] = field(default_factory=list)
    problems: list[ImportIssue] = field(default_factory=list)  # rows left out, with why
    units: int = 0  # total segments of every message
    longest: int = 0
    encodings: Counter = field(default_factory=Counter)

    def preview(self, n: int = 3) -> list[MergedRow]:
        return self.rows[:n]

    @property
    def encoding(self) -> str:
        if not self.encodings:
            return "GSM-7"
        return next(iter(self.encodings)) if len(self.encodings) == 1 else "mixed"


def _resolve(fields: Iterable[str], columns: list[str], source: str) -> dict[str, str]:
    """Placeholder -> column name, matched without case; InputError if absent."""
    by_lower = {c.strip().lower(): c for c in columns}
    out = {}
    missing = []
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
        raise InputError(f"template placeholder(s) {names} name no column{src} (columns: {cols})")
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
    res = MergeResult()
    seg = smstext.segments
    gsm = smstext.is_gsm7
    for rec in records:
        out = []
        missing = []
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
        res.recipients.append(Recipient(rec.msisdn, message))
        res.rows.append(MergedRow(rec.row, rec.msisdn, message, s, enc))
        res.units += s
        res.longest = max(res.longest, s)
        res.encodings[enc] += 1
    return res


def problem_line(issue: ImportIssue, unit: str = "row") -> str:
    col = f", column {issue.column!r}" if issue.column else ""
    return f"{unit} {issue.row}{col} ({issue.raw}): {issue.reason}"


# --------------------------------------------------------------------------
# cheaper text


def transliterate_draft(draft):
    """A copy of ``draft`` with every message transliterated to GSM-7 stand-ins."""
    if draft.message is not None:
        return replace(draft, message=smstext.transliterate(draft.message))
    tr = smstext.transliterate
    return replace(draft, recipients=[Recipient(r.msisdn, tr(r.message or "")) for r in draft.recipients])


@dataclass
class CostComparison:
    as_typed: object  # service.Estimate
    transliterated: object  # service.Estimate
    changed: bool  # transliteration changes at least one message
    still_ucs2: tuple[str, ...]  # characters transliteration cannot replace
    individual: bool = False

    @property
    def saving(self) -> int:
        return self.as_typed.units - self.transliterated.units

    def line(self) -> str:
        return (f"as typed: {format_cost(self.as_typed, self.individual)}; "
                f"transliterated: {format_cost(self.transliterated, self.individual)}")


def format_cost(est, individual: bool = False) -> str:
    """``UCS-2 3 segments, 3,000 units`` (bulk) or ``UCS-2, up to 3 segments, ...``
    (individual messages: the longest one's segments)."""
    seg = "segment" if est.segments == 1 else "segments"
    units = f"{est.units:,} unit" + ("" if est.units == 1 else "s")
    if individual and est.recipients > 1:
        return f"{est.encoding}, up to {est.segments} {seg}, {units}"
    return f"{est.encoding} {est.segments} {seg}, {units}"


def compare_costs(draft) -> CostComparison:
    """The campaign's cost as typed and transliterated (nothing is changed)."""
    from .service import estimate

    typed = estimate(draft)
    tdraft = transliterate_draft(draft)
    trans = estimate(tdraft)
    if draft.message is not None:
        changed = tdraft.message != draft.message
        texts = [tdraft.message]
    else:
        changed = any(a.message != b.message for a, b in zip(draft.recipients, tdraft.recipients))
        texts = [r.message or "" for r in tdraft.recipients[:1000]]
    left: dict[str, None] = {}
    for t in texts:
        for _, ch in smstext.analyze(t).ucs2_chars:
            left.setdefault(ch)
    return CostComparison(typed, trans, changed, tuple(left), draft.individual)
