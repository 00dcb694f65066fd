"""The ATL Bulk SMS XML dialect: requests built, responses parsed. No I/O.

Small messages go through xmltodict. A submit can carry a million recipients,
so its body is produced as a stream of encoded chunks; the detailed report of
a large task is parsed incrementally as it downloads.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from operator import attrgetter
from typing import Any
from xml.parsers import expat

import xmltodict

from . import codes
from .errors import InputError, ProtocolError
from .models import DetailRow, Recipient, Report
from .packed import PackedRecipients
from .secret import Secret
from .xmlchars import describe_char, find_illegal

DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'

# Answers other than a detailed report are a few hundred bytes; anything this
# large is not the API talking.
MAX_SMALL_RESPONSE = 1 << 20


# ---------------------------------------------------------------- requests


def _small_request(head: dict[str, str]) -> bytes:
    for name, value in head.items():
        _check_text(value, f"<{name}>")
    text = xmltodict.unparse({"request": {"head": head}}, full_document=False)
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
    recipients: list[Recipient]
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


def _name_illegal(batch: list[Recipient], start: int) -> None:
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


def _encode_guarded(text: str, rows: list[Recipient], markers: int, offset: int) -> bytes:
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
        ms, ts = recipients.columns(a, min(a + batch, len(recipients)))
        rows = _ColumnRows(recipients, a, len(ms))
        if ts is None:
            text = _OPEN + (_CLOSE + _OPEN).join(ms) + _CLOSE
            yield (
                _escape_bytes(_encode_guarded(text, rows, 2, a))
                .replace(b"\x01", b"<body><msisdn>")
                .replace(b"\x03", b"</msisdn></body>")
            )
        else:
            text = _OPEN + (_CLOSE + _OPEN).join(map(_MID.join, zip(ms, ts))) + _CLOSE
            yield (
                _escape_bytes(_encode_guarded(text, rows, 3, a))
                .replace(b"\x01", b"<body><msisdn>")
                .replace(b"\x02", b"</msisdn><message>")
                .replace(b"\x03", b"</message></body>")
            )


class _ColumnRows:
    """The rows of a packed batch, materialised only to name a bad one."""

    def __init__(self, recipients: PackedRecipients, a: int, n: int) -> None:
        self._r, self._a, self._n = recipients, a, n

    def __len__(self) -> int:
        return self._n

    def __iter__(self):
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


# --------------------------------------------------------------- responses


class _RefusingExpat:
    """pyexpat with document type declarations refused outright.

    xmltodict already refuses entity declarations; a DOCTYPE of any kind has
    no business in an API answer, so it is refused before it can declare one.
    """

    ExpatError = expat.ExpatError

    @staticmethod
    def ParserCreate(*args: Any, **kwargs: Any):
        parser = expat.ParserCreate(*args, **kwargs)
        parser.StartDoctypeDeclHandler = _refuse_doctype
        return parser


def _refuse_doctype(*_args: Any) -> None:
    raise ValueError("document type declarations are refused")


@dataclass(slots=True)
class ApiResponse:
    code: str
    body: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.code == codes.OK

    @property
    def wording(self) -> str:
        return codes.describe(self.code)


def _snippet(data: bytes) -> str:
    text = data[:80].decode("utf-8", "replace")
    return " ".join(text.split())


def parse_response(data: bytes) -> ApiResponse:
    """Any answer body to a typed response; ProtocolError when it is not the API's XML."""
    if len(data) > MAX_SMALL_RESPONSE:
        raise ProtocolError(f"answer of {len(data)} bytes is too large to be the API's")
    if not data.strip():
        raise ProtocolError("empty answer from the server")
    try:
        doc = xmltodict.parse(data, expat=_RefusingExpat, force_list=("body",))
    except LookupError as exc:  # pyexpat looks an unknown encoding up
        raise ProtocolError(f"answer declares an encoding this client cannot read ({exc})") from None
    except ValueError as exc:
        raise ProtocolError(f"answer refused: {exc}") from None
    except expat.ExpatError as exc:
        raise ProtocolError(f"answer is not well-formed XML ({exc}): {_snippet(data)!r}") from None
    root = doc.get("response") if isinstance(doc, dict) else None
    if not isinstance(root, dict):
        name = next(iter(doc), "?") if isinstance(doc, dict) else "?"
        raise ProtocolError(f"answer is XML but not an API response (root <{name}>)")
    head = root.get("head")
    code = head.get("responsecode") if isinstance(head, dict) else None
    code = _digits(code, "response code", CODE_DIGITS, exact=True)
    bodies = root.get("body") or []
    body: dict[str, Any] = {}
    for b in bodies:
        if isinstance(b, dict):
            body.update(b)
    return ApiResponse(code, body)


# Numbers in answers: ASCII digits only (str.isdigit and int() also take
# Arabic-Indic digits, "1_000_000" and signs), of a length that fits the
# journal's 64-bit integers with room to spare.
CODE_DIGITS = 3
TASKID_DIGITS = 18
COUNT_DIGITS = 15
STATUS_DIGITS = 3
_XML_SPACE = " \t\r\n"
_ASCII_DIGITS = re.compile(r"[0-9]+")


def _shown(value: object) -> str:
    """A refused value for an error message: short, and with anything that is
    not printable ASCII escaped so that it cannot act on a terminal."""
    if isinstance(value, dict):
        return "an element with markup or attributes"
    text = str(value)
    return ascii(text[:24]) + ("..." if len(text) > 24 else "")


def _digits(value: object, what: str, max_digits: int, *, exact: bool = False) -> str:
    """The element text ``value`` as ASCII digits, or ProtocolError.

    xmltodict hands an element with attributes or child elements over as a
    dict: markup in a number is refused, not flattened."""
    text = value.strip(_XML_SPACE) if isinstance(value, str) else None
    if (
        text is None
        or not _ASCII_DIGITS.fullmatch(text)
        or len(text) > max_digits
        or (exact and len(text) != max_digits)
    ):
        if value is None:
            raise ProtocolError(f"answer has no {what}")
        limit = f"{max_digits}" if exact else f"at most {max_digits}"
        raise ProtocolError(f"answer's {what} {_shown(value)} is not {limit} ASCII digits")
    return text


def _int_field(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if value is None:
        raise ProtocolError(f"answer field <{name}> is missing")
    try:
        return int(_digits(value, f"<{name}>", COUNT_DIGITS))
    except ProtocolError:
        raise ProtocolError(
            f"answer field <{name}> is not a number of at most {COUNT_DIGITS} ASCII digits: {_shown(value)}"
        ) from None


def read_units(resp: ApiResponse) -> int:
    return _int_field(resp.body, "units")


def read_taskid(resp: ApiResponse) -> str:
    value = resp.body.get("taskid")
    if value is None or (isinstance(value, str) and not value.strip(_XML_SPACE)):
        raise ProtocolError("success answer carries no task id")
    return _digits(value, "task id", TASKID_DIGITS)


def read_report(resp: ApiResponse, taskid: str) -> Report:
    if resp.code == codes.NOT_READY:
        return Report(taskid=taskid, ready=False)
    return Report(
        taskid=taskid,
        ready=True,
        pending=_int_field(resp.body, "pending"),
        delivered=_int_field(resp.body, "delivered"),
        failed=_int_field(resp.body, "failed"),
        removed=_int_field(resp.body, "removed"),
        error=_int_field(resp.body, "error"),
    )


_ROW = re.compile(
    rb"<body>\s*<msisdn>([^<]*)</msisdn>\s*<message>([^<]*)</message>\s*"
    rb"<status>\s*(\d{1,3})\s*</status>\s*(?:<date>([^<]*)</date>\s*|<date/>\s*)?</body>"
)
# The same row shape over decoded text, for whole regions at once.
_ROW_TEXT = re.compile(
    r"<body>\s*<msisdn>\s*([0-9]*)\s*</msisdn>\s*<message>([^<]*)</message>\s*"
    r"<status>\s*([0-9]{1,3})\s*</status>\s*(?:<date>([^<]*)</date>\s*|<date/>\s*)?</body>"
)
_new_row = tuple.__new__
_NUMREF = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def _unref(m: re.Match[str]) -> str:
    name = m.group(1)
    if name[0] != "#":
        return _NAMED[name]
    return chr(int(name[2:], 16) if name[1] == "x" else int(name[1:]))


def _text(raw: bytes) -> str:
    """XML character data to str: line ends normalised, references resolved."""
    return _chardata(raw.decode("utf-8"))


def _chardata(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in text:
        # Plain replaces beat one regex with a callback; "&amp;" goes last so
        # that "&amp;lt;" stays "&lt;".
        if "&#" in text:
            text = _NUMREF.sub(_unref, text)
        if "&l" in text:
            text = text.replace("&lt;", "<")
        if "&g" in text:
            text = text.replace("&gt;", ">")
        if "&q" in text:
            text = text.replace("&quot;", '"')
        if "&ap" in text:
            text = text.replace("&apos;", "'")
        text = text.replace("&amp;", "&")
    return text


def _row_from_element(elem: ET.Element, rowno: int) -> DetailRow | None:
    msisdn = elem.findtext("msisdn")
    if msisdn is None and not len(elem):
        return None  # an empty <body/>: no recipients
    status_elem = elem.find("status")
    status = status_elem.text if status_elem is not None and not len(status_elem) else None
    text = status.strip(_XML_SPACE) if status is not None else ""
    if not _ASCII_DIGITS.fullmatch(text) or len(text) > STATUS_DIGITS:
        shown = "missing" if status_elem is None else _shown(status if status is not None else "<markup>")
        raise ProtocolError(
            f"detailed report row {rowno}: status {shown} is not a number "
            f"of at most {STATUS_DIGITS} ASCII digits"
        )
    return DetailRow(
        (msisdn or "").strip(),
        elem.findtext("message") or "",
        int(text),
        (elem.findtext("date") or "").strip() or None,
    )


class DetailedReportParser:
    """Incremental parser of a ``detailedreport`` answer.

    Fed with chunks as they download; each ``feed`` returns the recipient rows
    completed so far, so a million-row report never exists whole in memory.

    Two layers keep it both strict and fast: expat checks that the whole
    answer is well-formed XML in its declared encoding, refuses any document
    type declaration (so no entity can be declared) and reads the head's
    response code as element text (a comment cannot forge it); past the head
    it runs with no callbacks at all. Rows in the plain shape the API sends
    are then cut out with one compiled pattern. A row in any other shape
    (attributes, other element order) is handed to ElementTree, and once a
    comment or CDATA section appears the rest of the answer is read by
    ElementTree alone, so odd but valid XML is still read correctly, only
    slower. An answer declared in another encoding than UTF-8 is transcoded
    to UTF-8 past the head, so the row layers only ever see UTF-8.
    """

    MAX_PENDING = 8 << 20  # one row larger than this is not a report row

    def __init__(self) -> None:
        v = self._validator = expat.ParserCreate()
        v.StartDoctypeDeclHandler = self._refuse
        v.XmlDeclHandler = self._declaration
        v.StartElementHandler = self._head_start
        v.EndElementHandler = self._head_end
        v.CharacterDataHandler = self._head_text
        self._open: list[str] = []  # elements open while the head is read
        self._code_text: list[str] | None = None
        self._head_at: int | None = None  # byte offset of the head's end tag
        self._declared: str | None = None
        self._raw = b""  # the answer's bytes until its head is read
        self._past = False  # the head is read; rows follow
        self._decode: Callable[[bytes, bool], str] | None = None
        self._buf = b""
        self._slow: ET.XMLPullParser | None = None
        self._slow_root: ET.Element | None = None
        self.code: str | None = None
        self.rows = 0
        self._bytes = 0
        self._error: ProtocolError | None = None

    # -- the head, from expat's events ------------------------------------

    def _fail(self, message: str) -> None:
        self._error = ProtocolError(message)
        raise ValueError

    def _refuse(self, *_args: Any) -> None:
        self._fail("answer refused: document type declarations are refused")

    def _declaration(self, _version: str | None, encoding: str | None, _standalone: int) -> None:
        self._declared = encoding

    def _head_start(self, name: str, _attrs: Any) -> None:
        depth = len(self._open)
        if depth == 0 and name != "response":
            self._fail(f"answer is XML but not an API response (root <{name}>)")
        if depth == 1 and name == "body":
            self._fail("answer carries recipients before a response code")
        parent = self._open[-1] if self._open else None
        if parent == "responsecode":
            self._fail("answer's response code holds markup")
        if parent == "head" and name == "responsecode" and depth == 2:
            if self._code_text is not None:
                self._fail("answer has two response codes")
            self._code_text = []
        self._open.append(name)

    def _head_text(self, data: str) -> None:
        if self._code_text is not None and self._open and self._open[-1] == "responsecode":
            self._code_text.append(data)

    def _head_end(self, name: str) -> None:
        self._open.pop()
        if name != "head" or len(self._open) != 1:
            return
        text = "".join(self._code_text) if self._code_text is not None else None
        try:
            self.code = _digits(text, "response code", CODE_DIGITS, exact=True)
        except ProtocolError as exc:
            self._error = exc
            raise ValueError from None
        v = self._validator
        self._head_at = v.CurrentByteIndex
        # One callback per element of a million-row answer would cost more
        # than the rest of the parsing: from here on expat only validates.
        v.StartElementHandler = v.EndElementHandler = v.CharacterDataHandler = None

    def _validate(self, chunk: bytes, final: bool) -> None:
        try:
            self._validator.Parse(chunk, final)
        except LookupError as exc:  # pyexpat looks an unknown encoding up
            raise ProtocolError(f"answer declares an encoding this client cannot read ({exc})") from None
        except (ValueError, expat.ExpatError) as exc:
            if self._error is not None:
                raise self._error from None
            raise ProtocolError(f"detailed report is not well-formed XML ({exc})") from None

    def _past_head(self) -> bytes:
        """The bytes after the head, as UTF-8; sets up the transcoder."""
        raw, self._raw = self._raw, b""
        assert self._head_at is not None
        name = _codec_name(self._declared, raw)
        gt = ">".encode(name)
        end = raw.find(gt, self._head_at) + len(gt)
        if name != "utf-8":
            decoder = codecs.getincrementaldecoder(name)()
            self._decode = decoder.decode
        return self._utf8(raw[end:], False)

    def _utf8(self, chunk: bytes, final: bool) -> bytes:
        if self._decode is None:
            return chunk
        return self._decode(chunk, final).encode("utf-8")

    # -- rows ---------------------------------------------------------------

    def feed(self, chunk: bytes) -> list[DetailRow]:
        if not chunk:
            return []
        self._bytes += len(chunk)
        self._validate(chunk, False)
        try:
            return self._rows_of(chunk, False)
        except (UnicodeDecodeError, UnicodeEncodeError) as exc:
            raise ProtocolError(f"detailed report is not valid text in its encoding ({exc.reason})") from None

    def close(self) -> list[DetailRow]:
        if self._bytes == 0:
            raise ProtocolError("empty answer from the server")
        self._validate(b"", True)
        try:
            rows = self._rows_of(b"", True)
        except (UnicodeDecodeError, UnicodeEncodeError) as exc:
            raise ProtocolError(f"detailed report is not valid text in its encoding ({exc.reason})") from None
        if self.code is None:
            raise ProtocolError("answer has no valid response code")
        return rows

    def _rows_of(self, chunk: bytes, final: bool) -> list[DetailRow]:
        if not self._past:
            # Up to the head's end (expat may report it a feed late), the
            # answer is held as it came.
            self._raw += chunk
            if self._head_at is None:
                if len(self._raw) > self.MAX_PENDING:
                    raise ProtocolError("answer has no response code in its first bytes")
                return []
            self._past = True
            return self._extract(self._past_head(), final)
        return self._extract(self._utf8(chunk, final), final)

    def _extract(self, chunk: bytes, final: bool = False) -> list[DetailRow]:
        if self._slow is not None:
            return self._feed_slow(chunk, final)
        buf = self._buf + chunk if self._buf else chunk
        pos = 0
        rows: list[DetailRow] = []
        # Fast path: every row of the complete region has the plain shape.
        end = buf.rfind(b"</body>")
        if end >= pos:
            end += 7
            region = buf[pos:end]
            if b"<!" not in region:
                found = _ROW_TEXT.findall(region.decode("utf-8"))
                if len(found) == region.count(b"<body"):
                    new, cls, chardata = _new_row, DetailRow, _chardata
                    rows = [
                        new(cls, (
                            m,
                            chardata(t) if ("&" in t or "\r" in t) else t,
                            int(s),
                            d.strip() or None,
                        ))
                        for m, t, s, d in found
                    ]
                    pos = end
        append = rows.append
        match = _ROW.match
        find = buf.find
        while True:
            start = find(b"<body", pos)
            if start < 0:
                break
            bang = find(b"<!", pos, start)
            if bang >= 0:
                self._buf = b""
                self.rows += len(rows)
                return rows + self._start_slow(buf[pos:], final)
            m = match(buf, start)
            if m is not None:
                msisdn, message, status, date = m.groups()
                append(
                    DetailRow(
                        msisdn.decode().strip(),
                        _text(message),
                        int(status),
                        date.decode().strip() or None if date else None,
                    )
                )
                pos = m.end()
                continue
            end = find(b"</body>", start)
            if end < 0:
                if find(b"/>", start, start + 8) >= 0:
                    pos = start + 7  # <body/>
                    continue
                break
            if find(b"<!", start, end) >= 0:
                self._buf = b""
                self.rows += len(rows)
                return rows + self._start_slow(buf[start:], final)
            try:
                elem = ET.fromstring(buf[start : end + 7])
            except ET.ParseError as exc:
                raise ProtocolError(f"detailed report row {self.rows + len(rows) + 1}: {exc}") from None
            row = _row_from_element(elem, self.rows + len(rows) + 1)
            if row is not None:
                append(row)
            pos = end + 7
        rest = buf[pos:]
        if len(rest) > self.MAX_PENDING:
            raise ProtocolError("detailed report row too large")
        self._buf = rest
        self.rows += len(rows)
        return rows

    def _start_slow(self, rest: bytes, final: bool) -> list[DetailRow]:
        # Everything from here on sits inside <response>; a synthetic root
        # lets ElementTree read it from the middle of the stream.
        self._slow = ET.XMLPullParser(events=("start", "end"))
        self._slow.feed(b"<response>")
        return self._feed_slow(rest, final)

    def _feed_slow(self, chunk: bytes, final: bool) -> list[DetailRow]:
        assert self._slow is not None
        rows: list[DetailRow] = []
        try:
            if chunk:
                self._slow.feed(chunk)
            if final:
                self._slow.close()
            for event, elem in self._slow.read_events():
                if event == "start":
                    if self._slow_root is None:
                        self._slow_root = elem
                    continue
                if elem.tag == "body":
                    if self._slow_root is not None:
                        self._slow_root.remove(elem)
                    row = _row_from_element(elem, self.rows + len(rows) + 1)
                    if row is not None:
                        rows.append(row)
        except ET.ParseError as exc:
            raise ProtocolError(f"detailed report is not well-formed XML ({exc})") from None
        self.rows += len(rows)
        return rows


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def _codec_name(declared: str | None, start: bytes) -> str:
    """The Python codec of an answer expat has read, from its declaration or
    byte order mark (UTF-16 and UTF-32 by the mark's byte order)."""
    for bom, name in _BOMS:
        if start.startswith(bom):
            return name
    if declared is None:
        return "utf-8"
    try:
        name = codecs.lookup(declared).name
    except LookupError:
        raise ProtocolError(f"answer declares an unknown encoding {_shown(declared)}") from None
    if name in ("utf-16", "utf-32"):
        return name + "-be"  # no byte order mark: big-endian, as XML says
    return name


def parse_detailed(data: bytes) -> tuple[str, list[DetailRow]]:
    """Whole-body convenience wrapper around DetailedReportParser."""
    p = DetailedReportParser()
    rows = p.feed(data)
    rows += p.close()
    return p.code or "", rows
