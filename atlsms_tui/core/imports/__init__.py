"""Recipient lists from the files operators really have.

* ``.txt`` (and any other text file): numbers one a line, or separated by
  commas, semicolons, tabs, pipes or spaces. A ``.txt`` whose first line is a
  tab-separated header (Excel's "Unicode text") is read as a table.
* ``.csv`` / ``.tsv``: delimiter sniffed (``,`` ``;`` tab ``|``), header
  detected, the number column chosen by name, by 1-based index or letter, or
  found by its content.
* ``.xlsx``: the first sheet or a named one (openpyxl, read-only).

Encodings: UTF-8 with or without BOM, UTF-16 with BOM (Excel's "Unicode
text") or without, and, for files that are not UTF-8, the legacy Windows-1254
code page (Azerbaijani/Turkish Latin) with a warning, unless an encoding is
given. A file that cannot be decoded is an InputError naming the line.

Spreadsheet damage is caught: a number Excel wrote as ``994501234567.0`` or
``9.94501234567E+11`` is recovered exactly (and said so); one shown as
``9.94501E+11`` lost its last digits and is reported, never guessed.

Every import returns an :class:`ImportReport`: rows read, valid,
normalised, duplicates removed, invalid (row, column, raw, reason), the
breakdown by mobile operator and the records (number + row fields, for mail
merge). Line/row numbers are 1-based: file lines for number lists, rows as a
spreadsheet shows them (header = row 1) for tables.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from ..errors import InputError
from ..recipients import read_file_bytes
from .cells import cell_text
from .decode import decode_bytes
from .fastpath import _header_word, parse_text_list, scan_list
from .report import OPERATORS, ImportIssue, ImportRecord, ImportReport
from .stream import stream_table
from .tables import _is_header, _table_import, parse_table_text
from .xlsx import _xlsx_rows

__all__ = [
    "OPERATORS",
    "ImportIssue",
    "ImportRecord",
    "ImportReport",
    "decode_bytes",
    "read_recipients",
    "parse_text_list",
    "parse_table_text",
    "cell_text",
]


TABLE_EXTENSIONS = {".csv": ",", ".tsv": "\t", ".tab": "\t"}
XLSX_EXTENSIONS = {".xlsx", ".xlsm"}


# --------------------------------------------------------------------------
# entry point


def read_recipients(
    path: str | os.PathLike[str],
    *,
    column: str | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    header: bool | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    keep: Iterable[str] | None = None,
) -> ImportReport:
    """Import a recipient file of any supported kind; see the module doc.

    ``column`` names the number column (name, 1-based index or letter); with it
    a ``.txt`` is read as a table. ``sheet`` picks an .xlsx sheet. ``header``
    forces header detection on or off. ``progress(done, total)`` and
    ``cancelled()`` let a caller show and stop a long number-list import
    (cancelled, the report returned is incomplete and must be dropped).
    ``keep`` names the only columns whose cells the records must hold (a
    template's placeholders); None keeps every column.
    """
    source = os.fspath(path)
    ext = os.path.splitext(source)[1].lower()
    if ext in TABLE_EXTENSIONS and encoding is None and sheet is None:
        rep = stream_table(path, source, column=column, header=header,
                           preferred=TABLE_EXTENSIONS[ext], keep=keep)
        if rep is not None:
            return rep
    data = read_file_bytes(path)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(f"{source}: an old binary Excel (.xls) workbook; save it as .xlsx or CSV")
    if data.startswith(b"PK\x03\x04") or ext in XLSX_EXTENSIONS:
        if not data.startswith(b"PK\x03\x04"):
            raise InputError(f"{source}: not a readable .xlsx workbook (not a zip archive)")
        rep = ImportReport(source=source, kind="xlsx")
        return _table_import(_xlsx_rows(data, source, sheet, rep), rep, column, header, keep)
    if sheet is not None:
        raise InputError(f"{source}: --sheet applies to .xlsx workbooks only")
    text, enc, warnings = decode_bytes(data, source, encoding)
    if ext in TABLE_EXTENSIONS:
        rep = parse_table_text(text, source, column=column, header=header,
                               preferred=TABLE_EXTENSIONS[ext], encoding=enc, keep=keep)
    elif column is not None or _tabbed_header(text):
        rep = parse_table_text(text, source, column=column, header=header, preferred="\t", encoding=enc,
                               keep=keep)
    else:
        rep = ImportReport(source=source, kind="list", encoding=enc)
        skip_first = _header_word(text)
        body = _utf8_body(data, text) if enc in ("UTF-8", "UTF-8 with BOM") else text.encode("utf-8", "surrogatepass")
        del text
        scan_list(body, rep, skip_first=skip_first, progress=progress, cancelled=cancelled)
    rep.warnings[:0] = warnings
    return rep


def _utf8_body(data: bytes, text: str) -> bytes:
    """The bytes of ``text`` decoded from UTF-8 ``data`` (without the BOMs
    decoding dropped), without a copy when there is no BOM."""
    bom = b"\xef\xbb\xbf"
    dropped = 0
    while data.startswith(bom, 3 * dropped) and not text.startswith("\ufeff" * (dropped + 1)):
        dropped += 1
        if dropped > 2:
            break
    return data[3 * dropped:] if dropped else data


def _tabbed_header(text: str) -> bool:
    """A text file whose first line is a tab-separated header (Excel's "Unicode text")."""
    for line in text.split("\n", 50):
        if line.strip():
            return "\t" in line and _is_header(line.rstrip("\r").split("\t"))
    return False

