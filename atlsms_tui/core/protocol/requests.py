"""Requests of the ATL Bulk SMS XML dialect. No I/O.

Small requests go through xmltodict. A submit can carry a million
recipients, so its body is produced as a stream of encoded chunks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from operator import attrgetter
from typing import Protocol

import xmltodict

from ..errors import InputError
from ..models import Recipient
from ..packed import PackedRecipients
from ..secret import Secret
from ..xmlchars import describe_char, find_illegal, nul_separated_sendable

DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def _small_request(head: dict[str, str]) -> bytes:
    for name, value in head.items():
        _check_text(value, f"<{name}>")
    text: str = xmltodict.unparse({"request": {"head": head}}, full_document=False)
    return DECLARATION + text.encode("utf-8")


def build_units(login: str, password: Secret) -> bytes:
    return _small_request(
        {"operation": "units", "login": login, "password": password.reveal()}
    )


def build_report(login: str, password: Secret, taskid: str, *, detailed: bool = False) -> bytes:
    return _small_request(
        {
            "operation": "detailedreport" if detailed else "report",
            "login": login,
            "password": password.reveal(),
            "taskid": taskid,
        }
    )


def _check_text(value: str, where: str) -> None:
    bad = find_illegal(value)
    if bad is not None:
        pos, ch = bad
        raise InputError(
            f"{where}: character {describe_char(ch)} at column {pos + 1} cannot be sent"
        )


@dataclass(slots=True)
class SubmitContent:
    """Everything of a submit request except the credentials."""

    title: str
    scheduled: str  # "NOW" or "YYYY-MM-DD HH:MM:SS" Baku time
    controlid: str
    recipients: Sequence[Recipient]
    bulkmessage: str | None = None  # None for an individual send

    @property
    def isbulk(self) -> bool:
        return self.bulkmessage is not None


def validate_head(content: SubmitContent) -> None:
    _check_text(content.title, "title")
    if content.bulkmessage is not None:
        _check_text(content.bulkmessage, "message")


def validate_content(content: SubmitContent) -> None:
    """Refuse what XML 1.0 cannot carry, naming the recipient row and character.

    (iter_submit_bodies makes the same check on the rows as it serialises,
    so a submit needs only validate_head before spooling.)"""
    validate_head(content)
    # One search per batch of rows; only a batch with a bad character is
    # walked row by row to name it.
    rs = content.recipients
    step = 4096
    for start in range(0, len(rs), step):
        batch = rs[start:start + step]
        joined = "\n".join([r.msisdn for r in batch] + [r.message for r in batch if r.message is not None])
        if find_illegal(joined) is not None:
            _name_illegal(batch, start)


class _Rows(Protocol):
    """A batch of recipients: a list, or a packed batch read only on error."""

    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Recipient]: ...


def _name_illegal(batch: _Rows, start: int) -> None:
    search = find_illegal
    for row, r in enumerate(batch, start=start + 1):
        if r.message is not None and (bad := search(r.message)) is not None:
            pos, ch = bad
            raise InputError(
                f"recipient row {row} ({r.msisdn}): message character "
                f"{describe_char(ch)} at column {pos + 1} cannot be sent"
            )
        if (bad := search(r.msisdn)) is not None:
            raise InputError(
                f"recipient row {row}: number contains character {describe_char(bad[1])}"
            )


def escape(text: str) -> str:
    # CR is escaped so that it survives XML's line-end normalisation.
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    return text


def _head_fields(content: SubmitContent) -> list[tuple[str, str]]:
    fields = [("title", content.title)]
    if content.bulkmessage is not None:
        fields.append(("bulkmessage", content.bulkmessage))
    fields += [
        ("scheduled", content.scheduled),
        ("isbulk", "true" if content.isbulk else "false"),
        ("controlid", content.controlid),
    ]
    return fields


def submit_head(login: str, password: Secret, content: SubmitContent) -> bytes:
    parts = [
        "<request><head><operation>submit</operation>",
        f"<login>{escape(login)}</login>",
        f"<password>{escape(password.reveal())}</password>",
    ]
    parts += [f"<{k}>{escape(v)}</{k}>" for k, v in _head_fields(content)]
    parts.append("</head>")
    return DECLARATION + "".join(parts).encode("utf-8")


SUBMIT_TAIL = b"</request>"


# Row markers for the batch serialiser: control characters that validated
# content cannot hold (XML 1.0 forbids them), swapped for tags after escaping.
_OPEN, _MID, _CLOSE = "\x01", "\x02", "\x03"
_BULK_ROW = attrgetter("msisdn")
_IND_ROW = attrgetter("msisdn", "message")


_BAD_CONTROL = set(range(0x20)) - {0x01, 0x02, 0x03, 0x09, 0x0A, 0x0D}
# bytes.translate deleting every other byte leaves only the bad ones: a C
# loop, far faster here than a regex over the batch.
_KEEP_ONLY_BAD = bytes(b for b in range(256) if b not in _BAD_CONTROL)


def _has_bad_bytes(data: bytes) -> bool:
    return bool(data.translate(None, _KEEP_ONLY_BAD)) or b"\xef\xbf\xbe" in data or b"\xef\xbf\xbf" in data


def _encode_guarded(text: str, rows: _Rows, markers: int, offset: int) -> bytes:
    """Encode a marked batch, checking that the markers are the only control
    characters in it: content that skipped validate_content could otherwise
    forge tags."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        data = b""
    if (
        not data
        or data.count(b"\x01") != len(rows)
        or data.count(b"\x03") != len(rows)
        or (markers == 3 and data.count(b"\x02") != len(rows))
        or (markers == 2 and b"\x02" in data)
        or _has_bad_bytes(data)
    ):
        _name_illegal(rows, offset)
        raise InputError("recipient data holds characters that cannot be sent")
    return data


def _escape_bytes(data: bytes) -> bytes:
    if b"&" in data:
        data = data.replace(b"&", b"&amp;")
    if b"<" in data:
        data = data.replace(b"<", b"&lt;")
    if b">" in data:
        data = data.replace(b">", b"&gt;")
    if b"\r" in data:
        data = data.replace(b"\r", b"&#13;")
    return data


def iter_submit_bodies(recipients: Iterable[Recipient], *, batch: int = 4096) -> Iterator[bytes]:
    """The ``<body>`` elements of a submit, as encoded chunks of ``batch`` rows.

    A million rows must serialise in about a second, so the per-row work is
    left to C: a batch is joined with marker characters, encoded once,
    escaped as one byte string (UTF-8 keeps the markup bytes ASCII), and the
    markers are then replaced by the tags. Content must have passed
    ``validate_content``, which refuses the marker characters.
    """
    if isinstance(recipients, PackedRecipients):
        yield from _iter_packed_bodies(recipients, batch)
        return
    it = iter(recipients)
    offset = -batch
    while True:
        rows = list(islice(it, batch))
        if not rows:
            return
        offset += batch
        if all(r.message is None for r in rows):
            text = _OPEN + (_CLOSE + _OPEN).join(map(_BULK_ROW, rows)) + _CLOSE
            yield (
                _escape_bytes(_encode_guarded(text, rows, 2, offset))
                .replace(b"\x01", b"<body><msisdn>")
                .replace(b"\x03", b"</msisdn></body>")
            )
        elif all(r.message is not None for r in rows):
            text = _OPEN + (_CLOSE + _OPEN).join(map(_MID.join, map(_IND_ROW, rows))) + _CLOSE
            yield (
                _escape_bytes(_encode_guarded(text, rows, 3, offset))
                .replace(b"\x01", b"<body><msisdn>")
                .replace(b"\x02", b"</msisdn><message>")
                .replace(b"\x03", b"</message></body>")
            )
        else:  # a mixed batch: row by row
            parts = []
            for r in rows:
                if r.message is None:
                    parts.append(f"<body><msisdn>{escape(r.msisdn)}</msisdn></body>")
                else:
                    parts.append(
                        f"<body><msisdn>{escape(r.msisdn)}</msisdn><message>{escape(r.message)}</message></body>"
                    )
            yield "".join(parts).encode("utf-8")


def _iter_packed_bodies(recipients: PackedRecipients, batch: int) -> Iterator[bytes]:
    # Columns straight from the packed buffers: no Recipient per row.
    for a in range(0, len(recipients), batch):
        b = min(a + batch, len(recipients))
        if recipients.individual:
            yield _packed_individual_body(recipients, a, b)
            continue
        ms, _ = recipients.columns(a, b)
        text = _OPEN + (_CLOSE + _OPEN).join(ms) + _CLOSE
        yield (
            _escape_bytes(_encode_guarded(text, _ColumnRows(recipients, a, len(ms)), 2, a))
            .replace(b"\x01", b"<body><msisdn>")
            .replace(b"\x03", b"</msisdn></body>")
        )


_ROW_OPEN, _ROW_MID, _ROW_CLOSE = b"<body><msisdn>", b"</msisdn><message>", b"</message></body>"


def _packed_individual_body(recipients: PackedRecipients, a: int, b: int) -> bytes:
    """Rows a..b of individual packed recipients, from the UTF-8 the buffer
    already holds: checked and escaped as one byte string, never decoded to
    text and encoded again (what a million personal messages cost most)."""
    with recipients.message_bytes(a, b) as view:
        raw = bytes(view[:-1])  # the last message's NUL left out
    n = b - a
    # the row markers are control characters too: none may be in a message
    if not nul_separated_sendable(raw, n - 1):
        _name_illegal(_ColumnRows(recipients, a, n), a)
        raise InputError("recipient data holds characters that cannot be sent")
    numbers = "\x00".join(map(str, recipients.numbers(a, b))).encode("ascii").split(b"\x00")
    messages = _escape_bytes(raw).split(b"\x00")
    return _ROW_OPEN + (_ROW_CLOSE + _ROW_OPEN).join(map(_ROW_MID.join, zip(numbers, messages, strict=True))) + _ROW_CLOSE


class _ColumnRows:
    """The rows of a packed batch, materialised only to name a bad one."""

    def __init__(self, recipients: PackedRecipients, a: int, n: int) -> None:
        self._r, self._a, self._n = recipients, a, n

    def __len__(self) -> int:
        return self._n

    def __iter__(self) -> Iterator[Recipient]:
        return iter(self._r[self._a:self._a + self._n])


def iter_submit(login: str, password: Secret, content: SubmitContent) -> Iterator[bytes]:
    """The whole submit request as a stream of encoded chunks."""
    yield submit_head(login, password, content)
    yield from iter_submit_bodies(content.recipients)
    yield SUBMIT_TAIL


def body_digest(recipients: Iterable[Recipient]) -> bytes:
    h = hashlib.sha256()
    for chunk in iter_submit_bodies(recipients):
        h.update(chunk)
    return h.digest()


def content_hash(content: SubmitContent, digest: bytes | None = None) -> str:
    """A digest of the request without credentials: proves a resend is
    identical. ``digest`` is the bodies' digest when already computed."""
    h = hashlib.sha256()
    for k, v in _head_fields(content):
        h.update(f"<{k}>{escape(v)}</{k}>".encode())
    h.update(digest if digest is not None else body_digest(content.recipients))
    return h.hexdigest()

