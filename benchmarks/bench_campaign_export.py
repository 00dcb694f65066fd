"""Campaign report and export benchmark: a campaign of a million recipients
(20 parts, each with its stored detailed report) reported on and exported
to CSV and to .xlsx.

    python benchmarks/bench_campaign_export.py [--n 1000000] [--per-task 50000]

The journal is built once (the campaign journalled as ``send`` does, then
the parts marked accepted and their detailed reports inserted directly);
the figures and each export then run in a fresh process, so each peak RSS is
its own. CPU time is printed beside the wall time: on a shared machine the
wall time is mostly waiting. With ``--trace`` each step runs once more under tracemalloc for the
peak of Python's own allocations (slow: the times are from the plain runs).
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PREFIXES = ("50", "51", "55", "99", "70", "77", "60", "10", "40")


def _open(data: str):  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(ROOT))
    from atlsms_tui.core.secret import Secret
    from atlsms_tui.core.service import Service
    from atlsms_tui.core.settings import ResolvedProfile
    from atlsms_tui.core.store import Store

    store = Store(Path(data) / "journal.sqlite")
    profile = ResolvedProfile(name="bench", login="bench", api_url="http://127.0.0.1:9/none",
                              password=Secret("x"))
    return store, Service(profile, store)


def build(n: int, per_task: int, data: str) -> dict:
    from datetime import datetime, timedelta

    store, service = _open(data)
    from atlsms_tui.core import baku, send_plan
    from atlsms_tui.core.models import DetailRow, Recipient, State
    from atlsms_tui.core.packed import PackedRecipients
    from atlsms_tui.core.service import Draft

    t0 = time.perf_counter()
    numbers = (f"994{PREFIXES[i % len(PREFIXES)]}{i // len(PREFIXES):07d}" for i in range(n))
    recips = PackedRecipients((Recipient(x) for x in numbers), individual=False)
    draft = Draft("ATL", recips, "Salam, endirim başladı!")
    cid = asyncio.run(service.journal_campaign(draft, send_plan.split(draft, per_task)))
    parts = service.store.campaigns.campaign_parts(cid)
    start = datetime.now(baku.BAKU).replace(microsecond=0)
    for k, p in enumerate(parts):
        taskid = str(100_000 + k)
        store.journal.finish_submission(p.controlid, State.ACCEPTED, taskid=taskid, code="000")
        gen = store.reports.new_detail_generation()
        rows = store.reports.sent_numbers(p.controlid) or b""
        from array import array

        nums = array("q")
        nums.frombytes(rows)
        batch: list[DetailRow] = []
        seq = 0
        for j, num in enumerate(nums):
            h = (j * 2654435761 + k) % 1000
            status = 2 if h < 850 else 3 if h < 940 else 4 if h < 990 else 5
            date = (start + timedelta(seconds=(h * 37) % 3600)).strftime("%Y-%m-%d %H:%M:%S")
            batch.append(DetailRow(str(num), "Salam, endirim başladı!", status, date))
            if len(batch) >= 20_000:
                store.reports.add_detail_rows(gen, seq, batch)
                seq += len(batch)
                batch = []
        store.reports.add_detail_rows(gen, seq, batch)
        store.reports.commit_detail("bench", taskid, gen, len(nums))
    return {"campaign": cid, "parts": len(parts), "seconds": time.perf_counter() - t0,
            "journal_mb": sum(f.stat().st_size for f in Path(data).glob("journal.sqlite*")) / 2**20}


def run(what: str, cid: str, data: str, trace: bool) -> dict:
    store, service = _open(data)
    from atlsms_tui.core import campaign_report
    from atlsms_tui.core.campaign import load_campaign

    if trace:
        import tracemalloc

        tracemalloc.start()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    use0 = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = use0.ru_utime + use0.ru_stime
    t0 = time.perf_counter()
    c = load_campaign(service, cid)
    out: dict = {}
    if what == "figures":
        rep = campaign_report.campaign_report(store, "bench", c, c.parts)
        out["sent"] = rep.sent
        out["median_s"], out["p95_s"] = rep.median_s, rep.p95_s
    else:
        path = Path(data) / f"export.{what}"
        path.unlink(missing_ok=True)
        rows = campaign_report.export_rows(store, "bench", c, c.parts)
        out["rows"] = campaign_report.write_export(path, rows)
        out["file_mb"] = path.stat().st_size / 2**20
    out["seconds"] = time.perf_counter() - t0
    use = resource.getrusage(resource.RUSAGE_SELF)
    out["cpu_s"] = use.ru_utime + use.ru_stime - cpu0
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["rss_before_mb"] = rss0 / 1024
    if trace:
        import tracemalloc

        out["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    return out


def _child(*args: str) -> dict:
    p = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True)
    return json.loads(p.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--per-task", type=int, default=50_000)
    ap.add_argument("--trace", action="store_true", help="also measure tracemalloc's peak (slow)")
    ap.add_argument("--steps", default="figures,csv,xlsx", help="of figures, csv, xlsx")
    ap.add_argument("--data", type=Path, help="build the journal here once and reuse it (a private dir)")
    ap.add_argument("--child", nargs="+")
    args = ap.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "build":
            print(json.dumps(build(int(rest[0]), int(rest[1]), rest[2])))
        else:
            print(json.dumps(run(kind, rest[0], rest[1], rest[2] == "trace")))
        return
    with tempfile.TemporaryDirectory() as tmp:
        data = str(args.data or tmp)
        os.environ["ATLSMS_DATA_DIR"] = data
        made = Path(data) / "campaign.json"
        if made.exists():  # built by an earlier run with --data
            built = json.loads(made.read_text())
        else:
            built = _child("--child", "build", str(args.n), str(args.per_task), data)
            made.write_text(json.dumps(built))
        print(f"built: {args.n:,} recipients in {built['parts']} parts, {built['seconds']:.1f} s, "
              f"journal {built['journal_mb']:.0f} MB")
        for what in args.steps.split(","):
            r = _child("--child", what, built["campaign"], data, "plain")
            traced = ""
            if args.trace:
                t = _child("--child", what, built["campaign"], data, "trace")
                traced = f", tracemalloc peak {t['tracemalloc_peak_mb']:.1f} MB"
            extra = (f"{r['rows']:,} rows, {r['file_mb']:.0f} MB file" if "rows" in r
                     else f"median {r['median_s']} s, p95 {r['p95_s']} s over {r['sent']:,} rows")
            print(f"{what:>7}: {r['seconds']:.1f} s ({r['cpu_s']:.1f} s CPU), peak RSS {r['peak_rss_mb']:.0f} MB "
                  f"(before {r['rss_before_mb']:.0f} MB){traced}; {extra}")


if __name__ == "__main__":
    main()
