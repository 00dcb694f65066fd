"""Segment counts of many messages held in one UTF-8 buffer, as written or
as transliteration would make them, each followed by a NUL (how :class:`packed.PackedRecipients` keeps a
million personal messages).

A campaign's messages mostly differ in their digits and names while the
characters that decide their encoding (the non-ASCII ones, the GSM-7
extension ones) repeat: each message is reduced in C to those characters
(``bytes.translate``), the few distinct reductions are judged once by
:mod:`smstext`, and every message's count follows from its byte length. A
message whose split into parts depends on where its two-unit characters
fall is counted by :func:`smstext.segments` itself.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import repeat
from operator import add, mul, sub

from . import smstext

__all__ = ["Shapes", "buffer_segments", "shape_segments"]

# ASCII characters that are one GSM-7 septet (the NUL separator is kept).
_PLAIN = bytes(sorted({c for c in range(1, 128) if chr(c) in smstext.GSM7_BASIC}))


def _judge(rest: bytes, transform: Callable[[str], str] | None) -> tuple[bool, int, int, bool]:
    """(UCS-2, units beyond the byte length, two-unit characters, changed)
    of a message reduced to ``rest`` (its bytes that are not plain ASCII
    GSM-7), after ``transform`` (which works character by character)."""
    text = rest.decode("utf-8", "surrogatepass")
    changed = False
    if transform is not None:
        new = transform(text)
        changed, text = new != text, new
    if smstext.is_gsm7(text):
        ext = sum(text.count(c) for c in smstext.GSM7_EXTENSION)
        return False, len(text) + ext - len(rest), ext, changed
    astral = sum(1 for c in text if ord(c) > 0xFFFF)
    return True, len(text) + astral - len(rest), astral, changed


def _count(ucs2: bool, units: int, wide: int) -> int:
    """Segments of ``units``, or -1 when where the wide characters fall decides."""
    if units == 0:
        return 0
    single, multi = (smstext.UCS2_SINGLE, smstext.UCS2_MULTI) if ucs2 else \
        (smstext.GSM7_SINGLE, smstext.GSM7_MULTI)
    if units <= single:
        return 1
    if wide:
        return -1
    return -(-units // multi)


# (byte length with the NUL, reduced bytes) of a message, and how many
# messages have it: what decides their counts, as written or transformed.
Shapes = dict[tuple[int, bytes], int]


def buffer_segments(blob: bytes | bytearray, ends: Sequence[int], first: int = 0,
                    transform: Callable[[str], str] | None = None,
                    shapes: Shapes | None = None) -> tuple[array[int], bytearray, bool]:
    """(segments, UCS-2 flags, changed) of each message of
    ``blob[first:ends[-1]]``, message i ending (its NUL included) at
    ``ends[i]``: what :func:`smstext.segments` and :func:`smstext.is_gsm7`
    say of each, after ``transform`` when given: a function of one
    character at a time that leaves plain ASCII GSM-7 alone, such as
    :func:`smstext.transliterate`; ``changed``: it changed a message.
    ``shapes``, when given, is added each message's shape (see
    :func:`shape_segments`)."""
    n = len(ends)
    if n == 0:
        return array("L"), bytearray(), False
    data = bytes(blob[first:ends[-1]])
    rests = data.translate(None, _PLAIN).split(b"\x00")[:n]
    starts = [first, *ends[:-1]]
    lens = list(map(sub, ends, starts))  # bytes, NUL included
    judged = {r: _judge(r, transform) for r in set(rests)}
    # One integer per message (no tuple: a million of those wake the
    # garbage collector): its byte length and which reduction it has.
    distinct = list(judged)
    width = len(distinct)
    rest_id = {r: i for i, r in enumerate(distinct)}
    # (messages sharing their non-ASCII letters, as a template's do: the
    # lengths alone)
    keys = lens if width == 1 else list(map(add, map(mul, lens, repeat(width)), map(rest_id.__getitem__, rests)))
    seen: Counter[int] | set[int] = Counter(keys) if shapes is not None else set(keys)
    counts = {}
    for k in seen:
        ucs2, extra, wide, _ = judged[distinct[k % width]]
        counts[k] = _count(ucs2, k // width + extra - 1, wide)
    if isinstance(seen, Counter) and shapes is not None:
        for k, c in seen.items():
            shape = (k // width, distinct[k % width])
            shapes[shape] = shapes.get(shape, 0) + c
    flag_of = {r: int(j[0]) for r, j in judged.items()}
    changed = any(j[3] for j in judged.values())
    # A campaign's messages mostly share their count and encoding: then
    # the columns are one value repeated, made in C.
    flags = bytearray(flag_of.values())[:1] * n if len(set(flag_of.values())) == 1 \
        else bytearray(map(flag_of.__getitem__, rests))
    if len(set(counts.values())) == 1 and -1 not in counts.values():
        return array("L", [next(iter(counts.values()))]) * n, flags, changed
    values = list(map(counts.__getitem__, keys))
    if -1 in values:
        for i, v in enumerate(values):
            if v == -1:
                text = data[starts[i] - first:ends[i] - first - 1].decode("utf-8", "surrogatepass")
                values[i] = smstext.segments(text if transform is None else transform(text))
    return array("L", values), flags, changed


def shape_segments(shapes: Shapes, transform: Callable[[str], str] | None = None
                   ) -> tuple[int, int, int, int, bool] | None:
    """(total segments, longest, GSM-7 messages, UCS-2 messages, changed) of
    the messages ``shapes`` counts, after ``transform``: from the few
    distinct shapes, not the messages. None when a shape's count depends on
    where its two-unit characters fall (then only the text can tell)."""
    judged: dict[bytes, tuple[bool, int, int, bool]] = {}
    total = longest = gsm = ucs2_messages = 0
    changed = False
    for (length, rest), n in shapes.items():
        j = judged.get(rest)
        if j is None:
            j = judged[rest] = _judge(rest, transform)
        ucs2, extra, wide, ch = j
        segs = _count(ucs2, length + extra - 1, wide)
        if segs == -1:
            return None
        total += segs * n
        longest = max(longest, segs)
        if ucs2:
            ucs2_messages += n
        elif segs:
            gsm += n
        changed = changed or ch
    return total, longest, gsm, ucs2_messages, changed
