"""Recipient imports from the files operators have: text, CSV/TSV, XLSX, in
the encodings seen in the field, with spreadsheet damage caught."""

from __future__ import annotations

import zipfile
from collections import Counter
from datetime import datetime

import openpyxl
import pytest

from atlsms_tui.core.errors import InputError
from atlsms_tui.core.imports import ImportIssue, ImportRecord, parse_text_list, read_recipients

AZERCELL, BAKCELL, NAR, NAXTEL, OTHER = (
    "994501234567", "994551234567", "994701234567", "994601234567", "994401234567",
)


def write(tmp_path, name: str, data: str | bytes, encoding: str = "utf-8"):
    p = tmp_path / name
    p.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
    return p


def ops(azercell=0, bakcell=0, nar=0, naxtel=0, other=0) -> Counter:
    return Counter({"Azercell": azercell, "Bakcell": bakcell, "Nar": nar, "Naxtel": naxtel, "other": other})


def check_totals(rep) -> None:
    assert rep.rows_read == rep.valid + rep.duplicates + len(rep.invalid)
    assert rep.valid == len(rep.records) == sum(rep.operators.values())


# ------------------------------------------------------------------ text lists


def test_txt_every_separator_damage_and_report_exact(tmp_path):
    p = write(tmp_path, "numbers.txt", (
        "phone\n"                                   # header word: skipped
        "0501234567\n"                              # 2
        "+994 55 123 45 67; 994701234567.0\n"       # 3: trailing .0 recovered
        "9.94601234567E+11, 9.94501E+11\n"          # 4: exact / precision lost
        "abc 0401234567\n"                          # 5: letters, then an 'other' number
        "050 123 45 67\n"                           # 6: duplicate of line 2
        "0121234567 | 05012\n"                      # 7: landline, too few digits
    ))
    rep = read_recipients(p)
    assert rep.kind == "list" and rep.encoding == "UTF-8" and rep.unit == "line"
    assert [r.msisdn for r in rep.records] == [AZERCELL, BAKCELL, NAR, NAXTEL, OTHER]
    assert [r.row for r in rep.records] == [2, 3, 3, 4, 5]
    assert (rep.rows_read, rep.valid, rep.normalised, rep.duplicates) == (10, 5, 5, 1)
    assert rep.invalid == [
        ImportIssue(4, 20, "9.94501E+11",
                    "number in scientific notation lost its last 6 digits (only 6 of 12 survive); "
                    "format the column as text in the source and export again"),
        ImportIssue(5, 1, "abc", "contains letters"),
        ImportIssue(7, 1, "0121234567", "landline number, cannot receive SMS"),
        ImportIssue(7, 14, "05012", "too few digits"),
    ]
    assert rep.duplicate_rows == [ImportIssue(6, 1, "050 123 45 67", "duplicate of line 2")]
    assert rep.recovered == [
        ImportIssue(3, 20, "994701234567.0",
                    "written as a decimal number (trailing .0); recovered exactly: 994701234567"),
        ImportIssue(4, 1, "9.94601234567E+11",
                    "written in scientific notation with every digit; recovered exactly: 994601234567"),
    ]
    assert rep.operators == ops(azercell=1, bakcell=1, nar=1, naxtel=1, other=1)
    check_totals(rep)
    assert rep.summary() == "10 entries read, 5 valid, 5 normalised, 1 duplicate removed, 4 invalid"
    lines = rep.lines()
    assert lines[0] == f"{p} (UTF-8): 10 entries read, 5 valid, 5 normalised, 1 duplicate removed, 4 invalid"
    assert "  operators: Azercell 1, Bakcell 1, Nar 1, Naxtel 1, other 1" in lines
    assert "    line 5, column 1: 'abc': contains letters" in lines


def test_canonical_numbers_are_not_counted_as_normalised():
    rep = parse_text_list(f"{AZERCELL}\n{BAKCELL},0701234567\n")
    assert (rep.valid, rep.normalised) == (3, 1)
    assert rep.operators == ops(azercell=1, bakcell=1, nar=1)


# ------------------------------------------------------------------ CSV / TSV


PEOPLE = (
    "Ad;Telefon;Şəhər\r\n"
    "Aysel;0501234567;Bakı\r\n"
    "Fərid;9.94501E+11;Gəncə\r\n"
    "Leyla;994551234567.0;Bakı\r\n"
    "Orxan;+994 50 123 45 67;Bakı\r\n"
    "Nigar;;Sumqayıt\r\n"
    "\r\n"
    "Rəşad;9,94701234567E+11;Bakı\r\n"
    "Kamran;012 123 45 67;Bakı\r\n"
)


def test_csv_semicolon_header_named_column_damage_exact(tmp_path):
    p = write(tmp_path, "people.csv", PEOPLE)
    rep = read_recipients(p)
    assert (rep.kind, rep.delimiter, rep.header, rep.encoding) == ("csv", ";", True, "UTF-8")
    assert rep.columns == ["Ad", "Telefon", "Şəhər"] and rep.number_column == "Telefon"
    assert rep.records == [
        ImportRecord(AZERCELL, {"Ad": "Aysel", "Telefon": "0501234567", "Şəhər": "Bakı"}, 2),
        ImportRecord(BAKCELL, {"Ad": "Leyla", "Telefon": "994551234567.0", "Şəhər": "Bakı"}, 4),
        ImportRecord(NAR, {"Ad": "Rəşad", "Telefon": "9,94701234567E+11", "Şəhər": "Bakı"}, 8),
    ]
    assert (rep.rows_read, rep.valid, rep.normalised, rep.duplicates) == (7, 3, 3, 1)
    assert rep.invalid == [
        ImportIssue(3, "Telefon", "9.94501E+11",
                    "number in scientific notation lost its last 6 digits (only 6 of 12 survive); "
                    "format the column as text in the source and export again"),
        ImportIssue(6, "Telefon", "Nigar,,Sumqayıt", "missing number"),
        ImportIssue(9, "Telefon", "012 123 45 67", "landline number, cannot receive SMS"),
    ]
    assert rep.duplicate_rows == [ImportIssue(5, "Telefon", "+994 50 123 45 67", "duplicate of row 2")]
    assert [i.row for i in rep.recovered] == [4, 8]
    assert rep.operators == ops(azercell=1, bakcell=1, nar=1)
    check_totals(rep)
    assert rep.lines()[0] == (
        f"{p} (UTF-8, delimiter ';', header, numbers in column 'Telefon'): "
        "7 rows read, 3 valid, 3 normalised, 1 duplicate removed, 3 invalid"
    )
    assert "    row 6, column 'Telefon': 'Nigar,,Sumqayıt': missing number" in rep.lines()


@pytest.mark.parametrize("column", ["Telefon", "telefon", "2", "B"])
def test_csv_column_by_name_index_or_letter(tmp_path, column):
    p = write(tmp_path, "people.csv", PEOPLE)
    rep = read_recipients(p, column=column)
    assert rep.number_column == "Telefon" and rep.valid == 3


def test_csv_unknown_column_names_the_columns(tmp_path):
    p = write(tmp_path, "people.csv", PEOPLE)
    with pytest.raises(InputError) as ei:
        read_recipients(p, column="mobile")
    assert str(ei.value) == f"{p}: no column 'mobile'; the columns are 'Ad', 'Telefon', 'Şəhər'"
    with pytest.raises(InputError, match="there is no column 7"):
        read_recipients(p, column="7")


def test_csv_without_header_column_found_by_content(tmp_path):
    p = write(tmp_path, "plain.csv", "Aysel,0501234567,10\nFərid,0551234567,20\n")
    rep = read_recipients(p)
    assert rep.header is False and rep.columns == ["1", "2", "3"] and rep.number_column == "2"
    assert rep.records[1] == ImportRecord(BAKCELL, {"1": "Fərid", "2": "0551234567", "3": "20"}, 2)


def test_csv_cannot_tell_the_number_column(tmp_path):
    p = write(tmp_path, "x.csv", "name,city\nAysel,Bakı\n")
    with pytest.raises(InputError, match="cannot tell which column holds the numbers .*--column"):
        read_recipients(p)


def test_csv_comma_quoted_fields_and_extra_cells(tmp_path):
    p = write(tmp_path, "x.csv", 'name,msisdn\n"Əliyev, Aysel",0501234567\nAliyev, Farid,0551234567\n')
    rep = read_recipients(p)
    assert rep.records == [ImportRecord(AZERCELL, {"name": "Əliyev, Aysel", "msisdn": "0501234567"}, 2)]
    assert rep.invalid == [ImportIssue(
        3, None, "Aliyev,Farid,0551234567", "3 cells where the header has 2 (a delimiter inside an unquoted field?)"
    )]


def test_csv_malformed_quote_is_an_error_with_row(tmp_path):
    p = write(tmp_path, "x.csv", 'name,msisdn\nA,0501234567\n"B,0551234567\nC,0701234567\n')
    with pytest.raises(InputError, match=r"row 3 .*malformed CSV"):
        read_recipients(p)


def test_tsv_utf8_bom(tmp_path):
    p = write(tmp_path, "x.tsv", b"\xef\xbb\xbfmsisdn\tname\n0501234567\tAysel\n")
    rep = read_recipients(p)
    assert rep.encoding == "UTF-8 with BOM" and rep.delimiter == "\t"
    assert rep.columns == ["msisdn", "name"] and rep.records[0].fields == {"msisdn": "0501234567", "name": "Aysel"}


def test_excel_unicode_text_utf16_txt_is_a_table(tmp_path):
    text = "Ad\tNömrə\r\nŞəbnəm\t050 123 45 67\r\nİlkin\t0551234567\r\n"
    p = write(tmp_path, "export.txt", b"\xff\xfe" + text.encode("utf-16-le"))
    rep = read_recipients(p)
    assert (rep.kind, rep.encoding, rep.delimiter, rep.number_column) == ("csv", "UTF-16", "\t", "Nömrə")
    assert [(r.msisdn, r.fields["Ad"]) for r in rep.records] == [(AZERCELL, "Şəbnəm"), (BAKCELL, "İlkin")]


def test_utf16_without_bom_is_recognised(tmp_path):
    p = write(tmp_path, "n.txt", "0501234567\n0551234567\n", encoding="utf-16-le")
    rep = read_recipients(p)
    assert rep.encoding == "UTF-16LE" and rep.valid == 2


def test_legacy_single_byte_file_is_read_with_a_warning(tmp_path):
    p = write(tmp_path, "old.csv", "ad;nomre\nAğdaş Çiçək;0501234567\n".replace("ə", "e"), encoding="cp1254")
    rep = read_recipients(p)
    assert rep.encoding == "Windows-1254"
    assert rep.records[0].fields["ad"] == "Ağdaş Çiçek"
    assert len(rep.warnings) == 1 and rep.warnings[0].startswith("not UTF-8 (line 2, column 2: byte 0xF0")
    assert "--encoding" in rep.warnings[0]


def test_undecodable_file_says_so_with_the_line(tmp_path):
    p = write(tmp_path, "bad.txt", b"0501234567\n0551234567\n05\x81\x8d01234567\n")
    with pytest.raises(InputError) as ei:
        read_recipients(p)
    msg = str(ei.value)
    assert msg.startswith(f"{p}: cannot decode the file: line 3, column 3: byte 0x81 is not UTF-8")
    assert "Windows-1254" in msg and "line 3" in msg
    q = write(tmp_path, "legacy.txt", "0501234567\nŞəki\n".replace("ə", "e"), encoding="cp1254")
    with pytest.raises(InputError, match=r"line 2, column 1: byte 0xDE is not UTF-8"):
        read_recipients(q, encoding="utf-8")


def test_binary_and_old_xls_files_are_refused(tmp_path):
    p = write(tmp_path, "a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    with pytest.raises(InputError, match=r"old binary Excel \(\.xls\)"):
        read_recipients(p)
    q = write(tmp_path, "b.csv", b"\x01\x02\x00\x00\x00\x07\x00\x00\x00\x00\x00\x09" * 10)
    with pytest.raises(InputError, match="not a text file"):
        read_recipients(q)


# ------------------------------------------------------------------ XLSX


def make_xlsx(path, *, patch: dict[str, str] | None = None):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Cover"
    ws.append(["nothing here"])
    ws = wb.create_sheet("Müştərilər")
    ws.append(["Ad", "Mobil", "Tarix", "Məbləğ"])
    ws.append(["Aysel", 994501234567, datetime(2025, 1, 5), 12.5])        # 2: number, fine
    ws.append(["Fərid", 501234567, datetime(2025, 2, 1, 9, 30), 10.0])    # 3: lost leading zero
    ws.append(["Leyla", 994551234500, None, 3])                            # 4: patched to 9.945512345E+11 (exact)
    ws.append(["Orxan", 994701000000, None, 4])                            # 5: patched to 9.94701E+11 (lost)
    ws.append(["Nigar", "9.94501E+11", None, 5])                           # 6: text, lost
    ws.append(["Kamal", "0601234567", None, 6])                            # 7: text, fine
    ws.append([None, None, None, None])                                    # 8: blank
    ws.append(["Sevda", 994501234567.5, None, 7])                          # 9: not whole
    wb.save(path)
    if patch:
        sheet = "xl/worksheets/sheet2.xml"
        with zipfile.ZipFile(path) as z:
            items = {n: z.read(n) for n in z.namelist()}
        xml = items[sheet].decode()
        for a, b in patch.items():
            assert a in xml
            xml = xml.replace(a, b)
        items[sheet] = xml.encode()
        with zipfile.ZipFile(path, "w") as z:
            for n, data in items.items():
                z.writestr(n, data)
    return path


XLSX_PATCH = {
    "<v>994551234500</v>": "<v>9.945512345E+11</v>",
    "<v>994701000000</v>": "<v>9.94701E+11</v>",
}


def test_xlsx_named_sheet_damage_and_report_exact(tmp_path):
    p = make_xlsx(tmp_path / "clients.xlsx", patch=XLSX_PATCH)
    rep = read_recipients(p, sheet="müştərilər")
    assert (rep.kind, rep.sheet, rep.header, rep.number_column) == ("xlsx", "Müştərilər", True, "Mobil")
    assert rep.columns == ["Ad", "Mobil", "Tarix", "Məbləğ"]
    assert rep.records == [
        ImportRecord(AZERCELL, {"Ad": "Aysel", "Mobil": "994501234567", "Tarix": "05.01.2025", "Məbləğ": "12.5"}, 2),
        ImportRecord("994551234500", {"Ad": "Leyla", "Mobil": "994551234500", "Tarix": "", "Məbləğ": "3"}, 4),
        ImportRecord(NAXTEL, {"Ad": "Kamal", "Mobil": "0601234567", "Tarix": "", "Məbləğ": "6"}, 7),
    ]
    assert rep.duplicates == 1
    assert rep.duplicate_rows == [ImportIssue(3, "Mobil", "501234567", "duplicate of row 2")]
    assert rep.invalid == [
        ImportIssue(5, "Mobil", "994701000000",
                    "994701000000 ends in 6 zeros: most likely digits lost to scientific notation "
                    "(9.94501E+11) in an earlier save; check the number"),
        ImportIssue(6, "Mobil", "9.94501E+11",
                    "number in scientific notation lost its last 6 digits (only 6 of 12 survive); "
                    "format the column as text in the source and export again"),
        ImportIssue(9, "Mobil", "994501234567.5", "decimal number 994501234567.5, not a phone number"),
    ]
    assert (rep.rows_read, rep.valid, rep.normalised) == (7, 3, 1)
    assert rep.operators == ops(azercell=1, bakcell=1, naxtel=1)
    check_totals(rep)
    assert rep.lines()[0].startswith(f"{p} (sheet 'Müştərilər', header, numbers in column 'Mobil'): 7 rows read")


def test_xlsx_lost_leading_zero_recovered(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["msisdn"])
    wb.active.append([501234567])
    wb.active.append([994551234567.0])
    wb.save(tmp_path / "n.xlsx")
    rep = read_recipients(tmp_path / "n.xlsx")
    assert [r.msisdn for r in rep.records] == [AZERCELL, BAKCELL]
    assert rep.normalised == 1 and not rep.invalid
    assert rep.records[0].fields == {}  # a single column: no merge fields


def test_xlsx_first_sheet_and_errors(tmp_path):
    p = make_xlsx(tmp_path / "clients.xlsx")
    rep = read_recipients(p)  # the first sheet: a title, no numbers
    assert (rep.sheet, rep.rows_read, rep.valid) == ("Cover", 0, 0)
    with pytest.raises(InputError) as ei:
        read_recipients(p, sheet="Clients")
    assert str(ei.value) == f"{p}: no sheet 'Clients'; the sheets are 'Cover', 'Müştərilər'"
    bad = write(tmp_path, "broken.xlsx", b"PK\x03\x04" + b"garbage" * 20)
    with pytest.raises(InputError, match="not a readable .xlsx workbook"):
        read_recipients(bad)
    txt = write(tmp_path, "n.csv", "0501234567\n")
    with pytest.raises(InputError, match="--sheet applies to .xlsx"):
        read_recipients(txt, sheet="x")


def test_xlsx_renamed_as_csv_is_still_read(tmp_path):
    p = make_xlsx(tmp_path / "clients.xlsx")
    q = tmp_path / "clients.csv"
    q.write_bytes(p.read_bytes())
    assert read_recipients(q, sheet="Müştərilər").kind == "xlsx"


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_recipients(tmp_path / "nope.csv")
