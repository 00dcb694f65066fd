"""The simulator's threading HTTP/1.1 server on loopback (IPv4 or IPv6)."""

from __future__ import annotations

import socket
import sys
from http.server import ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from .handler import Handler

if TYPE_CHECKING:
    from .state import Simulator


class Server(ThreadingHTTPServer):
    # Daemon threads and no join on close: a test's simulator stops at once
    # even while a fault keeps a connection dripping or stalled.
    daemon_threads = True
    block_on_close = False
    request_queue_size = 64
    sim: Simulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            return
        if self.sim.verbose:
            super().handle_error(request, client_address)


class _Server6(Server):
    address_family = socket.AF_INET6


def make_server(sim: Simulator, host: str, port: int) -> Server:
    cls = _Server6 if ":" in host else Server
    server = cls((host, port), Handler)
    server.sim = sim
    return server
