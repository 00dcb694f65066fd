"""The .xlsx export writer: the CSV writer's rules (private, never over a
file unless asked, inert in a spreadsheet) in a workbook, streamed."""

from __future__ import annotations

import os
import stat

import openpyxl
import pytest

from atlsms_tui.core import export

HEADER = ["number", "status"]


def read(path):
    wb = openpyxl.load_workbook(path)  # not read-only: data types are checked too
    try:
        return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}, wb
    finally:
        wb.close()


@pytest.mark.parametrize("cell", ["=cmd|' /C calc'!A0", "+994501234567", "-2+3", "@SUM(A1:A2)", "\t=1"])
def test_formula_cells_are_text(tmp_path, cell):
    out = tmp_path / "x.xlsx"
    assert export.write_xlsx(out, HEADER, [["994501234567", cell]]) == 1
    sheets, wb = read(out)
    assert sheets["rows"][1] == ["994501234567", "'" + cell]
    assert all(c.data_type != "f" for row in wb.worksheets[0].iter_rows() for c in row)


def test_control_characters_are_shown_not_refused(tmp_path):
    out = tmp_path / "x.xlsx"
    export.write_xlsx(out, HEADER, [["99450\x001234567", "ok\x1b[31m"]])
    sheets, _wb = read(out)
    assert sheets["rows"][1] == ["99450\\x001234567", "ok\\x1b[31m"]


def test_private_no_overwrite_and_replace(tmp_path):
    old = os.umask(0)
    try:
        out = tmp_path / "x.xlsx"
        export.write_xlsx(out, HEADER, [["1", "a"]])
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    before = out.read_bytes()
    with pytest.raises(FileExistsError):
        export.write_xlsx(out, HEADER, [["2", "b"]])
    assert out.read_bytes() == before
    assert export.write_xlsx(out, HEADER, [["2", "b"]], replace=True) == 1
    assert read(out)[0]["rows"] == [HEADER, ["2", "b"]]
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["x.xlsx"]  # no temporary file left


def test_symlink_is_never_followed(tmp_path):
    target = tmp_path / "elsewhere"
    target.write_text("keep")
    link = tmp_path / "x.xlsx"
    link.symlink_to(target)
    with pytest.raises(FileExistsError):
        export.write_xlsx(link, HEADER, [["1", "a"]])
    assert target.read_text() == "keep"


def test_a_long_export_goes_on_in_another_sheet(tmp_path):
    out = tmp_path / "x.xlsx"
    assert export.write_xlsx(out, HEADER, ([str(i), "d"] for i in range(5)), sheet_rows=2) == 5
    sheets, _wb = read(out)
    assert list(sheets) == ["rows", "rows from 3", "rows from 5"]
    assert [r[0] for s in sheets.values() for r in s if r != HEADER] == ["0", "1", "2", "3", "4"]
    assert all(s[0] == HEADER for s in sheets.values())


def test_no_rows_is_the_header_alone(tmp_path):
    out = tmp_path / "x.xlsx"
    assert export.write_xlsx(out, HEADER, []) == 0
    assert read(out)[0] == {"rows": [HEADER]}
