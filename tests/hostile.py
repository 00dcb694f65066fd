"""Small hostile peers on loopback for the tests: a SOCKS5 proxy (polite,
silent or refusing) and a server that takes a request and never answers."""

from __future__ import annotations

import socket
import struct
import threading


class _Loopback:
    def __init__(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []
        t = threading.Thread(target=self._accept, daemon=True)
        t.start()
        self._threads.append(t)

    def _accept(self) -> None:
        self._sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            self._conns.append(conn)
            t = threading.Thread(target=self._serve_safely, args=(conn,), daemon=True)
            t.start()
            self._threads.append(t)

    def _serve_safely(self, conn: socket.socket) -> None:
        try:
            self.serve(conn)
        except OSError:
            pass
        finally:
            conn.close()

    def serve(self, conn: socket.socket) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def close(self) -> None:
        self._stop.set()
        for c in self._conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._sock.close()
        for t in self._threads:
            t.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _recv_exact(conn: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise OSError("peer closed")
        data += chunk
    return data


class Socks5Proxy(_Loopback):
    """A SOCKS5 proxy (no authentication, CONNECT only) that sends every
    connection to ``target`` (a loopback port) whatever host it was asked
    for, and records what was asked. ``mode``: "ok", "silent" (never answers
    the greeting), "refuse" (answers "connection refused")."""

    def __init__(self, target_port: int, mode: str = "ok") -> None:
        self.target_port = target_port
        self.mode = mode
        self.requested: list[tuple[str, int]] = []
        super().__init__()

    def serve(self, conn: socket.socket) -> None:
        ver, n = _recv_exact(conn, 2)
        _recv_exact(conn, n)
        if ver != 5:
            return
        if self.mode == "silent":
            while not self._stop.is_set() and conn.recv(1024):
                pass
            return
        conn.sendall(b"\x05\x00")
        _ver, cmd, _rsv, atyp = _recv_exact(conn, 4)
        if atyp == 1:
            host = socket.inet_ntoa(_recv_exact(conn, 4))
        elif atyp == 3:
            host = _recv_exact(conn, _recv_exact(conn, 1)[0]).decode()
        else:
            host = socket.inet_ntop(socket.AF_INET6, _recv_exact(conn, 16))
        (port,) = struct.unpack("!H", _recv_exact(conn, 2))
        self.requested.append((host, port))
        if self.mode == "refuse" or cmd != 1:
            conn.sendall(b"\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00")
            return
        upstream = socket.create_connection(("127.0.0.1", self.target_port))
        conn.sendall(b"\x05\x00\x00\x01\x7f\x00\x00\x01" + struct.pack("!H", self.target_port))
        _relay(conn, upstream)


def _relay(a: socket.socket, b: socket.socket) -> None:
    def pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    t = threading.Thread(target=pump, args=(b, a), daemon=True)
    t.start()
    pump(a, b)
    t.join(timeout=30)
    b.close()


class Mute(_Loopback):
    """Reads whatever is sent and never answers."""

    def __init__(self) -> None:
        self.received = 0
        super().__init__()

    def serve(self, conn: socket.socket) -> None:
        conn.settimeout(0.2)
        while not self._stop.is_set():
            try:
                chunk = conn.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                return
            self.received += len(chunk)
