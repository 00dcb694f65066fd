"""Campaign journalling benchmark: how long a million-recipient campaign
takes to be journalled whole (every part's payload spooled and synced, then
one transaction) before its first part may be sent.

    python benchmarks/bench_campaign.py [--n 1000000] [--per-task 50000] [--individual]

Each figure is from one run in a fresh process, so the peak RSS is its own.
Nothing is asserted: the figures are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child(n: int, per_task: int, individual: bool, data: str) -> dict:
    sys.path.insert(0, str(ROOT))
    from atlsms_tui.core import campaign, send_plan
    from atlsms_tui.core.models import Recipient
    from atlsms_tui.core.packed import PackedRecipients
    from atlsms_tui.core.secret import Secret
    from atlsms_tui.core.service import Draft, Service
    from atlsms_tui.core.settings import ResolvedProfile
    from atlsms_tui.core.store import Store

    msg = "Hörmətli müştəri, endirim başladı: {i}"
    recips = PackedRecipients(
        (Recipient(str(994500000000 + i), msg.format(i=i) if individual else None) for i in range(n)),
        individual=individual,
    )
    draft = Draft("ATL", recips, None if individual else "Salam, endirim başladı!")
    store = Store(Path(data) / "journal.sqlite")
    profile = ResolvedProfile(name="bench", login="bench", api_url="http://127.0.0.1:9/none",
                              password=Secret("x"))
    service = Service(profile, store)
    parts = send_plan.split(draft, per_task)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    cid = asyncio.run(service.journal_campaign(draft, parts))
    elapsed = time.perf_counter() - t0
    payload = sum(p.stat().st_size for p in store.journal.payload_dir.iterdir())
    c = campaign.load_campaign(service, cid)
    assert sum(p.recipients for p in c.parts) == n
    return {"seconds": elapsed, "parts": len(parts), "payload_mb": payload / 2**20,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "rss_before_mb": rss0 / 1024}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--per-task", type=int, default=50_000)
    ap.add_argument("--individual", action="store_true")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(child(a.n, a.per_task, a.individual, a.data)))
        return
    with tempfile.TemporaryDirectory() as data:
        cmd = [sys.executable, __file__, "--child", "--n", str(a.n), "--per-task", str(a.per_task),
               "--data", data] + (["--individual"] if a.individual else [])
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    r = json.loads(out)
    kind = "personal messages" if a.individual else "one bulk message"
    print(f"journal a campaign of {a.n:,} recipients ({kind}) in {r['parts']} parts of at most "
          f"{a.per_task:,}: {r['seconds']:.2f} s, {r['payload_mb']:.0f} MB of payload files, "
          f"peak RSS {r['peak_rss_mb']:.0f} MB (of which {r['rss_before_mb']:.0f} MB were the "
          "recipients built beforehand)")


if __name__ == "__main__":
    main()
