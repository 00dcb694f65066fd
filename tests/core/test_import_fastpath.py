"""The bulk path for number lists against the per-line rules: whatever the
mix of good, odd and bad lines, the report is the one the rules alone give."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atlsms_tui.core import msisdn as m
from atlsms_tui.core.imports import ImportIssue, fastpath, parse_text_list, read_recipients
from atlsms_tui.core.imports.cells import recover_text
from atlsms_tui.core.imports.numbers import national_lines
from atlsms_tui.core.imports.tables import NUMBER_HEADERS, norm_header


def reference(text: str) -> dict:
    """The per-line rules applied one entry at a time, first number kept
    (the import as it was before the bulk path)."""
    out = {"records": [], "invalid": [], "dups": [], "recovered": [], "read": 0, "normalised": 0,
           "operators": Counter()}
    seen: dict[str, int] = {}

    def take(wire, raw, row, col, note=None):
        first = seen.get(wire)
        if first is not None:
            out["dups"].append(ImportIssue(row, col, raw, f"duplicate of line {first}"))
            return
        seen[wire] = row
        out["records"].append((wire, row))
        out["normalised"] += raw != wire
        out["operators"][m.operator_of(wire)] += 1
        if note:
            out["recovered"].append(ImportIssue(row, col, raw, f"{note}: {wire}"))

    lines = text.split("\n")
    if lines and norm_header(lines[0].strip().strip('"')) in NUMBER_HEADERS:
        lines[0] = ""
    for lineno, line in enumerate(lines, 1):
        if line.endswith("\r"):
            line = line[:-1]
        if not m.HAS_SEPARATOR.search(line):
            s = line.strip()
            if not s:
                continue
            wire = m.normalize_or_none(s)
            if wire is not None:
                out["read"] += 1
                take(wire, s, lineno, len(line) - len(line.lstrip()) + 1)
                continue
            pieces = [(0, line)]
        else:
            pieces = [(mm.start(), mm.group()) for mm in m.SEPARATORS.finditer(line)]
        for col0, p in pieces:
            s = m.clean_entry(p)
            if not s:
                continue
            col0 += p.find(s)
            wire = m.normalize_or_none(s)
            if wire is not None:
                found = [(col0, s, wire)]
            else:
                digits, note, error = recover_text(s)
                if digits is not None or error is not None:
                    out["read"] += 1
                    if error is not None:
                        out["invalid"].append(ImportIssue(lineno, col0 + 1, s, error))
                        continue
                    w = m.normalize_or_none(digits)
                    if w is None:
                        out["invalid"].append(
                            ImportIssue(lineno, col0 + 1, s, f"{m.reason_invalid(digits)} (read as {digits})"))
                        continue
                    take(w, s, lineno, col0 + 1, note)
                    continue
                found = m.split_piece(s, col0)
            for c0, raw, w in found:
                out["read"] += 1
                if w is None:
                    out["invalid"].append(ImportIssue(lineno, c0 + 1, raw, m.reason_invalid(raw)))
                else:
                    take(w, raw, lineno, c0 + 1)
    return out


def assert_agrees(text: str) -> None:
    rep = parse_text_list(text)
    ref = reference(text)
    assert [(r.msisdn, r.row) for r in rep.records] == ref["records"]
    assert list(rep.invalid) == ref["invalid"]
    assert list(rep.duplicate_rows) == ref["dups"]
    assert list(rep.recovered) == ref["recovered"]
    assert rep.rows_read == ref["read"]
    assert rep.valid == len(ref["records"])
    assert rep.duplicates == len(ref["dups"])
    assert rep.normalised == ref["normalised"]
    assert +rep.operators == +ref["operators"]


NATIONALS = ["501234567", "551234567", "701234567", "601234567", "401234567", "991234567",
             "103456789", "772223344", "365541234", "121234567", "881234567", "900200123"]
national = st.one_of(st.sampled_from(NATIONALS), st.from_regex(r"\A[1-9][0-9]{8}\Z"))


@st.composite
def number_text(draw) -> str:
    nat = draw(national)
    spaced = f"{nat[:2]} {nat[2:5]} {nat[5:7]} {nat[7:]}"
    return draw(st.sampled_from([
        "994" + nat, "994" + nat, "0" + nat, nat, "+994" + nat, "00994" + nat, "9940" + nat,
        "+994 " + spaced, "+994 (0)" + spaced, "(0" + nat[:2] + ") " + nat[2:5] + "-" + nat[5:7] + "-" + nat[7:],
        "0" + spaced, "994" + nat + ".0", "9." + "94" + nat + "E+11", "9.94" + nat[:3] + "E+11",
        "994" + nat + "-", "0" + nat[:-1], "0" + nat + "1", "+7" + nat, "\u00a0994" + nat,
        "\u200b0" + nat, "994" + nat + "\u200e",
    ]))


junk = st.sampled_from(["", " ", "abc", "phone", "050-12", "x0501234567", "\t", "\u00a0", "–",
                        "Əli", "0501234567abc", "1e5", "\r", "\x0b", "\x1f"])
separator = st.sampled_from([",", ";", "\t", "|", " , ", "; ", "  "])


@st.composite
def line(draw) -> str:
    kind = draw(st.integers(0, 9))
    pad_l = draw(st.sampled_from(["", "", " ", "  ", "\r"]))
    pad_r = draw(st.sampled_from(["", "", " ", "\r", "\r\r", " \r"]))
    if kind <= 5:
        body = draw(number_text())
    elif kind <= 7:
        parts = draw(st.lists(st.one_of(number_text(), junk), min_size=2, max_size=4))
        body = draw(separator).join(parts)
    elif kind == 8:
        body = draw(junk)
    else:
        a, b = draw(number_text()), draw(number_text())
        body = draw(st.sampled_from([a + " " + b, a + "\r" + b, a + "\x0c", a + "+"]))
    return pad_l + body + pad_r


@st.composite
def document(draw) -> str:
    pool = draw(st.lists(line(), min_size=1, max_size=12))
    lines = draw(st.lists(st.sampled_from(pool) | line(), min_size=0, max_size=60))
    if draw(st.booleans()):
        lines.insert(0, draw(st.sampled_from(["phone", "MSISDN", '"Number"', "nömrə", "names"])))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    text = ending.join(lines)
    if draw(st.booleans()):
        text += ending
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document())
def test_bulk_path_agrees_with_the_per_line_rules(text):
    assert_agrees(text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document())
def test_agrees_across_block_boundaries(text):
    saved = fastpath.BLOCK_BYTES
    fastpath.BLOCK_BYTES = 16  # many blocks, cut between every few lines
    try:
        assert_agrees(text)
    finally:
        fastpath.BLOCK_BYTES = saved


def test_a_clean_list_is_kept_as_integer_columns(tmp_path):
    p = tmp_path / "n.txt"
    p.write_text("".join(f"99450{i:07d}\n" for i in range(5000)) + "0500001234\n+994 55 000 00 01\n")
    rep = read_recipients(p)
    assert isinstance(rep.records, fastpath.NumberRecords)
    assert rep.records.numbers()[:2].tolist() == [994500000000, 994500000001]
    assert (rep.valid, rep.duplicates, rep.normalised) == (5001, 1, 1)
    assert rep.duplicate_rows == [ImportIssue(5001, 1, "0500001234", "duplicate of line 1235")]
    packed = rep.recipients
    assert len(packed) == 5001 and packed[-1].msisdn == "994550000001"


def test_cancelled_scan_stops_early(tmp_path):
    p = tmp_path / "n.txt"
    p.write_text("".join(f"99450{i:07d}\n" for i in range(200_000)))
    calls = []
    rep = read_recipients(p, progress=lambda done, total: calls.append((done, total)),
                          cancelled=lambda: len(calls) >= 1)
    assert len(calls) == 1 and calls[0][0] < calls[0][1]
    assert rep.valid == 0


@pytest.mark.parametrize("text", ["", "\n", "phone", "phone\n", "\r\n\r\n", "0501234567\r"])
def test_edge_documents(text):
    assert_agrees(text)


# ---------------------------------------------------------------- mail merge


cell = st.one_of(
    st.sampled_from(["", " ", "Aysel", "Əli Həsənov", "  Fərid  ", "20", "x\x01y", "😀", "a\u2028b",
                     "Çiçək", "ü" * 80, "long " * 40, "q\"uote", "tab\there"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r\n"), max_size=12),
)


@st.composite
def merge_case(draw):
    nats = draw(st.lists(st.sampled_from(NATIONALS[:7]), min_size=1, max_size=25))
    rows = []
    for nat in nats:
        rows.append([draw(st.sampled_from(["0" + nat, "994" + nat, "+994 " + nat, "12"])), draw(cell), draw(cell)])
    template = draw(st.sampled_from(["{name}", "Salam {name}, {bonus} AZN", "{bonus}", "Hörmətli {NAME}!",
                                     "{{x}} {name}"]))
    return rows, template


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(merge_case(), st.booleans())
def test_merge_over_columns_agrees_with_merge_over_records(case, transliterated):
    import csv
    import io

    from atlsms_tui.core import mailmerge, smstext
    from atlsms_tui.core.imports import parse_table_text
    from atlsms_tui.core.imports.records import TableRecords

    rows, body = case
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["msisdn", "name", "bonus"])
    w.writerows(rows)
    rep = parse_table_text(buf.getvalue(), "t.csv")
    assert isinstance(rep.records, TableRecords)
    template = mailmerge.parse_template(body)
    transform = smstext.transliterate if transliterated else None
    fast = mailmerge.merge(template, rep.records, rep.columns, transform=transform)
    slow = mailmerge.merge(template, list(rep.records), rep.columns, transform=transform)
    assert list(fast.recipients) == list(slow.recipients)
    assert list(fast.rows) == slow.rows
    assert list(fast.problems) == slow.problems
    assert (fast.units, fast.longest, fast.encodings, fast.encoding) == \
        (slow.units, slow.longest, slow.encodings, slow.encoding)


def test_cost_comparison_of_packed_messages_matches_the_list_one():
    from atlsms_tui.core import mailmerge
    from atlsms_tui.core.models import Recipient
    from atlsms_tui.core.packed import PackedRecipients
    from atlsms_tui.core.service import Draft

    rs = [Recipient(f"99450{i:07d}", t) for i, t in enumerate(
        ["Salam", "Hörmətli müştəri", "Привет", "“quoted” — dash", "plain ascii " * 20, "Çox sağ ol 😀"] * 700)]
    packed = mailmerge.compare_costs(Draft("T", PackedRecipients(rs)))
    plain = mailmerge.compare_costs(Draft("T", rs))
    assert packed.as_typed == plain.as_typed and packed.transliterated == plain.transliterated
    assert (packed.changed, packed.still_ucs2, packed.individual) == (plain.changed, plain.still_ucs2, True)
    translit = mailmerge.transliterate_draft(Draft("T", PackedRecipients(rs)))
    assert list(translit.recipients) == mailmerge.transliterate_draft(Draft("T", rs)).recipients


# ------------------------------------------------------------------- tables


@st.composite
def table_text(draw) -> str:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, delimiter=draw(st.sampled_from([",", ";"])), lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    w.writerow(["name", "msisdn", "note"])
    pool = draw(st.lists(st.one_of(number_text(), junk), min_size=1, max_size=8))
    for _ in range(draw(st.integers(0, 40))):
        number = draw(st.sampled_from(pool) | number_text() | junk)
        pad = draw(st.sampled_from(["", " ", "\r", " \r"]))
        row = [draw(cell), number + pad, draw(cell)]
        if draw(st.integers(0, 9)) == 0:
            row = row[:draw(st.integers(1, 2))] if draw(st.booleans()) else row + ["extra"]
        w.writerow(row)
    return buf.getvalue()


def table_report(text):
    from atlsms_tui.core.imports import parse_table_text

    rep = parse_table_text(text, "t.csv")
    return (rep.rows_read, rep.valid, rep.normalised, rep.duplicates, list(rep.invalid),
            list(rep.duplicate_rows), list(rep.recovered), +rep.operators, list(rep.records))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table_text())
def test_table_bulk_numbers_agree_with_the_per_row_rules(text):
    from atlsms_tui.core.imports import tables

    fast = table_report(text)
    saved = tables.classify_cells
    tables.classify_cells = lambda values: None  # every row by the per-row rules
    try:
        slow = table_report(text)
    finally:
        tables.classify_cells = saved
    assert fast == slow


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.one_of(st.sampled_from("əƏöÖüÜşŞçÇğĞıİ“”‘’—–… \u00a0€[]{}~^|\\aZ09😀Жé\u0301"),
                                  st.characters(blacklist_categories=("Cs",))), max_size=60))
def test_transliteration_of_a_joined_batch_is_the_per_message_one(text):
    from atlsms_tui.core import smstext, textcost

    assert textcost.transliterate_long(text) == smstext.transliterate(text)


def test_individual_messages_share_the_imports_buffer():
    from atlsms_tui.core import mailmerge
    from atlsms_tui.core.imports import parse_table_text

    text = "msisdn,message\n" + "".join(f'0{50 + i % 2}{1000000 + i:07d},"Hörmətli müştəri #{i}, salam"\n'
                                        for i in range(9000))
    rep = parse_table_text(text, "people.csv", keep={"message"})
    template = mailmerge.parse_template("{message}")
    fast = mailmerge.merge(template, rep.records, rep.columns)
    slow = mailmerge.merge(template, list(rep.records), rep.columns)
    assert fast.recipients.message_buffer is rep.records.buffer("message")[0]  # shared, not copied
    assert list(fast.recipients) == slow.recipients and list(fast.rows[:5]) == slow.rows[:5]
    assert (fast.units, fast.longest, fast.encodings) == (slow.units, slow.longest, slow.encodings)
    # one empty message: every row judged, the empty one left out
    text2 = text.replace('"Hörmətli müştəri #7, salam"', '" "')
    rep2 = parse_table_text(text2, "people.csv", keep={"message"})
    res = mailmerge.merge(template, rep2.records, rep2.columns)
    assert len(res.recipients) == 8999 and res.problems[0].row == 9


# Lines of a personal-message CSV: plain ones (the block fast path's two
# shapes) mixed with every kind the csv module must judge.
csv_line = st.one_of(
    st.builds(lambda n, m: f'{n},"{m}"\n', number_text(), st.sampled_from(["Salam", "Hörmətli, 5 AZN", "", " x "])),
    st.builds(lambda n, m: f"{n},{m}\n", number_text(), st.sampled_from(["Salam", "ok ", "ə"])),
    st.sampled_from([
        "\n", "\r\n", '0501234567,"a ""quoted"" word"\n', '0501234567,"two\nlines"\n',
        "0501234567,x,extra\n", "0501234567\n", '0501234567,a"b\n', '"0501234567",x\n',
        "0501234567,x\r\n", '0501234567,"unclosed\n', "0501234567,\x00\n", '0501234567,"x"y\n',
        ",x\n", "994501234567,x\n", " 050 123 45 67 ,x\n",
    ]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(csv_line, max_size=30), st.integers(1, 80))
def test_csv_blocks_agree_with_the_csv_module(lines, block_chars):
    import io

    from atlsms_tui.core.errors import InputError
    from atlsms_tui.core.imports import ImportReport
    from atlsms_tui.core.imports.tables import parse_table_lines, parse_table_stream

    text = "msisdn,message\n" + "".join(lines)

    def run(parse, **kw):
        rep = ImportReport(source="p.csv", kind="csv", delimiter=",")
        try:
            parse(io.StringIO(text, newline=""), rep, keep={"message"}, **kw)
        except InputError as exc:
            return str(exc)
        return (rep.rows_read, rep.valid, rep.normalised, rep.duplicates, list(rep.invalid),
                list(rep.duplicate_rows), list(rep.recovered), +rep.operators, list(rep.records))

    assert run(parse_table_stream, block_chars=block_chars) == run(parse_table_lines)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.from_regex(r"\A[0-9]{9}\Z"), max_size=300), st.sampled_from(["994", "0", "+994 "]))
def test_lines_read_a_digit_column_at_a_time_are_the_numbers(nats, lead):
    body = "".join(f"{lead}{n}\n" for n in nats).encode()
    nums, prefixes = national_lines(body, len(lead) + 10, len(lead))
    assert nums.tolist() == [int("994" + n) for n in nats]
    assert list(prefixes) == [int(n[:2]) for n in nats]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["994" + n for n in NATIONALS] + ["0" + n for n in NATIONALS]) | number_text() | junk,
                min_size=1, max_size=80),
       st.booleans(), st.sampled_from([16, 40, 1 << 20]))
def test_common_shape_lists_agree_with_the_per_line_rules(lines, header, block):
    """Lists mostly in the wire or the 0 form (blocks taken whole, by their
    prefix counts), with repeats, a header line or an odd line cutting the
    runs."""
    saved = fastpath.BLOCK_BYTES
    fastpath.BLOCK_BYTES = block
    try:
        assert_agrees(("phone\n" if header else "") + "".join(f"{x}\n" for x in lines))
    finally:
        fastpath.BLOCK_BYTES = saved


_cell = st.text(alphabet=st.sampled_from(list("ab ,əş😀") + ["\x00"]), max_size=6)


@settings(max_examples=120, deadline=None)
@given(st.lists(st.lists(_cell, max_size=9), min_size=1, max_size=8), st.integers(0, 40), st.integers(0, 40))
def test_a_kept_column_reads_back_what_was_put_in_any_chunking(chunks, a, b):
    """A kept column stores its cells by chunk: any range of cells, across
    chunks, reads back as stored; its per-cell ends, made only when asked,
    are those of the cells; a cell holding a NUL (the separator) does not
    shift the others; and it survives the pickle to the TUI's process."""
    import pickle

    from atlsms_tui.core.imports.records import _Column

    col = _Column()
    cells: list[str] = []
    for chunk in chunks:
        col.extend(chunk)
        cells += chunk
    a, b = min(a, len(cells)), min(b, len(cells))
    assert col.values(a, b) == cells[a:b]
    assert col.values(0, len(cells)) == cells
    copy = pickle.loads(pickle.dumps(col))
    assert copy.values(a, b) == cells[a:b]
    if col.clean:
        ends = col.ends
        start = 0
        for i, cell in enumerate(cells):
            assert bytes(col.blob[start:ends[i] - 1]).decode("utf-8") == cell
            start = ends[i]
