"""Peak memory of `report --detailed --json` over a large report.

    python benchmarks/bench_report_json.py [--n 1000000]

A plain loopback server (a separate process: its memory is not counted)
answers the summary and a detailed report of N rows for one task of the
journal; the CLI runs in a child process under /usr/bin/time -v when it is
there, else its peak RSS is read with getrusage. Printed, never asserted:
target under 100 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TASKID = "777"
HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n<response>\n  <head>\n    <responsecode>000</responsecode>\n  </head>\n'


def serve(port_file: str, n: int) -> None:
    """HTTP/1.0, one request per connection: the summary or N rows."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    Path(port_file).write_text(str(srv.getsockname()[1]))
    block = b"".join(
        b"  <body>\n    <msisdn>99450%07d</msisdn>\n    <message>Salam, sifarisiniz hazirdir: %d</message>\n"
        b"    <status>2</status>\n    <date>2026-01-01 10:00:00</date>\n  </body>\n" % (i, i)
        for i in range(1000)
    )
    while True:
        conn, _ = srv.accept()
        with conn:
            data = b""
            while b"</request>" not in data:
                more = conn.recv(65536)
                if not more:
                    break
                data += more
            conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/xml; charset=UTF-8\r\n\r\n" + HEAD)
            if b"detailedreport" in data:
                for _ in range(n // 1000):
                    conn.sendall(block)
            else:
                conn.sendall(b"  <body>\n    <pending>0</pending>\n    <delivered>%d</delivered>\n"
                             b"    <failed>0</failed>\n    <removed>0</removed>\n    <error>0</error>\n"
                             b"  </body>\n" % n)
            conn.sendall(b"</response>\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    args = ap.parse_args()
    n = args.n // 1000 * 1000
    tmp = Path(tempfile.mkdtemp(prefix="atlsms-bench-"))
    port_file = tmp / "port"
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port_file), str(n)])
    try:
        while not port_file.exists() or not port_file.read_text():
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port_file.read_text()}/api"
        env = dict(os.environ, ATLSMS_CONFIG_DIR=str(tmp / "config"), ATLSMS_DATA_DIR=str(tmp / "data"),
                   ATLSMS_LOGIN="bench", ATLSMS_PASSWORD="pw", ATLSMS_API_URL=url, PYTHONPATH=str(ROOT))
        exe = [sys.executable, "-m", "atlsms_tui"]
        subprocess.run(exe + ["tasks"], env=env, check=True, capture_output=True)  # creates the journal
        db = sqlite3.connect(tmp / "data" / "journal.sqlite")
        db.execute(
            "INSERT INTO submissions(controlid, profile, api_url, login, title, individual, message, scheduled, "
            "created, recipients, segments, units_estimate, payload_hash, state, taskid, updated) "
            "VALUES('1', 'env', ?, 'bench', 'ATL', 0, 'Salam', 'NOW', '2026-01-01T00:00:00+00:00', ?, 1, ?, "
            "'h', 'accepted', ?, '2026-01-01T00:00:00+00:00')", (url, n, n, TASKID))
        db.commit()
        db.close()
        cmd = exe + ["report", TASKID, "--detailed", "--json"]
        timed = ["/usr/bin/time", "-v"] + cmd if os.path.exists("/usr/bin/time") else cmd
        t = time.perf_counter()
        out = tmp / "out.json"
        with open(out, "wb") as f:
            p = subprocess.run(timed, env=env, stdout=f, stderr=subprocess.PIPE, text=True)
        seconds = time.perf_counter() - t
        if p.returncode:
            raise SystemExit(f"report failed ({p.returncode}):\n{p.stderr}")
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
        peak_mb = (int(m.group(1)) if m else resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
        with open(out, "rb") as f:
            rows = len(json.load(f)["recipients"])
        print(f"report --detailed --json over {rows:,} rows: {seconds:.1f} s, "
              f"output {out.stat().st_size / 2**20:.0f} MB, peak RSS {peak_mb:.0f} MB "
              f"(target < 100 MB: {'MET' if peak_mb < 100 else 'NOT MET'})"
              + (" [/usr/bin/time -v]" if m else " [getrusage]"))
    finally:
        server.kill()
        subprocess.run(["rm", "-rf", str(tmp)])


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        serve(sys.argv[2], int(sys.argv[3]))
    else:
        main()
