from __future__ import annotations

import random

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atlsms_tui.core.msisdn import (
    NumberError,
    NumberIssue,
    is_mobile_national,
    normalize,
    operator_of,
    parse_numbers,
)

WIRE = "994501234567"


@pytest.mark.parametrize(
    "raw",
    [
        "+994 50 123 45 67",
        "00994501234567",
        "994501234567",
        "+994501234567",
        "0501234567",
        "501234567",
        "(050) 123-45-67",
        "+994-50-123-45-67",
        "+994 (0)50 123 45 67",
        "050.123.45.67",
        "  0501234567  ",
        "+994\u00a050\u00a0123\u00a045\u00a067",
        "050 123 45 67",
    ],
)
def test_normalize_forms(raw):
    assert normalize(raw) == WIRE


@pytest.mark.parametrize(
    "raw, wire",
    [
        ("0101234567", "994101234567"),
        ("0511234567", "994511234567"),
        ("0551234567", "994551234567"),
        ("0991234567", "994991234567"),
        ("0701234567", "994701234567"),
        ("0771234567", "994771234567"),
        ("0601234567", "994601234567"),
        ("+994 36 554 12 34", "994365541234"),
    ],
)
def test_normalize_mobile_prefixes(raw, wire):
    assert normalize(raw) == wire


@pytest.mark.parametrize(
    "raw, reason",
    [
        ("", "empty"),
        ("   ", "empty"),
        ("05012345", "too few digits"),
        ("50123456", "too few digits"),
        ("+99450123456", "too few digits"),
        ("050123456789", "too many digits"),
        ("+9945012345678", "too many digits"),
        ("050abc4567", "contains letters"),
        ("hello", "contains letters"),
        ("050#1234567", "contains invalid characters"),
        ("+7 912 345 67 89", "not an Azerbaijani number"),
        ("0079123456789", "not an Azerbaijani number"),
        ("0201234567", "not an Azerbaijani mobile number"),
        ("0881234567", "not an Azerbaijani mobile number"),  # toll free
        ("0121234567", "landline number, cannot receive SMS"),  # Baku landline
        ("9.94501E+11", "number in scientific notation (format the column as text)"),
    ],
)
def test_normalize_reasons(raw, reason):
    with pytest.raises(NumberError) as ei:
        normalize(raw)
    assert ei.value.reason == reason
    assert isinstance(ei.value, ValueError)
    assert reason in str(ei.value)


def test_operator_of():
    assert operator_of("994501234567") == "Azercell"
    assert operator_of("994511234567") == "Azercell"
    assert operator_of("994101234567") == "Azercell"
    assert operator_of("994551234567") == "Bakcell"
    assert operator_of("994991234567") == "Bakcell"
    assert operator_of("994701234567") == "Nar"
    assert operator_of("994771234567") == "Nar"
    assert operator_of("994601234567") == "Naxtel"
    assert operator_of("994365541234") == "Naxtel"  # from phonenumbers carrier data
    assert operator_of("994401234567") == "other"
    assert operator_of("0551234567") == "Bakcell"  # also takes raw input
    assert operator_of("garbage") == "other"


def _pn_mobile(national: str) -> bool:
    num = phonenumbers.parse("+994" + national)
    return phonenumbers.is_valid_number(num) and phonenumbers.number_type(num) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def test_fast_path_matches_phonenumbers_on_every_prefix():
    rng = random.Random(7)
    checked = 0
    for p in range(1000):
        for _ in range(3):
            national = f"{p:03d}{rng.randrange(10**6):06d}"
            assert is_mobile_national(national) == _pn_mobile(national), national
            checked += 1
    for national in ("365541234", "365501234", "365521234", "365401234", "900200123"):
        assert is_mobile_national(national) == _pn_mobile(national), national
    assert checked == 3000


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"\A[0-9]{9}\Z"))
def test_fast_path_matches_phonenumbers_property(national):
    assert is_mobile_national(national) == _pn_mobile(national)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789+()- .", max_size=20))
def test_normalize_agrees_with_phonenumbers(raw):
    try:
        wire = normalize(raw)
    except NumberError as e:
        assert e.reason
        return
    assert len(wire) == 12 and wire.startswith("994") and wire.isdigit()
    assert _pn_mobile(wire[3:])
    num = phonenumbers.parse(raw, "AZ")
    assert f"{num.country_code}{num.national_number}" == wire


# ---------------------------------------------------------------- parse_numbers


def test_parse_one_per_line():
    r = parse_numbers("0501234567\n0551234567\r\n0701234567\n")
    assert r.valid == ["994501234567", "994551234567", "994701234567"]
    assert r.entries == 3 and not r.invalid and not r.duplicates


@pytest.mark.parametrize("sep", [",", ";", "\t", "|", " ", ", ", " ; ", "\n\n", "  \t "])
def test_parse_separators(sep):
    r = parse_numbers(sep.join(["0501234567", "+994551234567", "0701234567"]))
    assert r.valid == ["994501234567", "994551234567", "994701234567"]
    assert r.entries == 3 and not r.invalid


def test_numbers_with_spaces_inside():
    r = parse_numbers("+994 50 123 45 67, (055) 123-45-67; 070 123 45 67\n+994 77 123 45 67")
    assert r.valid == ["994501234567", "994551234567", "994701234567", "994771234567"]
    assert r.entries == 4


def test_space_separated_spaced_numbers_are_grouped():
    r = parse_numbers("050 123 45 67 055 765 43 21")
    assert r.valid == ["994501234567", "994557654321"]
    assert not r.invalid


def test_duplicates_report_first_line():
    text = "0501234567\n0551234567\n+994 50 123 45 67\n994551234567, 0501234567"
    r = parse_numbers(text)
    assert r.valid == ["994501234567", "994551234567"]
    assert r.entries == 5
    assert r.duplicates == [
        NumberIssue(3, 1, "+994 50 123 45 67", "duplicate of line 1"),
        NumberIssue(4, 1, "994551234567", "duplicate of line 2"),
        NumberIssue(4, 15, "0501234567", "duplicate of line 1"),
    ]


def test_invalid_entries_with_line_and_column():
    text = "0501234567\n  abc\n0551234567, 05012, 0121234567\n050 123 45 6"
    r = parse_numbers(text)
    assert r.valid == ["994501234567", "994551234567"]
    assert r.invalid == [
        NumberIssue(2, 3, "abc", "contains letters"),
        NumberIssue(3, 13, "05012", "too few digits"),
        NumberIssue(3, 20, "0121234567", "landline number, cannot receive SMS"),
        NumberIssue(4, 1, "050 123 45 6", "too few digits"),
    ]
    assert r.entries == 6


def test_mixed_valid_and_invalid_tokens_in_one_piece():
    r = parse_numbers("0501234567 xyz 0551234567 12")
    assert r.valid == ["994501234567", "994551234567"]
    assert [(i.column, i.raw, i.reason) for i in r.invalid] == [
        (12, "xyz", "contains letters"),
        (27, "12", "too few digits"),
    ]
    assert r.entries == 4


def test_blank_and_empty_entries_are_ignored():
    r = parse_numbers("\n\n ,, ;\n0501234567,,\n\ufeff")
    assert r.valid == ["994501234567"]
    assert r.entries == 1 and not r.invalid


def test_bom_is_ignored():
    r = parse_numbers("\ufeff0501234567\n0551234567")
    assert r.valid == ["994501234567", "994551234567"]
    assert not r.invalid


def test_empty_text():
    r = parse_numbers("")
    assert (r.valid, r.invalid, r.duplicates, r.entries) == ([], [], [], 0)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["50", "51", "55", "99", "70", "77", "10", "60"]),
            st.from_regex(r"\A[0-9]{7}\Z"),
            st.sampled_from(["{p}{n}", "0{p}{n}", "994{p}{n}", "+994 {p} {n}", "({z}{p}) {n}"]),
        ),
        max_size=30,
    ),
    st.sampled_from(["\n", ",", ";", "\t", " , ", "\r\n"]),
)
def test_parse_roundtrip_property(items, sep):
    raws = [fmt.format(p=p, n=n, z="0") for p, n, fmt in items]
    r = parse_numbers(sep.join(raws))
    expected = list(dict.fromkeys("994" + p + n for p, n, _ in items))
    assert r.valid == expected
    assert r.entries == len(items)
    assert len(r.duplicates) == len(items) - len(expected)
    assert not r.invalid


def test_parse_many_numbers_in_mixed_forms():
    # Speed is measured by benchmarks/, never asserted here.
    rng = random.Random(3)
    prefixes = ["50", "51", "55", "99", "70", "77", "10", "60"]
    lines = []
    for i in range(100_000):
        p, n = rng.choice(prefixes), f"{rng.randrange(10**7):07d}"
        lines.append(("994" if i % 3 else "+994 ") + p + n if i % 5 else f"(0{p}) {n[:3]}-{n[3:]}")
    text = "\n".join(lines)
    r = parse_numbers(text)
    assert len(r.valid) + len(r.duplicates) == 100_000
    assert not r.invalid


def test_invisible_characters_around_numbers():
    # Copying from messengers wraps numbers in bidi marks; web pages add
    # zero-width spaces.
    assert normalize("\u202a+994 50 123 45 67\u202c") == WIRE
    r = parse_numbers("\u202a0501234567\u202c\n\u200b\n0551234567 \u200b 0701234567")
    assert r.valid == ["994501234567", "994551234567", "994701234567"]
    assert not r.invalid and r.entries == 3
