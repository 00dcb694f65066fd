"""Mail merge: templates, per-row messages, reported holes, and the cost of
transliteration shown both ways."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atlsms_tui.core import smstext
from atlsms_tui.core.errors import InputError
from atlsms_tui.core.imports import ImportIssue, ImportRecord
from atlsms_tui.core.mailmerge import compare_costs, format_cost, merge, parse_template, transliterate_draft
from atlsms_tui.core.models import Recipient
from atlsms_tui.core.service import Draft, estimate

A, B, C = "994501234567", "994551234567", "994701234567"
COLUMNS = ["Ad", "Telefon", "Borc"]


def rec(msisdn, row, **fields):
    return ImportRecord(msisdn, {"Telefon": "x", **fields}, row)


def test_parse_placeholders_and_escapes():
    t = parse_template("Hörmətli {ad}, borcunuz {{ {Borc} }} AZN. {ad}!")
    assert t.fields == ("ad", "Borc") and t.personal
    assert parse_template("Salam {{hamı}}").literal() == "Salam {hamı}"
    assert not parse_template("Salam").personal


@pytest.mark.parametrize("body, message", [
    ("Salam {ad", "--template: '{' at character 7 has no closing '}'"),
    ("Salam ad}", "--template: '}' at character 9 has no opening '{'"),
    ("Salam {} x", "--template: empty placeholder '{}' at character 7"),
    ("Salam \x01", "--template: U+0001 at character 7 cannot be sent"),
])
def test_parse_errors_name_the_character(body, message):
    with pytest.raises(InputError) as ei:
        parse_template(body, "--template")
    assert str(ei.value).startswith(message)


def test_merge_fills_rows_reports_holes_and_counts_units():
    t = parse_template("Hörmətli {ad}, borcunuz {borc} AZN.")
    records = [
        rec(A, 2, Ad="Aysel", Borc="12.50"),
        rec(B, 3, Ad="  ", Borc="7"),           # blank name: reported, not sent
        rec(C, 4, Ad="Fərid", Borc="3"),
        ImportRecord("994601234567", {"Ad": "Kamal"}, 5),  # short row: no Borc
    ]
    res = merge(t, records, COLUMNS, source="people.csv")
    assert res.recipients == [
        Recipient(A, "Hörmətli Aysel, borcunuz 12.50 AZN."),
        Recipient(C, "Hörmətli Fərid, borcunuz 3 AZN."),
    ]
    assert res.problems == [
        ImportIssue(3, "Ad", B, "no value for {Ad}: not sent"),
        ImportIssue(5, "Borc", "994601234567", "no value for {Borc}: not sent"),
    ]
    assert [(r.row, r.segments, r.encoding) for r in res.preview(5)] == [(2, 1, "UCS-2"), (4, 1, "UCS-2")]
    assert (res.units, res.longest, res.encoding) == (2, 1, "UCS-2")


def test_merge_unknown_placeholder_is_an_error_before_anything():
    t = parse_template("Salam {name}, {ad}")
    with pytest.raises(InputError) as ei:
        merge(t, [rec(A, 2, Ad="Aysel")], COLUMNS, source="people.csv")
    assert str(ei.value) == (
        "template placeholder {name} name no column of people.csv (columns: 'Ad', 'Telefon', 'Borc')"
    )


def test_merge_transform_and_long_messages():
    t = parse_template("Hörmətli {Ad}! " + "ə" * 60)
    res = merge(t, [rec(A, 2, Ad="Aysel"), rec(B, 3, Ad="Şəbnəm")], COLUMNS, transform=smstext.transliterate)
    assert res.recipients[0].message == "Hörmetli Aysel! " + "e" * 60
    assert res.recipients[1].message.startswith("Hörmetli Sebnem!")
    assert res.encoding == "GSM-7" and res.units == 2
    res = merge(t, [rec(A, 2, Ad="Aysel")], COLUMNS)
    assert res.rows[0].segments == 2 and res.units == 2


def test_merged_value_with_illegal_character_is_reported():
    res = merge(parse_template("Salam {Ad}"), [rec(A, 7, Ad="Ay\x0bsel")], COLUMNS)
    assert res.recipients == []
    assert res.problems == [ImportIssue(7, None, A, "the message holds U+000B at character 9, which cannot be sent")]


MSG = ("Hörmətli müştəri! Yeni il endirimi: bütün məhsullara 20% endirim. "
       "Ətraflı məlumat üçün mağazamıza yaxınlaşın — “ATL”.")


def test_compare_costs_bulk_both_ways_changes_nothing():
    draft = Draft("ATL", [Recipient(f"99450{i:07d}") for i in range(1000)], MSG)
    cmp = compare_costs(draft)
    assert cmp.line() == "as typed: UCS-2 2 segments, 2,000 units; transliterated: GSM-7 1 segment, 1,000 units"
    assert cmp.saving == 1000 and cmp.changed and cmp.still_ucs2 == ()
    assert draft.message == MSG  # never applied silently
    t = transliterate_draft(draft)
    assert t.message.startswith("Hörmetli müsteri!") and t.message.endswith('yaxinlasin - "ATL".')


def test_compare_costs_individual_and_what_stays_ucs2():
    draft = Draft("ATL", [Recipient(A, "Salam Şəbnəm"), Recipient(B, "Привет " + "ə" * 70)])
    cmp = compare_costs(draft)
    assert cmp.line() == (
        "as typed: UCS-2, up to 2 segments, 3 units; transliterated: mixed, up to 2 segments, 3 units"
    )
    assert cmp.still_ucs2 == ("П", "р", "и", "в", "е", "т")
    assert format_cost(estimate(Draft("ATL", [Recipient(A)], "hi"))) == "GSM-7 1 segment, 1 unit"


# with characters a message cannot carry, which the merge must report row by row
_value = st.text(alphabet=st.sampled_from(list("aZ9 ,.\"'") + list("əşğıİçöü€[]{}~^|😀Ж\u00a0") + ["\x01", "\x0b", "\ufffe", "\ud83d"]),
                 max_size=90)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 40), _value, _value), min_size=1, max_size=25),
       st.sampled_from(["Hörmətli {name}, {balance} AZN", "{message}", "{name}{balance}", "Salam"]),
       st.integers(8, 200))
def test_merge_over_columns_is_the_merge_over_records(rows, body, block_chars):
    import csv
    import io

    from atlsms_tui.core.imports import ImportReport
    from atlsms_tui.core.imports.tables import parse_table_stream

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["msisdn", "name", "balance", "message"])
    for k, name, balance in rows:
        w.writerow([f"05012{k:05d}", name, balance, name + balance])
    rep = ImportReport(source="m.csv", kind="csv", delimiter=",")
    parse_table_stream(io.StringIO(buf.getvalue(), newline=""), rep, block_chars=block_chars)
    template = parse_template(body)
    fast = merge(template, rep.records, rep.columns)
    slow = merge(template, list(rep.records), rep.columns)
    assert list(fast.recipients) == list(slow.recipients)
    assert list(fast.problems) == list(slow.problems)
    assert (fast.units, fast.longest, fast.encodings) == (slow.units, slow.longest, slow.encodings)
    assert list(fast.rows[:5]) == list(slow.rows[:5])
    if fast.recipients:
        packed = compare_costs(Draft("T", fast.recipients))
        plain = compare_costs(Draft("T", list(slow.recipients)))
        assert (packed.as_typed, packed.transliterated, packed.changed, packed.still_ucs2) == \
            (plain.as_typed, plain.transliterated, plain.changed, plain.still_ucs2)
        assert estimate(Draft("T", fast.recipients)) == estimate(Draft("T", list(slow.recipients)))


@pytest.mark.parametrize("bad", ["x\ud83dy", "a\x01", "a\x0bb", "z\ufffe", "\uffff"])
@pytest.mark.parametrize("body", ["{message}", "Salam {message}!"])
def test_an_unsendable_value_is_reported_on_the_fast_paths(bad, body):
    """The column fast paths check a million values on their bytes: each
    character a message cannot carry is still found, and only its row is
    left out, as the row-by-row merge reports it."""
    import csv
    import io

    from atlsms_tui.core.imports import ImportReport
    from atlsms_tui.core.imports.tables import parse_table_stream

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["msisdn", "message"])
    w.writerows([["0501200001", "ok"], ["0501200002", bad], ["0501200003", "fine"]])
    rep = ImportReport(source="m.csv", kind="csv", delimiter=",")
    parse_table_stream(io.StringIO(buf.getvalue(), newline=""), rep)
    res = merge(parse_template(body), rep.records, rep.columns)
    assert [r.msisdn for r in res.recipients] == ["994501200001", "994501200003"]
    assert [(p.row, "cannot be sent" in p.reason) for p in res.problems] == [(3, True)]
