"""Answers of the API other than a detailed report: typed, and strict about
the numbers in them. No I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from xml.parsers import expat

import xmltodict

from .. import codes
from ..errors import ProtocolError
from ..models import Report

# Answers other than a detailed report are a few hundred bytes; anything this
# large is not the API talking.
MAX_SMALL_RESPONSE = 1 << 20


class _RefusingExpat:
    """pyexpat with document type declarations refused outright.

    xmltodict already refuses entity declarations; a DOCTYPE of any kind has
    no business in an API answer, so it is refused before it can declare one.
    """

    ExpatError = expat.ExpatError

    @staticmethod
    def ParserCreate(*args: Any, **kwargs: Any) -> expat.XMLParserType:
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

