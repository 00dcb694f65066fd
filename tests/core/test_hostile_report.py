"""A server whose detailed report never ends: the client stops at the count."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from atlsms_tui.core.errors import NotFoundError, ProtocolError
from atlsms_tui.core.models import Recipient
from atlsms_tui.core.service import Draft, Service

from support import FAST_RETRY, FAST_TIMEOUTS, make_profile

A, B, C = "994501234567", "994551234567", "994701234567"


def _stored_rows(store) -> int:
    """Detail rows in the file, of every generation (read apart from the store)."""
    with closing(sqlite3.connect(store.path)) as db:
        return db.execute("SELECT COUNT(*) FROM report_rows").fetchone()[0]


class _EndlessReport(BaseHTTPRequestHandler):
    """Answers every request with a detailed report that never ends."""

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "text/xml; charset=UTF-8")
        self.end_headers()
        row = (f"<body><msisdn>{A}</msisdn><message>x</message><status>2</status>"
               "<date>2026-01-01 10:00:00</date></body>\n").encode()
        try:
            self.wfile.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<response><head>'
                             b"<responsecode>000</responsecode></head>\n")
            while True:
                self.wfile.write(row * 1000)
        except OSError:
            pass  # the client hung up, as it should

    def log_message(self, *_a):
        pass


@pytest.fixture
def endless_server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _EndlessReport)
    srv.daemon_threads = True
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/api"
    srv.shutdown()
    srv.server_close()


async def test_endless_detailed_report_stops_at_the_recipient_count(service, sim, clock, store, endless_server):
    r = await service.submit(Draft("ATL", [Recipient(A), Recipient(B), Recipient(C)], "hi"))
    clock.advance(60)
    good = await service.detailed_report(r.taskid)
    assert good.rows == 3
    hostile = Service(make_profile(endless_server), store, timeouts=FAST_TIMEOUTS, retry=FAST_RETRY)
    try:
        with pytest.raises(ProtocolError, match="more rows than the 3 recipient"):
            await hostile.detailed_report(r.taskid)
    finally:
        await hostile.aclose()
    # nothing of it was stored: the complete report from before is still the one shown
    assert store.reports.detail_info("test", r.taskid)[0] == 3
    assert _stored_rows(store) == 3


async def test_detailed_report_only_for_a_task_of_the_journal(sim, store, clock, endless_server):
    svc = Service(make_profile(endless_server), store, timeouts=FAST_TIMEOUTS, retry=FAST_RETRY)
    try:
        with pytest.raises(NotFoundError, match="not in the journal"):
            await svc.detailed_report("4837")
    finally:
        await svc.aclose()
    assert _stored_rows(store) == 0


# ------------------------------------------------------------ message bounds


