"""Recipient files the operator gives the CLI (and text the UI pastes).

* numbers files (``--to-file``): numbers one per line, or separated by commas,
  semicolons, tabs or whitespace (see :func:`msisdn.parse_numbers`);
* individual CSV (``--individual``): a header with ``msisdn`` and ``message``
  columns (any case, any order, ``,`` or ``;`` delimited), one row per
  recipient.

Files are UTF-8, with or without a BOM. Line numbers are 1-based file lines;
in a CSV the header is line 1.
"""

from __future__ import annotations

import csv
import io
import os
import stat
from dataclasses import dataclass, field

from .errors import InputError
from .models import Recipient
from .msisdn import NumberError, normalize, parse_numbers
from .xmlchars import describe_char, find_illegal

__all__ = [
    "RecipientIssue",
    "RecipientList",
    "read_numbers_file",
    "read_individual_csv",
    "parse_individual_text",
    "individual_header",
    "individual_rows",
    "judge_individual_row",
]

MSISDN_COLUMN = "msisdn"
MESSAGE_COLUMN = "message"


@dataclass
class RecipientIssue:
    line: int  # 1-based file line
    column: int | None  # 1-based character position (in the message for message issues)
    raw: str
    reason: str


@dataclass
class RecipientList:
    recipients: list[Recipient] = field(default_factory=list)
    invalid: list[RecipientIssue] = field(default_factory=list)
    duplicates: list[RecipientIssue] = field(default_factory=list)
    rows: int = 0  # entries (numbers files) or data rows (CSV) read


# --------------------------------------------------------------------------
# reading files


# Larger than any recipient file an operator has (a million personal
# messages is about 120 MB); past it, a mistake such as a disk image.
MAX_FILE_BYTES = 1 << 30

_NOT_REGULAR = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def open_regular(path: str | os.PathLike[str], *, max_bytes: int | None = None) -> io.BufferedReader:
    """A regular file opened for reading in binary, or an InputError naming
    it and what went wrong.

    Pipes and devices are refused before a byte is read (a FIFO would hang,
    /dev/zero would fill memory); so is a file larger than ``max_bytes``."""
    shown = os.fspath(path)
    max_bytes = MAX_FILE_BYTES if max_bytes is None else max_bytes
    try:
        # Non-blocking: opening a FIFO for reading would wait for a writer.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError(f"file not found: {shown}") from None
    except IsADirectoryError:
        raise InputError(f"{shown} is a directory, not a file") from None
    except PermissionError:
        raise InputError(f"cannot read {shown}: permission denied") from None
    except OSError as e:
        raise InputError(f"cannot read {shown}: {e.strerror or e}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise InputError(f"{shown} is a directory, not a file")
        if not stat.S_ISREG(st.st_mode):
            kind = next((name for test, name in _NOT_REGULAR if test(st.st_mode)), "not a regular file")
            raise InputError(f"{shown} is {kind}, not a regular file; save the recipients to a file and give that")
        if st.st_size > max_bytes:
            raise InputError(f"{shown} is {st.st_size / (1 << 20):,.0f} MB; recipient files up to "
                             f"{max_bytes / (1 << 20):,.0f} MB are read (split it)")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_file_bytes(path: str | os.PathLike[str], *, max_bytes: int | None = None) -> bytes:
    """A whole regular file (see :func:`open_regular`)."""
    shown = os.fspath(path)
    max_bytes = MAX_FILE_BYTES if max_bytes is None else max_bytes
    with open_regular(path, max_bytes=max_bytes) as fh:
        try:
            data = fh.read(max_bytes + 1)
        except OSError as e:
            raise InputError(f"cannot read {shown}: {e.strerror or e}") from None
    if len(data) > max_bytes:  # grew while being read
        raise InputError(f"{shown} is larger than {max_bytes / (1 << 20):,.0f} MB; split it")
    return data


def _read_text(path: str | os.PathLike[str]) -> str:
    """Whole file as text: UTF-8 with or without BOM, or an InputError."""
    shown = os.fspath(path)
    data = read_file_bytes(path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        offset = e.start
        bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
        line = data.count(b"\n", 0, offset) + 1
        line_start = data.rfind(b"\n", 0, offset) + 1
        prefix = data[max(line_start, bom) : offset].decode("utf-8", errors="replace")
        raise InputError(
            f"{shown}: line {line}, column {len(prefix) + 1}: not UTF-8 text "
            f"(byte 0x{data[offset]:02X}); save the file as UTF-8"
        ) from None


# A one-word header line some exports put above a column of numbers.
_NUMBER_HEADERS = frozenset(
    {"msisdn", "number", "numbers", "phone", "phones", "mobile", "tel", "telefon", "nomre", "nömrə"}
)


def read_numbers_file(path: str | os.PathLike[str]) -> RecipientList:
    """Numbers from a ``--to-file``: one per line or comma/semicolon separated.

    A first line that is only a column name such as ``msisdn`` or ``phone``
    is skipped (line numbers stay those of the file).
    """
    text = _read_text(path)
    first, nl, rest = text.partition("\n")
    if first.strip().strip('"').strip().lower() in _NUMBER_HEADERS:
        text = nl + rest
    return _from_parsed(text)


def _from_parsed(text: str) -> RecipientList:
    parsed = parse_numbers(text)
    return RecipientList(
        recipients=[Recipient(m) for m in parsed.valid],
        invalid=[RecipientIssue(i.line, i.column, i.raw, i.reason) for i in parsed.invalid],
        duplicates=[RecipientIssue(i.line, i.column, i.raw, i.reason) for i in parsed.duplicates],
        rows=parsed.entries,
    )


def read_individual_csv(path: str | os.PathLike[str]) -> RecipientList:
    """Individual messages from a CSV with ``msisdn`` and ``message`` columns."""
    return parse_individual_text(_read_text(path), source=os.fspath(path))


# --------------------------------------------------------------------------
# individual CSV


def _header_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line
    return ""


def _sniff_delimiter(header: str) -> str:
    """``,`` or ``;``: the one that splits the header into the needed columns."""
    best, best_score = ",", -1
    for delim in (",", ";", "\t"):
        names = {c.strip().strip('"').strip().lower() for c in header.split(delim)}
        score = (MSISDN_COLUMN in names) + (MESSAGE_COLUMN in names)
        if score > best_score or (score == best_score and header.count(delim) > header.count(best)):
            best, best_score = delim, score
    return best


def parse_individual_text(text: str, source: str = "") -> RecipientList:
    """Individual recipients from CSV text (header ``msisdn,message``).

    Rows whose number is not a valid mobile number, whose message is empty or
    holds a character XML cannot carry are reported in ``invalid``; a repeated
    number keeps its first row and the others go to ``duplicates``. A missing
    header or column, or broken CSV quoting, raises InputError.
    """
    where = f"{source}: " if source else ""
    if text.startswith("\ufeff"):
        text = text[1:]
    header_text = _header_line(text)
    if not header_text.strip():
        raise InputError(
            f"{where}no header: the first line must name the columns "
            f"'{MSISDN_COLUMN}' and '{MESSAGE_COLUMN}'"
        )
    delimiter = _sniff_delimiter(header_text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)

    result = RecipientList()
    seen: dict[str, int] = {}
    header: list[str] | None = None
    i_num = i_msg = -1
    last_line = 0
    try:
        for row in reader:
            line = last_line + 1  # first physical line of this record
            last_line = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            if header is None:
                header = [c.strip().lower() for c in row]
                missing = [c for c in (MSISDN_COLUMN, MESSAGE_COLUMN) if c not in header]
                if missing:
                    found = ", ".join(repr(c.strip()) for c in row)
                    which = " and ".join(f"'{c}'" for c in missing)
                    plural = "columns" if len(missing) > 1 else "column"
                    raise InputError(
                        f"{where}line {line}: missing {plural} {which} in the header "
                        f"(found {found}); the first line must be "
                        f"'{MSISDN_COLUMN}{delimiter}{MESSAGE_COLUMN}'"
                    )
                i_num = header.index(MSISDN_COLUMN)
                i_msg = header.index(MESSAGE_COLUMN)
                continue
            result.rows += 1
            _take_row(row, line, i_num, i_msg, result, seen)
    except csv.Error as e:
        raise InputError(
            f"{where}line {last_line + 1}: malformed CSV ({e}); "
            f"check the quotes around messages"
        ) from None
    if header is None:  # pragma: no cover - guarded above
        raise InputError(f"{where}no header")
    return result


def _take_row(
    row: list[str],
    line: int,
    i_num: int,
    i_msg: int,
    result: RecipientList,
    seen: dict[str, int],
) -> None:
    raw_num = row[i_num].strip() if i_num < len(row) else ""
    message = row[i_msg] if i_msg < len(row) else None
    shown = raw_num or ",".join(row)
    if not raw_num:
        result.invalid.append(RecipientIssue(line, None, shown, "missing number"))
        return
    try:
        wire = normalize(raw_num)
    except NumberError as e:
        result.invalid.append(RecipientIssue(line, None, raw_num, e.reason))
        return
    if message is None:
        result.invalid.append(RecipientIssue(line, None, raw_num, "missing message"))
        return
    if not message.strip():
        result.invalid.append(RecipientIssue(line, None, raw_num, "empty message"))
        return
    bad = find_illegal(message)
    if bad is not None:
        pos, ch = bad
        result.invalid.append(
            RecipientIssue(
                line,
                pos + 1,
                message,
                f"message contains {describe_char(ch)} at character {pos + 1}, "
                f"which XML cannot carry",
            )
        )
        return
    first = seen.get(wire)
    if first is not None:
        result.duplicates.append(RecipientIssue(line, None, raw_num, f"duplicate of line {first}"))
        return
    seen[wire] = line
    result.recipients.append(Recipient(wire, message))


# --------------------------------------------------------------------------
# row level (the TUI edits rows one by one and judges them like the reader)


def individual_header(text: str) -> list[str]:
    """The header of an individual CSV's text (lower-cased, stripped): what
    its columns are called, [] when there is no readable header."""
    body = text[1:] if text.startswith("\ufeff") else text
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=_sniff_delimiter(_header_line(body)))
    try:
        for rec in reader:
            if rec and any(c.strip() for c in rec):
                return [c.strip().lower() for c in rec]
    except csv.Error:
        return []
    return []


def individual_rows(text: str, source: str) -> list[tuple[int, str, str | None, str]]:
    """Every data record of an individual CSV's text as (first file line,
    number as written, message or None when the row has no such cell, the
    record's own fault or ""), valid or not. A record with more cells than
    the header is at fault whatever its number and message say: an unquoted
    comma split its message, and sending the first piece would be a guess.

    Header and quoting problems raise the same InputError as
    :func:`read_individual_csv`; judge each row with :func:`judge_individual_row`.
    """
    parse_individual_text(text, source=source)  # the exact header/quote errors
    if text.startswith("\ufeff"):
        text = text[1:]
    delimiter = _sniff_delimiter(_header_line(text))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, str, str | None, str]] = []
    header: list[str] | None = None
    i_num = i_msg = -1
    last = 0
    for rec in reader:
        line = last + 1
        last = reader.line_num
        if not rec or all(not c.strip() for c in rec):
            continue
        if header is None:
            header = [c.strip().lower() for c in rec]
            i_num, i_msg = header.index(MSISDN_COLUMN), header.index(MESSAGE_COLUMN)
            continue
        number = rec[i_num].strip() if i_num < len(rec) else ""
        message = rec[i_msg] if i_msg < len(rec) else None
        fault = ""
        if len(rec) > len(header) and any(c.strip() for c in rec[len(header):]):
            fault = f"{len(rec)} cells where the header has {len(header)} (a delimiter inside an unquoted field?)"
        rows.append((line, number, message, fault))
    return rows


def judge_individual_row(
    number: str, message: str | None, line: int, seen: dict[str, int]
) -> tuple[Recipient | None, RecipientIssue | None, bool]:
    """One individual row judged by the CSV reader's own rule:
    (recipient, None, False) when it is sent, (None, issue, False) when it is
    invalid, (None, issue, True) when it repeats an earlier row's number.
    ``seen`` (wire -> line) carries the numbers already taken."""
    result = RecipientList()
    cells = [number] if message is None else [number, message]
    _take_row(cells, line, 0, 1, result, seen)
    if result.invalid:
        return None, result.invalid[0], False
    if result.duplicates:
        return None, result.duplicates[0], True
    return result.recipients[0], None, False
