"""Recipients held compactly, for campaigns of a million.

A list of a million Recipient objects costs over 300 MB (a UCS-2 ``str``
per Azerbaijani message); jump hosts are small. Here numbers are 64-bit
integers and messages one UTF-8 buffer, NUL-separated (XML cannot carry NUL,
so no message holds one): about 100 bytes a recipient. Batches come out as
columns (``columns``) so the serialiser and the segment counter work on them
without building a Recipient per row; indexing and iteration still give
Recipient objects for everything else.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import overload

from .models import Recipient
from .smsbuffer import Shapes, buffer_segments, shape_segments
from .smstext import Messages

SEP = b"\x00"
_COUNT_STEP = 65536  # messages counted together
# Deleted to leave each message's ASCII characters that str.strip() keeps.
_NOT_ASCII_TEXT = bytes(c for c in range(256) if c > 127 or chr(c).isspace())


class _Columns:
    __slots__ = ("nums", "starts", "blob", "individual", "segs", "ucs2", "shapes")

    def __init__(self, individual: bool) -> None:
        self.nums = array("q")
        self.starts = array("Q", [0])  # message i is blob[starts[i]:starts[i+1]-1]
        self.blob = bytearray()
        self.individual = individual
        # Each message's segments and UCS-2 flag, counted once when first
        # asked (an estimate, a check, a merge's figures ask several times).
        self.segs: array[int] | None = None
        self.ucs2: bytearray | None = None
        # the messages' shapes (smsbuffer.Shapes), found by the same count:
        # the whole list's transliterated figures follow from them
        self.shapes: Shapes | None = None

    def counted(self) -> tuple[array[int], bytearray]:
        if self.segs is None or self.ucs2 is None:
            segs, ucs2 = array("L"), bytearray()
            shapes: Shapes = {}
            for s, f, _ in self.counts(0, len(self.starts) - 1, shapes=shapes):
                segs.extend(s)
                ucs2 += f
            self.segs, self.ucs2, self.shapes = segs, ucs2, shapes
        return self.segs, self.ucs2

    def counts(self, a: int, b: int, transform: Callable[[str], str] | None = None, shapes: Shapes | None = None
               ) -> Iterator[tuple[array[int], bytearray, bool]]:
        """:func:`smsbuffer.buffer_segments` of messages a..b, a batch at a
        time (its working lists cost about a hundred bytes a message)."""
        for x in range(a, b, _COUNT_STEP):
            y = min(x + _COUNT_STEP, b)
            yield buffer_segments(self.blob, self.starts[x + 1:y + 1], self.starts[x], transform, shapes)


class PackedRecipients(Sequence[Recipient]):
    """An immutable-by-convention sequence of recipients (a view on shared
    columns: slices cost nothing)."""

    __slots__ = ("_c", "_start", "_stop")

    def __init__(self, recipients: Iterable[Recipient] = (), *, individual: bool | None = None) -> None:
        it = iter(recipients)
        first = next(it, None)
        if individual is None:
            individual = first is not None and first.message is not None
        self._c = _Columns(individual)
        self._start = 0
        self._stop = 0
        if first is not None:
            self.append(first)
            for r in it:
                self.append(r)

    @classmethod
    def from_numbers(cls, numbers: array[int]) -> PackedRecipients:
        """Bulk recipients over wire numbers already held as 64-bit integers
        (an import's column, shared: it is not copied)."""
        if numbers.typecode != "q":
            raise ValueError("numbers must be an array of 64-bit integers")
        p = cls(individual=False)
        p._c.nums = numbers
        p._stop = len(numbers)
        return p

    @classmethod
    def from_buffers(cls, numbers: array[int], blob: bytearray, ends: array[int]) -> PackedRecipients:
        """Individual recipients over an import's buffers, shared: wire
        numbers, and messages in ``blob`` each followed by a NUL, message i
        ending (NUL included) at ``ends[i]``."""
        if numbers.typecode != "q" or len(numbers) != len(ends):
            raise ValueError("one 64-bit number per message")
        p = cls(individual=True)
        c = p._c
        c.nums = numbers
        c.starts.extend(ends)
        c.blob = blob
        p._stop = len(numbers)
        return p

    @property
    def individual(self) -> bool:
        return self._c.individual

    def append(self, r: Recipient) -> None:
        c = self._c
        if self._stop != len(c.nums):
            raise ValueError("cannot append to a slice")
        if not r.msisdn.isdigit() or r.msisdn.startswith("0"):
            raise ValueError(f"not a normalised number: {r.msisdn!r}")
        message = r.message
        if (message is not None) != c.individual:
            raise ValueError("a packed list is either all bulk or all individual")
        c.nums.append(int(r.msisdn))
        c.segs = c.ucs2 = c.shapes = None
        if message is not None:
            data = message.encode("utf-8", "surrogatepass")
            if SEP in data:
                raise ValueError("message holds a NUL character")
            c.blob += data
            c.blob += SEP
            c.starts.append(len(c.blob))
        self._stop += 1

    @property
    def message_buffer(self) -> bytearray:
        """The buffer of the messages, each followed by a NUL (a slice shares
        its list's): the very buffer :meth:`from_buffers` was given, never a
        copy."""
        return self._c.blob

    def __len__(self) -> int:
        return self._stop - self._start

    @overload
    def __getitem__(self, i: int) -> Recipient: ...
    @overload
    def __getitem__(self, i: slice) -> PackedRecipients: ...

    def __getitem__(self, i: int | slice) -> Recipient | PackedRecipients:
        if isinstance(i, slice):
            start, stop, step = i.indices(len(self))
            if step != 1:
                return PackedRecipients(list(self)[i], individual=self.individual)
            view = PackedRecipients.__new__(PackedRecipients)
            view._c = self._c
            view._start = self._start + start
            view._stop = self._start + max(start, stop)
            return view
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(i)
        j = self._start + i
        c = self._c
        msisdn = str(c.nums[j])
        if not c.individual:
            return Recipient(msisdn)
        return Recipient(msisdn, c.blob[c.starts[j]:c.starts[j + 1] - 1].decode("utf-8", "surrogatepass"))

    def __iter__(self) -> Iterator[Recipient]:
        step = 4096
        for a in range(0, len(self), step):
            ms, ts = self.columns(a, min(a + step, len(self)))
            if ts is None:
                yield from map(Recipient, ms)
            else:
                yield from map(Recipient, ms, ts)

    def columns(self, a: int, b: int) -> tuple[list[str], list[str] | None]:
        """Rows a..b as a list of numbers and a list of messages (None if bulk)."""
        c = self._c
        a += self._start
        b += self._start
        ms = list(map(str, c.nums[a:b]))
        if not c.individual or a >= b:
            return ms, ([] if c.individual else None)
        raw = bytes(c.blob[c.starts[a]:c.starts[b] - 1])
        return ms, raw.decode("utf-8", "surrogatepass").split("\x00")

    def messages(self, a: int, b: int) -> list[str] | None:
        """Only the messages of rows a..b (None if bulk): no number
        conversion. The list knows their segment figures
        (:func:`smstext.batch_segments` of it costs nothing)."""
        c = self._c
        if not c.individual:
            return None
        a += self._start
        b += self._start
        if a >= b:
            return []
        texts = bytes(c.blob[c.starts[a]:c.starts[b] - 1]).decode("utf-8", "surrogatepass").split("\x00")
        return Messages(texts, lambda: self._c_stats(a, b))

    def message_bytes(self, a: int = 0, b: int | None = None) -> memoryview:
        """The messages of rows a..b (all by default) as held: each one's
        UTF-8 followed by a NUL, what ``"\\0".join(messages) + "\\0"``
        encodes to. A view, not a copy: release it before appending."""
        c = self._c
        if not c.individual:
            raise ValueError("bulk recipients share one message")
        n = len(self)
        b = n if b is None else min(b, n)
        a = min(a, b)
        return memoryview(c.blob)[c.starts[self._start + a]:c.starts[self._start + b]]

    def has_blank_message(self) -> bool:
        """Whether a message is empty or only whitespace (``not m.strip()``),
        told from the buffer a batch at a time: only a batch with a message
        holding no ASCII text at all is decoded to tell."""
        for a in range(0, len(self), _COUNT_STEP):
            b = min(a + _COUNT_STEP, len(self))
            with self.message_bytes(a, b) as view:
                text = bytes(view).translate(None, _NOT_ASCII_TEXT)
            if (text.startswith(SEP) or SEP + SEP in text) and not all(map(str.strip, self.messages(a, b) or [])):
                return True
        return False

    def segment_stats(self, a: int = 0, b: int | None = None) -> tuple[int, int, bool, bool]:
        """:func:`smstext.batch_segments` of the messages of rows a..b (all
        by default), from counts made once for the whole list."""
        if not self.individual:
            raise ValueError("bulk recipients share one message")
        n = len(self)
        b = n if b is None else min(b, n)
        return self._c_stats(self._start + a, self._start + b)

    def _c_stats(self, a: int, b: int) -> tuple[int, int, bool, bool]:
        segs, ucs2 = self._c.counted()
        if a >= b:
            return 0, 0, False, False
        part, flags = segs[a:b], ucs2[a:b]
        ucs2_count = flags.count(1)
        # an empty message (no segment) is not GSM-7 text sent
        return sum(part), max(part), len(flags) - ucs2_count - part.count(0) > 0, ucs2_count > 0

    def transformed_stats(self, transform: Callable[[str], str]) -> tuple[int, int, bool, bool, bool]:
        """:meth:`segment_stats` of the messages as ``transform`` (one
        character at a time, leaving plain ASCII GSM-7 alone: transliteration)
        would make them, and whether it changes any; nothing is changed."""
        c = self._c
        if not c.individual:
            raise ValueError("bulk recipients share one message")
        if not self:
            return 0, 0, False, False, False
        if self._start == 0 and self._stop == len(c.nums):
            # the whole list: from the shapes its count found, not a pass
            c.counted()
            figures = None if c.shapes is None else shape_segments(c.shapes, transform)
            if figures is not None:
                total, longest, gsm, ucs2, changed = figures
                return total, longest, gsm > 0, ucs2 > 0, changed
        total = longest = gsm = ucs2 = 0
        changed = False
        for segs, flags, ch in c.counts(self._start, self._stop, transform):
            total += sum(segs)
            longest = max(longest, max(segs))
            u = flags.count(1)
            ucs2 += u
            gsm += len(flags) - u - segs.count(0)
            changed = changed or ch
        return total, longest, gsm > 0, ucs2 > 0, changed

    def ucs2_count(self) -> int:
        """How many of the messages are UCS-2."""
        segs, ucs2 = self._c.counted()
        return ucs2[self._start:self._stop].count(1)

    def numbers(self, a: int = 0, b: int | None = None) -> array[int]:
        """The wire numbers of rows a..b (all by default), a copy."""
        n = len(self)
        b = n if b is None else min(b, n)
        return self._c.nums[self._start + min(a, b):self._start + b]

    def __repr__(self) -> str:
        kind = "individual" if self.individual else "bulk"
        return f"PackedRecipients({len(self):,} {kind})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, (str, bytes)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


def messages_of(recipients: Sequence[Recipient], a: int, b: int) -> list[str] | None:
    """The messages of rows a..b of any recipient sequence (None if bulk)."""
    if isinstance(recipients, PackedRecipients):
        return recipients.messages(a, b)
    return columns_of(recipients, a, b)[1]


def columns_of(recipients: Sequence[Recipient], a: int, b: int) -> tuple[list[str], list[str] | None]:
    """Column batch of any recipient sequence (packed, or a plain list)."""
    if isinstance(recipients, PackedRecipients):
        return recipients.columns(a, b)
    rows = recipients[a:b]
    ms = [r.msisdn for r in rows]
    if all(r.message is None for r in rows):
        return ms, None
    # a row without a message in an individual list reads as an empty one
    return ms, [r.message or "" for r in rows]
