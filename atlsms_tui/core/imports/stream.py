"""UTF-8 tables read as a stream: a CSV of a million personal messages is
never held whole, neither as bytes nor as text."""

from __future__ import annotations

import codecs
import io
import os
from collections.abc import Iterable

from ..recipients import open_regular
from .decode import _utf16_guess
from .report import ImportReport
from .tables import _sniff_delimiter, parse_table_stream

_BOM = b"\xef\xbb\xbf"
_SNIFF_CHARS = 65536  # what the delimiter sniffer looks at, as for a decoded file
_HEAD = 4 * _SNIFF_CHARS + len(_BOM)


def stream_table(path: str | os.PathLike[str], source: str, *, column: str | None, header: bool | None,
                 preferred: str, keep: Iterable[str] | None) -> ImportReport | None:
    """The import of a UTF-8 CSV/TSV, or None when the file needs the
    whole-file reader: a workbook, UTF-16, NUL bytes, or bytes that are not
    UTF-8 (a legacy code page, or damage to report by line and byte)."""
    with open_regular(path) as fh:
        head = fh.read(_HEAD)
        if head.startswith((b"\xd0\xcf\x11\xe0", b"PK\x03\x04", b"\xff\xfe", b"\xfe\xff", _BOM * 2)):
            return None
        if _utf16_guess(head) or b"\x00" in head[:65536]:
            return None
        bom = head.startswith(_BOM)
        try:
            sample = codecs.getincrementaldecoder("utf-8")().decode(head[len(_BOM) if bom else 0:], final=False)
        except UnicodeDecodeError:
            return None
        if sample.startswith("\ufeff"):
            return None
        fh.seek(0)
        text = io.TextIOWrapper(fh, encoding="utf-8-sig" if bom else "utf-8", errors="strict", newline="")
        delim = _sniff_delimiter(sample[:_SNIFF_CHARS], preferred)
        rep = ImportReport(source=source, kind="csv", encoding="UTF-8 with BOM" if bom else "UTF-8",
                           delimiter=delim)
        try:
            return parse_table_stream(text, rep, column=column, header=header, keep=keep)
        except UnicodeDecodeError:
            return None
        finally:
            text.detach()
