"""The CSV export writer: private from the first byte, never over an
existing file unless asked, inert in a spreadsheet."""

from __future__ import annotations

import csv
import os
import stat

import pytest

from atlsms_tui.core import export

HEADER = ["msisdn", "message"]


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("cell", [
    "=cmd|' /C calc'!A0", "+994501234567", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1",
])
def test_formula_cells_are_neutralised(tmp_path, cell):
    out = tmp_path / "x.csv"
    assert export.write_csv(out, HEADER, [["994501234567", cell]]) == 1
    rows = read(out)
    assert rows[1][1] == "'" + cell
    assert rows[1][0] == "994501234567"


def test_plain_cells_and_numbers_are_kept(tmp_path):
    out = tmp_path / "x.csv"
    export.write_csv(out, ["a", "b", "c"], [["Salam, dünya", 2, "a=b"], ["", -1, "1+1"]])
    assert read(out) == [["a", "b", "c"], ["Salam, dünya", "2", "a=b"], ["", "-1", "1+1"]]


def test_new_file_is_0600_whatever_the_umask(tmp_path):
    old = os.umask(0)
    try:
        out = tmp_path / "x.csv"
        export.write_csv(out, HEADER, [["1", "a"]])
    finally:
        os.umask(old)
    assert mode(out) == 0o600


def test_existing_file_is_not_touched(tmp_path):
    out = tmp_path / "x.csv"
    out.write_text("keep me")
    with pytest.raises(FileExistsError):
        export.write_csv(out, HEADER, [["1", "a"]])
    assert out.read_text() == "keep me"


def test_planted_symlink_is_not_followed(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("secret stays")
    link = tmp_path / "x.csv"
    link.symlink_to(victim)
    with pytest.raises(FileExistsError):
        export.write_csv(link, HEADER, [["1", "a"]])
    assert victim.read_text() == "secret stays"
    dangling = tmp_path / "y.csv"
    dangling.symlink_to(tmp_path / "nowhere")
    with pytest.raises(FileExistsError):
        export.write_csv(dangling, HEADER, [["1", "a"]])
    assert not (tmp_path / "nowhere").exists()


def test_replace_swaps_in_a_private_file_and_leaves_no_temp(tmp_path):
    out = tmp_path / "x.csv"
    out.write_text("old")
    os.chmod(out, 0o644)
    assert export.write_csv(out, HEADER, [["1", "new"]], replace=True) == 1
    assert read(out) == [HEADER, ["1", "new"]]
    assert mode(out) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.csv"]


def test_replace_of_a_symlink_replaces_the_link_not_its_target(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("untouched")
    link = tmp_path / "x.csv"
    link.symlink_to(victim)
    export.write_csv(link, HEADER, [["1", "a"]], replace=True)
    assert victim.read_text() == "untouched"
    assert not link.is_symlink() and read(link)[1] == ["1", "a"]


def test_a_failed_export_leaves_no_file(tmp_path):
    def rows():
        yield ["1", "a"]
        raise OSError(28, "No space left on device")

    out = tmp_path / "x.csv"
    with pytest.raises(OSError):
        export.write_csv(out, HEADER, rows())
    assert not out.exists()
    out.write_text("old")
    with pytest.raises(OSError):
        export.write_csv(out, HEADER, rows(), replace=True)
    assert out.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.csv"]


def test_exports_dir_is_private_in_the_data_dir(private_dirs):
    _cfg, data = private_dirs
    folder = export.exports_dir()
    assert folder == data / "exports"
    assert mode(folder) == 0o700


def test_core_module_does_not_import_textual():
    import subprocess
    import sys

    code = "import sys, atlsms_tui.core.export; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_xlsx_cells_refuse_what_openpyxl_refuses():
    # our copy of openpyxl's pattern (so the module does not import it at start)
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE as openpyxl_illegal

    from atlsms_tui.core.export import ILLEGAL_CHARACTERS_RE

    every = "".join(chr(i) for i in range(0x110000) if not 0xD800 <= i <= 0xDFFF)
    assert ILLEGAL_CHARACTERS_RE.findall(every) == openpyxl_illegal.findall(every)
