"""Number lists at file speed.

A list of a million numbers is mostly lines of one shape: ``994XXXXXXXXX``,
``0XXXXXXXXX`` or ``+994 XX XXX XX XX``. Those are recognised a block of
lines at a time by one compiled pattern (built from the same numbering-plan
metadata as :mod:`msisdn`), on the UTF-8 bytes with the in-number
punctuation deleted, and kept as integers. Every other line (blank, several
numbers, letters, spreadsheet damage, non-ASCII) goes through
:func:`line_entries`, the per-line rules, so that the report is the one the
per-line rules alone would give. Duplicates and the operator breakdown are
counted over the integer column, not per number.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterator
from itertools import compress, repeat
from operator import add, mod, ne, not_

from .. import msisdn as _m
from .. import numbering_plan as _plan
from .cells import recover_text
from .numbers import Entries, NumberRecords, count_operators, national_lines
from .report import ImportIssue, ImportReport

__all__ = ["NumberRecords", "line_entries", "parse_text_list", "scan_list"]

_WIRE_BASE = 994 * 10**9
# Bytes of lines per block: big enough for C speed, small enough to keep
# the per-block lists cheap and progress frequent. Public so that a test can
# make blocks tiny and cut between every few lines.
BLOCK_BYTES = 1 << 20

# Punctuation an operator writes inside one number (ASCII part of msisdn's
# set, less the tab, which separates numbers).
_IN_NUMBER = b" -./()"
_IN_NUMBER_CR = _IN_NUMBER + b"\r"
_PREFIXES = rb"(?:\+994|00994|994)?0?"
# One match per line, empty unless the line is one valid mobile number once
# in-number punctuation is deleted: then the number as written (int() of it
# modulo 10**9 is the national number; 12 characters long only when it is
# already the wire form). _LINE where every \r ended a line and was deleted.
_LINE = re.compile(rb"^(?:(" + _PREFIXES + _m.national_pattern("$").encode() + rb")$)?", re.MULTILINE)
_LINE_CR = re.compile(
    rb"^(?:\r*(" + _PREFIXES + _m.national_pattern(r"\r*$").encode() + rb")\r*$)?", re.MULTILINE
)
# A whole block of such lines (each ending in \n), checked in one linear
# pass. The repeats are possessive (no backtracking state kept per line):
# that can only refuse a block, which then goes line by line.
_PREFIXES_POSSESSIVE = rb"(?:\+994|00994|994)?+0?+"
_ALL_VALID = re.compile(
    rb"(?:" + _PREFIXES_POSSESSIVE + rb"(?=[0-9]{9}\n)(?=(?:" + _plan.GENERAL.pattern.encode() + rb")\n)"
    + b"".join(rb"(?!(?:" + p.pattern.encode() + rb")\n)" for p in _plan.EARLIER)
    + rb"(?:" + _plan.MOBILE.pattern.encode() + rb")\n)*+"
) if _plan.GENERAL is not None and _plan.MOBILE is not None else None
# Blocks of lines all of one common shape, read a digit column at a time:
# (pattern of the block, line width, first national digit, written
# otherwise than the wire form).
_SHAPES = ((re.compile(rb"(?:994[0-9]{9}\n)*+"), 13, 3, False), (re.compile(rb"(?:0[0-9]{9}\n)*+"), 11, 1, True))
# One match per line: b"994" when the line is a number already written as
# the wire form (so not "normalised").
_CANONICAL = re.compile(rb"^(?:[ \r]*(994)[0-9]{9}[ \r]*$)?", re.MULTILINE)
_NATIONAL = 10**9


# --------------------------------------------------------------------------
# the per-line rules


def line_entries(line: str) -> list[tuple[int, str, str | None, str | None]]:
    """Every entry of one line of a number list, as (1-based column, raw,
    wire, note): ``wire`` is None for an invalid entry, and ``note`` then
    says why; for a valid one ``note`` says what spreadsheet damage was
    undone, if any."""
    if line.endswith("\r"):
        line = line[:-1]
    try_norm = _m.normalize_or_none
    if not _m.HAS_SEPARATOR.search(line):
        s = line.strip()
        if not s:
            return []
        wire = try_norm(s)
        if wire is not None:
            return [(len(line) - len(line.lstrip()) + 1, s, wire, None)]
        pieces = [(0, line)]
    else:
        pieces = [(m.start(), m.group()) for m in _m.SEPARATORS.finditer(line)]
    out: list[tuple[int, str, str | None, str | None]] = []
    for col0, p in pieces:
        s = _m.clean_entry(p)
        if not s:
            continue
        col0 += p.find(s)
        wire = try_norm(s)
        if wire is not None:
            out.append((col0 + 1, s, wire, None))
            continue
        digits, note, error = recover_text(s)
        if error is not None:
            out.append((col0 + 1, s, None, error))
            continue
        if digits is not None:
            wire = try_norm(digits)
            if wire is None:
                out.append((col0 + 1, s, None, f"{_m.reason_invalid(digits)} (read as {digits})"))
            else:
                out.append((col0 + 1, s, wire, f"{note}: {wire}"))
            continue
        for c0, raw, w in _m.split_piece(s, col0):
            out.append((c0 + 1, raw, w, None if w is not None else _m.reason_invalid(raw)))
    return out


# --------------------------------------------------------------------------
# the scan


def _blocks(data: bytes, first_row: int) -> Iterator[tuple[int, int, int]]:
    """(first row, start, end) of blocks of whole lines (end excludes the
    newline that closes the block's last line)."""
    start, row, n = 0, first_row, len(data)
    while True:
        end = data.find(b"\n", min(start + BLOCK_BYTES, n)) if start + BLOCK_BYTES < n else -1
        if end < 0:
            yield row, start, n
            return
        yield row, start, end
        row += data.count(b"\n", start, end) + 1
        start = end + 1


def scan_list(data: bytes, rep: ImportReport, *, skip_first: bool = False,
              cancelled: Callable[[], bool] | None = None,
              progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """Fill ``rep`` from a number list given as UTF-8 bytes (``skip_first``:
    line 1 is a header word). ``progress(done, total)`` is called per block
    with byte counts; ``cancelled()`` true stops the scan (the report is
    then incomplete: the caller drops it)."""
    e = Entries()
    blocks: list[tuple[int, int, int]] = []
    for row, start, end in _blocks(data, 1):
        if cancelled is not None and cancelled():
            return rep
        blocks.append((row, start, end))
        taken = len(e.nums)
        _scan_block(data[start:end], row, e, rep, skip_first and row == 1)
        if e.unique is not None:
            before = len(e.unique)
            # (ints made by tolist() in one go are inserted faster than
            # ints made one by one while iterating the array)
            e.unique.update(e.nums[taken:].tolist())
            if len(e.unique) - before != len(e.nums) - taken:
                e.unique = None
        if progress is not None:
            progress(end, len(data))
    rep.rows_read += e.read
    _finish(e, rep, _LineFinder(data, blocks))
    return rep


def _all_fast(squeezed: bytes) -> bool:
    """Every line of ``squeezed`` (each ending in \n) is one valid number."""
    return _ALL_VALID is not None and _ALL_VALID.fullmatch(squeezed) is not None


def _one_shape(body: bytes) -> tuple[array[int], Counter[str], bool] | None:
    """(wire numbers, count by operator prefix, normalised) of a block
    (ending in \n) of lines all in one of the common shapes with a known
    operator's prefix; None for any other. Such a number is valid whatever
    its last seven digits, so no pattern judges it line by line."""
    for pattern, width, first, normalised in _SHAPES:
        if pattern.fullmatch(body) is not None:
            nums, prefixes = national_lines(body, width, first)
            counts = Counter({pp: prefixes.count(int(pp)) for pp in _m._PREFIX_OPERATOR})
            return (nums, counts, normalised) if counts.total() == len(nums) else None
    return None


def _take_wire_block(body: bytes, row0: int, e: Entries) -> bool:
    """A block of lines in one common shape (:func:`_one_shape`) taken;
    False, nothing taken, for any other."""
    shaped = _one_shape(body)
    if shaped is None:
        return False
    nums, counts, normalised = shaped
    k = len(nums)
    e.nums.extend(nums)
    e.normalised.extend(b"\x01" * k if normalised else bytes(k))
    if e.prefixes is not None:
        e.prefixes.update(counts)
    e.add_rows(row0, k)
    e.read += k
    return True


def _take_clean_block(squeezed: bytes, row0: int, e: Entries, as_written: bool) -> None:
    """A block every line of which is one valid number (``squeezed`` ends in
    \n); ``as_written``: nothing but line ends was deleted from it."""
    if as_written and _take_wire_block(squeezed, row0, e):
        return
    toks = squeezed[:-1].split(b"\n")
    k = len(toks)
    e.prefixes = None
    if as_written:
        e.normalised.extend(map(ne, map(len, toks), repeat(12)))
    else:
        e.normalised.extend(b"\x01" * k)  # filled in by the caller
    e.nums.extend(map(add, map(mod, map(int, toks), repeat(_NATIONAL)), repeat(_WIRE_BASE)))
    e.add_rows(row0, k)
    e.read += k


def _scan_block(block: bytes, row0: int, e: Entries, rep: ImportReport, skip_first: bool) -> None:
    crs = block.count(b"\r")
    if crs == block.count(b"\r\n") + block.endswith(b"\r"):
        squeezed = block.translate(None, _IN_NUMBER_CR)
        if not skip_first:
            body = squeezed if squeezed.endswith(b"\n") else squeezed + b"\n"
            as_written = len(squeezed) == len(block) - crs
            if body != b"\n" and as_written and _take_wire_block(body, row0, e):
                return
            if body != b"\n" and _all_fast(body):
                before = len(e.normalised)
                _take_clean_block(body, row0, e, as_written)
                if not as_written:
                    marks = _CANONICAL.findall(block)
                    e.normalised[before:] = bytes(map(not_, marks[:len(e.normalised) - before]))
                return
        toks = _LINE.findall(squeezed)
        # Nothing but line ends deleted: a number is as written.
        canon: list[bytes] | None = None if len(squeezed) == len(block) - crs else _CANONICAL.findall(block)
    else:
        toks = _LINE_CR.findall(block.translate(None, _IN_NUMBER))
        canon = _CANONICAL.findall(block)
    lines: list[bytes] | None = None
    if skip_first or b"" in toks:
        lines = block.split(b"\n")
        if skip_first:
            toks[0] = lines[0] = b""
    nums, norm = e.nums, e.normalised
    pos = 0  # toks[pos:] not yet taken

    def take_fast(a: int, b: int) -> None:
        if a >= b:
            return
        seg = toks[a:b]
        before = len(norm)
        if canon is None:
            norm.extend(map(ne, map(len, seg), repeat(12)))
        else:
            norm.extend(map(not_, canon[a:b]))
        if norm.count(1, before) == 0 and canon is None:
            nums.extend(map(int, seg))  # every one written as the wire form
        else:
            nums.extend(map(add, map(mod, map(int, seg), repeat(_NATIONAL)), repeat(_WIRE_BASE)))
        e.add_rows(row0 + a, b - a)
        e.prefixes = None
        e.read += b - a

    if lines is not None:
        for i in compress(range(len(toks)), map(not_, toks)):
            take_fast(pos, i)
            pos = i + 1
            line = lines[i]
            if not line.strip():
                continue
            for col, raw, wire, note in line_entries(line.decode("utf-8", "surrogatepass")):
                e.read += 1
                if wire is None:
                    rep.invalid.append(ImportIssue(row0 + i, col, raw, note or ""))  # an invalid entry has its note
                    continue
                e.prefixes = None
                e.odd[len(nums)] = (col, raw, note)
                nums.append(int(wire))
                e.add_rows(row0 + i, 1)
                norm.append(raw != wire)
    take_fast(pos, len(toks))


class _LineFinder:
    """A line by its number, for the few issues told about fast lines (rows
    asked in file order: one block split at a time)."""

    def __init__(self, data: bytes, blocks: list[tuple[int, int, int]]) -> None:
        self._data = data
        self._blocks = blocks
        self._firsts = [b[0] for b in blocks]
        self._k = -1
        self._lines: list[bytes] = []

    def __call__(self, row: int) -> str:
        k = bisect_right(self._firsts, row) - 1
        if k != self._k:
            first, start, end = self._blocks[k]
            self._k, self._lines = k, self._data[start:end].split(b"\n")
        return self._lines[row - self._firsts[k]].decode("utf-8", "surrogatepass")


def _finish(e: Entries, rep: ImportReport, line_at: Callable[[int], str]) -> None:
    nums, rows, n = e.nums, e.rows, len(e.nums)

    def raw_col(i: int) -> tuple[str, int]:
        if i in e.odd:
            col, raw, _ = e.odd[i]
            return raw, col
        line = line_at(rows[i])
        if line.endswith("\r"):
            line = line[:-1]
        return line.strip(), len(line) - len(line.lstrip()) + 1

    if e.unique is not None:
        e.unique = None
        kept_nums, kept_rows, kept_norm, keep = nums, rows, e.normalised, None
    else:
        first = dict(zip(reversed(nums), range(n - 1, -1, -1), strict=True))
        firsts = list(map(first.__getitem__, nums))
        del first
        keep = bytes(map(not_, map(ne, firsts, range(n))))
        kept_nums = array("q", compress(nums, keep))
        kept_rows = array("q", compress(rows, keep))
        kept_norm = bytearray(compress(e.normalised, keep))
        dups = n - len(kept_nums)
        rep.duplicates += dups
        listed = 0
        for i in compress(range(n), map(not_, keep)):
            if listed == rep.duplicate_rows.limit:
                rep.duplicate_rows.add_uncounted(dups - listed)
                break
            raw, col = raw_col(i)
            rep.duplicate_rows.append(ImportIssue(rows[i], col, raw, f"duplicate of line {rows[firsts[i]]}"))
            listed += 1
        del firsts
    for i in sorted(e.odd):
        col, raw, note = e.odd[i]
        if note is not None and (keep is None or keep[i]):
            rep.recovered.append(ImportIssue(rows[i], col, raw, note))
    rep.valid += len(kept_nums)
    rep.normalised += kept_norm.count(1)
    if keep is None and e.prefixes is not None:
        for pp, count in e.prefixes.items():
            rep.operators[_m._PREFIX_OPERATOR[pp]] += count
    else:
        count_operators(kept_nums, rep.operators)
    rep.records = NumberRecords(kept_nums, kept_rows)


def classify_cells(values: list[str]) -> tuple[list[int], list[bool]] | None:
    """For cells each meant to hold one number (a table's number column):
    the wire number of each cell that is one valid number by the bulk rules,
    0 for any other (to judge by the per-row rules), and whether each is
    written otherwise than the wire form. None when the cells cannot be read
    as lines (one holds a line break)."""
    text = "\n".join(values)
    if text.count("\n") != len(values) - 1:
        return None
    block = text.encode("utf-8", "surrogatepass")
    crs = block.count(b"\r")
    if crs == block.count(b"\r\n") + block.endswith(b"\r"):
        squeezed = block.translate(None, _IN_NUMBER_CR)
        shaped = _one_shape(squeezed + b"\n") if len(squeezed) == len(block) - crs else None
        if shaped is not None:
            return shaped[0].tolist(), [shaped[2]] * len(values)
        if _all_fast(squeezed + b"\n"):
            # every cell one valid number: no per-line pattern
            toks = squeezed.split(b"\n")
            as_written = len(squeezed) == len(block) - crs
            norm = list(map(ne, map(len, toks), repeat(12))) if as_written else \
                list(map(not_, _CANONICAL.findall(block)))
            return list(map(add, map(mod, map(int, toks), repeat(_NATIONAL)), repeat(_WIRE_BASE))), norm
        toks = _LINE.findall(squeezed)
        canon = None if len(squeezed) == len(block) - crs else _CANONICAL.findall(block)
    else:
        toks = _LINE_CR.findall(block.translate(None, _IN_NUMBER))
        canon = _CANONICAL.findall(block)
    wires = [int(t) % _NATIONAL + _WIRE_BASE if t else 0 for t in toks]
    norm = [len(t) != 12 for t in toks] if canon is None else [not c for c in canon]
    return wires, norm


# --------------------------------------------------------------------------
# entry points


def parse_text_list(text: str, source: str = "", report: ImportReport | None = None) -> ImportReport:
    """Numbers typed, pasted or read from a text file, with any separator."""
    rep = report if report is not None else ImportReport(source=source, kind="list")
    return scan_list(text.encode("utf-8", "surrogatepass"), rep, skip_first=_header_word(text))


def _header_word(text: str) -> bool:
    from .tables import NUMBER_HEADERS, norm_header

    first = text.split("\n", 1)[0]
    return norm_header(first.strip().strip('"')) in NUMBER_HEADERS
