"""The repeat guard: the same text, to mostly the same people, again.

A campaign sent twice reaches thousands of people twice, and the journal is
the only place that knows what was sent. Before a new send, the journal is
asked for accepted submissions of the same content (title and text, or the
template, or the personal messages) within a window; if most of the new
recipients already received it, the send is refused unless the operator
says it is meant.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from . import baku
from .errors import InputError
from .models import Recipient
from .packed import PackedRecipients, messages_of
from .store import Store

DEFAULT_SHARE = 0.9
DEFAULT_HOURS = 24.0


def content_key(title: str, message: str | None, template: str | None, recipients: Sequence[Recipient]) -> str:
    """What makes two sends "the same": the title, and the bulk text, or the
    template, or (personal messages without one) every message in order."""
    h = hashlib.sha256(b"atlsms-content-1\0" + title.strip().encode("utf-8", "surrogatepass") + b"\0")
    if message is not None:
        h.update(b"bulk\0" + message.encode("utf-8", "surrogatepass"))
    elif template is not None:
        h.update(b"template\0" + template.encode("utf-8", "surrogatepass"))
    else:
        h.update(b"individual\0")
        step = 65536  # in batches from the packed columns: no Recipient per row
        if isinstance(recipients, PackedRecipients):
            # the buffer is those bytes already: hashed as held, not decoded
            for a in range(0, len(recipients), step):
                with recipients.message_bytes(a, a + step) as view:
                    h.update(view)
            return h.hexdigest()
        for a in range(0, len(recipients), step):
            texts = messages_of(recipients, a, min(a + step, len(recipients))) or []
            h.update("\0".join(texts).encode("utf-8", "surrogatepass") + b"\0")
    return h.hexdigest()


@dataclass(slots=True)
class RepeatHit:
    """An earlier accepted send of the same content to most of the same people."""

    controlid: str
    taskid: str | None
    created: str  # ISO UTC of the earliest matching submission
    overlap: int  # new recipients who already received it
    recipients: int  # new recipients in all

    @property
    def share(self) -> float:
        return self.overlap / self.recipients if self.recipients else 0.0

    def describe(self) -> str:
        when = baku.format_baku(baku.from_iso(self.created))
        what = f"task {self.taskid}" if self.taskid else f"controlid {self.controlid}"
        return (
            f"the same title and text was accepted for {self.overlap:,} of these {self.recipients:,} "
            f"recipients ({self.share:.0%}) at {when} Baku time ({what})"
        )


class RepeatError(InputError):
    """Refused by the repeat guard; nothing was journalled or sent."""

    def __init__(self, hit: RepeatHit) -> None:
        self.hit = hit
        super().__init__(f"{hit.describe()}; not sent again (pass --allow-repeat to send anyway)")


def find_repeat(store: Store, key: str, numbers: bytes, *, share: float = DEFAULT_SHARE,
                hours: float = DEFAULT_HOURS, now: datetime | None = None) -> RepeatHit | None:
    if share <= 0 or hours <= 0:
        return None
    since = ((now or datetime.now(UTC)) - timedelta(hours=hours)).isoformat(timespec="seconds")
    rows = store.journal.accepted_with_key(key, since)
    if not rows:
        return None
    new = array("q")
    new.frombytes(numbers)
    wanted = set(new)
    if not wanted:
        return None
    seen: set[int] = set()
    for _cid, _taskid, _created, blob in rows:
        old = array("q")
        old.frombytes(blob)
        seen.update(wanted.intersection(old))
    if len(seen) < share * len(wanted):
        return None
    first = rows[0]
    return RepeatHit(first[0], first[1], first[2], len(seen), len(wanted))
