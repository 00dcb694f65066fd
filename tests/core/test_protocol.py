"""Protocol: requests built and responses parsed, without I/O."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import xmltodict
from hypothesis import given, settings
from hypothesis import strategies as st

from atlsms_tui.core import codes, protocol
from atlsms_tui.core.errors import InputError, ProtocolError
from atlsms_tui.core.models import Recipient
from atlsms_tui.core.secret import Secret
from atlsms_tui.core.xmlchars import find_illegal

PW = Secret("p&<>w")


def submit_bytes(content):
    return b"".join(protocol.iter_submit("user", PW, content))


def test_small_requests_are_well_formed_with_declaration():
    body = protocol.build_units("user", PW)
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    doc = ET.fromstring(body)
    assert doc.tag == "request"
    assert [e.tag for e in doc.find("head")] == ["operation", "login", "password"]
    assert doc.findtext("head/password") == "p&<>w"
    rep = ET.fromstring(protocol.build_report("user", PW, "4837", detailed=True))
    assert rep.findtext("head/operation") == "detailedreport"
    assert rep.findtext("head/taskid") == "4837"
    assert ET.fromstring(protocol.build_report("u", PW, "1")).findtext("head/operation") == "report"


def test_submit_bulk_layout_matches_document():
    c = protocol.SubmitContent("ATL", "NOW", "123", [Recipient("994501234567"), Recipient("994551234567")], "hi & <bye>")
    doc = ET.fromstring(submit_bytes(c))
    head = doc.find("head")
    assert [e.tag for e in head] == [
        "operation", "login", "password", "title", "bulkmessage", "scheduled", "isbulk", "controlid"
    ]
    assert head.findtext("isbulk") == "true"
    assert head.findtext("bulkmessage") == "hi & <bye>"
    bodies = doc.findall("body")
    assert [b.findtext("msisdn") for b in bodies] == ["994501234567", "994551234567"]
    assert all(b.find("message") is None for b in bodies)


def test_submit_individual_layout():
    c = protocol.SubmitContent("ATL", "2030-01-01 10:00:00", "9", [Recipient("994501234567", "one"), Recipient("994551234567", "two")])
    doc = ET.fromstring(submit_bytes(c))
    assert doc.findtext("head/isbulk") == "false"
    assert doc.find("head/bulkmessage") is None
    assert [b.findtext("message") for b in doc.findall("body")] == ["one", "two"]


xml_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
).filter(lambda s: find_illegal(s) is None)


@settings(max_examples=200, deadline=None)
@given(msg=xml_text, msgs=st.lists(xml_text, min_size=1, max_size=5), title=xml_text)
def test_escaping_round_trips_arbitrary_text(msg, msgs, title):
    bulk = protocol.SubmitContent(title, "NOW", "1", [Recipient("994501234567")], msg)
    doc = ET.fromstring(submit_bytes(bulk))
    assert (doc.findtext("head/bulkmessage") or "") == msg
    assert (doc.findtext("head/title") or "") == title
    ind = protocol.SubmitContent("T", "NOW", "1", [Recipient(f"99450{i:07d}", m) for i, m in enumerate(msgs)])
    doc = ET.fromstring(submit_bytes(ind))
    assert [(b.findtext("message") or "") for b in doc.findall("body")] == msgs


@settings(max_examples=100, deadline=None)
@given(msgs=st.lists(xml_text, min_size=1, max_size=5), numbers=st.lists(st.text("0123456789", min_size=1, max_size=15), min_size=5, max_size=5))
def test_detailed_report_round_trips(msgs, numbers):
    # Build a report as a server would (xmltodict, not our builder) and read it back.
    doc = {"response": {"head": {"responsecode": "000"}, "body": [
        {"msisdn": n, "message": m, "status": str(1 + i % 5), "date": "2026-11-25 10:00:00"}
        for i, (n, m) in enumerate(zip(numbers, msgs, strict=False))  # fewer messages than numbers
    ]}}
    data = xmltodict.unparse(doc).encode()
    for size in (7, 1 << 16):
        p = protocol.DetailedReportParser()
        rows = []
        for i in range(0, len(data), size):
            rows += p.feed(data[i:i + size])
        rows += p.close()
        # XML normalises line ends in character data; xmltodict writes CR raw.
        expect = [m.replace("\r\n", "\n").replace("\r", "\n") for m in msgs]
        assert [r.message for r in rows] == expect[: len(rows)]
        assert [r.msisdn for r in rows] == numbers[: len(rows)]
        assert p.code == "000"


@pytest.mark.parametrize("bad, name", [("\x00", "U+0000"), ("\x0b", "U+000B"), ("\ud800", "U+D800"), ("\uffff", "U+FFFF")])
def test_illegal_characters_refused_naming_row_and_character(bad, name):
    c = protocol.SubmitContent("T", "NOW", "1", [Recipient("994501234567", "ok"), Recipient("994551234567", f"ab{bad}c")])
    with pytest.raises(InputError) as e:
        protocol.validate_content(c)
    msg = str(e.value)
    assert "row 2" in msg and name in msg and "column 3" in msg


def test_illegal_character_in_bulk_message():
    c = protocol.SubmitContent("T", "NOW", "1", [Recipient("994501234567")], "x\x07")
    with pytest.raises(InputError, match="U\\+0007"):
        protocol.validate_content(c)


def resp(code, body=""):
    return f'<?xml version="1.0" encoding="UTF-8"?><response><head><responsecode>{code}</responsecode></head>{body}</response>'.encode()


def test_parse_units_and_taskid_and_report():
    assert protocol.read_units(protocol.parse_response(resp("000", "<body><units>234</units></body>"))) == 234
    assert protocol.read_taskid(protocol.parse_response(resp("000", "<body><taskid>4837</taskid></body>"))) == "4837"
    r = protocol.read_report(protocol.parse_response(resp("000", "<body><pending>0</pending><delivered>1</delivered><failed>1</failed><removed>0</removed><error>0</error></body>")), "1")
    assert (r.ready, r.delivered, r.failed, r.total) == (True, 1, 1, 2)
    assert protocol.read_report(protocol.parse_response(resp("001")), "1").ready is False


@pytest.mark.parametrize("code", sorted(codes.CODES))
def test_every_documented_code_parses_with_its_wording(code):
    r = protocol.parse_response(resp(code))
    assert r.code == code
    assert r.wording == codes.CODES[code]


def test_code_table_wording():
    assert codes.describe("105") == "Invalid authentification information"
    assert codes.describe("235") == "Invalid TITLE please contact Account Manager"
    assert codes.describe("250") == "System error, report to administrator"
    assert codes.is_system_error("201") and not codes.is_system_error("235")
    assert "Unknown" in codes.describe("777") and not codes.is_known("777")


@pytest.mark.parametrize("data, words", [
    (b"<html><body><h1>502 Bad Gateway</h1></body></html>", "not an API response"),
    (b"", "empty"),
    (resp("000", "<body><units>23")[:-30], "well-formed"),
    (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><response><head><responsecode>&b;</responsecode></head></response>', "refused"),
    (b"<response><head><responsecode>12</responsecode></head></response>", "response code"),
    (b"<response><head></head></response>", "response code"),
    (b"<response>" + b"x" * (2 << 20) + b"</response>", "too large"),
    (b"\x00\xff garbage", "well-formed"),
])
def test_unreadable_answers_are_typed_protocol_errors(data, words):
    with pytest.raises(ProtocolError, match=words):
        protocol.parse_response(data)


def test_success_without_taskid_is_not_success():
    with pytest.raises(ProtocolError):
        protocol.read_taskid(protocol.parse_response(resp("000")))
    with pytest.raises(ProtocolError):
        protocol.read_units(protocol.parse_response(resp("000", "<body><units>many</units></body>")))


@pytest.mark.parametrize("data, words", [
    (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "x">]><response/>', "refused"),
    (b"<html><body>oops</body></html>", "not an API response"),
    (resp("000", "<body><msisdn>1</msisdn><message>m</message><status>2</status></body>")[:-20], "well-formed"),
    (resp("000", "<body><msisdn>1</msisdn><message>m</message><status>x</status></body>"), "not a number"),
    (b"", "empty"),
])
def test_detailed_parser_errors(data, words):
    p = protocol.DetailedReportParser()
    with pytest.raises(ProtocolError, match=words):
        p.feed(data)
        p.close()


def test_detailed_parser_single_body_and_odd_but_valid_xml():
    one = resp("000", "<body><msisdn>994501234567</msisdn><message>a</message><status>2</status><date>2026-01-01 10:00:00</date></body>")
    code, rows = protocol.parse_detailed(one)
    assert code == "000" and len(rows) == 1 and rows[0].status == "delivered"
    odd = resp("000",
        '<body><status>3</status><msisdn>1</msisdn><message>x</message></body>'
        '<body><msisdn a="1">2</msisdn><message>y</message><status>4</status></body>'
        '<!-- a comment --><body><msisdn>3</msisdn><message><![CDATA[<b>&]]></message><status>5</status></body>')
    code, rows = protocol.parse_detailed(odd)
    assert [(r.msisdn, r.message, r.status) for r in rows] == [
        ("1", "x", "failed"), ("2", "y", "removed"), ("3", "<b>&", "error")]


def test_content_hash_ignores_password_but_not_payload():
    c = protocol.SubmitContent("T", "NOW", "1", [Recipient("994501234567")], "m")
    h = protocol.content_hash(c)
    assert protocol.content_hash(protocol.SubmitContent("T", "NOW", "1", [Recipient("994501234567")], "m")) == h
    assert protocol.content_hash(protocol.SubmitContent("T", "NOW", "1", [Recipient("994501234567")], "m2")) != h
    assert protocol.content_hash(protocol.SubmitContent("T", "NOW", "2", [Recipient("994501234567")], "m")) != h


def test_serialiser_names_the_absolute_row_of_a_bad_character():
    rows = [Recipient(f"99450{i:07d}", "ok") for i in range(10_000)]
    rows[9_000] = Recipient("994509999999", "bad\x02")
    with pytest.raises(InputError, match="row 9001 .*U\\+0002"):
        list(protocol.iter_submit_bodies(rows))


# ------------------------------------------------------- numbers from the server

HOSTILE_NUMBERS = [
    "12a4",  # letters
    "<b>12</b>",  # markup: xmltodict hands it over as a dict
    "\u202e4837",  # bidi override
    "48\u008537",  # a C1 control
    "\u0664\u0668\u0663\u0667",  # Arabic-Indic digits: int() would take them
    "1_000_000",  # int() would take it
    "-5",
    "+5",
    "9" * 25,  # beyond any 64-bit column: OverflowError in the journal
    "",
    "1 2",
]


def _xml_value(v: str) -> str:
    return v if v.startswith("<") else v.replace("&", "&amp;").replace("<", "&lt;")


@pytest.mark.parametrize("value", HOSTILE_NUMBERS)
def test_hostile_units_and_counts_are_protocol_errors(value):
    with pytest.raises(ProtocolError, match="units"):
        protocol.read_units(protocol.parse_response(resp("000", f"<body><units>{_xml_value(value)}</units></body>")))
    body = "".join(f"<{k}>{_xml_value(value) if k == 'failed' else 0}</{k}>"
                   for k in ("pending", "delivered", "failed", "removed", "error"))
    with pytest.raises(ProtocolError, match="failed"):
        protocol.read_report(protocol.parse_response(resp("000", f"<body>{body}</body>")), "1")


@pytest.mark.parametrize("value", HOSTILE_NUMBERS + ["1" * 19, "48x37"])
def test_hostile_task_ids_are_protocol_errors(value):
    with pytest.raises(ProtocolError):
        protocol.read_taskid(protocol.parse_response(resp("000", f"<body><taskid>{_xml_value(value)}</taskid></body>")))


def test_numbers_at_their_bounds_are_read():
    assert protocol.read_taskid(protocol.parse_response(resp("000", f"<body><taskid> {'9' * 18}\n</taskid></body>"))) == "9" * 18
    assert protocol.read_units(protocol.parse_response(resp("000", f"<body><units>{'9' * 15}</units></body>"))) == 10**15 - 1
    with pytest.raises(ProtocolError, match="at most 15"):
        protocol.read_units(protocol.parse_response(resp("000", f"<body><units>{'9' * 16}</units></body>")))


@pytest.mark.parametrize("code", ["\u0660\u0660\u0660", "0000", "-00", "0_0", "00a", "<b>000</b>"])
def test_hostile_response_codes_are_protocol_errors(code):
    with pytest.raises(ProtocolError, match="response code"):
        protocol.parse_response(resp(code))
    p = protocol.DetailedReportParser()
    with pytest.raises(ProtocolError, match="response code"):
        p.feed(resp(code))
        p.close()


def test_response_code_is_never_read_from_a_comment():
    forged = (b"<response><head><!-- <responsecode>000</responsecode> -->"
              b"<responsecode>105</responsecode></head></response>")
    assert protocol.parse_response(forged).code == "105"
    assert protocol.parse_detailed(forged) == ("105", [])
    only_comment = (b"<response><head><!-- <responsecode>000</responsecode> --></head>"
                    b"<body><msisdn>1</msisdn><message>m</message><status>2</status></body></response>")
    with pytest.raises(ProtocolError, match="response code"):
        protocol.parse_response(only_comment)
    with pytest.raises(ProtocolError, match="response code"):
        protocol.parse_detailed(only_comment)


def _row(status: str, msisdn: str = "994501234567", message: str = "m") -> str:
    return (f"<body><msisdn>{msisdn}</msisdn><message>{message}</message>"
            f"<status>{status}</status><date>2026-01-01 10:00:00</date></body>")


@pytest.mark.parametrize("status", [s for s in HOSTILE_NUMBERS if not s.startswith("<")] + ["1234"])
@pytest.mark.parametrize("odd", [False, True], ids=["plain", "after-a-comment"])
def test_hostile_statuses_in_a_detailed_report_are_protocol_errors(status, odd):
    rows = _row("2") + ("<!-- c -->" if odd else "") + _row(_xml_value(status))
    p = protocol.DetailedReportParser()
    with pytest.raises(ProtocolError, match="row 2: status"):
        p.feed(resp("000", rows))
        p.close()


def test_unlisted_statuses_are_kept_and_named_by_number():
    code, rows = protocol.parse_detailed(resp("000", "".join(_row(str(s)) for s in (2, 6, 7, 8, 0))))
    assert [r.status_code for r in rows] == [2, 6, 7, 8, 0]
    assert [r.status for r in rows] == ["delivered", "status 6", "status 7", "status 8", "status 0"]
    assert rows[1].as_json()["status"] == "status 6"


def _declared(encoding: str, rows: str) -> str:
    return (f'<?xml version="1.0" encoding="{encoding}"?><response><head>'
            f"<responsecode>000</responsecode></head>{rows}</response>")


@pytest.mark.parametrize("encoding, codec, text", [
    ("ISO-8859-1", "latin-1", "Hörmətli"[:2] + "é ü ß"),
    ("windows-1251", "cp1251", "Привет, мир"),
    ("UTF-16", "utf-16", "Hörmətli müştəri ✓"),
    ("utf-8", "utf-8", "Hörmətli müştəri ✓"),
])
@pytest.mark.parametrize("step", [1, 7, 1 << 16])
def test_detailed_report_honours_the_declared_encoding(encoding, codec, text, step):
    data = _declared(encoding, _row("2", message=text) + _row("6", "994507654321", "a &amp; b")
                     + "<!-- odd -->" + _row("3", message=text)).encode(codec)
    p = protocol.DetailedReportParser()
    rows = []
    for i in range(0, len(data), step):
        rows += p.feed(data[i:i + step])
    rows += p.close()
    assert p.code == "000"
    assert [(r.msisdn, r.message, r.status_code) for r in rows] == [
        ("994501234567", text, 2), ("994507654321", "a & b", 6), ("994501234567", text, 3)]


def test_undecodable_detailed_reports_are_protocol_errors():
    latin_as_utf8 = _declared("UTF-8", _row("2", message="café")).encode("latin-1")
    with pytest.raises(ProtocolError, match="well-formed|encoding"):
        protocol.parse_detailed(latin_as_utf8)
    with pytest.raises(ProtocolError):
        protocol.parse_detailed(_declared("no-such-charset", _row("2")).encode())


@pytest.mark.parametrize("encoding", ["no-such-charset", "Shift_JIS", "UTF-32"])
def test_small_answers_in_unreadable_encodings_are_protocol_errors(encoding):
    data = f'<?xml version="1.0" encoding="{encoding}"?><response><head><responsecode>000</responsecode></head></response>'
    with pytest.raises(ProtocolError):
        protocol.parse_response(data.encode())


def test_small_answer_in_a_declared_single_byte_encoding_is_read():
    data = ('<?xml version="1.0" encoding="windows-1251"?><response><head><responsecode>000'
            '</responsecode></head><body><units>17</units><note>Баланс</note></body></response>').encode("cp1251")
    assert protocol.read_units(protocol.parse_response(data)) == 17
