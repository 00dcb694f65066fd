"""A number list's records as integer columns, and the operator breakdown
counted over them."""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterator, Sequence
from itertools import repeat
from operator import floordiv
from typing import overload

from .. import msisdn as _m
from .report import ColumnRecords, ImportRecord

__all__ = ["NumberRecords", "count_operators"]


class NumberRecords(ColumnRecords):
    """The records of a number list: wire numbers and lines as integer
    arrays. Items are ImportRecord built on demand."""

    __slots__ = ("_nums", "_rows")

    def __init__(self, nums: array[int], rows: array[int]) -> None:
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
