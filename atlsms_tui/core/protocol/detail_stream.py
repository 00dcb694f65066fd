"""The detailed report, parsed incrementally as it downloads: a million
rows never exist whole in memory. No I/O."""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any
from xml.parsers import expat

from ..errors import ProtocolError
from ..models import DetailRow
from .responses import _ASCII_DIGITS, _XML_SPACE, CODE_DIGITS, STATUS_DIGITS, _digits, _shown

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
        self._slow: ET.XMLPullParser[ET.Element] | None = None
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
            for event in self._slow.read_events():
                elem = event[-1]
                if not isinstance(elem, ET.Element):  # only start and end events are asked for
                    continue
                if event[0] == "start":
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
