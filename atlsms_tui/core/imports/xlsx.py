"""Rows of an .xlsx workbook (openpyxl, read-only), within bounds: a few
hundred KB of zip can expand to gigabytes of XML or millions of rows."""

from __future__ import annotations

import io
from collections.abc import Iterator

from ..errors import InputError
from .report import ImportReport
from .tables import TableRow

# Excel's own limit: a sheet with more rows was not made by Excel.
MAX_XLSX_ROWS = 1_048_576
# Decompressed size of every part of the workbook together. A sheet of a
# million rows of a few cells is under 200 MB of XML.
MAX_XLSX_UNCOMPRESSED = 512 << 20


def _check_unpacked_size(data: bytes, source: str, limit: int) -> None:
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            total = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise InputError(f"{source}: not a readable .xlsx workbook ({exc})") from None
    # zipfile stops reading a part at its declared size, so the declared
    # sizes bound what openpyxl can be made to read.
    if total > limit:
        raise InputError(
            f"{source}: the workbook unpacks to {total / (1 << 20):,.0f} MB, more than the "
            f"{limit / (1 << 20):,.0f} MB read; save the recipients as CSV"
        )


def _xlsx_rows(data: bytes, source: str, sheet: str | None, rep: ImportReport) -> Iterator[TableRow]:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a declared dependency
        raise InputError("reading .xlsx needs the openpyxl package") from None
    import zipfile

    _check_unpacked_size(data, source, MAX_XLSX_UNCOMPRESSED)
    max_rows = MAX_XLSX_ROWS

    try:
        # A file object: openpyxl judges a file name by its extension.
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise InputError(f"{source}: not a readable .xlsx workbook ({exc})") from None
    except Exception as exc:  # openpyxl raises assorted errors on damaged parts
        raise InputError(f"{source}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from None
    try:
        if sheet is None:
            if not wb.worksheets:
                raise InputError(f"{source}: the workbook has no worksheet")
            ws = wb.worksheets[0]
        else:
            names = wb.sheetnames
            match = [n for n in names if n == sheet] or [n for n in names if n.lower() == sheet.strip().lower()]
            if not match:
                raise InputError(
                    f"{source}: no sheet {sheet!r}; the sheets are " + ", ".join(repr(n) for n in names)
                )
            ws = wb[match[0]]
            if not hasattr(ws, "iter_rows"):
                raise InputError(f"{source}: sheet {sheet!r} is a chart, not a worksheet")
        rep.sheet = ws.title
        try:
            declared = getattr(ws, "max_row", None)
            if isinstance(declared, int) and declared > max_rows:
                raise InputError(_too_many_rows(source, ws.title, max_rows))
            for n, row in enumerate(ws.iter_rows(), 1):
                if n > max_rows:
                    raise InputError(_too_many_rows(source, ws.title, max_rows))
                cells = [c.value for c in row]
                while cells and (cells[-1] is None or (isinstance(cells[-1], str) and not cells[-1].strip())):
                    cells.pop()
                yield n, cells
        except InputError:
            raise
        except Exception as exc:
            raise InputError(f"{source}: the workbook is damaged ({type(exc).__name__}: {exc})") from None
    finally:
        wb.close()


def _too_many_rows(source: str, sheet: str, limit: int) -> str:
    return (f"{source}: sheet {sheet!r} has more than {limit:,} rows, more than Excel itself "
            "allows; save the recipients as CSV")
