"""Protocol benchmark: a million recipients through the submit serialiser and
the detailed-report parser, against xmltodict doing the same work.

    python benchmarks/bench_protocol.py [--n 1000000]

Prints figures and ratios from one run. Time and peak memory are measured in
separate passes, since tracemalloc slows the code it watches. Targets:
serialisation >= 10x faster than xmltodict.unparse with peak < 50 MB;
parsing >= 3x faster than xmltodict.parse with peak < 100 MB.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import time
import tracemalloc

import xmltodict

from atlsms_tui.core import protocol
from atlsms_tui.core.client import SpooledBody
from atlsms_tui.core.models import Recipient
from atlsms_tui.core.secret import Secret

MB = 1024 * 1024


def recipients(n: int) -> list[Recipient]:
    return [
        Recipient(f"99450{i:07d}", f"Hörmətli müştəri #{i}, sizin balansınız {i % 977} AZN & bonus <{i % 13}>")
        for i in range(n)
    ]


def measure(fn, *, memory: bool):
    gc.collect()
    if memory:
        tracemalloc.start()
        fn()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return peak / MB
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def bench_serialise(n: int) -> tuple[float, float, float, float, float, float]:
    recips = recipients(n)
    content = protocol.SubmitContent("ATL", "NOW", "123456789012345678", recips)
    pw = Secret("benchmark")

    def ours():
        h = hashlib.sha256()  # consume every byte, as sending would
        for chunk in protocol.iter_submit("login", pw, content):
            h.update(chunk)

    def ours_spooled():
        body = SpooledBody(protocol.iter_submit_bodies(recips))
        body.close()

    doc = {"request": {
        "head": {"operation": "submit", "login": "login", "password": "benchmark", "title": "ATL",
                 "scheduled": "NOW", "isbulk": "false", "controlid": "123456789012345678"},
        "body": [{"msisdn": r.msisdn, "message": r.message} for r in recips],
    }}

    def naive():
        xmltodict.unparse(doc).encode("utf-8")

    t_ours = measure(ours, memory=False)
    t_spool = measure(ours_spooled, memory=False)
    t_naive = measure(naive, memory=False)
    m_ours = measure(ours, memory=True)
    m_spool = measure(ours_spooled, memory=True)
    m_naive = measure(naive, memory=True)
    return t_ours, t_spool, t_naive, m_ours, m_spool, m_naive


def report_bytes(n: int) -> bytes:
    parts = [b'<?xml version="1.0" encoding="UTF-8"?>\n<response>\n<head><responsecode>000</responsecode></head>\n']
    for i in range(n):
        msg = f"Hörmətli müştəri #{i}, sizin balansınız {i % 977} AZN &amp; bonus &lt;{i % 13}&gt;".encode()
        parts.append(
            b"<body><msisdn>99450%07d</msisdn><message>%s</message><status>%d</status><date>2026-11-25 12:%02d:00</date></body>\n"
            % (i, msg, 1 + i % 5, i % 60)
        )
    parts.append(b"</response>\n")
    return b"".join(parts)


def bench_parse(n: int):
    data = report_bytes(n)
    view = memoryview(data)
    chunk = 1 << 16

    def ours():
        p = protocol.DetailedReportParser()
        rows = 0
        for i in range(0, len(data), chunk):
            rows += len(p.feed(bytes(view[i:i + chunk])))
        rows += len(p.close())
        assert rows == n, rows

    def naive():
        doc = xmltodict.parse(data)
        assert len(doc["response"]["body"]) == n

    t_ours = measure(ours, memory=False)
    t_naive = measure(naive, memory=False)
    m_ours = measure(ours, memory=True)
    m_naive = measure(naive, memory=True)
    return len(data), t_ours, t_naive, m_ours, m_naive


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    n = ap.parse_args().n
    print(f"recipients: {n:,}")
    t_ours, t_spool, t_naive, m_ours, m_spool, m_naive = bench_serialise(n)
    ok = t_naive / t_ours >= 10 and m_ours < 50
    print("submit serialisation (individual messages)")
    print(f"  streamed chunks     {t_ours:7.2f} s   peak {m_ours:8.1f} MB")
    print(f"  spooled to tmpfile  {t_spool:7.2f} s   peak {m_spool:8.1f} MB   (the path a submit takes)")
    print(f"  xmltodict.unparse   {t_naive:7.2f} s   peak {m_naive:8.1f} MB")
    print(f"  ratio: {t_naive / t_ours:.1f}x faster, {m_naive / max(m_ours, 0.01):.0f}x less memory"
          f"   target >= 10x and < 50 MB: {'MET' if ok else 'NOT MET'}")
    size, p_ours, p_naive, pm_ours, pm_naive = bench_parse(n)
    ok = p_naive / p_ours >= 3 and pm_ours < 100
    print(f"detailed report parsing ({size / MB:.0f} MB answer, fed in 64 KiB chunks)")
    print(f"  DetailedReportParser {p_ours:7.2f} s   peak {pm_ours:8.1f} MB")
    print(f"  xmltodict.parse      {p_naive:7.2f} s   peak {pm_naive:8.1f} MB")
    print(f"  ratio: {p_naive / p_ours:.1f}x faster, {pm_naive / max(pm_ours, 0.01):.0f}x less memory"
          f"   target >= 3x and < 100 MB: {'MET' if ok else 'NOT MET'}")


if __name__ == "__main__":
    main()
