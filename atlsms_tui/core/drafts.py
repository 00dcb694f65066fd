"""A campaign as the operator composed it, checked and estimated before
anything is journalled."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from . import baku, smstext
from .errors import InputError
from .models import Recipient, Units
from .packed import PackedRecipients, columns_of, messages_of
from .settings import Preferences

MAX_TITLE = 11


@dataclass(slots=True)
class Draft:
    """A campaign as the operator composed it."""

    title: str
    # a list, or PackedRecipients standing for one (see as_list)
    recipients: Sequence[Recipient]
    message: str | None = None  # the bulk message; None for individual messages
    scheduled: datetime | None = None  # None: send now
    # the mail-merge template the messages were made from, if any: with the
    # title, what the repeat guard calls "the same text"
    template: str | None = None

    @property
    def individual(self) -> bool:
        return self.message is None


@dataclass(slots=True)
class Estimate:
    recipients: int
    encoding: str  # "GSM-7", "UCS-2" or "mixed"
    segments: int  # of the bulk message; of the longest individual message
    units: int
    balance: Units | None = None

    @property
    def balance_after(self) -> int | None:
        return None if self.balance is None else self.balance.units - self.units

    @property
    def affordable(self) -> bool | None:
        return None if self.balance is None else self.balance.units >= self.units


def estimate(draft: Draft, balance: Units | None = None) -> Estimate:
    n = len(draft.recipients)
    if draft.message is not None:
        info = smstext.analyze(draft.message)
        return Estimate(n, info.encoding, info.segments, info.segments * n, balance)
    rs = draft.recipients
    if isinstance(rs, PackedRecipients) and rs.individual:
        # counted once over the buffer, however often estimated
        total, longest, any_gsm, any_ucs2 = rs.segment_stats()
    else:
        total, longest, any_gsm, any_ucs2 = _batched_stats(rs)
    encoding = "mixed" if any_gsm and any_ucs2 else ("UCS-2" if any_ucs2 else "GSM-7")
    return Estimate(n, encoding, longest, total, balance)


def _batched_stats(rs: Sequence[Recipient]) -> tuple[int, int, bool, bool]:
    """:func:`smstext.batch_segments` of the messages of ``rs``, in batches
    (a million messages never exist at once)."""
    n = len(rs)
    total = longest = 0
    any_gsm = any_ucs2 = False
    step = 65536
    for a in range(0, n, step):
        texts = messages_of(rs, a, min(a + step, n))
        t, lg, g, u = smstext.batch_segments(texts if texts is not None else [""] * (min(a + step, n) - a))
        total += t
        longest = max(longest, lg)
        any_gsm = any_gsm or g
        any_ucs2 = any_ucs2 or u
    return total, longest, any_gsm, any_ucs2


def check_draft(draft: Draft, max_segments: int = Preferences.max_segments, *,
                now: datetime | None = None) -> None:
    """Refuse a draft the API would refuse, or one longer than
    ``max_segments`` (callers pass the max_segments preference), before
    anything is journalled."""
    title = draft.title.strip()
    if not title:
        raise InputError("title (sender name) is empty")
    if len(title) > MAX_TITLE:
        raise InputError(f"title {title!r} is longer than {MAX_TITLE} characters")
    if not draft.recipients:
        raise InputError("no recipients")
    if draft.message is not None:
        if not draft.message.strip():
            raise InputError("message is empty")
        n = smstext.segments(draft.message)
        if n > max_segments:
            raise InputError(f"message is {n:,} segments, more than max_segments ({max_segments}): "
                             f"shorten it, or raise the limit with --max-segments {n} "
                             "(setting max_segments, ATLSMS_MAX_SEGMENTS)")
    else:
        _check_messages(draft.recipients, max_segments)
    check_schedule(draft.scheduled, now or baku.now_baku())


def _check_messages(rs: Sequence[Recipient], max_segments: int) -> None:
    """Refuse the first empty message, or the first longer than ``max_segments``."""
    if (isinstance(rs, PackedRecipients) and rs.individual and rs.segment_stats()[1] <= max_segments
            and not rs.has_blank_message()):
        return  # told from figures counted once, without decoding the messages
    step = 65536
    for a in range(0, len(rs), step):
        texts = messages_of(rs, a, min(a + step, len(rs)))
        if texts is not None and all(map(str.strip, texts)) and (
                # at most 2 units a character, at least 66 units a part:
                # short texts need no count
                max(map(len, texts), default=0) * 2 <= 66 * max_segments
                or smstext.batch_segments(texts)[1] <= max_segments):
            continue
        ms, texts = columns_of(rs, a, min(a + step, len(rs)))
        for row, (m, t) in enumerate(zip(ms, _or_none(texts, len(ms)), strict=True), start=a + 1):
            if t is None or not t.strip():
                raise InputError(f"recipient row {row} ({m}): message is empty")
            n = smstext.segments(t)
            if n > max_segments:
                raise InputError(
                    f"recipient row {row} ({m}): message is {n:,} segments, more than max_segments "
                    f"({max_segments}): shorten it, or raise the limit with --max-segments {n} "
                    "(setting max_segments, ATLSMS_MAX_SEGMENTS)")


def check_schedule(scheduled: datetime | None, now: datetime) -> None:
    """Refuse a schedule that is not ahead of ``now`` (ATL refuses it: 113)."""
    if scheduled is not None and scheduled <= now:
        raise InputError(f"schedule {baku.format_baku(scheduled)} Baku time is in the past")


def _or_none(texts: list[str] | None, n: int) -> list[str | None]:
    return list(texts) if texts is not None else [None] * n


def as_list(recipients: PackedRecipients) -> list[Recipient]:
    """Packed recipients where a Draft takes a list: they read as one (the
    protocol and the opt-out filter index, slice and iterate them)."""
    return cast("list[Recipient]", recipients)
