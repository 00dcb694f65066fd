"""Campaign tooling through the CLI, as a user runs it (subprocesses against
the simulator): imports, mail merge, groups, templates, opt-outs and
transliteration. What the simulator receives is asserted."""

from __future__ import annotations

import json
import subprocess
import sys

import openpyxl
import pytest

A, B, C, D = "994501234567", "994551234567", "994701234567", "994601234567"


PEOPLE = (
    "Ad;Telefon;Borc\n"
    "Aysel;0501234567;12.50\n"
    "Fərid;9.94501E+11;7\n"
    "Leyla;994551234567.0;3\n"
    "Orxan;+994 50 123 45 67;1\n"
    "Nigar;0701234567;\n"
    "Kamal;0601234567;9\n"
)


@pytest.fixture
def people(tmp_path):
    p = tmp_path / "people.csv"
    p.write_text(PEOPLE, encoding="utf-8")
    return p


def send(cli, *args):
    p = cli("send", "--title", "ATL", *args, "--yes", "--json")
    doc = json.loads(p.stdout) if p.stdout.strip() else None
    return p, doc


def test_to_file_csv_report_then_bulk(logged_in, sim, people):
    p, doc = send(logged_in, "--to-file", people, "--column", "Telefon", "--message", "Salam")
    assert p.returncode == 0, p.stderr
    assert sim.recipients_of(doc["taskid"]) == [(A, "Salam"), (B, "Salam"), (C, "Salam"), (D, "Salam")]
    err = p.stderr.splitlines()
    assert err[:2] == [
        f"{people} (UTF-8, delimiter ';', header, numbers in column 'Telefon'): "
        "6 rows read, 4 valid, 4 normalised, 1 duplicate removed, 1 invalid",
        "  operators: Azercell 1, Bakcell 1, Nar 1, Naxtel 1, other 0",
    ]
    assert ("    row 3, column 'Telefon': '9.94501E+11': number in scientific notation lost its last 6 "
            "digits (only 6 of 12 survive); format the column as text in the source and export again") in err
    assert ("    row 4, column 'Telefon': '994551234567.0': written as a decimal number (trailing .0); "
            "recovered exactly: 994551234567") in err
    assert "    row 5, column 'Telefon': '+994 50 123 45 67': duplicate of row 2" in err
    p, _ = send(logged_in, "--to-file", people, "--message", "Salam", "--strict")
    assert p.returncode == 2 and "--strict: nothing sent" in p.stderr
    assert len(sim.tasks) == 1


def test_individual_mail_merge(logged_in, sim, people):
    p, doc = send(logged_in, "--individual", people, "--template", "Hörmətli {ad}, borcunuz {Borc} AZN.")
    assert p.returncode == 0, p.stderr
    assert sim.recipients_of(doc["taskid"]) == [
        (A, "Hörmətli Aysel, borcunuz 12.50 AZN."),
        (B, "Hörmətli Leyla, borcunuz 3 AZN."),
        (D, "Hörmətli Kamal, borcunuz 9 AZN."),
    ]
    assert doc["recipients"] == 3 and doc["units_estimate"] == 3
    assert "1 row left out of the mail merge:" in p.stderr
    assert f"  row 6, column 'Borc' ({C}): no value for {{Borc}}: not sent" in p.stderr
    assert f"  {A} (1 segment): Hörmətli Aysel, borcunuz 12.50 AZN." in p.stderr  # the preview
    p, _ = send(logged_in, "--individual", people, "--template", "Salam {name}")
    assert p.returncode == 2
    assert "error: template placeholder {name} name no column of" in p.stderr
    assert "(columns: 'Ad', 'Telefon', 'Borc')" in p.stderr
    p, _ = send(logged_in, "--individual", people, "--template", "Salam {ad")
    assert p.returncode == 2 and "--template: '{' at character 7 has no closing '}'" in p.stderr
    p, _ = send(logged_in, "--individual", people, "--template", "Salam {ad}", "--strict")
    assert p.returncode == 2
    p, _ = send(logged_in, "--individual", people)
    assert p.returncode == 2 and "no 'message' column" in p.stderr
    assert len(sim.tasks) == 1


def test_individual_xlsx_sheet_and_template_file(logged_in, sim, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Cover"
    ws = wb.create_sheet("Siyahı")
    ws.append(["Nömrə", "Ad"])
    ws.append([501234567, "Aysel"])
    ws.append([994551234567, "Şəbnəm"])
    ws.append(["9.94701E+11", "Orxan"])
    wb.save(tmp_path / "list.xlsx")
    tpl = tmp_path / "t.txt"
    tpl.write_text("Salam, {Ad}! “Endirim” başladı.\n", encoding="utf-8")
    p, doc = send(logged_in, "--individual", tmp_path / "list.xlsx", "--sheet", "Siyahı",
                  "--template-file", tpl, "--transliterate")
    assert p.returncode == 0, p.stderr
    assert sim.recipients_of(doc["taskid"]) == [
        (A, 'Salam, Aysel! "Endirim" basladi.'),
        (B, 'Salam, Sebnem! "Endirim" basladi.'),
    ]
    assert ("transliteration: as typed: UCS-2, up to 1 segment, 2 units; "
            "transliterated: GSM-7, up to 1 segment, 2 units") in p.stderr
    assert "row 4, column 'Nömrə': '9.94701E+11'" in p.stderr
    p, _ = send(logged_in, "--individual", tmp_path / "list.xlsx", "--sheet", "Nope", "--template", "{Ad}")
    assert p.returncode == 2 and "no sheet 'Nope'; the sheets are 'Cover', 'Siyahı'" in p.stderr


def test_transliterate_bulk_is_asked_for_and_shown_both_ways(logged_in, sim):
    msg = "Hörmətli müştəri! Yeni il endirimi: bütün məhsullara 20% endirim. " \
          "Ətraflı məlumat üçün mağazamıza yaxınlaşın — “ATL”."
    p, doc = send(logged_in, "--to", A, B, "--message", msg)
    assert p.returncode == 0, p.stderr
    assert sim.recipients_of(doc["taskid"]) == [(A, msg), (B, msg)]  # never silently
    assert ("hint: as typed: UCS-2 2 segments, 4 units; transliterated: GSM-7 1 segment, 2 units; "
            "pass --transliterate to send it transliterated") in p.stderr
    p, doc = send(logged_in, "--to", A, B, "--message", msg, "--transliterate")
    assert p.returncode == 0, p.stderr
    sent = "Hörmetli müsteri! Yeni il endirimi: bütün mehsullara 20% endirim. " \
           'Etrafli melumat ücün magazamiza yaxinlasin - "ATL".'
    assert sim.recipients_of(doc["taskid"]) == [(A, sent), (B, sent)]
    assert doc["segments"] == 1 and doc["units_estimate"] == 2
    assert ("transliteration: as typed: UCS-2 2 segments, 4 units; "
            "transliterated: GSM-7 1 segment, 2 units") in p.stderr


def test_groups_end_to_end(logged_in, sim, people):
    p = logged_in("group", "create", "Müştərilər", "--from", people, "--json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert (doc["members"], doc["columns"]) == (4, ["Ad", "Telefon", "Borc"])
    assert doc["import"]["invalid"] == [{
        "row": 3, "column": "Telefon", "raw": "9.94501E+11",
        "reason": "number in scientific notation lost its last 6 digits (only 6 of 12 survive); "
                  "format the column as text in the source and export again",
    }]
    p = logged_in("group", "create", "Müştərilər", "--from", people)
    assert p.returncode == 2 and "already exists: pass --replace" in p.stderr
    groups = json.loads(logged_in("group", "list", "--json").stdout)
    assert [(g["name"], g["members"]) for g in groups] == [("Müştərilər", 4)]
    shown = json.loads(logged_in("group", "show", "müştərilər", "--json").stdout)
    assert [r["msisdn"] for r in shown["recipients"]] == [A, B, C, D]
    assert shown["recipients"][0]["fields"] == {"Ad": "Aysel", "Telefon": "0501234567", "Borc": "12.50"}
    p, doc = send(logged_in, "--group", "Müştərilər", "--template", "Salam {Ad}")
    assert p.returncode == 0, p.stderr
    assert sim.recipients_of(doc["taskid"]) == [
        (A, "Salam Aysel"), (B, "Salam Leyla"), (C, "Salam Nigar"), (D, "Salam Kamal")]
    p, doc = send(logged_in, "--group", "Müştərilər", "--to", "0771234567", A, "--message", "Hi")
    assert p.returncode == 0, p.stderr
    assert [m for m, _ in sim.recipients_of(doc["taskid"])] == ["994771234567", A, B, C, D]
    assert logged_in("group", "delete", "Müştərilər").returncode == 0
    p, _ = send(logged_in, "--group", "Müştərilər", "--message", "Hi")
    assert p.returncode == 2 and "no group named 'Müştərilər' (none saved)" in p.stderr
    assert len(sim.tasks) == 2


def test_templates_end_to_end(logged_in, sim):
    p = logged_in("template", "save", "salam", "--text", "Hörmətli {ad}!")
    assert p.returncode == 0 and "template 'salam' saved (placeholders: {ad})" in p.stdout
    p = logged_in("template", "save", "bulk", "--text", "Endirim 20%")
    assert logged_in("template", "save", "bad", "--text", "x }").returncode == 2
    assert [t["name"] for t in json.loads(logged_in("template", "list", "--json").stdout)] == ["bulk", "salam"]
    assert json.loads(logged_in("template", "show", "salam", "--json").stdout)["placeholders"] == ["ad"]
    p, doc = send(logged_in, "--to", A, "--template-name", "bulk")
    assert p.returncode == 0, p.stderr
    assert sim.recipients_of(doc["taskid"]) == [(A, "Endirim 20%")]
    p, _ = send(logged_in, "--to", A, "--template-name", "salam")  # --to has no {ad}
    assert p.returncode == 2 and "name no column" in p.stderr
    assert logged_in("template", "delete", "salam").returncode == 0
    p, _ = send(logged_in, "--to", A, "--template-name", "salam")
    assert p.returncode == 2 and "no template named 'salam' (saved: bulk)" in p.stderr
    assert len(sim.tasks) == 1


def test_optouts_end_to_end(logged_in, sim, tmp_path, people):
    p = logged_in("optout", "add", "+994 55 123 45 67", "0701234567", "--reason", "asked to stop by SMS")
    assert p.returncode == 0 and "2 numbers added to the opt-out list" in p.stdout
    assert logged_in("optout", "add", "12345").returncode == 2
    p, doc = send(logged_in, "--to-file", people, "--message", "Salam")
    assert p.returncode == 0, p.stderr
    assert sim.recipients_of(doc["taskid"]) == [(A, "Salam"), (D, "Salam")]
    assert doc["recipients"] == 2 and doc["optouts_removed"] == 2
    assert "2 recipients removed: on the opt-out list (asked to stop by SMS: 2)" in p.stderr
    assert f"  {B}: on the opt-out list since" in p.stderr
    # the mail merge path too
    p, doc = send(logged_in, "--individual", people, "--template", "Salam {ad}")
    assert [m for m, _ in sim.recipients_of(doc["taskid"])] == [A, D]
    # everyone opted out: nothing sent
    p, _ = send(logged_in, "--to", B, C, "--message", "Salam")
    assert p.returncode == 2 and "every recipient is on the opt-out list: nothing sent" in p.stderr
    f = tmp_path / "stop.txt"
    f.write_text("0501234567\nabc\n")
    p = logged_in("optout", "import", f, "--reason", "STOP reply")
    assert p.returncode == 0 and "1 number added" in p.stdout and "line 2, column 1: 'abc'" in p.stderr
    listed = json.loads(logged_in("optout", "list", "--json").stdout)
    assert [(o["msisdn"], o["reason"]) for o in listed] == [
        (B, "asked to stop by SMS"), (C, "asked to stop by SMS"), (A, "STOP reply")]
    p = logged_in("optout", "remove", B, C, A)
    assert p.returncode == 0 and "3 numbers removed" in p.stdout
    p, doc = send(logged_in, "--to", B, "--message", "Salam")
    assert p.returncode == 0 and "optouts_removed" not in doc
    assert len(sim.tasks) == 3


def test_bad_files_are_clear_errors(logged_in, sim, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"0501234567\n05\x81\x8d01234567\n")
    p, _ = send(logged_in, "--to-file", bad, "--message", "x")
    assert p.returncode == 2 and f"{bad}: cannot decode the file: line 2, column 3: byte 0x81" in p.stderr
    p, _ = send(logged_in, "--to-file", tmp_path / "nope.csv", "--message", "x")
    assert p.returncode == 2 and "file not found" in p.stderr
    p, _ = send(logged_in, "--to", A, "--column", "x", "--message", "x")
    assert p.returncode == 2 and "--column and --sheet apply to" in p.stderr
    p = logged_in("group", "create", "g", "--from", bad)
    assert p.returncode == 2 and "line 2" in p.stderr
    assert sim.tasks == []


def test_count_meets_the_issue(cli):
    p = cli("count", "Hörmətli müştəri — “endirim”")
    assert p.returncode == 0
    assert p.stdout.splitlines() == [
        "28 characters, UCS-2, 1 segment, 42 left in the last",
        "forcing UCS-2: 'ə'@5 'ş'@12 'ə'@14 '—'@18 '“'@20 '”'@28",
        "transliterated (--transliterate): 28 characters, GSM-7, 1 segment",
    ]
    doc = json.loads(cli("count", "--json", "Salam ə").stdout)
    assert doc["ucs2_chars"] == ["ə"] and doc["transliterated"] == {"encoding": "GSM-7", "segments": 1, "characters": 7}


def test_campaign_modules_import_no_textual():
    code = (
        "import sys\n"
        "import atlsms_tui.core.imports, atlsms_tui.core.mailmerge, atlsms_tui.core.lists\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "assert not bad, bad\n"
        "print('clean')\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode == 0 and "clean" in p.stdout, p.stderr
