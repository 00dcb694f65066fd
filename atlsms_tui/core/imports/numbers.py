"""A number list's records as integer columns, the operator breakdown
counted over them, and wire-form lines read into integers a digit column
at a time."""

from __future__ import annotations

import sys
from array import array
from collections import Counter
from collections.abc import Iterator, Sequence
from functools import lru_cache
from itertools import repeat
from operator import floordiv
from typing import Literal, overload

from .. import msisdn as _m
from .report import ColumnRecords, ImportRecord

__all__ = ["Entries", "NumberRecords", "count_operators", "national_lines"]


class Entries:
    """Every entry read, valid or not, in file order."""

    def __init__(self) -> None:
        self.nums = array("q")  # wire form as an integer
        # Each entry's line: a range while each entry is on the line after
        # the last one's (a plain list), an array from the first that is not.
        self._rows: array[int] | None = None
        self._first_row = self._next_row = 0
        self.normalised = bytearray()  # 1: written otherwise than the wire form
        self.odd: dict[int, tuple[int, str, str | None]] = {}  # index -> (column, raw, note)
        self.read = 0
        # Numbers by operator prefix, while every block was numbers of the
        # known prefixes in one common shape (then, without duplicates, the
        # breakdown); None once it cannot be told without the column.
        self.prefixes: Counter[str] | None = Counter()
        # Every number so far, while none repeats (None once one does).
        self.unique: set[int] | None = set()

    def add_rows(self, first: int, k: int) -> None:
        """The next ``k`` entries are on lines ``first``.. onwards, one a line."""
        if self._rows is None:
            if self._next_row == 0:
                self._first_row = self._next_row = first
            if first == self._next_row:
                self._next_row += k
                return
            self._rows = array("q", range(self._first_row, self._next_row))
        self._rows.extend(range(first, first + k))

    @property
    def rows(self) -> Sequence[int]:
        if self._rows is None:
            return range(self._first_row, self._next_row)
        return self._rows


class NumberRecords(ColumnRecords):
    """The records of a number list: wire numbers and lines as integer
    arrays. Items are ImportRecord built on demand."""

    __slots__ = ("_nums", "_rows")

    def __init__(self, nums: array[int], rows: Sequence[int]) -> None:
        self._nums = nums
        self._rows = rows

    def numbers(self) -> array[int]:
        return self._nums

    def __len__(self) -> int:
        return len(self._nums)

    @overload
    def __getitem__(self, i: int) -> ImportRecord: ...
    @overload
    def __getitem__(self, i: slice) -> list[ImportRecord]: ...

    def __getitem__(self, i: int | slice) -> ImportRecord | list[ImportRecord]:
        if isinstance(i, slice):
            return [ImportRecord(str(n), {}, r) for n, r in zip(self._nums[i], self._rows[i], strict=True)]
        return ImportRecord(str(self._nums[i]), {}, self._rows[i])

    def __iter__(self) -> Iterator[ImportRecord]:
        for n, r in zip(self._nums, self._rows, strict=True):
            yield ImportRecord(str(n), {}, r)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, (str, bytes)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"NumberRecords({len(self):,})"


def count_operators(nums: array[int], into: Counter[str]) -> None:
    by_prefix: Counter[int] = Counter()
    for a in range(0, len(nums), 1 << 16):
        by_prefix.update(map(floordiv, nums[a:a + (1 << 16)], repeat(10**7)))
    for prefix, count in by_prefix.items():
        op = _m._PREFIX_OPERATOR.get(f"{prefix % 100:02d}")
        if op is not None:
            into[op] += count
            continue
        # Outside the known prefixes the carrier data decides, number by number.
        for n in nums:
            if n // 10**7 == prefix:
                into[_m.operator_of(str(n))] += 1


# --------------------------------------------------------------------------
# wire-form lines to integers

_LE: Literal["little"] = "little"
_DIGIT = bytes(c - 48 if 48 <= c <= 57 else 0 for c in range(256))
_WIRE_BASE = 994 * 10**9
# The wire number split at bit 32: a national number (under 10**9) added to
# the low half stays under 2**32, so the high half is the same for all.
_LOW = _WIRE_BASE & 0xFFFFFFFF
_HIGH = bytes([_WIRE_BASE >> 32])
assert _LOW + 10**9 < 1 << 32 and _WIRE_BASE >> 32 < 256


def national_lines(body: bytes, width: int, first: int) -> tuple[array[int], bytes]:
    """The numbers of ``body``, lines of ``width`` bytes (newline included)
    each holding a national number's nine digits from byte ``first`` (after
    ``994`` or ``0``), as wire numbers in 64-bit integers, and each one's
    operator prefix (its first two national digits) as a byte.

    No integer object per number: each digit column is one big integer
    holding a byte per number, and the columns are combined with a few
    multiplications over whole columns, in lanes wide enough that no lane
    carries into the next (a pair of digits fits a byte, four a 2-byte lane,
    the national number plus the wire base's low half a 4-byte lane)."""
    k = len(body) // width
    d = body.translate(_DIGIT)
    col = [int.from_bytes(d[first + j::width], _LE) for j in range(8)]
    pairs = [(col[i] * 10 + col[i + 1]).to_bytes(k, _LE) for i in range(0, 8, 2)]
    quads = [(_lanes(pairs[i], 1, 2) * 100 + _lanes(pairs[i + 1], 1, 2)).to_bytes(2 * k, _LE) for i in (0, 2)]
    low = (_lanes(quads[0], 2, 4) * 10**5 + _lanes(quads[1], 2, 4) * 10 + _lanes(d[first + 8::width], 1, 4)
           + _low_lanes(k))
    out = bytearray(8 * k)
    _spread(low.to_bytes(4 * k, _LE), 4, out, 8)
    out[4::8] = _HIGH * k
    nums = array("q")
    nums.frombytes(out)
    if sys.byteorder != "little":
        nums.byteswap()
    return nums, pairs[0]


def _spread(data: bytes, size: int, out: bytearray, width: int) -> None:
    """Values of ``size`` bytes from ``data`` into lanes of ``width`` bytes of ``out``."""
    for b in range(size):
        out[b::width] = data[b::size]


def _lanes(data: bytes, size: int, width: int) -> int:
    """Values of ``size`` bytes each as one integer with lanes of ``width`` bytes."""
    out = bytearray(len(data) // size * width)
    _spread(data, size, out, width)
    return int.from_bytes(out, _LE)


@lru_cache(maxsize=4)
def _low_lanes(k: int) -> int:
    # (blocks have mostly one size: built once)
    return int.from_bytes(_LOW.to_bytes(4, _LE) * k, _LE)
