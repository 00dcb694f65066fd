"""Submission outcomes to exit codes and messages; progress and Ctrl-C for campaigns."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from ..api.models import State, SubmitResult
from ..api.rules import plural
from ..api.sending import CampaignProgress, CampaignResult
from .common import OUTCOME_EXIT, STATE_EXIT, err, out, out_json

T = TypeVar("T")

# How long the request in flight may still answer after a stop.
ABORT_GRACE = 2.0


async def with_cancel(run: Callable[[asyncio.Event, asyncio.Event], Awaitable[T]]) -> T:
    """Run a send with Ctrl-C and SIGHUP (a dropped SSH session) turned into
    "stop": no further part starts, the part in flight gets ABORT_GRACE
    seconds to answer and is otherwise recorded uncertain (a second signal
    stops the wait at once). ``run(cancel, abort)`` gets both events."""
    import signal

    cancel = asyncio.Event()
    abort = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal() -> None:
        if cancel.is_set():
            abort.set()
            return
        cancel.set()
        try:
            err(f"stopping: no further part is sent; the request in flight has {ABORT_GRACE:.0f} s to answer")
        except OSError:
            pass  # the terminal is gone (SIGHUP)
        loop.call_later(ABORT_GRACE, abort.set)

    installed = []
    for sig in (signal.SIGINT, signal.SIGHUP):
        try:
            loop.add_signal_handler(sig, on_signal)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            pass
    try:
        return await run(cancel, abort)
    finally:
        for sig in installed:
            try:
                loop.remove_signal_handler(sig)
            except (NotImplementedError, RuntimeError):
                pass


def progress_printer() -> Callable[[CampaignProgress], None] | None:
    """Progress on stderr when it is a terminal, on one rewritten line."""
    if not sys.stderr.isatty():
        return None

    def show(p: CampaignProgress) -> None:
        bar = "#" * int(p.fraction * 20)
        sys.stderr.write(f"\r[{bar:<20}] {p.recipients_done:,}/{p.recipients_total:,}  {p.text[:40]:<40}")
        if p.stage in ("done", "cancelled"):
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def report_campaign(result: CampaignResult, as_json: bool) -> int:
    """A campaign's outcome on stderr (and --json on stdout); its exit status."""
    from ..api.rules import baku

    if result.awaiting_approval:
        if as_json:
            out_json(result.as_json())
        t = result.totals()
        err(f"campaign {result.campaign}: awaiting approval: {plural(t['recipients'], 'recipient')} in "
            f"{plural(len(result.results), 'part')} journalled, nothing sent. Another operator releases it with "
            f"`atlsms-tui approve {result.campaign}` or drops it with "
            f"`atlsms-tui reject {result.campaign} --reason TEXT`")
        return OUTCOME_EXIT[result.state]
    if result.single:
        if as_json and result.plan:
            out_json(result.as_json())
            return report_submit(result.results[0], False, quiet_accept=True)
        return report_submit(result.results[0], as_json)
    if as_json:
        out_json(result.as_json())
    t = result.totals()
    err(f"campaign {result.campaign}: {result.state}"
        + (" (stopped)" if result.interrupted else "")
        + f": {t['accepted']:,} of {plural(t['recipients'], 'recipient')} accepted"
        + (f", {t['uncertain']:,} uncertain" if t["uncertain"] else "")
        + (f", {t['not_sent']:,} not sent" if t["not_sent"] else ""))
    for r in result.results:
        who = "" if r.controlid in result.mine else "  [not sent by this run]"
        err(f"  part {r.part}: {plural(r.recipients, 'recipient')}: {r.headline()} (controlid {r.controlid}){who}")
        if r.optouts_removed:
            err(f"    {plural(r.optouts_removed, 'number')} on the opt-out list left out")
    states = {r.state for r in result.results}
    if result.paused_until is not None:
        err(f"stopped at the edge of quiet hours {result.quiet} Baku time: the rest goes on at "
            f"{baku.format_baku(result.paused_until)} Baku time with: atlsms-tui campaign resume {result.campaign}")
    if states & {State.QUEUED, State.UNCERTAIN, State.SENDING, State.FAILED, State.REJECTED}:
        err(f"finish it with: atlsms-tui campaign resume {result.campaign}"
            f" (or drop the unsent parts: atlsms-tui campaign cancel {result.campaign})")
    return OUTCOME_EXIT[result.state]


def report_submit(result: SubmitResult, as_json: bool, quiet_accept: bool = False) -> int:
    if as_json:
        out_json(result.as_json())
    if result.state is State.ACCEPTED:
        if not as_json and not quiet_accept:
            out(f"accepted: task {result.taskid} (controlid {result.controlid})")
    elif result.state is State.ACCEPTED_WITHOUT_TASKID:
        err(f"warning: {result.headline()} (controlid {result.controlid})")
    elif result.state is State.REJECTED:
        err(str(result.error) if result.error else result.headline())
        if result.advice:
            err(result.advice)
    else:
        err(result.headline())
        if result.state.settleable and result.taskid:
            err(f"ATL's answer named task {result.taskid}")
    return STATE_EXIT[result.state]
