"""The records of a table import held as columns, for a million rows.

A record per row as an object with a dict of fields costs several hundred
bytes; here numbers and row numbers are integer arrays and each kept column
is one UTF-8 buffer (cells NUL-terminated), about the size of the file.
Records are still ImportRecord objects when indexed or iterated; bulk
readers (the mail merge) take a column's values a batch at a time.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import accumulate, repeat
from operator import add, itemgetter, methodcaller
from typing import overload

from .cells import cell_text
from .numbers import count_operators
from .report import ColumnRecords, ImportIssue, ImportRecord, ImportReport

__all__ = ["TableRecords", "TableSink"]

# Where a duplicate was found: a column name, or a character position in a line.
Column = str | int | None

_SEP = b"\x00"
_ENCODE = methodcaller("encode", "utf-8", "surrogatepass")


class _Column:
    """One kept column: its cells' UTF-8 in one buffer, each followed by a
    NUL. Cells are found by chunk (what one ``extend`` added) rather than
    each cell's end: counting a million ends costs more than the import's
    parsing, and reading a batch of cells is one split of their chunk.
    Per-cell ends are made only when asked for (``ends``), or from the
    start once a cell holds a NUL itself."""

    __slots__ = ("blob", "clean", "_ends", "_chunk_rows", "_chunk_bytes", "_cached")

    def __init__(self) -> None:
        self.blob = bytearray()
        self.clean = True  # no cell holds a NUL (then a chunk is one split)
        self._ends: array[int] | None = None  # cell i is blob[ends[i-1]:ends[i]-1]
        # chunk k holds rows _chunk_rows[k].._chunk_rows[k+1] and bytes
        # _chunk_bytes[k].._chunk_bytes[k+1] (its last NUL included)
        self._chunk_rows = array("Q", [0])
        self._chunk_bytes = array("Q", [0])
        self._cached: tuple[int, list[str]] | None = None  # the last chunk split

    def __getstate__(self) -> tuple[bytearray, bool, array[int] | None, array[int], array[int]]:
        return self.blob, self.clean, self._ends, self._chunk_rows, self._chunk_bytes

    def __setstate__(self, state: tuple[bytearray, bool, array[int] | None, array[int], array[int]]) -> None:
        self.blob, self.clean, self._ends, self._chunk_rows, self._chunk_bytes = state
        self._cached = None

    def extend(self, values: list[str]) -> None:
        if not values:
            return
        joined = "\x00".join(values)
        if self.clean and joined.count("\x00") != len(values) - 1:
            self.ends  # noqa: B018 - the cells so far, ended while they still split cleanly
            self.clean = False
        base = len(self.blob)
        if self.clean:
            data = joined.encode("utf-8", "surrogatepass")
            lens: Iterable[int] | None = None
        else:
            encoded = list(map(_ENCODE, values))
            data = _SEP.join(encoded)
            lens = map(len, encoded)
        self.blob += data
        self.blob += _SEP
        self._chunk_rows.append(self._chunk_rows[-1] + len(values))
        self._chunk_bytes.append(len(self.blob))
        if self._ends is not None:
            if lens is None:
                lens = map(len, values) if len(data) == len(joined) else map(len, data.split(_SEP))
            self._ends.extend(map(add, accumulate(map(add, lens, repeat(1))), repeat(base)))

    @property
    def ends(self) -> array[int]:
        """Each cell's end in the buffer (NUL included), made once."""
        if self._ends is None:
            ends: array[int] = array("Q")
            for k in range(len(self._chunk_rows) - 1):
                first, last = self._chunk_bytes[k], self._chunk_bytes[k + 1]
                lens = map(len, bytes(self.blob[first:last - 1]).split(_SEP))
                ends.extend(map(add, accumulate(map(add, lens, repeat(1))), repeat(first)))
            self._ends = ends
        return self._ends

    def _chunk(self, k: int) -> list[str]:
        cached = self._cached
        if cached is not None and cached[0] == k:
            return cached[1]
        first, last = self._chunk_bytes[k], self._chunk_bytes[k + 1]
        cells = bytes(self.blob[first:last - 1]).decode("utf-8", "surrogatepass").split("\x00")
        self._cached = (k, cells)
        return cells

    def values(self, a: int, b: int) -> list[str]:
        if a >= b:
            return []
        if not self.clean:
            ends = self.ends
            start = ends[a - 1] if a else 0
            out: list[str] = []
            for i in range(a, b):
                end = ends[i]
                out.append(self.blob[start:end - 1].decode("utf-8", "surrogatepass"))
                start = end
            return out
        rows = self._chunk_rows
        k = bisect_right(rows, a) - 1
        if b <= rows[k + 1]:
            return self._chunk(k)[a - rows[k]:b - rows[k]]
        got: list[str] = []
        while a < b:
            stop = min(b, rows[k + 1])
            got += self._chunk(k)[a - rows[k]:stop - rows[k]]
            a, k = stop, k + 1
        return got


class TableRecords(ColumnRecords):
    """Records of a table: number, row and the kept columns' cells."""

    __slots__ = ("_nums", "_rows", "_names", "_cols")

    def __init__(self, nums: array[int], rows: array[int], names: list[str], cols: list[_Column]) -> None:
        self._nums = nums
        self._rows = rows
        self._names = names
        self._cols = cols

    def numbers(self) -> array[int]:
        return self._nums

    @property
    def field_names(self) -> list[str]:
        return list(self._names)

    def rows(self, a: int, b: int) -> array[int]:
        return self._rows[a:b]

    def values(self, name: str, a: int, b: int) -> list[str] | None:
        """Cells of column ``name`` for records a..b; None if it is not kept."""
        try:
            k = self._names.index(name)
        except ValueError:
            return None
        return self._cols[k].values(a, b)

    def column(self, name: str, a: int, b: int) -> list[str]:
        """Cells of column ``name`` for records a..b; KeyError if it is not kept."""
        values = self.values(name, a, b)
        if values is None:
            raise KeyError(name)
        return values

    def buffer(self, name: str) -> tuple[bytearray, array[int]] | None:
        """Column ``name`` as stored: cells UTF-8 in one buffer, each
        followed by a NUL, cell i ending at ends[i]; None if it is not kept
        or a cell holds a NUL itself. Shared: do not modify."""
        try:
            col = self._cols[self._names.index(name)]
        except ValueError:
            return None
        return (col.blob, col.ends) if col.clean else None

    def _record(self, i: int) -> ImportRecord:
        fields = {n: c.values(i, i + 1)[0] for n, c in zip(self._names, self._cols, strict=True)}
        return ImportRecord(str(self._nums[i]), fields, self._rows[i])

    def __len__(self) -> int:
        return len(self._nums)

    @overload
    def __getitem__(self, i: int) -> ImportRecord: ...
    @overload
    def __getitem__(self, i: slice) -> list[ImportRecord]: ...

    def __getitem__(self, i: int | slice) -> ImportRecord | list[ImportRecord]:
        if isinstance(i, slice):
            return [self._record(j) for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._record(i)

    def __iter__(self) -> Iterator[ImportRecord]:
        step = 4096
        for a in range(0, len(self), step):
            b = min(a + step, len(self))
            cols = [c.values(a, b) for c in self._cols]
            for j, i in enumerate(range(a, b)):
                yield ImportRecord(str(self._nums[i]), {n: v[j] for n, v in zip(self._names, cols, strict=True)},
                                   self._rows[i])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, (str, bytes)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"TableRecords({len(self):,}, fields {self._names})"


class TableSink:
    """Takes the valid rows of a table import: first number kept, later
    ones reported as duplicates (up to the report's limit, counted beyond)."""

    def __init__(self, rep: ImportReport, columns: list[str], keep: Iterable[str] | None) -> None:
        self.rep = rep
        wanted = None if keep is None else {k.strip().lower() for k in keep}
        # A single column is the number itself: no merge fields.
        self._idx = [i for i, c in enumerate(columns) if wanted is None or c.strip().lower() in wanted] \
            if len(columns) > 1 else []
        self._names = [columns[i] for i in self._idx]
        self._cols = [_Column() for _ in self._idx]
        self._nums = array("q")
        self._rows = array("q")
        self._seen: set[int] = set()
        self._pending: list[Sequence[object]] = []  # cells of kept rows, their columns not yet stored

    def _duplicate(self, n: int, raw: str | Callable[[], str], row: int, column: Column, dup_of: str) -> None:
        rep = self.rep
        rep.duplicates += 1
        dups = rep.duplicate_rows
        if len(dups) < dups.limit:
            first = self._rows[self._nums.index(n)]
            dups.append(ImportIssue(row, column, raw() if callable(raw) else raw, f"duplicate of {dup_of} {first}"))
        else:
            dups.add_uncounted(1)

    def take(self, wire: str, raw: str, row: int, cells: Sequence[object], column: Column, dup_of: str) -> bool:
        """True if kept; False for a repeated number."""
        n = int(wire)
        if n in self._seen:
            self._duplicate(n, raw, row, column, dup_of)
            return False
        self._keep(n, row, cells)
        if raw != wire:
            self.rep.normalised += 1
        return True

    def take_number(self, n: int, normalised: bool, raw: Callable[[], str], row: int, cells: Sequence[object],
                    column: Column, dup_of: str) -> None:
        """:meth:`take` for a number already judged valid in bulk; ``raw()``
        gives its text, needed only to report it as a duplicate."""
        if n in self._seen:
            self._duplicate(n, raw, row, column, dup_of)
            return
        self._keep(n, row, cells)
        if normalised:
            self.rep.normalised += 1

    def take_all(self, numbers: Sequence[int], normalised: Iterable[bool], rows: Iterable[int],
                 cells: Iterable[Sequence[object]]) -> bool:
        """Every one of a batch of numbers judged valid in bulk, when none
        repeats another (then True); False, nothing taken, otherwise."""
        # one set of the batch: its numbers become objects once, not per pass
        batch = set(numbers)
        if len(batch) != len(numbers) or 0 in batch or not self._seen.isdisjoint(batch):
            return False
        self._seen |= batch
        self._nums.extend(numbers)
        self._rows.extend(rows)
        if self._idx:
            self._pending.extend(cells)
        self.rep.valid += len(numbers)
        self.rep.normalised += sum(normalised)
        return True

    def take_block(self, numbers: Sequence[int], normalised: Iterable[bool], first: int,
                   columns: list[list[str]]) -> bool:
        """:meth:`take_all` of rows ``first``.. given as columns of text cells."""
        self.flush()
        if not self.take_all(numbers, normalised, range(first, first + len(numbers)), ()):
            return False
        for i, col in zip(self._idx, self._cols, strict=True):
            col.extend(list(map(str.strip, columns[i])))
        return True

    def _keep(self, n: int, row: int, cells: Sequence[object]) -> None:
        self._seen.add(n)
        self._nums.append(n)
        self._rows.append(row)
        if self._idx:
            self._pending.append(cells)
        self.rep.valid += 1

    def flush(self) -> None:
        """Store the pending rows' kept cells, a column at a time."""
        rows = self._pending
        if not rows:
            return
        for i, col in zip(self._idx, self._cols, strict=True):
            try:  # a CSV's cells: text, every row as wide as the header
                values = list(map(str.strip, map(itemgetter(i), rows)))
            except (IndexError, TypeError):
                values = [cell_text(c[i]) if i < len(c) else "" for c in rows]
            col.extend(values)
        self._pending = []

    def finish(self) -> TableRecords:
        self.flush()
        self._seen = set()
        count_operators(self._nums, self.rep.operators)
        return TableRecords(self._nums, self._rows, self._names, self._cols)
