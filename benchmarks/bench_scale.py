"""Scale benchmark: a million recipients end to end.

    python benchmarks/bench_scale.py [--n 1000000] [--only submit,reports,startup]

Each measurement runs in a fresh subprocess so that its peak RSS is its own.
Figures are printed from one run, as ratios against the floor named beside
them. Nothing here is a test: the targets are printed, never asserted.

- submit: service.submit of N individual recipients (check, estimate,
  validate, serialise, journal, upload) to a null server that only counts
  bytes, against uploading the same pre-built request bytes with httpx.
  Target: within 3x; peak RSS under 200 MB.
- reports: detailed reports totalling N rows fetched from the simulator,
  parsed and stored, against expat with minimal handlers collecting the same
  fields from the same bytes. Target: within 1.5x.
- startup: CLI commands (no Textual) under 0.3 s wall, median of several runs.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MB = 1024 * 1024


# --------------------------------------------------------------- null server

NULL_RESPONSE = (
    b'<?xml version="1.0" encoding="UTF-8"?><response><head><responsecode>000</responsecode>'
    b"</head><body><taskid>1</taskid></body></response>"
)


def _serve_null(port_file: str) -> None:
    """An HTTP/1.1 server that reads each request body, counts it, answers 000."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    Path(port_file).write_text(str(srv.getsockname()[1]))

    def handle(conn: socket.socket) -> None:
        buf = bytearray(1 << 20)
        view = memoryview(buf)
        pending = b""
        with conn:
            while True:
                while b"\r\n\r\n" not in pending:
                    data = conn.recv(65536)
                    if not data:
                        return
                    pending += data
                head, _, rest = pending.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    k, _, v = line.partition(b":")
                    if k.strip().lower() == b"content-length":
                        length = int(v)
                got = len(rest)
                pending = rest[length:] if got > length else b""
                while got < length:
                    n = conn.recv_into(view, min(len(buf), length - got))
                    if not n:
                        return
                    got += n
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n" % len(NULL_RESPONSE)
                    + NULL_RESPONSE
                )

    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


def start_null_server() -> tuple[subprocess.Popen, str]:
    port_file = tempfile.mktemp(prefix="nullsrv-")
    proc = subprocess.Popen(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(HERE)!r}); "
         f"import bench_scale; bench_scale._serve_null({port_file!r})"],
    )
    for _ in range(200):
        if os.path.exists(port_file) and Path(port_file).read_text():
            break
        time.sleep(0.05)
    port = Path(port_file).read_text()
    os.unlink(port_file)
    return proc, f"http://127.0.0.1:{port}/bulksms/api"


# ------------------------------------------------------------ child workers


def recipients(n: int):
    """N personal messages, held as the CSV import holds them: packed."""
    from atlsms_tui.core.models import Recipient
    from atlsms_tui.core.packed import PackedRecipients

    return PackedRecipients(
        Recipient(f"99450{i:07d}", f"Hörmətli müştəri #{i}, sizin balansınız {i % 977} AZN, bonus {i % 13}")
        for i in range(n)
    )


def child_floor(url: str, n: int) -> dict:
    """Upload the same request, pre-built in memory, with plain httpx."""
    import asyncio

    import httpx

    from atlsms_tui.core import protocol
    from atlsms_tui.core.secret import Secret

    content = protocol.SubmitContent("ATL", "NOW", "123456789012345678", recipients(n))
    body = b"".join(protocol.iter_submit("login", Secret("pw"), content))
    content.recipients = []

    async def go() -> float:
        async with httpx.AsyncClient(timeout=120) as c:
            t = time.perf_counter()
            r = await c.post(url, content=body, headers={"Content-Type": "text/xml"})
            r.raise_for_status()
            return time.perf_counter() - t

    return {"seconds": asyncio.run(go()), "bytes": len(body)}


def child_submit(url: str, n: int, data_dir: str) -> dict:
    import asyncio

    from atlsms_tui.core.secret import Secret
    from atlsms_tui.core.service import Draft, Service
    from atlsms_tui.core.settings import ResolvedProfile
    from atlsms_tui.core.store import Store

    rs = recipients(n)
    store = Store(Path(data_dir) / "journal.sqlite")
    prof = ResolvedProfile("bench", "login", url, Secret("pw"))

    async def go():
        svc = Service(prof, store)
        try:
            t = time.perf_counter()
            r = await svc.submit(Draft("ATL", rs))
            return time.perf_counter() - t, r
        finally:
            await svc.aclose()

    seconds, r = asyncio.run(go())
    return {"seconds": seconds, "state": r.state.value, "units": r.units_estimate}




def child_reports(n: int, parts: int, data_dir: str) -> dict:
    """Fetch, parse and store detailed reports totalling n rows from the simulator."""
    import asyncio

    from atlsms_tui.core.models import Recipient
    from atlsms_tui.core.secret import Secret
    from atlsms_tui.core.service import Draft, Service
    from atlsms_tui.core.settings import ResolvedProfile
    from atlsms_tui.core.store import Store
    from atlsms_tui.simulator import Account, FakeClock, Simulator

    clock = FakeClock()
    sim = Simulator(accounts=[Account("login", "pw", units=10 * n, titles={"ATL"})], clock=clock,
                    report_delay=1, delivery_time=10)
    url = sim.start()
    store = Store(Path(data_dir) / "journal.sqlite")
    prof = ResolvedProfile("bench", "login", url, Secret("pw"))
    per = n // parts

    async def go():
        svc = Service(prof, store)
        try:
            taskids = []
            for p in range(parts):
                rs = [Recipient(f"9945{p % 10}{i:07d}", f"Salam {i}") for i in range(per)]
                r = await svc.submit(Draft("ATL", rs))
                taskids.append(r.taskid)
            clock.advance(60)
            # The floor: the same bytes through expat with minimal handlers.
            from xml.parsers import expat

            import httpx

            from atlsms_tui.core import protocol

            floor = 0.0
            async with httpx.AsyncClient(timeout=300) as c:
                for tid in taskids:
                    body = protocol.build_report("login", Secret("pw"), tid, detailed=True)
                    rows: list = []
                    t = time.perf_counter()
                    parser = _row_parser(expat, rows)
                    async with c.stream("POST", url, content=body) as resp:
                        async for chunk in resp.aiter_bytes(1 << 16):
                            parser.Parse(chunk, False)
                    parser.Parse(b"", True)
                    floor += time.perf_counter() - t
            t = time.perf_counter()
            total = 0
            for tid in taskids:
                f = await svc.detailed_report(tid)
                total += f.rows
            ours = time.perf_counter() - t
            return ours, floor, total
        finally:
            await svc.aclose()
            sim.stop()

    ours, floor, total = asyncio.run(go())
    return {"seconds": ours, "floor": floor, "rows": total}


def _row_parser(expat, rows: list):
    """An expat parser with minimal handlers appending each <body>'s fields to ``rows``."""
    fields: dict = {}
    text: list = []

    def start(name, attrs):
        text.clear()

    def chars(d):
        text.append(d)

    def end(name):
        if name == "body":
            rows.append((fields.get("msisdn"), fields.get("message"), fields.get("status"), fields.get("date")))
            fields.clear()
        else:
            fields[name] = "".join(text)

    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler, parser.CharacterDataHandler, parser.EndElementHandler = start, chars, end
    return parser


def run_child(fn: str, *args) -> dict:
    code = (
        f"import json, resource, sys; sys.path.insert(0, {str(HERE)!r}); import bench_scale as b; "
        f"r = b.{fn}(*{args!r}); r['maxrss_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024; "
        "print(json.dumps(r))"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if p.returncode:
        raise SystemExit(f"{fn} failed:\n{p.stderr}")
    return json.loads(p.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------- main


def bench_submit(n: int) -> None:
    srv, url = start_null_server()
    try:
        floor = run_child("child_floor", url, n)
        with tempfile.TemporaryDirectory() as d:
            ours = run_child("child_submit", url, n, d)
    finally:
        srv.kill()
    ratio = ours["seconds"] / floor["seconds"]
    ok = ratio <= 3 and ours["maxrss_mb"] < 200
    print(f"submit of {n:,} individual recipients ({floor['bytes'] / MB:.0f} MB request) to a null server")
    print(f"  service.submit, end to end   {ours['seconds']:7.2f} s   peak RSS {ours['maxrss_mb']:6.0f} MB   ({ours['state']})")
    print(f"  httpx upload of built bytes  {floor['seconds']:7.2f} s   peak RSS {floor['maxrss_mb']:6.0f} MB")
    print(f"  ratio {ratio:.1f}x the floor   target <= 3x and < 200 MB: {'MET' if ok else 'NOT MET'}")


def bench_reports(n: int) -> None:
    parts = max(1, n // 250_000)
    with tempfile.TemporaryDirectory() as d:
        r = run_child("child_reports", n, parts, d)
    ratio = r["seconds"] / r["floor"]
    print(f"detailed reports totalling {r['rows']:,} rows in {parts} task(s), from the simulator")
    print(f"  fetch + parse + store         {r['seconds']:7.2f} s")
    print(f"  fetch + expat minimal handlers {r['floor']:6.2f} s")
    print(f"  ratio {ratio:.2f}x the floor   target <= 1.5x: {'MET' if ratio <= 1.5 else 'NOT MET'}")


def bench_startup() -> None:
    env = dict(os.environ)
    env["ATLSMS_CONFIG_DIR"] = tempfile.mkdtemp()
    env["ATLSMS_DATA_DIR"] = tempfile.mkdtemp()
    # a configured account, so that `tasks` lists a journal rather than
    # stopping at "no profile configured"
    env["ATLSMS_LOGIN"], env["ATLSMS_PASSWORD"] = "bench", "bench-password"
    exe = [sys.executable, "-m", "atlsms_tui"]
    for args in (["locate"], ["count", "Salam"], ["tasks"]):
        times = []
        for _ in range(7):
            t = time.perf_counter()
            subprocess.run(exe + args, capture_output=True, env=env, check=False)
            times.append(time.perf_counter() - t)
        med = statistics.median(times)
        print(f"  atlsms-tui {' '.join(args):<14} median {med * 1000:5.0f} ms   target < 300 ms: {'MET' if med < 0.3 else 'NOT MET'}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--only", default="submit,reports,startup")
    args = ap.parse_args()
    only = set(args.only.split(","))
    if "submit" in only:
        bench_submit(args.n)
    if "reports" in only:
        bench_reports(args.n)
    if "startup" in only:
        print("CLI start-up (no Textual import)")
        bench_startup()


if __name__ == "__main__":
    main()
