"""CSV/TSV tables (and the rows of a workbook): header, delimiter and number
column found, every row judged."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from functools import partial
from itertools import islice, repeat
from operator import itemgetter

from .. import msisdn as _m
from ..errors import InputError
from ..wording import plural
from .cells import _SCI, _numeric_cell, cell_text, recover_text
from .csvblocks import Block, CsvBlocks
from .fastpath import classify_cells
from .records import TableSink
from .report import ImportIssue, ImportReport

# Header names that mark the number column (compared without case, spaces,
# dots, dashes and underscores).
NUMBER_HEADERS = frozenset({
    "msisdn", "number", "numbers", "phone", "phones", "phonenumber", "mobile", "mobilenumber",
    "mobilephone", "cell", "cellphone", "tel", "telephone", "telefon", "telefonnomresi",
    "telefonnömrəsi", "nomre", "nömrə", "mobil", "mobilnomre", "mobilnömrə", "gsm",
    "телефон", "номер", "мобильный",
})



_BATCH = 4096  # rows judged together

# A row of a table: its number (1-based, as the operator's program shows
# it) and its cells (text from a CSV, typed values from a workbook).
TableRow = tuple[int, Sequence[object]]


def _take_recovered(rep: ImportReport, sink: TableSink, raw: str, digits: str | None, note: str | None,
                    error: str | None, row: int, column: str, cells: Sequence[object]) -> None:
    if error is not None or digits is None:
        rep.invalid.append(ImportIssue(row, column, raw, error or _m.reason_invalid(raw)))
        return
    wire = _m.normalize_or_none(digits)
    if wire is None:
        rep.invalid.append(ImportIssue(row, column, raw, f"{_m.reason_invalid(digits)} (read as {digits})"))
        return
    if sink.take(wire, raw, row, cells, column, "row"):
        rep.recovered.append(ImportIssue(row, column, raw, f"{note}: {wire}"))


def norm_header(name: str) -> str:
    """A column header as compared with the known names: lower case, without
    spaces, dots, underscores or hyphens."""
    return re.sub(r"[\s._\-]+", "", name.strip().lower())


def _looks_numeric(cell: object) -> bool:
    if cell is None:
        return False
    if isinstance(cell, (int, float, Decimal)) and not isinstance(cell, bool):
        return True
    if not isinstance(cell, str):
        return False
    s = cell.strip()
    if _SCI.fullmatch(s.replace(" ", "")):
        return True
    digits = sum(c.isdigit() for c in s)
    return digits >= 5 and _m._LETTER.search(s) is None


def _is_header(row: Sequence[object]) -> bool:
    cells = [c for c in row if c is not None and (not isinstance(c, str) or c.strip())]
    if not cells:
        return False
    if any(_looks_numeric(c) for c in cells):
        return False
    return any(isinstance(c, str) and _m._LETTER.search(c) for c in cells)


def _column_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _unique_names(header: Sequence[object]) -> list[str]:
    names: list[str] = []
    used: set[str] = set()
    for i, c in enumerate(header):
        name = cell_text(c) or str(i + 1)
        base, n = name, 2
        while name.lower() in used:
            name = f"{base}_{n}"
            n += 1
        used.add(name.lower())
        names.append(name)
    return names


def find_column(columns: list[str], wanted: str, source: str) -> int:
    """Index of ``wanted``: a column name (any case), a 1-based index or a letter."""
    w = wanted.strip()
    for i, c in enumerate(columns):
        if c.strip().lower() == w.lower():
            return i
    for i, c in enumerate(columns):
        if norm_header(c) == norm_header(w):
            return i
    if w.isdigit():
        i = int(w) - 1
        if 0 <= i < len(columns):
            return i
        raise InputError(f"{source}: there is no column {w} (the file has {plural(len(columns), 'column')})")
    if re.fullmatch(r"[A-Za-z]{1,2}", w):
        for i in range(len(columns)):
            if _column_letter(i) == w.upper():
                return i
    shown = ", ".join(repr(c) for c in columns)
    raise InputError(f"{source}: no column {wanted!r}; the columns are {shown}")


def _number_score(rows: list[TableRow], i: int) -> int:
    n = 0
    for _, cells in rows:
        if i >= len(cells):
            continue
        v = cells[i]
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            digits, _ = _numeric_cell(v)
            n += digits is not None and _m.normalize_or_none(digits) is not None
        elif isinstance(v, str) and v.strip():
            s = v.strip()
            n += _m.normalize_or_none(_m.clean_entry(s)) is not None or recover_text(s) != (None, None, None)
    return n


def _table_import(rows: Iterator[TableRow], rep: ImportReport,
                  column: str | None, header: bool | None, keep: Iterable[str] | None = None) -> ImportReport:
    """Common to CSV and xlsx: ``rows`` yields (row number, cells).
    ``keep``: the only columns whose cells the records need (names, any
    case); None keeps them all."""
    source = rep.source
    head: list[TableRow] = []
    for item in rows:
        if any(c is not None and (not isinstance(c, str) or c.strip()) for c in item[1]):
            head.append(item)
            break
    if not head:
        rep.warnings.append("the file holds no rows")
        return rep
    first_row = head[0]
    has_header = _is_header(first_row[1]) if header is None else header
    rep.header = has_header
    width = len(first_row[1])
    sample: list[TableRow] = [] if has_header else [first_row]
    for item in rows:
        sample.append(item)
        width = max(width, len(item[1]))
        if len(sample) >= 200:
            break
    if has_header:
        # Cells beyond the header's width are reported by row, not made columns.
        columns = _unique_names(list(first_row[1]))
    else:
        columns = [str(i + 1) for i in range(width)]
    # Trailing unnamed, empty columns (a spreadsheet's formatting, a trailing
    # delimiter) are dropped.
    while len(columns) > 1:
        j = len(columns) - 1
        named = has_header and j < len(first_row[1]) and cell_text(first_row[1][j]) != ""
        if named or any(j < len(c) and cell_text(c[j]) != "" for _, c in sample):
            break
        columns.pop()
    rep.columns = columns
    idx = _number_column(columns, sample, column, has_header, source)
    rep.number_column = columns[idx]
    sink = TableSink(rep, columns, keep)
    clean = _m.clean_entry
    colname = columns[idx]
    ncols = len(columns)

    take_number = sink.take_number
    for batch in _batches(sample, rows, ncols):
        if isinstance(batch, Block):
            judged = classify_cells(batch.columns[idx])
            if judged is not None and sink.take_block(judged[0], judged[1], batch.first, batch.columns):
                rep.rows_read += len(batch)
                continue
            batch = batch.rows()
        # Number cells judged in bulk; the rest row by row below.
        cells_of = [b[1] for b in batch]
        if set(map(len, cells_of)) == {ncols}:
            numbers = list(map(itemgetter(idx), cells_of))
            if set(map(type, numbers)) != {str}:
                numbers = [v if v.__class__ is str else "" for v in numbers]
        else:
            numbers = [c[idx] if len(c) == ncols and c[idx].__class__ is str else "" for c in cells_of]
        judged = classify_cells(numbers)
        if judged is not None and sink.take_all(judged[0], judged[1], [b[0] for b in batch], cells_of):
            rep.rows_read += len(batch)
            sink.flush()
            continue
        wires: Iterable[int]
        norms: Iterable[bool]
        wires, norms = judged if judged is not None else (repeat(0), repeat(False))
        # wires and norms repeat without end when the batch was not judged in bulk
        for (rowno, cells), w, norm in zip(batch, wires, norms, strict=False):
            if w:
                rep.rows_read += 1
                # a wire number is judged from a text cell only
                take_number(w, norm, partial(clean, str(cells[idx])), rowno, cells, colname, "row")
                continue
            _judge_row(rep, sink, rowno, cells, idx, ncols, colname, has_header)
        sink.flush()
    rep.records = sink.finish()
    return rep


def _batches(sample: list[TableRow], rows: Iterator[TableRow], ncols: int) -> Iterator[Block | list[TableRow]]:
    """The rows after the header, in batches: a streamed CSV's plain lines
    as blocks of columns."""
    if sample:
        yield sample
    if isinstance(rows, CsvBlocks):
        yield from rows.batches(ncols)
        return
    while batch := list(islice(rows, _BATCH)):
        yield batch


def _number_column(columns: list[str], sample: list[TableRow], column: str | None, has_header: bool,
                   source: str) -> int:
    """Index of the number column: the one asked for, else the first with a
    number header, else the only one, else the one whose sample cells are
    most often numbers."""
    if column is not None:
        return find_column(columns, column, source)
    if has_header:
        for i, c in enumerate(columns):
            if norm_header(c) in NUMBER_HEADERS:
                return i
    if len(columns) == 1:
        return 0
    scores = [_number_score(sample, i) for i in range(len(columns))]
    best = max(scores) if scores else 0
    if best == 0:
        shown = ", ".join(repr(c) for c in columns)
        raise InputError(
            f"{source}: cannot tell which column holds the numbers (columns: {shown}); "
            "name it with --column"
        )
    return scores.index(best)


def _judge_row(rep: ImportReport, sink: TableSink, rowno: int, cells: Sequence[object], idx: int, ncols: int,
               colname: str, has_header: bool) -> None:
    """One row of a table by the per-row rules."""
    take = sink.take
    value = cells[idx] if idx < len(cells) else None
    if not any(c is not None and (not isinstance(c, str) or c.strip()) for c in cells):
        return
    rep.rows_read += 1
    if has_header and len(cells) > ncols and any(cell_text(c) for c in cells[ncols:]):
        rep.invalid.append(ImportIssue(rowno, None, _row_text(cells),
                                       f"{len(cells)} cells where the header has {ncols} "
                                       "(a delimiter inside an unquoted field?)"))
        return
    if value is None or (isinstance(value, str) and not _m.clean_entry(value)):
        rep.invalid.append(ImportIssue(rowno, colname, _row_text(cells), "missing number"))
        return
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        raw = cell_text(value)
        digits, error = _numeric_cell(value)
        if digits is None:
            rep.invalid.append(ImportIssue(rowno, colname, raw, error or "not a number"))
            return
        wire = _m.normalize_or_none(digits)
        if wire is None:
            rep.invalid.append(ImportIssue(rowno, colname, raw, _m.reason_invalid(digits)))
            return
        take(wire, raw, rowno, cells, colname, "row")
        return
    if not isinstance(value, str):
        rep.invalid.append(ImportIssue(rowno, colname, cell_text(value), "not a phone number"))
        return
    raw = _m.clean_entry(value)
    wire = _m.normalize_or_none(raw)
    if wire is not None:
        take(wire, raw, rowno, cells, colname, "row")
        return
    digits, note, error = recover_text(raw)
    if digits is not None or error is not None:
        _take_recovered(rep, sink, raw, digits, note, error, rowno, colname, cells)
        return
    rep.invalid.append(ImportIssue(rowno, colname, raw, _m.reason_invalid(raw)))


def _row_text(cells: Sequence[object]) -> str:
    return ",".join(cell_text(c) for c in cells)


def _sniff_delimiter(text: str, preferred: str) -> str:
    sample_rows: dict[str, list[int]] = {}
    sample = text[:65536]
    for delim in (",", ";", "\t", "|"):
        try:
            reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delim)
            counts = []
            for row in reader:
                if row and any(c.strip() for c in row):
                    counts.append(len(row))
                if len(counts) >= 30:
                    break
        except csv.Error:
            counts = []
        sample_rows[delim] = counts
    best, best_key = preferred, (0.0, 0, 0)
    for delim, counts in sample_rows.items():
        if not counts:
            continue
        mode, freq = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        key = (freq / len(counts), mode, delim == preferred)
        if key > best_key:
            best, best_key = delim, key
    return best


def parse_table_text(text: str, source: str = "", *, delimiter: str | None = None,
                     column: str | None = None, header: bool | None = None,
                     preferred: str = ",", encoding: str | None = None,
                     keep: Iterable[str] | None = None) -> ImportReport:
    """A CSV/TSV table already decoded."""
    delim = delimiter or _sniff_delimiter(text, preferred)
    rep = ImportReport(source=source, kind="csv", encoding=encoding, delimiter=delim)
    return parse_table_stream(io.StringIO(text, newline=""), rep, column=column, header=header, keep=keep)


def parse_table_lines(lines: Iterable[str], rep: ImportReport, *, column: str | None = None,
                      header: bool | None = None, keep: Iterable[str] | None = None) -> ImportReport:
    """A CSV/TSV table from text lines (a stream opened with newline=""),
    delimiter already in ``rep``, row by row by the csv module: what
    :func:`parse_table_stream` must agree with."""
    source = rep.source
    if rep.delimiter is None:
        raise ValueError("parse_table_lines needs the report's delimiter")
    reader = csv.reader(lines, delimiter=rep.delimiter, strict=True)

    def rows() -> Iterator[TableRow]:
        n = 0
        try:
            for row in reader:
                n += 1
                yield n, row
        except csv.Error as exc:
            raise InputError(
                f"{source}: row {n + 1} (line {reader.line_num}): malformed CSV ({exc}); "
                "check the quotes"
            ) from None

    return _table_import(rows(), rep, column, header, keep)


def parse_table_stream(stream: io.TextIOBase, rep: ImportReport, *, column: str | None = None,
                       header: bool | None = None, keep: Iterable[str] | None = None,
                       block_chars: int | None = None) -> ImportReport:
    """:func:`parse_table_lines` of a text stream (opened with newline=""),
    read ``block_chars`` characters at a time (about a megabyte by default)."""
    if rep.delimiter is None:
        raise ValueError("parse_table_stream needs the report's delimiter")
    blocks = CsvBlocks(stream, rep.delimiter, rep.source) if block_chars is None else \
        CsvBlocks(stream, rep.delimiter, rep.source, block_chars)
    return _table_import(blocks, rep, column, header, keep)
