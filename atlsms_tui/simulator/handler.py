"""The HTTP handler of the simulator: the vendor's transport rules (POST
only, a Content-Length, the API's paths), the request parsed as it streams
in, and the faults applied on the way out."""

from __future__ import annotations

import re
import select
import socket
import sys
import tempfile
import time
import traceback
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .faults import Fault
from .misbehaviour import (
    HTML_TYPE,
    HUGE_HEAD,
    HUGE_TAIL,
    NO_PROCESSING,
    canned_answer,
    drip,
    reencode,
    replace_numbers,
    write_endless,
    write_huge,
)
from .parser import BadRequest, RequestParser
from .wire import XML_TYPE, Reply, write_reply

if TYPE_CHECKING:
    from .server import Server
    from .state import Simulator

PATHS = ("/", "/bulksms/api", "/bulksms/api/")
READ_CHUNK = 256 * 1024
SNIFF_BYTES = 64 * 1024
MAX_BODY = 1 << 30  # 1 GiB: far above a million recipients
_OPERATION_RE = re.compile(rb"<operation>\s*([A-Za-z]+)\s*</operation>")


class _Abort(Exception):
    """The client went away or sent a broken request body: stop quietly."""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ATL-BulkSMS-Simulator/1.0"
    sys_version = ""
    timeout = 60
    server: Server

    # -- plumbing ---------------------------------------------------------
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        if self.server.sim.verbose:
            super().log_message(format, *args)

    def _send_simple(
        self, status: int, body: bytes, ctype: str = HTML_TYPE,
        headers: dict[str, str] | None = None, close: bool = False,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _drain_unwanted_body(self) -> bool:
        """Read and drop a body we will not use; False if the connection must close."""
        try:
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                self._drain_chunked()
                return False
            n = int(self.headers.get("Content-Length") or 0)
            if n > 64 << 20:
                return False
            self._discard(n)
            return True
        except (ValueError, _Abort):
            return False

    def _not_allowed(self) -> None:
        keep = self._drain_unwanted_body()
        self._send_simple(
            405, b"<html><body><h1>405 Method Not Allowed</h1></body></html>",
            headers={"Allow": "POST"}, close=not keep,
        )

    do_GET = do_HEAD = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _not_allowed

    def _read(self, n: int) -> bytes:
        try:
            data = self.rfile.read(n)
        except (OSError, ValueError) as exc:
            raise _Abort(str(exc)) from None
        if len(data) < n:
            raise _Abort("client closed the connection mid-body")
        return data

    def _discard(self, n: int) -> None:
        while n > 0:
            n -= len(self._read(min(n, READ_CHUNK)))

    def _drain_chunked(self, limit: int = 64 << 20) -> None:
        total = 0
        while True:
            line = self.rfile.readline(1024)
            if not line:
                return
            try:
                size = int(line.split(b";")[0].strip() or b"0", 16)
            except ValueError:
                return
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return
            total += size
            if total > limit:
                return
            self._discard(size + 2)

    def _client_gone(self) -> bool:
        sock = self.connection
        try:
            readable, _, _ = select.select([sock], [], [], 0)
            if not readable:
                return False
            return sock.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    # -- POST -------------------------------------------------------------
    def do_POST(self) -> None:
        sim = self.server.sim
        if urlsplit(self.path).path not in PATHS:
            keep = self._drain_unwanted_body()
            self._send_simple(404, b"<html><body><h1>404 Not Found</h1></body></html>", close=not keep)
            return
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            try:
                self._drain_chunked()
            except _Abort:
                pass
            self._log_http(411, "chunked body refused")
            self._send_simple(
                411, b"<html><body><h1>411 Length Required</h1></body></html>", close=True
            )
            return
        raw_length = self.headers.get("Content-Length")
        if raw_length is None:
            self._log_http(411, "no Content-Length")
            self._send_simple(411, b"<html><body><h1>411 Length Required</h1></body></html>", close=True)
            return
        try:
            length = int(raw_length)
            if length < 0:
                raise ValueError
        except ValueError:
            self._send_simple(400, b"<html><body><h1>400 Bad Request</h1></body></html>", close=True)
            return
        if length > MAX_BODY:
            self._send_simple(413, b"<html><body><h1>413 Payload Too Large</h1></body></html>", close=True)
            return
        try:
            self._serve(sim, length)
        except _Abort:
            self.close_connection = True
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True

    def _log_http(self, status: int, note: str) -> None:
        sim = self.server.sim
        entry = sim.new_log_entry()
        entry.update(http_status=status, error=note)
        sim.record(entry)

    def _serve(self, sim: Simulator, length: int) -> None:
        prefix = b""
        operation = None
        if sim.faults.wants_sniff():
            prefix = self._read(min(length, SNIFF_BYTES))
            m = _OPERATION_RE.search(prefix)
            operation = m.group(1).decode("ascii") if m else None
        fault = sim.faults.take(operation) if sim.faults else None
        entry = sim.new_log_entry()
        if fault is not None:
            entry["fault"] = fault.kind
            entry["operation"] = operation

        if fault is not None and fault.kind in NO_PROCESSING:
            self._discard(length - len(prefix))
            self._answer_fault(fault, entry)
            return

        if fault is not None and fault.kind == "stall":
            time.sleep(fault.seconds)

        # Parse the body as it streams in.
        parser = RequestParser()
        parsed: RequestParser | BadRequest = parser
        remaining = length
        data = prefix
        remaining -= len(prefix)
        while True:
            if data and parsed is parser:
                try:
                    parser.feed(data)
                except BadRequest as exc:
                    parsed = exc  # keep draining the body
            if remaining <= 0:
                break
            data = self._read(min(remaining, READ_CHUNK))
            remaining -= len(data)
        if parsed is parser:
            try:
                parser.close()
            except BadRequest as exc:
                parsed = exc

        if fault is not None and fault.kind == "stall" and self._client_gone():
            entry["error"] = "client left during stall; nothing processed"
            sim.record(entry)
            self.close_connection = True
            return

        try:
            reply = sim.handle(parsed, entry)
            if fault is not None and fault.kind == "oversized":
                reply.bodies = replace_numbers(reply.bodies, fault.value)
            spool = tempfile.SpooledTemporaryFile(max_size=8 << 20)
            write_reply(reply, spool)
            if fault is not None and fault.kind == "encoding":
                spool = reencode(spool, fault.encoding)
        except Exception:  # an internal failure answers 300 like the real server
            traceback.print_exc(file=sys.stderr)
            reply = Reply("300")
            spool = tempfile.SpooledTemporaryFile(max_size=8 << 20)
            write_reply(reply, spool)
        entry["code"] = reply.code
        kind = fault.kind if fault is not None else None
        entry["http_status"] = None if kind == "drop" else 200
        del parser, parsed  # free the recipients array before sending
        sim.record(entry)  # logged before answering, so a client sees it at once
        try:
            self._send_spool(spool, fault)
        finally:
            spool.close()

    def _send_spool(self, spool: Any, fault: Fault | None) -> None:
        size = spool.tell()
        kind = fault.kind if fault is not None else None
        if fault is not None and kind == "delay":
            time.sleep(fault.seconds)
        if fault is not None and kind == "drip":
            spool.seek(0)
            self.close_connection = True
            drip(
                self.wfile,
                b"HTTP/1.1 200 OK\r\nContent-Type: " + XML_TYPE.encode() + b"\r\nContent-Length: "
                + str(size).encode() + b"\r\nConnection: close\r\n\r\n" + spool.read(),
                fault.seconds,
            )
            return
        if kind == "drop":
            self.close_connection = True
            self._hard_close()
            return
        self.send_response(200)
        self.send_header("Content-Type", XML_TYPE)
        self.send_header("Content-Length", str(size))
        if kind == "truncated":
            self.send_header("Connection", "close")
        self.end_headers()
        limit = size // 2 if kind == "truncated" else size
        spool.seek(0)
        while limit > 0:
            chunk = spool.read(min(limit, READ_CHUNK))
            if not chunk:
                break
            self.wfile.write(chunk)
            limit -= len(chunk)
        if kind == "truncated":
            self.wfile.flush()
            self.close_connection = True
            self._hard_close()

    def _hard_close(self) -> None:
        try:
            self.wfile.flush()
        except OSError:
            pass
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _answer_fault(self, fault: Fault, entry: dict[str, Any]) -> None:
        kind = fault.kind
        entry["http_status"] = {"http500": 500, "redirect": 302}.get(kind, 200)
        if kind == "code":
            entry["code"] = fault.code or "300"
        self.server.sim.record(entry)  # logged before answering
        canned = canned_answer(fault)
        if canned is not None:
            self._send_simple(canned.status, canned.body, ctype=canned.ctype, headers=canned.headers)
        elif kind == "huge":
            self.send_response(200)
            self.send_header("Content-Type", XML_TYPE)
            self.send_header("Content-Length", str(len(HUGE_HEAD) + fault.size + len(HUGE_TAIL)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            write_huge(self.wfile, fault.size)
        elif kind == "endless":
            self.send_response(200)
            self.send_header("Content-Type", XML_TYPE)
            self.send_header("Connection", "close")  # the body ends when the connection does
            self.end_headers()
            self.close_connection = True
            write_endless(self.wfile)
        else:  # pragma: no cover - guarded by Fault.__post_init__
            raise ValueError(kind)
