"""Rows of an .xlsx workbook (openpyxl, read-only)."""

from __future__ import annotations

import io

from ..errors import InputError
from .report import ImportReport


def _xlsx_rows(data: bytes, source: str, sheet: str | None, rep: ImportReport):
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a declared dependency
        raise InputError("reading .xlsx needs the openpyxl package") from None
    import zipfile

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
            for n, row in enumerate(ws.iter_rows(), 1):
                cells = [c.value for c in row]
                while cells and (cells[-1] is None or (isinstance(cells[-1], str) and not cells[-1].strip())):
                    cells.pop()
                yield n, cells, None
        except InputError:
            raise
        except Exception as exc:
            raise InputError(f"{source}: the workbook is damaged ({type(exc).__name__}: {exc})") from None
    finally:
        wb.close()


