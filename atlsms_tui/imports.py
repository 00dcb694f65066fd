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

import codecs
import csv
import io
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from . import msisdn as _m
from .errors import InputError
from .models import Recipient
from .recipients import read_file_bytes

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

OPERATORS = ("Azercell", "Bakcell", "Nar", "Naxtel", "other")

TABLE_EXTENSIONS = {".csv": ",", ".tsv": "\t", ".tab": "\t"}
XLSX_EXTENSIONS = {".xlsx", ".xlsm"}
LEGACY_ENCODING = "cp1254"
_ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with BOM",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16LE",
    "utf-16-be": "UTF-16BE",
    "cp1254": "Windows-1254",
    "cp1251": "Windows-1251",
    "cp1252": "Windows-1252",
}

# Header names that mark the number column (compared without case, spaces,
# dots, dashes and underscores).
NUMBER_HEADERS = frozenset({
    "msisdn", "number", "numbers", "phone", "phones", "phonenumber", "mobile", "mobilenumber",
    "mobilephone", "cell", "cellphone", "tel", "telephone", "telefon", "telefonnomresi",
    "telefonnömrəsi", "nomre", "nömrə", "mobil", "mobilnomre", "mobilnömrə", "gsm",
    "телефон", "номер", "мобильный",
})


@dataclass
class ImportIssue:
    row: int  # 1-based file line (number lists) or spreadsheet row (tables)
    column: str | None  # column name (tables) or 1-based character position (lists), or None
    raw: str
    reason: str


@dataclass
class ImportRecord:
    msisdn: str  # wire form
    fields: dict[str, str]  # the row's cells by column name (empty for number lists)
    row: int = 0

    def recipient(self) -> Recipient:
        return Recipient(self.msisdn)


@dataclass
class ImportReport:
    source: str = ""
    kind: str = "list"  # "list", "csv" or "xlsx"
    encoding: str | None = None  # as read, e.g. "UTF-16"; None for xlsx
    delimiter: str | None = None
    sheet: str | None = None
    header: bool = False
    columns: list[str] = field(default_factory=list)
    number_column: str | None = None
    rows_read: int = 0  # entries (lists) or non-blank data rows (tables)
    valid: int = 0  # unique valid numbers kept (== len(records))
    normalised: int = 0  # of those, how many were written otherwise than 994XXXXXXXXX
    duplicates: int = 0
    invalid: list[ImportIssue] = field(default_factory=list)
    duplicate_rows: list[ImportIssue] = field(default_factory=list)
    recovered: list[ImportIssue] = field(default_factory=list)  # spreadsheet damage undone
    operators: Counter = field(default_factory=lambda: Counter({op: 0 for op in OPERATORS}))
    records: list[ImportRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def unit(self) -> str:
        return "line" if self.kind == "list" else "row"

    @property
    def recipients(self) -> list[Recipient]:
        return [Recipient(r.msisdn) for r in self.records]

    def describe_source(self) -> str:
        bits = []
        if self.kind == "xlsx":
            bits.append(f"sheet {self.sheet!r}")
        else:
            if self.encoding:
                bits.append(self.encoding)
            if self.kind == "csv":
                bits.append("tab-separated" if self.delimiter == "\t" else f"delimiter {self.delimiter!r}")
        if self.kind != "list":
            bits.append("header" if self.header else "no header")
            if self.number_column is not None:
                bits.append(f"numbers in column {self.number_column!r}")
        return f"{self.source} ({', '.join(bits)})" if bits else self.source

    def summary(self) -> str:
        noun = "entries" if self.kind == "list" else "rows"
        dup = "duplicate" if self.duplicates == 1 else "duplicates"
        return (
            f"{self.rows_read:,} {noun} read, {self.valid:,} valid, {self.normalised:,} normalised, "
            f"{self.duplicates:,} {dup} removed, {len(self.invalid):,} invalid"
        )

    def operator_line(self) -> str:
        return ", ".join(f"{op} {self.operators.get(op, 0):,}" for op in OPERATORS)

    def issue_line(self, issue: ImportIssue) -> str:
        where = f"{self.unit} {issue.row}"
        if issue.column is not None:
            where += f", column {issue.column}" if self.kind == "list" else f", column {issue.column!r}"
        return f"{where}: {issue.raw!r}: {issue.reason}"

    def lines(self, limit: int = 50) -> list[str]:
        """The report as an operator reads it (CLI and TUI)."""
        out = [f"{self.describe_source()}: {self.summary()}"]
        out += [f"  warning: {w}" for w in self.warnings]
        out.append(f"  operators: {self.operator_line()}")
        for title, issues in (
            ("invalid, not sent to", self.invalid),
            ("recovered from spreadsheet damage", self.recovered),
            ("duplicates removed", self.duplicate_rows),
        ):
            if not issues:
                continue
            out.append(f"  {title}:")
            out += [f"    {self.issue_line(i)}" for i in issues[:limit]]
            if len(issues) > limit:
                out.append(f"    ... and {len(issues) - limit:,} more")
        return out

    def as_json(self) -> dict:
        return {
            "source": self.source,
            "kind": self.kind,
            "rows_read": self.rows_read,
            "valid": self.valid,
            "normalised": self.normalised,
            "duplicates": self.duplicates,
            "invalid": [
                {"row": i.row, "column": i.column, "raw": i.raw, "reason": i.reason} for i in self.invalid
            ],
            "operators": {op: self.operators.get(op, 0) for op in OPERATORS},
        }

    # building

    def _take(self, wire: str, raw: str, row: int, fields: dict[str, str], seen: dict[str, int],
              column, dup_of: str) -> None:
        first = seen.get(wire)
        if first is not None:
            self.duplicates += 1
            self.duplicate_rows.append(ImportIssue(row, column, raw, f"duplicate of {dup_of} {first}"))
            return
        seen[wire] = row
        self.records.append(ImportRecord(wire, fields, row))
        self.valid += 1
        if raw != wire:
            self.normalised += 1
        self.operators[_operator(wire)] += 1


def _operator(wire: str) -> str:
    op = _m._PREFIX_OPERATOR.get(wire[3:5])
    return op if op is not None else _m.operator_of(wire)


# --------------------------------------------------------------------------
# decoding


def _where(data: bytes, offset: int, text_before: str | None = None) -> tuple[int, int]:
    """(line, column) of a byte offset, 1-based."""
    if text_before is not None:
        line = text_before.count("\n") + 1
        col = len(text_before) - (text_before.rfind("\n") + 1) + 1
        return line, col
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    col = len(data[start:offset].decode("utf-8", errors="replace")) + 1
    return line, col


def _utf16_guess(data: bytes) -> str | None:
    sample = data[:4096]
    if len(sample) < 2 or b"\x00" not in sample:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = len(sample) // 2
    if odd > half * 0.3 and even < half * 0.05:
        return "utf-16-le"
    if even > half * 0.3 and odd < half * 0.05:
        return "utf-16-be"
    return None


def decode_bytes(data: bytes, source: str, encoding: str | None = None) -> tuple[str, str, list[str]]:
    """(text, encoding shown, warnings). InputError names the line and byte."""
    warnings: list[str] = []
    if encoding:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise InputError(f"unknown encoding {encoding!r}") from None
        if codec == "utf-8" and data.startswith(b"\xef\xbb\xbf"):
            codec = "utf-8-sig"
        candidates = [codec]
    elif data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        guess = _utf16_guess(data)
        if guess:
            candidates = [guess]
        elif b"\x00" in data[:65536]:
            raise InputError(f"{source}: this is not a text file (it holds NUL bytes); "
                             "save it as CSV, text or .xlsx")
        else:
            candidates = ["utf-8", LEGACY_ENCODING]
    first_error = None
    for codec in candidates:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as exc:
            if codec.startswith("utf-16"):
                before = data[: exc.start].decode(codec, errors="replace")
                line, col = _where(data, exc.start, before)
            else:
                line, col = _where(data, exc.start)
            shown = _ENCODING_NAMES.get(codec, codec)
            error = (f"line {line}, column {col}: byte 0x{data[exc.start]:02X} is not {shown}")
            if first_error is None:
                first_error = error
            last = error
            continue
        if codec == LEGACY_ENCODING and not encoding:
            warnings.append(
                f"not UTF-8 ({first_error}); read as {_ENCODING_NAMES[codec]} (Azerbaijani/Turkish "
                "Latin). If letters look wrong, pass --encoding (e.g. cp1251) or save the file as UTF-8"
            )
        if text.startswith("\ufeff"):
            text = text[1:]
        return text, _ENCODING_NAMES.get(codec, codec), warnings
    if len(candidates) > 1:
        raise InputError(
            f"{source}: cannot decode the file: {first_error}, nor Windows-1254 ({last}); "
            "save it as UTF-8 or pass --encoding"
        )
    raise InputError(f"{source}: cannot decode the file: {first_error}; save it as UTF-8 or pass --encoding")


# --------------------------------------------------------------------------
# one number, with spreadsheet damage


_TRAILING_ZERO_FRACTION = re.compile(r"\+?([0-9]+)[.,]0+")
_SCI = re.compile(r"([0-9])(?:[.,]([0-9]*))?[eE]\+?([0-9]{1,3})")


def _recover_text(s: str) -> tuple[str | None, str | None, str | None]:
    """For a number string Excel may have damaged: (digits, note, error).

    ``digits`` is the recovered digit string (then ``note`` says what was
    undone); ``error`` says why it cannot be recovered; all None when ``s``
    shows no such damage.
    """
    compact = s.replace(" ", "")
    m = _TRAILING_ZERO_FRACTION.fullmatch(compact)
    if m:
        return m.group(1), "written as a decimal number (trailing .0); recovered exactly", None
    m = _SCI.fullmatch(compact)
    if m:
        lead, frac, exp = m.group(1), m.group(2) or "", int(m.group(3))
        if len(frac) >= exp:
            digits = lead + frac[:exp]
            if frac[exp:].strip("0"):
                return None, None, "number in scientific notation is not a whole number"
            return digits, "written in scientific notation with every digit; recovered exactly", None
        return None, None, (
            f"number in scientific notation lost its last {exp - len(frac)} digit(s) "
            f"(only {1 + len(frac)} of {1 + exp} survive); format the column as text in the "
            "source and export again"
        )
    return None, None, None


def _numeric_cell(value: float | int | Decimal) -> tuple[str | None, str | None]:
    """(digits, error) of a number cell (xlsx)."""
    if isinstance(value, bool):
        return None, "not a number (TRUE/FALSE)"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None, "not a number"
        if not value.is_integer():
            return None, f"decimal number {value!r}, not a phone number"
        value = int(value)
    if isinstance(value, Decimal):
        if value != value.to_integral_value():
            return None, f"decimal number {value}, not a phone number"
        value = int(value)
    if value < 0:
        return None, "negative number"
    digits = str(value)
    stripped = digits.rstrip("0")
    if len(digits) >= 12 and len(digits) - len(stripped) >= 5:
        return None, (
            f"{digits} ends in {len(digits) - len(stripped)} zeros: most likely digits lost to "
            "scientific notation (9.94501E+11) in an earlier save; check the number"
        )
    return digits, None


# --------------------------------------------------------------------------
# cells as text


def cell_text(value) -> str:
    """A cell value as the operator sees it, for mail merge fields."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.strftime("%d.%m.%Y")
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value).strip()


# --------------------------------------------------------------------------
# number lists


def parse_text_list(text: str, source: str = "", report: ImportReport | None = None) -> ImportReport:
    """Numbers typed, pasted or read from a text file, with any separator."""
    rep = report if report is not None else ImportReport(source=source, kind="list")
    seen: dict[str, int] = {}
    clean = _m._clean
    try_norm = _m._try_normalize
    lines = text.split("\n")
    if lines and _norm_header(lines[0].strip().strip('"')) in NUMBER_HEADERS:
        lines[0] = ""
    for lineno, line in enumerate(lines, 1):
        if line.endswith("\r"):
            line = line[:-1]
        if not _m._HAS_SEPARATOR.search(line):
            s = line.strip()
            if not s:
                continue
            wire = try_norm(s)
            if wire is not None:
                rep.rows_read += 1
                col = len(line) - len(line.lstrip()) + 1
                rep._take(wire, s, lineno, {}, seen, col, "line")
                continue
            pieces = [(0, line)]
        else:
            pieces = [(m.start(), m.group()) for m in _m._SEPARATORS.finditer(line)]
        for col0, p in pieces:
            s = clean(p)
            if not s:
                continue
            col0 += p.find(s)
            wire = try_norm(s)
            if wire is not None:
                found = [(col0, s, wire)]
            else:
                digits, note, error = _recover_text(s)
                if digits is not None or error is not None:
                    rep.rows_read += 1
                    _take_recovered(rep, s, digits, note, error, lineno, col0 + 1, {}, seen, "line")
                    continue
                found = _m._split_piece(s, col0)
            for c0, raw, w in found:
                rep.rows_read += 1
                if w is None:
                    rep.invalid.append(ImportIssue(lineno, c0 + 1, raw, _m._reason(raw)))
                else:
                    rep._take(w, raw, lineno, {}, seen, c0 + 1, "line")
    return rep


def _take_recovered(rep: ImportReport, raw: str, digits: str | None, note: str | None,
                    error: str | None, row: int, column, fields, seen, dup_of: str) -> None:
    if error is not None:
        rep.invalid.append(ImportIssue(row, column, raw, error))
        return
    wire = _m._try_normalize(digits)
    if wire is None:
        rep.invalid.append(ImportIssue(row, column, raw, f"{_m._reason(digits)} (read as {digits})"))
        return
    before = rep.valid
    rep._take(wire, raw, row, fields, seen, column, dup_of)
    if rep.valid > before:
        rep.recovered.append(ImportIssue(row, column, raw, f"{note}: {wire}"))


# --------------------------------------------------------------------------
# tables


def _norm_header(name: str) -> str:
    return re.sub(r"[\s._\-]+", "", name.strip().lower())


def _looks_numeric(cell) -> bool:
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


def _is_header(row: list) -> bool:
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


def _unique_names(header: list) -> list[str]:
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
        if _norm_header(c) == _norm_header(w):
            return i
    if w.isdigit():
        i = int(w) - 1
        if 0 <= i < len(columns):
            return i
        raise InputError(f"{source}: there is no column {w} (the file has {len(columns)} column(s))")
    if re.fullmatch(r"[A-Za-z]{1,2}", w):
        for i in range(len(columns)):
            if _column_letter(i) == w.upper():
                return i
    shown = ", ".join(repr(c) for c in columns)
    raise InputError(f"{source}: no column {wanted!r}; the columns are {shown}")


def _number_score(rows: list[tuple[int, list, list | None]], i: int) -> int:
    n = 0
    for _, cells, _fmt in rows:
        if i >= len(cells):
            continue
        v = cells[i]
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            digits, _ = _numeric_cell(v)
            n += digits is not None and _m._try_normalize(digits) is not None
        elif isinstance(v, str) and v.strip():
            s = v.strip()
            n += _m._try_normalize(_m._clean(s)) is not None or _recover_text(s) != (None, None, None)
    return n


def _table_import(rows: Iterator[tuple[int, list, list | None]], rep: ImportReport,
                  column: str | None, header: bool | None) -> ImportReport:
    """Common to CSV and xlsx: ``rows`` yields (row number, cells, formats)."""
    source = rep.source
    head: list[tuple[int, list, list | None]] = []
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
    sample: list[tuple[int, list, list | None]] = [] if has_header else [first_row]
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
        if named or any(j < len(c) and cell_text(c[j]) != "" for _, c, _f in sample):
            break
        columns.pop()
    rep.columns = columns
    if column is not None:
        idx = find_column(columns, column, source)
    else:
        idx = None
        if has_header:
            for i, c in enumerate(columns):
                if _norm_header(c) in NUMBER_HEADERS:
                    idx = i
                    break
        if idx is None:
            if len(columns) == 1:
                idx = 0
            else:
                scores = [_number_score(sample, i) for i in range(len(columns))]
                best = max(scores) if scores else 0
                if best == 0:
                    shown = ", ".join(repr(c) for c in columns)
                    raise InputError(
                        f"{source}: cannot tell which column holds the numbers (columns: {shown}); "
                        "name it with --column"
                    )
                idx = scores.index(best)
    rep.number_column = columns[idx]
    seen: dict[str, int] = {}
    colname = columns[idx]
    ncols = len(columns)

    def all_rows() -> Iterator[tuple[int, list, list | None]]:
        yield from sample
        yield from rows

    for rowno, cells, formats in all_rows():
        if not any(c is not None and (not isinstance(c, str) or c.strip()) for c in cells):
            continue
        rep.rows_read += 1
        if has_header and len(cells) > ncols and any(cell_text(c) for c in cells[ncols:]):
            rep.invalid.append(ImportIssue(rowno, None, _row_text(cells),
                                           f"{len(cells)} cells where the header has {ncols} "
                                           "(a delimiter inside an unquoted field?)"))
            continue
        fields = {columns[i]: cell_text(cells[i]) if i < len(cells) else "" for i in range(ncols)} \
            if ncols > 1 else {}
        value = cells[idx] if idx < len(cells) else None
        if value is None or (isinstance(value, str) and not _m._clean(value)):
            rep.invalid.append(ImportIssue(rowno, colname, _row_text(cells), "missing number"))
            continue
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            raw = cell_text(value)
            digits, error = _numeric_cell(value)
            if error is not None:
                rep.invalid.append(ImportIssue(rowno, colname, raw, error))
                continue
            wire = _m._try_normalize(digits)
            if wire is None:
                rep.invalid.append(ImportIssue(rowno, colname, raw, _m._reason(digits)))
                continue
            rep._take(wire, raw, rowno, fields, seen, colname, "row")
            continue
        if not isinstance(value, str):
            rep.invalid.append(ImportIssue(rowno, colname, cell_text(value), "not a phone number"))
            continue
        raw = _m._clean(value)
        wire = _m._try_normalize(raw)
        if wire is not None:
            rep._take(wire, raw, rowno, fields, seen, colname, "row")
            continue
        digits, note, error = _recover_text(raw)
        if digits is not None or error is not None:
            _take_recovered(rep, raw, digits, note, error, rowno, colname, fields, seen, "row")
            continue
        rep.invalid.append(ImportIssue(rowno, colname, raw, _m._reason(raw)))
    return rep


def _row_text(cells: list) -> str:
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
                     preferred: str = ",", encoding: str | None = None) -> ImportReport:
    """A CSV/TSV table already decoded."""
    delim = delimiter or _sniff_delimiter(text, preferred)
    rep = ImportReport(source=source, kind="csv", encoding=encoding, delimiter=delim)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True)

    def rows() -> Iterator[tuple[int, list, None]]:
        n = 0
        try:
            for row in reader:
                n += 1
                yield n, row, None
        except csv.Error as exc:
            raise InputError(
                f"{source}: row {n + 1} (line {reader.line_num}): malformed CSV ({exc}); "
                "check the quotes"
            ) from None

    return _table_import(rows(), rep, column, header)


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


# --------------------------------------------------------------------------
# entry point


def read_recipients(
    path: str | os.PathLike[str],
    *,
    column: str | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    header: bool | None = None,
) -> ImportReport:
    """Import a recipient file of any supported kind; see the module doc.

    ``column`` names the number column (name, 1-based index or letter); with it
    a ``.txt`` is read as a table. ``sheet`` picks an .xlsx sheet. ``header``
    forces header detection on or off.
    """
    source = os.fspath(path)
    ext = os.path.splitext(source)[1].lower()
    data = read_file_bytes(path)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(f"{source}: an old binary Excel (.xls) workbook; save it as .xlsx or CSV")
    if data.startswith(b"PK\x03\x04") or ext in XLSX_EXTENSIONS:
        if not data.startswith(b"PK\x03\x04"):
            raise InputError(f"{source}: not a readable .xlsx workbook (not a zip archive)")
        rep = ImportReport(source=source, kind="xlsx")
        return _table_import(_xlsx_rows(data, source, sheet, rep), rep, column, header)
    if sheet is not None:
        raise InputError(f"{source}: --sheet applies to .xlsx workbooks only")
    text, enc, warnings = decode_bytes(data, source, encoding)
    if ext in TABLE_EXTENSIONS:
        rep = parse_table_text(text, source, column=column, header=header,
                               preferred=TABLE_EXTENSIONS[ext], encoding=enc)
    elif column is not None or _tabbed_header(text):
        rep = parse_table_text(text, source, column=column, header=header, preferred="\t", encoding=enc)
    else:
        rep = ImportReport(source=source, kind="list", encoding=enc)
        parse_text_list(text, source, rep)
    rep.warnings[:0] = warnings
    return rep


def _tabbed_header(text: str) -> bool:
    """A text file whose first line is a tab-separated header (Excel's "Unicode text")."""
    for line in text.split("\n", 50):
        if line.strip():
            return "\t" in line and _is_header(line.rstrip("\r").split("\t"))
    return False


def merge_reports(reports: Iterable[ImportReport]) -> list[ImportRecord]:
    """Records of several imports, a number kept once (first import wins)."""
    seen: set[str] = set()
    out: list[ImportRecord] = []
    for rep in reports:
        for r in rep.records:
            if r.msisdn not in seen:
                seen.add(r.msisdn)
                out.append(r)
    return out
