"""What the armed faults send on the wire: a portal's HTML, a redirect, an
entity bomb, an answer that never ends, numbers too large for any field, an
answer in another encoding, one dripped a byte at a time."""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from .faults import Fault
from .wire import XML_DECL, XML_TYPE

HTML_TYPE = "text/html; charset=UTF-8"
# Faults answered without reading the request: the server never acts on it.
NO_PROCESSING = frozenset({"http500", "html", "code", "redirect", "entity", "huge", "endless"})
# Elements whose text is a number in some answer ("oversized" replaces them).
_NUMBER_RE = re.compile(r"<(units|taskid|status|pending|delivered|failed|removed|error)>[0-9]*</\1>")


class Out(Protocol):
    """Where an answer goes: the handler's socket file."""

    def write(self, data: bytes, /) -> object: ...
    def flush(self) -> object: ...


@dataclass
class Canned:
    """A whole answer known before it is sent."""

    status: int
    body: bytes
    ctype: str = HTML_TYPE
    headers: dict[str, str] = field(default_factory=dict)


def canned_answer(fault: Fault) -> Canned | None:
    """The fixed answer of a fault, or None for the streamed ones."""
    kind = fault.kind
    if kind == "http500":
        return Canned(
            500,
            b"<html><head><title>500 Internal Server Error</title></head><body>"
            b"<h1>Internal Server Error</h1><p>The server encountered an internal error."
            b"</p></body></html>",
        )
    if kind == "html":
        return Canned(
            200,
            b"<!DOCTYPE html>\n<html><head><title>Network login</title></head><body>"
            b"<h1>Please sign in to continue</h1><form action=\"/login\" method=\"post\">"
            b"<input name=\"user\"><input type=\"password\" name=\"pw\"></form></body></html>",
        )
    if kind == "redirect":
        return Canned(
            302,
            b"<html><body><a href=\"" + fault.location.encode() + b"\">Moved</a></body></html>",
            headers={"Location": fault.location},
        )
    if kind == "code":
        code = fault.code or "300"
        body = (
            XML_DECL
            + b"<response>\n  <head>\n    <responsecode>" + code.encode("ascii")
            + b"</responsecode>\n  </head>\n</response>\n"
        )
        return Canned(200, body, ctype=XML_TYPE)
    if kind == "entity":
        lines = [b'<!ENTITY lol0 "lol">']
        for i in range(1, 10):
            lines.append(b"<!ENTITY lol%d \"%s\">" % (i, b"".join(b"&lol%d;" % (i - 1) for _ in range(10))))
        body = (
            XML_DECL + b"<!DOCTYPE response [\n  " + b"\n  ".join(lines) + b"\n]>\n"
            b"<response>\n  <head>\n    <responsecode>000</responsecode>\n  </head>\n"
            b"  <body>\n    <units>&lol9;</units>\n  </body>\n</response>\n"
        )
        return Canned(200, body, ctype=XML_TYPE)
    return None


HUGE_HEAD = (
    XML_DECL + b"<response>\n  <head>\n    <responsecode>000</responsecode>\n  </head>\n"
    b"  <body>\n    <units>1</units>\n  </body>\n  <padding>"
)
HUGE_TAIL = b"</padding>\n</response>\n"


def write_huge(out: Out, size: int) -> None:
    """A valid answer around ``size`` bytes of padding."""
    out.write(HUGE_HEAD)
    block = b"x" * (64 * 1024)
    left = size
    while left > 0:
        n = min(left, len(block))
        out.write(block[:n])
        left -= n
    out.write(HUGE_TAIL)


def write_endless(out: Out) -> None:
    """A detailed report that never ends: rows until the client leaves
    (BrokenPipeError)."""
    out.write(XML_DECL + b"<response>\n  <head>\n    <responsecode>000</responsecode>\n  </head>\n")
    row = 0
    while True:
        rows = "".join(
            f"  <body>\n    <msisdn>99450{(row + i) % 10_000_000:07d}</msisdn>\n"
            f"    <message>endless</message>\n    <status>2</status>\n"
            f"    <date>2026-01-01 10:00:00</date>\n  </body>\n"
            for i in range(512)
        )
        row += 512
        out.write(rows.encode("ascii"))


def replace_numbers(bodies: Iterable[str], value: str) -> Iterator[str]:
    for chunk in bodies:
        yield _NUMBER_RE.sub(lambda m: f"<{m.group(1)}>{value}</{m.group(1)}>", chunk)


def reencode(spool: Any, encoding: str) -> Any:
    """The answer in ``spool`` declared and encoded in ``encoding``."""
    spool.seek(0)
    text = spool.read().decode("utf-8")
    spool.close()
    text = text.replace('encoding="UTF-8"', f'encoding="{encoding}"', 1)
    out = tempfile.SpooledTemporaryFile(max_size=8 << 20)
    out.write(text.encode(encoding, "xmlcharrefreplace"))
    return out


def drip(out: Out, data: bytes, interval: float) -> None:
    """``data`` one byte every ``interval`` seconds, to outlast any
    per-read timeout."""
    for i in range(len(data)):
        out.write(data[i:i + 1])
        out.flush()
        if i + 1 < len(data):
            time.sleep(interval)
