"""Files the operator exports (CSV and .xlsx reports of numbers and messages).

An export holds customers' numbers and what they were sent, so it is private
from its first byte (0600, created with O_EXCL|O_NOFOLLOW: never a planted
symlink, never someone else's file), it never replaces an existing file
unless asked to, and it is inert when opened in a spreadsheet: a cell that
starts like a formula (``=cmd|' /C calc'!A0``) gets a leading ``'``.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from . import paths

# Characters that make Excel, LibreOffice or Sheets read a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def exports_dir() -> Path:
    """Where exports go unless the operator names another place: ``exports/``
    in the data directory (0700), never silently the current directory."""
    return paths.private_dir(paths.data_dir() / "exports")


_FORMULA_FIRST = frozenset(FORMULA_START)


def neutralise(cell: object) -> object:
    """A text cell a spreadsheet would run as a formula, made plain text."""
    # Once per cell of a million-row export: one set look-up.
    if isinstance(cell, str) and cell[:1] in _FORMULA_FIRST:
        return "'" + cell
    return cell


@contextmanager
def _private_file(path: Path, replace: bool) -> Iterator[BinaryIO]:
    """A new private file at ``path`` (see ``write_csv``), removed if the
    writing fails."""
    if replace:
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        target: Path | None = Path(tmp_name)
    else:
        fd = os.open(path, _NEW_FILE, 0o600)
        target = path
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        if replace:
            os.replace(tmp_name, path)
            target = None
    except BaseException:
        if target is not None:
            try:
                os.unlink(target)
            except OSError:
                pass
        raise


def write_csv(path: Path, header: list[str], rows: Iterable[Iterable[object]], *,
              replace: bool = False) -> int:
    """Write ``header`` and ``rows`` to ``path`` as CSV; the number of rows.

    Without ``replace`` an existing ``path`` (or a symlink there) raises
    FileExistsError and nothing is touched. With it, the rows go to a private
    temporary file beside ``path`` that then takes its place, so a failed
    export never leaves half a file under either name."""
    count = 0
    with _private_file(Path(path), replace) as raw:
        f = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.writer(f)
        writer.writerow([neutralise(c) for c in header])
        for row in rows:
            writer.writerow([neutralise(c) for c in row])
            count += 1
        f.flush()
        f.detach()
    return count


# The control characters openpyxl refuses in a cell (its ILLEGAL_CHARACTERS_RE):
# written here so that importing this module does not import openpyxl (a
# seventh of every command's start-up) before an .xlsx is asked for.
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")

# A worksheet holds 1,048,576 rows: a longer export goes on in another sheet.
XLSX_SHEET_ROWS = 1_048_575


def _xlsx_cell(cell: object) -> object:
    """A cell openpyxl stores as text or a number, never as a formula, and
    that it accepts (it refuses control characters: shown as ``\\xNN``)."""
    cell = neutralise(cell)
    if isinstance(cell, str) and ILLEGAL_CHARACTERS_RE.search(cell):
        return ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", cell)
    return cell


def write_xlsx(path: Path, header: list[str], rows: Iterable[Iterable[object]], *,
               replace: bool = False, sheet_rows: int = XLSX_SHEET_ROWS) -> int:
    """Write ``header`` and ``rows`` to ``path`` as an .xlsx workbook, with
    the rules of ``write_csv``; the number of rows. openpyxl's write-only
    mode streams the rows (through its own private temporary file), so a
    million rows take little memory."""
    from openpyxl import Workbook

    head = [_xlsx_cell(c) for c in header]
    count = 0
    with _private_file(Path(path), replace) as f:
        wb = Workbook(write_only=True)
        sheet, in_sheet = None, 0
        for row in rows:
            if sheet is None or in_sheet >= sheet_rows:
                sheet = wb.create_sheet(f"rows from {count + 1}" if count else "rows")
                sheet.append(head)
                in_sheet = 0
            sheet.append([_xlsx_cell(c) for c in row])
            in_sheet += 1
            count += 1
        if sheet is None:
            wb.create_sheet("rows").append(head)
        wb.save(f)
    return count
