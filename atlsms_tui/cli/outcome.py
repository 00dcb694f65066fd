"""Submission outcomes to exit codes and messages; progress and Ctrl-C for campaigns."""

from __future__ import annotations

import asyncio
import sys

from ..models import State
from .common import STATE_EXIT, err, out_json


async def with_cancel(run):
    """Run a campaign with Ctrl-C turned into 'stop between parts'."""
    import signal

    cancel = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_sigint() -> None:
        if not cancel.is_set():
            err("stopping after the part in flight (Ctrl-C again does not abort it)")
        cancel.set()

    try:
        loop.add_signal_handler(signal.SIGINT, on_sigint)
    except (NotImplementedError, RuntimeError):
        pass
    try:
        return await run(cancel)
    finally:
        try:
            loop.remove_signal_handler(signal.SIGINT)
        except (NotImplementedError, RuntimeError):
            pass


def progress_printer():
    """Progress on stderr when it is a terminal, on one rewritten line."""
    if not sys.stderr.isatty():
        return None

    def show(p) -> None:
        bar = "#" * int(p.fraction * 20)
        sys.stderr.write(f"\r[{bar:<20}] {p.recipients_done:,}/{p.recipients_total:,}  {p.text[:40]:<40}")
        if p.stage in ("done", "cancelled"):
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def report_campaign(result, as_json: bool) -> int:
    if result.campaign is None:
        return report_submit(result.results[0], as_json)
    if as_json:
        out_json(result.as_json())
    err(f"campaign {result.campaign}: {result.state}")
    for i, r in enumerate(result.results, start=1):
        err(f"  part {i}: {r.recipients:,} recipient(s): {r.headline()} (controlid {r.controlid})")
    if result.queued:
        err(f"  {len(result.queued)} part(s) not sent. Resume with: atlsms-tui campaign resume {result.campaign}"
            f" (or drop them: atlsms-tui campaign cancel {result.campaign})")
    worst = result.worst
    if worst is State.UNCERTAIN or worst is State.SENDING:
        err(f"settle with: atlsms-tui campaign resume {result.campaign}")
    return STATE_EXIT[worst]


def report_submit(result, as_json: bool) -> int:
    if as_json:
        out_json(result.as_json())
    if result.state is State.ACCEPTED:
        if not as_json:
            print(f"accepted: task {result.taskid} (controlid {result.controlid})")
    elif result.state is State.ACCEPTED_WITHOUT_TASKID:
        err(f"warning: {result.headline()} (controlid {result.controlid})")
    elif result.state is State.REJECTED:
        err(f"error {result.code}: {result.wording}")
        if result.advice:
            err(result.advice)
    else:
        err(result.headline())
    return STATE_EXIT[result.state]
