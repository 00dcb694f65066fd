"""Recipients read back from a journalled payload.

A part of a campaign is journalled as the exact ``<body>`` elements it will
send. When it is sent later (``campaign resume``, or after earlier parts),
the opt-out list as it is *then* must apply, so its numbers are read back
from that file: only the numbers when nothing on the list can match (the
common case), the full rows when some must come out and the part is
serialised again.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterator, Sequence
from pathlib import Path

from .models import Recipient
from .packed import PackedRecipients

_CHUNK = 4 * 1024 * 1024
_NUMBER = re.compile(rb"<msisdn>([0-9]{1,18})</msisdn>")
_ROW = re.compile(rb"<body><msisdn>([0-9]{1,18})</msisdn>(?:<message>(.*?)</message>)?</body>", re.S)
_END = b"</body>"


def _blocks(path: Path) -> Iterator[bytes]:
    """Whole ``<body>`` elements, a few MB at a time."""
    rest = b""
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            data = rest + chunk
            cut = data.rfind(_END)
            if cut < 0:
                rest = data
                continue
            cut += len(_END)
            yield data[:cut]
            rest = data[cut:]
    if rest.strip():
        raise ValueError(f"{path}: the payload ends inside an element")


def read_numbers(path: Path) -> array[int]:
    """The numbers of a payload, as 64-bit integers, in order."""
    out = array("q")
    for block in _blocks(path):
        out.extend(map(int, _NUMBER.findall(block)))
    return out


def _unescape(data: bytes) -> str:
    text = data.decode("utf-8", "surrogatepass")
    if "&" in text:
        text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&#13;", "\r").replace("&amp;", "&")
    return text


def read_recipients(path: Path, *, individual: bool, dropping: set[int] | None = None) -> PackedRecipients:
    """The rows of a payload, less the numbers in ``dropping``."""
    out = PackedRecipients(individual=individual)
    drop = dropping or set()
    for block in _blocks(path):
        for num, msg in _ROW.findall(block):
            if int(num) in drop:
                continue
            out.append(Recipient(num.decode(), _unescape(msg) if individual else None))
    return out


def numbers_blob(recipients: Sequence[Recipient]) -> bytes:
    """A recipient list's numbers as packed 64-bit integers (the journal
    keeps these for the repeat guard: 8 bytes a number)."""
    if isinstance(recipients, PackedRecipients):
        return recipients.numbers().tobytes()
    return array("q", (int(r.msisdn) for r in recipients)).tobytes()
