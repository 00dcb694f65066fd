"""The simulator, spoken to over real loopback HTTP with hand-written XML.

These requests double as documentation of the wire format."""

from __future__ import annotations

import socket
import threading
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import httpx
import pytest

from atlsms_tui.core.baku import BAKU
from atlsms_tui.simulator import (
    DEMO_LOGIN,
    DEMO_PASSWORD,
    DEMO_TITLES,
    Account,
    FakeClock,
    Fault,
    Simulator,
    count_segments,
)

T0 = 1_790_000_000.0


# -- helpers -----------------------------------------------------------------
@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=T0)


@pytest.fixture
def sim(clock):
    accounts = [
        Account(DEMO_LOGIN, DEMO_PASSWORD, units=50_000, titles=set(DEMO_TITLES)),
        Account("other", "other-pass", units=1_000, titles={"OTHER"}),
        Account("poor", "poor-pass", units=3, titles={"ATL"}),
    ]
    with Simulator(accounts=accounts, seed=7, clock=clock, report_delay=5.0, delivery_time=20.0) as s:
        yield s


@pytest.fixture
def client():
    with httpx.Client(timeout=10.0) as c:
        yield c


def post(client: httpx.Client, sim: Simulator, xml: str | bytes, **kw) -> httpx.Response:
    body = xml.encode("utf-8") if isinstance(xml, str) else xml
    return client.post(sim.url, content=body, **kw)


def code_of(resp: httpx.Response) -> str:
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "text/xml; charset=UTF-8"
    root = ET.fromstring(resp.content)
    assert root.tag == "response"
    return root.findtext("head/responsecode")


def call(client, sim, xml) -> tuple[str, ET.Element]:
    resp = post(client, sim, xml)
    return code_of(resp), ET.fromstring(resp.content)


def head_xml(operation="units", login=DEMO_LOGIN, password=DEMO_PASSWORD, **fields) -> str:
    parts = [f"<operation>{operation}</operation>", f"<login>{login}</login>",
             f"<password>{password}</password>"]
    parts += [f"<{k}>{v}</{k}>" for k, v in fields.items()]
    return "<head>" + "".join(parts) + "</head>"


def submit_xml(recipients=("994501234567",), *, title="ATL", scheduled="NOW", isbulk="true",
               bulkmessage="Hello", controlid=None, messages=None, login=DEMO_LOGIN,
               password=DEMO_PASSWORD) -> str:
    fields = {"title": title}
    if bulkmessage is not None:
        fields["bulkmessage"] = bulkmessage
    fields.update(scheduled=scheduled, isbulk=isbulk)
    if controlid is not None:
        fields["controlid"] = controlid
    bodies = []
    for i, number in enumerate(recipients):
        msg = "" if messages is None else f"<message>{messages[i]}</message>"
        bodies.append(f"<body><msisdn>{number}</msisdn>{msg}</body>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<request>'
            + head_xml("submit", login, password, **fields) + "".join(bodies) + "</request>")


def report_xml(taskid, operation="report", login=DEMO_LOGIN, password=DEMO_PASSWORD) -> str:
    return f"<request>{head_xml(operation, login, password, taskid=taskid)}</request>"


def submit(client, sim, **kw) -> str:
    code, root = call(client, sim, submit_xml(**kw))
    assert code == "000", code
    return root.findtext("body/taskid")


def report_counts(client, sim, taskid, login=DEMO_LOGIN, password=DEMO_PASSWORD):
    code, root = call(client, sim, report_xml(taskid, login=login, password=password))
    if code != "000":
        return code, None
    body = root.find("body")
    return code, {k: int(body.findtext(k)) for k in ("pending", "delivered", "failed", "removed", "error")}


def detailed(client, sim, taskid):
    code, root = call(client, sim, report_xml(taskid, "detailedreport"))
    rows = [
        (b.findtext("msisdn"), b.findtext("message"), int(b.findtext("status")), b.findtext("date"))
        for b in root.findall("body")
    ]
    return code, rows


def baku(epoch: float, delta: float = 0) -> str:
    return (datetime.fromtimestamp(epoch, BAKU) + timedelta(seconds=delta)).strftime("%Y-%m-%d %H:%M:%S")


# -- wire basics ---------------------------------------------------------------
def test_units_and_doc_example_shape(sim, client):
    xml = """<?xml version="1.0" encoding="UTF-8"?>
<request>
  <head>
    <operation>units</operation>
    <login>demo</login>
    <password>demo-pass</password>
  </head>
</request>"""
    resp = post(client, sim, xml)
    assert resp.headers["content-length"] == str(len(resp.content))
    assert resp.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    code, root = code_of(resp), ET.fromstring(resp.content)
    assert code == "000"
    assert root.findtext("body/units") == "50000"
    assert sim.url.endswith("/bulksms/api")


def test_root_path_accepted_other_methods_and_paths_refused(sim, client):
    base = sim.url.rsplit("/bulksms/api", 1)[0]
    xml = f"<request>{head_xml()}</request>".encode()
    assert code_of(client.post(base + "/", content=xml)) == "000"
    assert client.get(sim.url).status_code == 405
    assert client.put(sim.url, content=xml).status_code == 405
    assert client.post(base + "/elsewhere", content=xml).status_code == 404


def test_chunked_body_refused_with_411(sim, client):
    def gen():
        yield f"<request>{head_xml()}</request>".encode()

    resp = client.post(sim.url, content=gen())  # a generator body goes out chunked
    assert resp.status_code == 411
    assert sim.requests[-1]["http_status"] == 411


@pytest.mark.parametrize(
    "xml",
    [
        "this is not xml",
        "",
        "<request><head><operation>units</operation>",  # unterminated
        f"<req>{head_xml()}</req>",  # root is not <request>
        '<?xml version="1.0"?><!DOCTYPE request [<!ENTITY u "demo">]>'
        "<request><head><operation>units</operation><login>&u;</login>"
        "<password>demo-pass</password></head></request>",
        '<?xml version="1.0"?><!DOCTYPE request><request>' + head_xml() + "</request>",
    ],
)
def test_100_bad_request(sim, client, xml):
    assert call(client, sim, xml)[0] == "100"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ("<head><login>demo</login><password>demo-pass</password></head>", "101"),
        ("<head><operation> </operation><login>demo</login><password>demo-pass</password></head>", "101"),
        ("<head><operation>balance</operation><login>demo</login><password>demo-pass</password></head>", "102"),
        ("<head><operation>units</operation><password>demo-pass</password></head>", "103"),
        ("<head><operation>units</operation><login></login><password>x</password></head>", "103"),
        ("<head><operation>units</operation><login>demo</login></head>", "104"),
        ("<head><operation>units</operation><login>demo</login><password></password></head>", "104"),
        ("<head><operation>units</operation><login>demo</login><password>nope</password></head>", "105"),
        ("<head><operation>units</operation><login>ghost</login><password>demo-pass</password></head>", "105"),
        # order: the operation is checked before the credentials
        ("<head><operation>bogus</operation></head>", "102"),
    ],
)
def test_head_codes(sim, client, head, expected):
    assert call(client, sim, f"<request>{head}</request>")[0] == expected


# -- submit --------------------------------------------------------------------
def test_submit_bulk_creates_task(sim, client):
    taskid = submit(client, sim, recipients=["994501234567", "994551112233"], bulkmessage="Salam",
                    controlid="111")
    assert taskid == "4837"
    task = sim.task(taskid)
    assert task is sim.task_by_controlid("111")
    assert (task.login, task.title, task.isbulk, task.bulkmessage, task.scheduled) == (
        "demo", "ATL", True, "Salam", "NOW")
    assert task.recipients == 2 and task.units_charged == 2 and task.segments_charged == 2
    assert sim.recipients_of(taskid) == [("994501234567", "Salam"), ("994551112233", "Salam")]
    assert sim.account("demo").units == 50_000 - 2
    assert submit(client, sim) == "4838"  # ids increase


def test_submit_individual(sim, client):
    taskid = submit(client, sim, recipients=["994501234567", "994701234567"], isbulk="false",
                    bulkmessage=None, messages=["one &amp; only", "two"])
    assert sim.recipients_of(taskid) == [("994501234567", "one & only"), ("994701234567", "two")]
    assert sim.task(taskid).isbulk is False
    code, rows = detailed(client, sim, taskid)
    assert code == "001"


def test_doc_individual_example_with_whitespace(sim, client):
    xml = """<?xml version="1.0" encoding="UTF-8"?>
<request>
 <head>
 <operation>submit</operation>
 <login>demo</login>
 <password>demo-pass</password>
 <title>ATL</title>
 <scheduled>NOW</scheduled>
 <isbulk>false</isbulk>
 <controlid>111</controlid>
 </head>
 <body>
 <msisdn>994519574083
 </msisdn>
 <message>message one</message>
 </body>
 <body>
 <msisdn>994518989447</msisdn>
 <message>message two</message>
 </body>
</request>"""
    code, root = call(client, sim, xml)
    assert code == "000"
    assert sim.recipients_of(root.findtext("body/taskid")) == [
        ("994519574083", "message one"), ("994518989447", "message two")]


def test_002_duplicate_controlid_checked_before_everything_else(sim, client):
    submit(client, sim, controlid="abc123")
    n = len(sim.tasks)
    # Even with an empty title, the duplicate wins; no task id is given.
    code, root = call(client, sim, submit_xml(controlid="abc123", title=""))
    assert code == "002" and root.find("body") is None
    assert len(sim.tasks) == n
    # The same control id on another account is fine.
    assert call(client, sim, submit_xml(controlid="abc123", title="OTHER", login="other",
                                        password="other-pass"))[0] == "000"
    # but the 105 comes first
    assert call(client, sim, submit_xml(controlid="abc123", password="bad"))[0] == "105"


FUTURE = baku(T0, 3600)


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"title": ""}, "106"),
        ({"title": "WAY-TOO-LONG-TITLE"}, "107"),
        ({"title": "BAD!"}, "107"),
        ({"title": "NOTMINE"}, "235"),
        ({"title": "OTHER"}, "235"),  # registered, but for another account
        ({"scheduled": ""}, "111"),
        ({"scheduled": "tomorrow"}, "112"),
        ({"scheduled": "2030-02-30 10:00:00"}, "112"),
        ({"scheduled": "2030-01-01 10:00"}, "112"),
        ({"scheduled": baku(T0, -60)}, "113"),
        ({"isbulk": ""}, "114"),
        ({"isbulk": "yes"}, "115"),
        ({"isbulk": "true", "bulkmessage": None}, "116"),
        ({"isbulk": "true", "bulkmessage": "  "}, "116"),
        ({"recipients": []}, "117"),
        ({"recipients": ["+994501234567"]}, "117"),
        ({"recipients": ["99450123456"]}, "117"),
        ({"recipients": ["994501234567", "0501234567"]}, "117"),
        ({"isbulk": "false", "bulkmessage": None, "messages": [""]}, "117"),
        ({"isbulk": "false", "bulkmessage": None}, "117"),  # no <message> at all
        # order: title before scheduled before isbulk before body
        ({"title": "", "scheduled": "x", "isbulk": "x", "recipients": []}, "106"),
        ({"scheduled": "x", "isbulk": "x", "recipients": []}, "112"),
        ({"isbulk": "x", "recipients": []}, "115"),
        ({"bulkmessage": "", "recipients": []}, "116"),
    ],
)
def test_submit_codes(sim, client, kw, expected):
    assert call(client, sim, submit_xml(**kw))[0] == expected
    assert sim.tasks == []
    assert sim.account("demo").units == 50_000


def test_118_not_enough_units(sim, client):
    many = [f"99450000000{i}" for i in range(4)]
    assert call(client, sim, submit_xml(recipients=many, login="poor", password="poor-pass"))[0] == "118"
    assert sim.account("poor").units == 3 and sim.tasks == []
    assert call(client, sim, submit_xml(recipients=many[:3], login="poor", password="poor-pass"))[0] == "000"
    assert sim.account("poor").units == 0


def test_future_schedule_accepted(sim, client):
    taskid = submit(client, sim, scheduled=FUTURE)
    assert sim.task(taskid).scheduled == FUTURE


# -- units ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("{" * 80, 1),  # 160 septets
        ("€" * 81, 2),  # 162 septets
        ("a" * 152 + "[", 1),  # 154 septets
        ("a" * 152 + "[" + "a" * 152, 3),  # 306 septets, but an escape pair is never split
        ("Salam, dünya! Çox sağ ol", 1),  # ğ forces UCS-2, still short
        ("ə" * 70, 1),
        ("ə" * 71, 2),
        ("ş" * 134, 2),
        ("ş" * 135, 3),
        ("😀" * 35, 1),  # 70 UTF-16 units
        ("😀" * 36, 2),
        ("x" * 66 + "😀", 1),
        ("x" * 66 + "😀" + "x" * 66, 3),  # 134 units, but a surrogate pair is never split
        ("ö Ö ü Ü Ç" * 20, 2),  # all GSM-7: 180 septets
        ("a" * 159 + "ç", 3),  # one ç makes all 160 UCS-2
        ("", 1),
    ],
)
def test_segment_counting(text, segments):
    assert count_segments(text) == segments


def test_units_deduction_gsm7_vs_ucs2(sim, client):
    three = ["994501111111", "994502222222", "994503333333"]
    submit(client, sim, recipients=three, bulkmessage="a" * 160)
    assert sim.account("demo").units == 50_000 - 3
    submit(client, sim, recipients=three, bulkmessage="a" * 161)
    assert sim.account("demo").units == 50_000 - 3 - 6
    submit(client, sim, recipients=three, bulkmessage="Təşəkkür edirik")  # UCS-2, short
    assert sim.account("demo").units == 50_000 - 3 - 6 - 3
    tid = submit(client, sim, recipients=three, isbulk="false", bulkmessage=None,
                 messages=["short", "ə" * 71, "x" * 400])
    assert sim.task(tid).units_charged == 1 + 2 + 3
    assert sim.account("demo").units == 50_000 - 3 - 6 - 3 - 6
    code, root = call(client, sim, f"<request>{head_xml()}</request>")
    assert root.findtext("body/units") == str(50_000 - 18)


# -- reports -------------------------------------------------------------------
def test_report_codes(sim, client):
    tid = submit(client, sim)
    other = submit(client, sim, title="OTHER", login="other", password="other-pass")
    assert call(client, sim, report_xml(""))[0] == "108"
    assert call(client, sim, report_xml("abc"))[0] == "109"
    assert call(client, sim, report_xml("99999"))[0] == "109"
    assert call(client, sim, report_xml(other))[0] == "109"  # another account's task
    assert call(client, sim, report_xml(other, "detailedreport"))[0] == "109"
    assert call(client, sim, report_xml(tid))[0] == "001"
    assert call(client, sim, report_xml(tid, "detailedreport"))[0] == "001"
    assert call(client, sim, report_xml(tid, password="nope"))[0] == "105"
    sim.cancel_task(tid)
    assert call(client, sim, report_xml(tid))[0] == "110"
    assert call(client, sim, report_xml(tid, "detailedreport"))[0] == "110"


def test_delivery_progression(sim, client, clock):
    numbers = [f"9945{i:08d}" for i in range(400)]
    tid = submit(client, sim, recipients=numbers, bulkmessage="x &lt; y &amp; z")
    assert report_counts(client, sim, tid)[0] == "001"
    clock.advance(4.9)
    assert report_counts(client, sim, tid)[0] == "001"
    clock.advance(0.2)  # just past report_delay: everything still queued
    code, counts = report_counts(client, sim, tid)
    assert code == "000"
    assert counts["pending"] == 400 - sum(v for k, v in counts.items() if k != "pending")
    assert counts["pending"] > 390
    seen_partial = False
    for _ in range(5):
        clock.advance(4)
        code, counts = report_counts(client, sim, tid)
        code2, rows = detailed(client, sim, tid)
        assert code == code2 == "000"
        assert [r[0] for r in rows] == numbers
        assert all(r[1] == "x < y & z" for r in rows)
        by_status = {s: sum(1 for r in rows if r[2] == s) for s in range(1, 6)}
        assert counts == {"pending": by_status[1], "delivered": by_status[2], "failed": by_status[3],
                          "removed": by_status[4], "error": by_status[5]}
        for _, _, status, date in rows:
            assert (date == "") == (status == 1)
        seen_partial |= 0 < counts["pending"] < 400
    assert seen_partial
    clock.advance(20)
    code, counts = report_counts(client, sim, tid)
    assert counts["pending"] == 0
    assert counts["delivered"] > 300 and counts["failed"] > 10 and counts["removed"] > 3
    code, rows = detailed(client, sim, tid)
    dates = sorted(r[3] for r in rows)
    assert baku(T0, 5) <= dates[0] and dates[-1] <= baku(T0, 25)
    # Deterministic: asking again gives the same answer.
    assert detailed(client, sim, tid)[1] == rows


def test_single_recipient_detailedreport_has_one_body(sim, client, clock):
    tid = submit(client, sim, isbulk="false", bulkmessage=None, messages=["Ə ş"])
    clock.advance(60)
    code, rows = detailed(client, sim, tid)
    assert code == "000" and len(rows) == 1
    assert rows[0][0] == "994501234567" and rows[0][1] == "Ə ş" and rows[0][2] in (2, 3, 4, 5)


def test_scheduled_task_waits_for_its_time(sim, client, clock):
    tid = submit(client, sim, scheduled=baku(T0, 600), recipients=["994501234567"] * 10)
    assert sim.task(tid).start == T0 + 600
    clock.advance(300)
    assert report_counts(client, sim, tid)[0] == "001"
    clock.advance(300 + 4)
    assert report_counts(client, sim, tid)[0] == "001"
    clock.advance(2)
    assert report_counts(client, sim, tid)[0] == "000"
    clock.advance(30)
    assert report_counts(client, sim, tid)[1]["pending"] == 0


# -- faults --------------------------------------------------------------------
UNITS = f"<request>{head_xml()}</request>"


def test_fault_code_and_operation_filter(sim, client):
    sim.inject(Fault("code", operation="submit", code="201", times=2))
    assert call(client, sim, UNITS)[0] == "000"  # units does not match
    assert call(client, sim, submit_xml())[0] == "201"
    assert call(client, sim, submit_xml())[0] == "201"
    assert sim.tasks == []  # not processed
    assert call(client, sim, submit_xml())[0] == "000"


def test_fault_http500_html_redirect(sim, client):
    sim.inject(Fault("http500"))
    resp = post(client, sim, UNITS)
    assert resp.status_code == 500 and resp.headers["content-type"].startswith("text/html")
    sim.inject(Fault("html"))
    resp = post(client, sim, submit_xml())
    assert resp.status_code == 200 and resp.text.lstrip().startswith("<!DOCTYPE html>")
    sim.inject(Fault("redirect"))
    resp = post(client, sim, submit_xml())
    assert resp.status_code == 302 and resp.headers["location"]
    assert sim.tasks == []
    assert [r["fault"] for r in sim.requests[-3:]] == ["http500", "html", "redirect"]


def test_fault_entity_refused_by_a_safe_parser(sim, client):
    sim.inject(Fault("entity"))
    resp = post(client, sim, UNITS)
    assert resp.status_code == 200 and b"<!ENTITY" in resp.content
    import xml.parsers.expat

    p = xml.parsers.expat.ParserCreate()
    seen = []
    p.EntityDeclHandler = lambda *a: seen.append(a[0])
    p.StartElementHandler = lambda *a: None
    try:
        p.Parse(resp.content, True)
    except xml.parsers.expat.ExpatError:
        pass
    assert seen[:2] == ["lol0", "lol1"]


def test_fault_huge_streams(sim, client):
    sim.inject(Fault("huge", size=3_000_000))
    with client.stream("POST", sim.url, content=UNITS.encode()) as resp:
        assert int(resp.headers["content-length"]) > 3_000_000
        got = 0
        for chunk in resp.iter_bytes():
            got += len(chunk)
            if got > 1_000_000:
                break  # a client gives up early
    assert got > 1_000_000
    assert call(client, sim, UNITS)[0] == "000"  # server still fine


def test_fault_truncated_processes_but_cuts_body(sim, client):
    sim.inject(Fault("truncated", operation="submit"))
    with pytest.raises(httpx.RemoteProtocolError):
        post(client, sim, submit_xml(controlid="t1"))
    assert sim.task_by_controlid("t1") is not None
    assert sim.requests[-1]["fault"] == "truncated" and sim.requests[-1]["code"] == "000"


def test_fault_drop_processes_then_closes(sim, client):
    sim.inject(Fault("drop"))
    with pytest.raises(httpx.RemoteProtocolError):
        post(client, sim, submit_xml(controlid="d1"))
    assert sim.task_by_controlid("d1") is not None
    # a retry with the same control id is recognised
    assert call(client, sim, submit_xml(controlid="d1"))[0] == "002"


def test_fault_delay_processes_then_answers_late(sim, client):
    sim.inject(Fault("delay", seconds=1.0))
    with pytest.raises(httpx.ReadTimeout):
        post(client, sim, submit_xml(controlid="late"), timeout=0.3)
    assert sim.task_by_controlid("late") is not None
    sim.inject(Fault("delay", seconds=0.3))
    t = time.monotonic()
    assert call(client, sim, UNITS)[0] == "000"
    assert time.monotonic() - t >= 0.3


def test_fault_stall_client_gives_up_nothing_processed(sim, client):
    sim.inject(Fault("stall", seconds=1.0, operation="submit"))
    with pytest.raises(httpx.ReadTimeout):
        post(client, sim, submit_xml(controlid="s1"), timeout=0.3)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any(r["fault"] == "stall" for r in sim.requests):
        time.sleep(0.05)
    assert sim.task_by_controlid("s1") is None
    assert sim.tasks == []
    # A patient client is served after the stall.
    sim.inject(Fault("stall", seconds=0.3))
    assert call(client, sim, submit_xml(controlid="s2"))[0] == "000"
    assert sim.task_by_controlid("s2") is not None


# -- log, concurrency, scale, persistence ---------------------------------------
def test_request_log_never_holds_password(sim, client):
    submit(client, sim, controlid="c9")
    call(client, sim, report_xml("4837"))
    for entry in sim.requests:
        assert DEMO_PASSWORD not in repr(entry)
        assert entry["password_present"] is True
    first = sim.requests[0]
    assert (first["operation"], first["login"], first["title"], first["isbulk"], first["controlid"],
            first["scheduled"], first["bulkmessage"], first["recipients"], first["code"]) == (
        "submit", "demo", "ATL", "true", "c9", "NOW", "Hello", 1, "000")
    assert DEMO_PASSWORD not in repr(sim.account("demo"))


def test_concurrent_requests(sim):
    results: list[str] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        with httpx.Client(timeout=10) as c:
            if i % 2:
                code = code_of(c.post(sim.url, content=UNITS.encode()))
            else:
                code = code_of(c.post(sim.url, content=submit_xml(controlid=f"p{i}").encode()))
        with lock:
            results.append(code)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["000"] * 20
    assert len({t.taskid for t in sim.tasks}) == 10
    assert sim.account("demo").units == 50_000 - 10


def test_large_submit(clock, client):
    n = 50_000
    acct = Account(DEMO_LOGIN, DEMO_PASSWORD, units=10**6)
    head = head_xml("submit", title="DEMO", bulkmessage="Kampaniya: 20% endirim!", scheduled="NOW",
                    isbulk="true")
    body = b"".join(b"<body><msisdn>9945%08d</msisdn></body>" % i for i in range(n))
    xml = b"<request>" + head.encode() + body + b"</request>"
    with Simulator(accounts=[acct], clock=clock, report_delay=1, delivery_time=10) as sim:
        code, root = call(client, sim, xml)
        assert code == "000"
        task = sim.task(root.findtext("body/taskid"))
        assert task.recipients == n and acct.units == 10**6 - n
        clock.advance(30)
        code, counts = report_counts(client, sim, task.taskid)
        assert counts["pending"] == 0 and sum(counts.values()) == n
        resp = post(client, sim, report_xml(task.taskid, "detailedreport"))
        assert resp.content.count(b"<body>") == n


def test_persistence_across_restart(tmp_path, clock, client):
    path = tmp_path / "sim.sqlite"
    with Simulator(seed=3, clock=clock, state_path=path) as sim:
        bulk = submit(client, sim, recipients=["994501234567", "994551234567"], controlid="keep")
        indiv = submit(client, sim, isbulk="false", bulkmessage=None, messages=["ş"], controlid="k2")
        gone = submit(client, sim)
        sim.cancel_task(gone)
        clock.advance(60)
        before = detailed(client, sim, bulk)
        units = sim.account(DEMO_LOGIN).units
    assert units == 50_000 - 4
    with Simulator(seed=99, clock=clock, state_path=path) as sim2:  # another seed: fates kept
        assert [t.taskid for t in sim2.tasks] == [bulk, indiv, gone]
        assert sim2.account(DEMO_LOGIN).units == units
        assert detailed(client, sim2, bulk) == before
        assert sim2.recipients_of(indiv) == [("994501234567", "ş")]
        assert call(client, sim2, report_xml(gone))[0] == "110"
        assert call(client, sim2, submit_xml(controlid="keep"))[0] == "002"
        assert submit(client, sim2) == str(int(gone) + 1)


def test_stdlib_only_no_textual():
    import subprocess
    import sys

    code = ("import sys, atlsms_tui.simulator as s; "
            "assert 'textual' not in sys.modules and 'httpx' not in sys.modules, sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_standalone_serve_forever_prints_url(tmp_path):
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "atlsms_tui.simulator", "--port", str(port), "--seed", "1"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        line = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}/bulksms/api" in line
        assert DEMO_PASSWORD in proc.stdout.readline()
        r = httpx.post(f"http://127.0.0.1:{port}/bulksms/api", content=UNITS.encode(), timeout=5)
        assert code_of(r) == "000"
    finally:
        proc.terminate()
        proc.wait(timeout=5)


# -- faults of hostile servers: drip, encodings, oversized numbers, endless --------
def test_fault_drip_sends_the_whole_answer_a_byte_at_a_time(sim):
    sim.inject(Fault("drip", seconds=0.01, operation="submit"))
    with socket.create_connection(("127.0.0.1", sim.port), timeout=10) as s:
        body = submit_xml(controlid="drip1").encode()
        s.sendall(b"POST /bulksms/api HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        first = s.recv(4096)
        assert len(first) < 20  # of an answer of some 250 bytes: a byte, then a pause
        data = first
        while chunk := s.recv(4096):
            data += chunk
    head, _, xml = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"<taskid>" in xml
    assert ET.fromstring(xml).findtext("head/responsecode") == "000"
    assert sim.task_by_controlid("drip1") is not None  # processed before dripping


@pytest.mark.parametrize("encoding, codec", [("ISO-8859-1", "latin-1"), ("windows-1251", "cp1251"),
                                             ("UTF-16", "utf-16")])
def test_fault_encoding_declares_and_encodes_the_answer(sim, client, clock, encoding, codec):
    taskid = submit(client, sim, bulkmessage="Salam, müştəri é Ж")
    clock.advance(60)
    sim.inject(Fault("encoding", encoding=encoding, operation="detailedreport"))
    resp = post(client, sim, report_xml(taskid, "detailedreport"))
    text = resp.content.decode(codec)
    assert f'encoding="{encoding}"' in text
    root = ET.fromstring(resp.content)
    message = root.findtext("body/message")
    assert message == "Salam, müştəri é Ж"  # characters the codec lacks travel as references
    assert detailed(client, sim, taskid)[0] == "000"  # one answer only


def test_fault_oversized_replaces_every_number(sim, client, clock):
    sim.inject(Fault("oversized", operation="units"))
    assert call(client, sim, UNITS)[1].findtext("body/units") == "9" * 25
    sim.inject(Fault("oversized", operation="submit", value="\u0664\u0668"))
    code, root = call(client, sim, submit_xml(controlid="big"))
    assert code == "000" and root.findtext("body/taskid") == "\u0664\u0668"
    taskid = sim.task_by_controlid("big").taskid
    clock.advance(60)
    sim.inject(Fault("oversized", operation="detailedreport", times=2))
    root = call(client, sim, report_xml(taskid, "detailedreport"))[1]
    assert [b.findtext("status") for b in root.findall("body")] == ["9" * 25]
    root = call(client, sim, report_xml(taskid, "detailedreport"))[1]
    assert root.findtext("body/msisdn") == "994501234567"  # only numbers the API counts


def test_fault_endless_detailed_report_never_ends(sim, client):
    sim.inject(Fault("endless", operation="detailedreport"))
    got = 0
    with client.stream("POST", sim.url, content=report_xml("4837", "detailedreport").encode()) as resp:
        assert resp.status_code == 200 and "content-length" not in resp.headers
        for chunk in resp.iter_bytes():
            got += len(chunk)
            if got > 5_000_000:
                break
    assert got > 5_000_000
    assert call(client, sim, UNITS)[0] == "000"  # the server still answers others


def test_state_file_is_private_from_its_first_byte(tmp_path):
    import os
    import stat

    from atlsms_tui.simulator import Simulator

    os.umask(0o022)
    sim = Simulator(state_path=tmp_path / "simulator.sqlite")
    sim.start()
    try:
        for name in os.listdir(tmp_path):
            assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name
    finally:
        sim.stop()
