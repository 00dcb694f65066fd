"""Saved recipient groups, message templates and the opt-out list: their
values and rules. The store keeps them (``Store.lists``, store/lists.py).

Numbers are kept in wire form (``994XXXXXXXXX``). The opt-out list is
applied to every submission; :func:`apply_optouts` is the one place that
decides what it removes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from .errors import InputError
from .imports import ImportRecord
from .mailmerge import parse_template
from .models import Recipient
from .msisdn import NumberError, normalize
from .packed import PackedRecipients
from .wording import plural

__all__ = [
    "DEFAULT_OPTOUT_REASON", "MAX_NAME", "Group", "GroupInfo", "OptOut", "OptOutFilter", "OptOutHit",
    "SavedTemplate", "apply_optouts", "check_name", "check_template", "optout_wires",
]

MAX_NAME = 64
DEFAULT_OPTOUT_REASON = "asked to stop"


def check_name(name: str, what: str) -> str:
    """A group/template name: trimmed, 1..64 printable characters."""
    n = (name or "").strip()
    if not n:
        raise InputError(f"{what} name is empty")
    if len(n) > MAX_NAME:
        raise InputError(f"{what} name {n[:20]!r}... is longer than {MAX_NAME} characters")
    for i, ch in enumerate(n):
        if not ch.isprintable():
            raise InputError(f"{what} name {n!r}: character {i + 1} (U+{ord(ch):04X}) is not printable")
    return n


def check_template(name: str, body: str) -> str:
    """A template's checked name; its body is not empty, its braces balance
    and XML can carry its characters."""
    name = check_name(name, "template")
    if not body or not body.strip():
        raise InputError(f"template {name!r}: the text is empty")
    parse_template(body, f"template {name!r}")
    return name


# --------------------------------------------------------------------------
# groups


@dataclass
class GroupInfo:
    name: str
    members: int
    created: str
    updated: str
    source: str | None
    columns: list[str]


@dataclass
class Group:
    info: GroupInfo
    records: list[ImportRecord] = field(default_factory=list)

    @property
    def recipients(self) -> list[Recipient]:
        return [Recipient(r.msisdn) for r in self.records]


# --------------------------------------------------------------------------
# templates


@dataclass
class SavedTemplate:
    name: str
    body: str
    created: str
    updated: str


# --------------------------------------------------------------------------
# opt-outs


@dataclass
class OptOut:
    msisdn: str
    added: str  # ISO 8601 UTC
    reason: str | None
    source: str | None

    def as_json(self) -> dict[str, str | None]:
        return {"msisdn": self.msisdn, "added": self.added, "reason": self.reason, "source": self.source}


@dataclass
class OptOutHit:
    """A recipient removed from a campaign by the opt-out list."""

    msisdn: str
    reason: str  # why the number is on the list
    added: str

    def line(self) -> str:
        return f"{self.msisdn}: on the opt-out list since {self.added[:10]} ({self.reason})"


@dataclass
class OptOutFilter:
    kept: Sequence[Recipient]
    removed: list[OptOutHit]

    def reasons(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for h in self.removed:
            out[h.reason] = out.get(h.reason, 0) + 1
        return out

    def summary(self) -> str:
        if not self.removed:
            return "no recipient is on the opt-out list"
        why = ", ".join(f"{reason}: {n:,}" for reason, n in self.reasons().items())
        return f"{plural(len(self.removed), 'recipient')} removed: on the opt-out list ({why})"

    def __iter__(self) -> Iterator[Sequence[Recipient] | list[OptOutHit]]:  # kept, removed = filter_optouts(...)
        return iter((self.kept, self.removed))


def _wire(raw: str) -> str:
    if len(raw) == 12 and raw.isdigit() and raw.startswith("994"):
        return raw
    try:
        return normalize(raw)
    except NumberError as exc:
        raise InputError(f"opt-out number {exc.raw!r}: {exc.reason}") from None


def optout_wires(numbers: Iterable[str]) -> list[str]:
    """Numbers in any form, in wire form without repeats; every one checked
    (InputError naming the first bad one) before any is used."""
    return list(dict.fromkeys(_wire(n) for n in numbers))


def apply_optouts(blocked: dict[str, tuple[str, str]], recipients: Sequence[Recipient]) -> OptOutFilter:
    """``recipients`` without the numbers in ``blocked`` (wire number ->
    (reason, added)), and why each removed one was removed. The list is
    returned as is when nothing matches."""
    if not blocked:
        return OptOutFilter(recipients, [])
    get = blocked.get
    if isinstance(recipients, PackedRecipients):
        # a million packed numbers are checked as integers, without a
        # Recipient per row
        wanted = {int(m) for m in blocked if m.isdigit()}
        if wanted.isdisjoint(recipients.numbers()):
            return OptOutFilter(recipients, [])
    elif not any(get(r.msisdn) for r in recipients):
        return OptOutFilter(recipients, [])
    kept: list[Recipient] = []
    removed: list[OptOutHit] = []
    for r in recipients:
        hit = get(r.msisdn)
        if hit is None:
            kept.append(r)
        else:
            removed.append(OptOutHit(r.msisdn, hit[0], hit[1]))
    if isinstance(recipients, PackedRecipients):
        return OptOutFilter(PackedRecipients(kept, individual=recipients.individual), removed)
    return OptOutFilter(kept, removed)
