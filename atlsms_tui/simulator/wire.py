"""The answer document: a reply and its serialisation as the vendor's XML."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO

XML_TYPE = "text/xml; charset=UTF-8"
XML_DECL = b'<?xml version="1.0" encoding="UTF-8"?>\n'


@dataclass
class Reply:
    """A response: code and the ``<body>`` elements after the head (text chunks)."""

    code: str
    bodies: Iterable[str] = ()
    taskid: str | None = None


def xml_escape(text: str) -> str:
    # Checked before replacing: almost no message holds these, and a detailed
    # report escapes a million of them.
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    return text


def write_reply(reply: Reply, out: IO[bytes]) -> None:
    """Serialise a reply into ``out`` in chunks (never one giant string)."""
    out.write(
        XML_DECL
        + b"<response>\n  <head>\n    <responsecode>"
        + reply.code.encode("ascii")
        + b"</responsecode>\n  </head>\n"
    )
    buf: list[str] = []
    size = 0
    for chunk in reply.bodies:
        buf.append(chunk)
        size += len(chunk)
        if size >= 64 * 1024:
            out.write("".join(buf).encode("utf-8", "surrogatepass"))
            buf, size = [], 0
    if buf:
        out.write("".join(buf).encode("utf-8", "surrogatepass"))
    out.write(b"</response>\n")
