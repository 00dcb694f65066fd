"""The cost of cheaper text: a campaign's units as typed and transliterated
to GSM-7 stand-ins (:func:`smstext.transliterate`), shown so that the
operator chooses; nothing is changed unless asked."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from . import smstext
from .models import Recipient
from .packed import PackedRecipients

if TYPE_CHECKING:  # the service imports this module: its types only, for the checker
    from .service import Draft, Estimate

__all__ = ["CostComparison", "compare_costs", "format_cost", "transliterate_draft", "transliterate_long"]


def _transliterated_batches(recipients: PackedRecipients,
                            step: int = 4096) -> Iterator[tuple[int, int, list[str], list[str]]]:
    """(a, b, messages, transliterated) of packed individual recipients. The
    batch is transliterated as one text: transliteration works character by
    character and keeps NUL, which no message holds."""
    for a in range(0, len(recipients), step):
        b = min(a + step, len(recipients))
        texts = recipients.messages(a, b) or []
        yield a, b, texts, transliterate_long("\x00".join(texts)).split("\x00") if texts else []


def transliterate_long(text: str) -> str:
    """``smstext.transliterate(text)``, faster on a long text. That works
    character by character, so the few distinct characters it changes are
    replaced one after the other (each a C pass), instead of a dictionary
    lookup per character of the text."""
    changed = {c: t for c in set(text) if (t := smstext.transliterate(c)) != c}
    if any(k in v for v in changed.values() for k in changed):
        # a stand-in holding a character replaced too: one pass, exactly
        return smstext.transliterate(text)
    for c, t in changed.items():
        text = text.replace(c, t)
    return text


def transliterate_draft(draft: Draft) -> Draft:
    """A copy of ``draft`` with every message transliterated to GSM-7 stand-ins."""
    if draft.message is not None:
        return replace(draft, message=smstext.transliterate(draft.message))
    tr = smstext.transliterate
    rs = draft.recipients
    if isinstance(rs, PackedRecipients):
        out = PackedRecipients(individual=True)
        nums = rs.numbers()
        for a, b, _, texts in _transliterated_batches(rs):
            for m, t in zip(nums[a:b], texts, strict=True):
                out.append(Recipient(str(m), t))
        return replace(draft, recipients=out)
    return replace(draft, recipients=[Recipient(r.msisdn, tr(r.message or "")) for r in rs])


@dataclass
class CostComparison:
    as_typed: Estimate
    transliterated: Estimate
    changed: bool  # transliteration changes at least one message
    still_ucs2: tuple[str, ...]  # characters transliteration cannot replace
    individual: bool = False

    @property
    def saving(self) -> int:
        return self.as_typed.units - self.transliterated.units

    def line(self) -> str:
        return (f"as typed: {format_cost(self.as_typed, self.individual)}; "
                f"transliterated: {format_cost(self.transliterated, self.individual)}")


def format_cost(est: Estimate, individual: bool = False) -> str:
    """``UCS-2 3 segments, 3,000 units`` (bulk) or ``UCS-2, up to 3 segments, ...``
    (individual messages: the longest one's segments)."""
    seg = "segment" if est.segments == 1 else "segments"
    units = f"{est.units:,} unit" + ("" if est.units == 1 else "s")
    if individual and est.recipients > 1:
        return f"{est.encoding}, up to {est.segments} {seg}, {units}"
    return f"{est.encoding} {est.segments} {seg}, {units}"


def compare_costs(draft: Draft) -> CostComparison:
    """The campaign's cost as typed and transliterated (nothing is changed)."""
    from .service import Estimate, estimate

    typed = estimate(draft)
    left: dict[str, None] = {}  # characters still UCS-2, in order of appearance
    if draft.message is None and isinstance(draft.recipients, PackedRecipients):
        # A million personal messages: counted over their buffer, never
        # transliterated one by one nor held twice.
        total, longest, any_gsm, any_ucs2, changed = draft.recipients.transformed_stats(smstext.transliterate)
        for text in draft.recipients.messages(0, min(1000, len(draft.recipients))) or []:
            for _, ch in smstext.analyze(smstext.transliterate(text)).ucs2_chars:
                left.setdefault(ch)
        encoding = "mixed" if any_gsm and any_ucs2 else ("UCS-2" if any_ucs2 else "GSM-7")
        trans = Estimate(len(draft.recipients), encoding, longest, total)
        return CostComparison(typed, trans, changed, tuple(left), True)
    tdraft = transliterate_draft(draft)
    trans = estimate(tdraft)
    if draft.message is not None:
        changed = tdraft.message != draft.message
        texts = [tdraft.message or ""]
    else:
        changed = any(a.message != b.message for a, b in zip(draft.recipients, tdraft.recipients, strict=True))
        texts = [r.message or "" for r in tdraft.recipients[:1000]]
    for t in texts:
        for _, ch in smstext.analyze(t).ucs2_chars:
            left.setdefault(ch)
    return CostComparison(typed, trans, changed, tuple(left), draft.individual)
