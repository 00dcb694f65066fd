"""Text files in the encodings seen in the field, decoded or refused with the
line and byte that cannot be read."""

from __future__ import annotations

import codecs

from ..errors import InputError

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


