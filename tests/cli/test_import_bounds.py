"""Imports stay bounded whatever the file: pipes and devices refused, a
workbook that unpacks too big or has too many rows refused with a clear
message, and issues kept up to a fixed number per kind, counted beyond."""

from __future__ import annotations

import os
import threading

import openpyxl
import pytest

from atlsms_tui.core.errors import InputError
from atlsms_tui.core.imports import ImportIssue, parse_table_text, parse_text_list, read_recipients, report, xlsx  # noqa: E501


def read_in_thread(path):
    """read_recipients that cannot hang the test run: (finished, error)."""
    box: dict = {}

    def go():
        try:
            box["rep"] = read_recipients(path)
        except Exception as exc:  # noqa: BLE001 - the error is the result
            box["err"] = exc

    t = threading.Thread(target=go, daemon=True)
    t.start()
    t.join(20)
    return not t.is_alive(), box.get("err")


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "numbers.txt"
    os.mkfifo(fifo)
    finished, err = read_in_thread(fifo)
    assert finished, "reading a FIFO hung"
    assert isinstance(err, InputError)
    assert str(err) == (f"{fifo} is a named pipe (FIFO), not a regular file; "
                        "save the recipients to a file and give that")


def test_dev_zero_is_refused_before_reading():
    finished, err = read_in_thread("/dev/zero")
    assert finished
    assert isinstance(err, InputError) and "/dev/zero is a character device" in str(err)


def test_cli_refuses_a_device_with_exit_2(cli):
    p = cli("send", "--title", "ATL", "--message", "Salam", "--to-file", "/dev/zero", "--yes")
    assert p.returncode == 2
    assert "/dev/zero is a character device, not a regular file" in p.stderr


def test_a_file_over_the_size_limit_is_refused(tmp_path, monkeypatch):
    from atlsms_tui.core import recipients

    p = tmp_path / "n.txt"
    p.write_text("0501234567\n" * 200)
    monkeypatch.setattr(recipients, "MAX_FILE_BYTES", 1000)
    with pytest.raises(InputError, match="recipient files up to 0 MB are read"):
        read_recipients(p)


def workbook(tmp_path, rows, name="book.xlsx"):
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    p = tmp_path / name
    wb.save(p)
    return p


def test_xlsx_with_more_rows_than_the_cap_is_refused(tmp_path, monkeypatch):
    p = workbook(tmp_path, [["msisdn"]] + [["0501234567"]] * 60)
    monkeypatch.setattr(xlsx, "MAX_XLSX_ROWS", 50)
    with pytest.raises(InputError) as e:
        read_recipients(p)
    assert str(e.value) == (f"{p}: sheet 'Sheet' has more than 50 rows, more than Excel itself allows; "
                            "save the recipients as CSV")


def test_xlsx_rows_cap_holds_when_the_sheet_declares_no_size(tmp_path, monkeypatch):
    import zipfile

    p = workbook(tmp_path, [["msisdn"]] + [["0501234567"]] * 60)
    # the <dimension> element removed: the cap must still hold while reading
    q = tmp_path / "nodim.xlsx"
    with zipfile.ZipFile(p) as src, zipfile.ZipFile(q, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.startswith("xl/worksheets/"):
                import re

                data = re.sub(rb"<dimension[^>]*/>", b"", data)
            dst.writestr(item, data)
    monkeypatch.setattr(xlsx, "MAX_XLSX_ROWS", 50)
    with pytest.raises(InputError, match="more than 50 rows"):
        read_recipients(q)


def test_xlsx_that_unpacks_too_big_is_refused_before_parsing(tmp_path, monkeypatch):
    p = workbook(tmp_path, [["msisdn", "note"]] + [["0501234567", "x" * 200]] * 50)
    monkeypatch.setattr(xlsx, "MAX_XLSX_UNCOMPRESSED", 4096)
    with pytest.raises(InputError, match=r"the workbook unpacks to [0-9,]+ MB, more than the 0 MB read"):
        read_recipients(p)


def test_duplicate_bomb_keeps_a_bounded_number_of_issues(tmp_path):
    n = report.MAX_ISSUES * 3
    p = workbook(tmp_path, [["msisdn"]] + [["0501234567"]] * n)
    rep = read_recipients(p)
    assert (rep.rows_read, rep.valid, rep.duplicates) == (n, 1, n - 1)
    assert len(rep.duplicate_rows) == report.MAX_ISSUES
    assert rep.duplicate_rows.total == n - 1
    assert rep.duplicate_rows[0] == ImportIssue(3, "msisdn", "0501234567", "duplicate of row 2")
    lines = rep.lines(limit=5)
    assert f"    ... and {n - 1 - 5:,} more" in lines


def test_number_list_duplicates_and_invalid_lines_are_capped_and_counted():
    n = report.MAX_ISSUES + 500
    rep = parse_text_list("0501234567\n" * n + "abc\n" * n)
    assert (rep.valid, rep.duplicates) == (1, n - 1)
    assert len(rep.duplicate_rows) == report.MAX_ISSUES and rep.duplicate_rows.total == n - 1
    assert rep.duplicate_rows[-1].row == report.MAX_ISSUES + 1
    assert len(rep.invalid) == report.MAX_ISSUES and rep.invalid_count == n
    assert rep.rows_read == rep.valid + rep.duplicates + rep.invalid_count
    assert rep.summary().endswith(f"{n - 1:,} duplicates removed, {n:,} invalid")
    assert rep.as_json()["invalid_not_listed"] == n - report.MAX_ISSUES


def test_csv_invalid_rows_are_capped_and_counted():
    n = report.MAX_ISSUES + 7
    rep = parse_table_text("msisdn,name\n" + "12,x\n" * n + "0501234567,y\n")
    assert rep.valid == 1 and rep.invalid_count == n and len(rep.invalid) == report.MAX_ISSUES


def test_a_capped_report_survives_pickling():
    """The TUI gets its report from a child process, pickled."""
    import pickle

    n = report.MAX_ISSUES + 3
    rep = parse_text_list("0501234567\n" * n + "abc\n")
    back = pickle.loads(pickle.dumps(rep))
    assert back.lines() == rep.lines()
    assert back.duplicate_rows.total == n - 1 and len(back.duplicate_rows) == report.MAX_ISSUES
    assert list(back.records) == list(rep.records) and back.invalid == rep.invalid
