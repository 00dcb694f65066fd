"""`campaign show` with the campaign report and `campaign export`, run in
process against the simulator."""

from __future__ import annotations

import csv
import io
import json
import os
import stat

import openpyxl
import pytest

from atlsms_tui import cli as cli_main

from support import LOGIN, SENTINEL

NUMBERS = [f"994{p}123456{i}" for i in range(3) for p in ("50", "55", "70", "60")]


def run(capsys, *argv):
    code = cli_main.main([str(a) for a in argv])
    cap = capsys.readouterr()
    assert "Traceback" not in cap.err and SENTINEL not in cap.out + cap.err
    return code, cap.out, cap.err


@pytest.fixture
def campaign(sim, clock, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(SENTINEL + "\n"))
    code, _o, e = run(capsys, "login", "--login", LOGIN, "--api-url", sim.url, "--password-stdin", "--title", "ATL")
    assert code == 0, e
    code, o, e = run(capsys, "send", "--title", "ATL", "--message", "Salam", "--to", *NUMBERS,
                     "--max-per-task", "5", "--yes", "--json")
    assert code == 0, e
    clock.advance(60)
    return json.loads(o)["campaign"]


def test_show_json_carries_the_report_once_refreshed(campaign, sim, capsys):
    code, o, _e = run(capsys, "campaign", "show", campaign, "--json")
    assert code == 0
    doc = json.loads(o)
    assert doc["parts_reported"] == 0 and sum(x["sent"] for x in doc["operators"]) == 0
    assert doc["time_to_delivery"] == {"median_s": None, "p95_s": None, "deliveries": 0}

    code, o, e = run(capsys, "campaign", "show", campaign, "--refresh", "--json")
    assert code == 0, e
    doc = json.loads(o)
    assert {"operators", "time_to_delivery", "timeline", "parts", "report"} <= set(doc)
    assert doc["parts_reported"] == 3
    by_op = {x["operator"]: x for x in doc["operators"]}
    assert [x["operator"] for x in doc["operators"]] == ["Azercell", "Bakcell", "Nar", "Naxtel", "other"]
    assert [by_op[k]["sent"] for k in ("Azercell", "Bakcell", "Nar", "Naxtel", "other")] == [3, 3, 3, 3, 0]
    delivered = sum(x["delivered"] for x in doc["operators"])
    assert delivered == doc["report"]["delivered"]  # the same outcome as the summary reports
    assert doc["time_to_delivery"]["deliveries"] == delivered
    assert doc["time_to_delivery"]["median_s"] <= doc["time_to_delivery"]["p95_s"]
    assert sum(doc["timeline"]["counts"]) == delivered

    code, o, _e = run(capsys, "campaign", "show", campaign)
    assert code == 0
    assert "by operator (detailed reports of 3 of 3 parts):" in o
    assert "time to delivery: median " in o
    assert any(line.split()[:2] == ["Naxtel", "3"] for line in o.splitlines())


def test_export_csv_and_xlsx_and_refuses_to_overwrite(campaign, sim, capsys, tmp_path):
    out = tmp_path / "camp.csv"
    code, _o, e = run(capsys, "campaign", "export", campaign, "--output", out, "--refresh")
    assert code == 0, e
    assert f"12 rows written to {out}" in e
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["number", "operator", "status", "date_baku", "taskid", "part", "author"]
    assert sorted(r[0] for r in rows[1:]) == sorted(NUMBERS)
    assert {r[5] for r in rows[1:]} == {"1", "2", "3"}
    assert all(r[2] in ("delivered", "failed", "removed", "error") and r[3] for r in rows[1:])

    out.write_text("keep")
    code, _o, e = run(capsys, "campaign", "export", campaign, "--output", out)
    assert code == 2 and f"{out} exists: pass --force to replace it" in e
    assert out.read_text() == "keep"
    code, _o, e = run(capsys, "campaign", "export", campaign, "--output", out, "--force")
    assert code == 0 and len(out.read_text().splitlines()) == 13

    book = tmp_path / "camp.xlsx"
    code, _o, e = run(capsys, "campaign", "export", campaign, "-o", book)
    assert code == 0, e
    wb = openpyxl.load_workbook(book, read_only=True)
    cells = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    wb.close()
    assert [["" if v is None else str(v) for v in r] for r in cells[1:]] == rows[1:]

    code, _o, e = run(capsys, "campaign", "export", campaign, "--output", tmp_path / "camp.json")
    assert code == 2 and "name it .csv or .xlsx" in e
    code, _o, e = run(capsys, "campaign", "export", "nope", "--output", tmp_path / "x.csv")
    assert code != 0 and "no campaign nope" in e and not (tmp_path / "x.csv").exists()
