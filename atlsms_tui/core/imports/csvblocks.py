"""A streamed CSV read a block of lines at a time.

A file of a million ``msisdn,"personal message"`` rows is mostly lines of
one of two plain shapes: no quote at all, or every field bare but the last,
which is quoted without a quote, line break or NUL inside. A block of such
lines is cut into columns by ``str.split`` in C, without the csv module's
per-character state machine nor a list per row. Any other block (a quote
elsewhere, a blank line, a CR, a row of another width, a NUL, a huge field)
goes to the csv module row by row, so that rows, numbering and errors are
exactly what the csv module alone gives.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from operator import methodcaller

from ..errors import InputError

__all__ = ["Block", "CsvBlocks"]

_CHARS = 1 << 20  # characters per block (then up to the end of a line)
_FIRST = 1 << 16
TableRow = tuple[int, Sequence[object]]


@dataclass
class Block:
    """Rows ``first``.. of a table as columns of raw cells (text as the csv
    module would give it)."""

    first: int
    columns: list[list[str]]

    def __len__(self) -> int:
        return len(self.columns[0])

    def rows(self) -> list[TableRow]:
        return list(zip(range(self.first, self.first + len(self)), map(list, zip(*self.columns, strict=True)),
                        strict=True))


class CsvBlocks:
    """Rows of a CSV text stream (opened with newline=""): iterated one by
    one (header and sample), then :meth:`batches` for the rest."""

    def __init__(self, stream: io.TextIOBase, delimiter: str, source: str, block_chars: int = _CHARS) -> None:
        self._stream = stream
        # the header and sample come from a small first block
        self._block = min(block_chars, _FIRST)
        self._chars = block_chars
        self._delim = delimiter
        self._source = source
        self._rows = 0  # rows given so far
        self._lines = 0  # physical lines consumed so far
        self._carry = ""
        self._pending: Iterator[TableRow] = iter(())
        self._done = False

    def __iter__(self) -> Iterator[TableRow]:
        return self

    def __next__(self) -> TableRow:
        while True:
            row = next(self._pending, None)
            if row is not None:
                return row
            text = self._next_text()
            if text is None:
                raise StopIteration
            self._pending = iter(self._parse(text))

    def _next_text(self) -> str | None:
        """The next block of whole lines (whole quoted fields too), or None."""
        if self._done:
            return None
        text = self._carry
        while True:
            chunk = self._stream.read(self._block)
            self._block = self._chars
            if not chunk:
                self._done = True
                self._carry = ""
                return text or None
            text += chunk
            cut = text.rfind("\n")
            # a cut inside a quoted field (odd quotes before it) moves back a
            # line at a time (counting only that line's quotes), or waits
            odd = text.count('"', 0, cut) % 2 if cut >= 0 else 0
            while cut >= 0 and odd:
                before = text.rfind("\n", 0, cut)
                odd ^= text.count('"', before + 1, cut) % 2
                cut = before
            if cut >= 0:
                self._carry = text[cut + 1:]
                return text[:cut + 1]

    def _parse(self, text: str) -> list[TableRow]:
        """A block by the csv module, rows numbered on from the last. A
        block that ends inside a quoted field (a quote the cut took for an
        opening one was a literal one) is read on to the next block."""
        while True:
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=self._delim, strict=True)
            out: list[TableRow] = []
            row = self._rows
            try:
                for cells in reader:
                    row += 1
                    out.append((row, cells))
            except csv.Error as exc:
                more = self._next_text()
                if more is not None:
                    text += more
                    continue
                raise InputError(
                    f"{self._source}: row {row + 1} (line {self._lines + reader.line_num}): malformed CSV "
                    f"({exc}); check the quotes"
                ) from None
            self._rows = row
            self._lines += text.count("\n") + text.count("\r") - text.count("\r\n")
            return out

    def batches(self, ncols: int) -> Iterator[Block | list[TableRow]]:
        """The rows left: blocks of ``ncols`` columns where the lines are
        plain, lists of rows elsewhere."""
        rest = list(self._pending)
        if rest:
            yield rest
        while (text := self._next_text()) is not None:
            cols = _plain_columns(text, self._delim, ncols)
            if cols is None:
                yield self._parse(text)
                continue
            block = Block(self._rows + 1, cols)
            self._rows += len(block)
            self._lines += len(block)
            yield block


_FIELD_LIMIT = csv.field_size_limit()


def _plain_columns(text: str, delim: str, ncols: int) -> list[list[str]] | None:
    """The columns of a block of plain lines (see the module doc), each
    line ending in \n; None when a line is not plain."""
    if "\r" in text or "\x00" in text or not text.endswith("\n") or ncols < 1:
        return None
    body = text[:-1]
    if '"' not in body:
        lines = body.split("\n")
        if set(map(methodcaller("count", delim), lines)) != {ncols - 1}:
            return None
        if len(text) > _FIELD_LIMIT and max(map(len, lines)) > _FIELD_LIMIT:
            return None
        flat = delim.join(lines).split(delim)
        return [flat[i::ncols] for i in range(ncols)]
    pieces = body.split('"')
    outside, inside = pieces[0::2], pieces[1::2]
    n = len(inside)
    # Every line: bare fields each ending in the delimiter, then one quoted
    # field ending the line. Told by counts over the block: each closing
    # quote but the last is followed by a line end and no line end is
    # quoted, so each head but the first starts a line; each line end
    # follows a delimiter, so each head ends in one.
    if n == 0 or outside[-1] != "" or "\n" in "".join(inside) or body.count('"\n') != n - 1:
        return None
    heads = outside[:-1]
    joined = "".join(heads)
    if joined.count("\n") != n - 1 or joined.count(delim + "\n") != n - 1 or not joined.endswith(delim) or \
            set(map(methodcaller("count", delim), heads)) != {ncols - 1}:
        return None
    if len(text) > _FIELD_LIMIT and max(map(len, inside)) + 2 > _FIELD_LIMIT:
        return None
    if ncols == 1:
        return [inside]
    flat = joined.replace(delim + "\n", delim).split(delim)
    cols = [flat[i:-1:ncols - 1] for i in range(ncols - 1)]
    cols.append(inside)
    return cols
