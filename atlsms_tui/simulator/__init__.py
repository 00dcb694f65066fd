"""A faithful simulator of ATL InfoTech's Bulk SMS API over real HTTP.

Written from the vendor document (``atl-bulk-sms-api.txt``) and the field
notes, with its own streaming XML parsing: it never uses the client's request
builder. Stdlib only (plus the project's ``baku``); no Textual.

Embedded (tests, demo mode)::

    with Simulator(seed=1, clock=FakeClock()) as sim:
        sim.url   # http://127.0.0.1:PORT/bulksms/api

Standalone: ``python -m atlsms_tui.simulator --port 8800``.

Check order of a request (the client relies on it): not XML / root not
``request`` / DOCTYPE → 100; operation 101/102; login 103, password 104,
credentials 105; submit: duplicate controlid 002, title 106/107/235,
scheduled 111/112/113, isbulk 114/115, bulkmessage 116, body 117, units 118;
report/detailedreport: taskid 108/109, canceled 110, not ready 001.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from pathlib import Path

from .accounts import DEMO_LOGIN, DEMO_PASSWORD, DEMO_TITLES, Account, FakeClock
from .faults import FAULT_KINDS, Fault
from .segments import count_segments, segment_info
from .state import Simulator
from .tasks import Task
from .wire import Reply

__all__ = [
    "Account",
    "DEMO_LOGIN",
    "DEMO_PASSWORD",
    "DEMO_TITLES",
    "FAULT_KINDS",
    "FakeClock",
    "Fault",
    "Reply",
    "Simulator",
    "Task",
    "count_segments",
    "segment_info",
    "serve_forever",
]


def serve_forever(
    host: str = "127.0.0.1",
    port: int = 8800,
    seed: int | None = None,
    *,
    accounts: Iterable[Account] | None = None,
    report_delay: float = 5.0,
    delivery_time: float = 20.0,
    state_path: str | Path | None = None,
    verbose: bool = False,
) -> None:
    """Run the simulator in the foreground until Ctrl-C."""
    sim = Simulator(
        accounts=accounts, seed=seed, report_delay=report_delay,
        delivery_time=delivery_time, state_path=state_path, verbose=verbose,
    )
    url = sim.start(host=host, port=port)
    out = sys.stdout
    print(f"ATL Bulk SMS simulator listening on {url}", file=out)
    print(f"  demo login: {DEMO_LOGIN}   demo password: {DEMO_PASSWORD}   "
          f"titles: {', '.join(DEMO_TITLES)}", file=out)
    if state_path is not None:
        print(f"  state: {state_path}", file=out)
    print("  press Ctrl-C to stop", file=out, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
