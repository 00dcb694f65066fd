"""Streaming parser of the API's request documents (pyexpat, no tree).

``<request><head>…</head><body>…</body>…</request>``: head fields are kept as
strings; each ``<body>`` adds one recipient to a compact ``array('q')`` of
msisdns and, for individual sends, a list of messages. A document type
declaration or an entity declaration makes the whole request bad (code 100).
"""

from __future__ import annotations

import re
from array import array
from xml.parsers import expat

HEAD_FIELDS = frozenset(
    {
        "operation", "login", "password", "title", "bulkmessage", "scheduled",
        "isbulk", "controlid", "taskid", "unicode",
    }
)
_MSISDN = re.compile(r"994[0-9]{9}")


class BadRequest(Exception):
    """The body is not an acceptable request document (answer 100)."""


class RequestParser:
    """Feed bytes with :meth:`feed`, then call :meth:`close`."""

    def __init__(self) -> None:
        p = expat.ParserCreate()
        p.buffer_text = True
        p.buffer_size = 1 << 16
        p.StartElementHandler = self._start
        p.EndElementHandler = self._end
        p.CharacterDataHandler = self._chars
        p.StartDoctypeDeclHandler = self._refuse
        p.EntityDeclHandler = self._refuse
        p.UnparsedEntityDeclHandler = self._refuse
        p.NotationDeclHandler = self._refuse
        p.ExternalEntityRefHandler = self._refuse_ref
        self._p = p
        self.head: dict[str, str] = {}
        self.head_done = False
        self.msisdns = array("q")
        self.messages: list[str] = []
        self.keep_messages = True
        self.bodies = 0
        self.body_error: str | None = None
        self.unusable_messages = 0
        self.seen_root = False
        self._depth = 0
        self._section: str | None = None  # "head" / "body"
        self._field: str | None = None
        self._text: list[str] = []
        self._b_msisdn: str | None = None
        self._b_msisdn_count = 0
        self._b_message: str | None = None

    # -- handlers -------------------------------------------------------
    def _refuse(self, *args) -> None:
        raise BadRequest("document type or entity declarations are not accepted")

    def _refuse_ref(self, *args) -> int:
        raise BadRequest("external entities are not accepted")

    def _start(self, name: str, attrs) -> None:
        depth = self._depth = self._depth + 1
        if depth == 1:
            if name != "request":
                raise BadRequest(f"root element is <{name}>, not <request>")
            self.seen_root = True
        elif depth == 2:
            if name == "head":
                self._section = "head"
            elif name == "body":
                self._section = "body"
                self._b_msisdn = None
                self._b_msisdn_count = 0
                self._b_message = None
            else:
                self._section = None
        elif depth == 3:
            sec = self._section
            if (sec == "head" and name in HEAD_FIELDS) or (
                sec == "body" and (name == "msisdn" or name == "message")
            ):
                self._field = name
                self._text = []
            else:
                self._field = None
        else:
            # Markup inside a field: the field is not plain text.
            if self._field is not None:
                self._text.append("\x00")

    def _chars(self, data: str) -> None:
        if self._field is not None and self._depth == 3:
            self._text.append(data)

    def _end(self, name: str) -> None:
        depth = self._depth
        self._depth = depth - 1
        if depth == 3 and self._field is not None:
            value = "".join(self._text)
            field = self._field
            self._field = None
            if self._section == "head":
                self.head[field] = value
            elif field == "msisdn":
                self._b_msisdn = value
                self._b_msisdn_count += 1
            else:
                self._b_message = value
        elif depth == 2:
            if self._section == "head":
                self.head_done = True
                if self.head.get("isbulk", "").strip() == "true":
                    self.keep_messages = False
            elif self._section == "body":
                self._end_body()
            self._section = None

    def _end_body(self) -> None:
        self.bodies += 1
        if self.body_error is not None:
            return
        raw = self._b_msisdn
        if raw is None or self._b_msisdn_count != 1:
            self.body_error = f"body {self.bodies}: expected one <msisdn>"
            return
        number = raw.strip()
        if not _MSISDN.fullmatch(number):
            self.body_error = f"body {self.bodies}: msisdn {number[:20]!r} is not 994 + 9 digits"
            return
        self.msisdns.append(int(number))
        msg = self._b_message
        if msg is None or not msg.strip() or "\x00" in msg:
            # Only an individual send needs a message; the caller decides.
            self.unusable_messages += 1
        if self.keep_messages:
            self.messages.append("" if msg is None else msg)

    # -- feeding --------------------------------------------------------
    def feed(self, data: bytes) -> None:
        try:
            self._p.Parse(data, False)
        except expat.ExpatError as exc:
            raise BadRequest(f"not XML: {exc}") from None

    def close(self) -> None:
        try:
            self._p.Parse(b"", True)
        except expat.ExpatError as exc:
            raise BadRequest(f"not XML: {exc}") from None
        if not self.seen_root:
            raise BadRequest("empty document")
