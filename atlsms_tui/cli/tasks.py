"""The journal and the reports: tasks, report."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..api import rules
from ..api.models import DetailRow, Report
from .common import EXIT_OK, err, json_text, open_cli_session, out, out_json, tell_opened

if TYPE_CHECKING:
    from ..api import Core


def _scheduled(wire: str, now: datetime) -> str:
    """A scheduled time in Baku time, with a countdown while it is ahead."""
    when = rules.baku.from_wire(wire)
    if when is None:
        return "now"
    left = int((when - now).total_seconds())
    if left <= 0:
        return wire[:16]
    return f"{wire[:16]} (in {left // 3600}h{left % 3600 // 60:02d}m)"


def delivery_line(rep: Report | None) -> str:
    """A report in a few words; removed and error only when there are any."""
    if rep is None or not rep.ready:
        return ""
    line = f"{rep.delivered:,} delivered {rep.failed:,} failed {rep.pending:,} pending"
    if rep.removed:
        line += f" {rep.removed:,} removed"
    if rep.error:
        line += f" {rep.error:,} error"
    return line


def clip(text: str, width: int) -> str:
    """At most ``width`` characters, with … where it was cut."""
    return text if len(text) <= width else text[: width - 1] + "…"


def _open_core(args: Any, need_password: bool = True) -> Core:
    from ..api import Core

    return Core(open_cli_session(args, need_password=need_password))


def cmd_tasks(args: Any) -> int:
    # the journal alone: listing it needs no HTTP client nor event loop
    from ..api.journal import journal_tasks

    read = journal_tasks(args.profile, args.api_url,
                         allow_insecure_http=getattr(args, "allow_insecure_http", False))
    tell_opened(read.profile, read.recovered)
    subs, now = read.tasks, read.now
    if args.json:
        out_json([x.as_json() for x in subs])
        return EXIT_OK
    if not subs:
        out("no submissions in the journal")
        return EXIT_OK
    out(f"{'CONTROLID':<19} {'TASKID':<8} {'STATE':<23} {'TITLE':<11} {'CREATED (Baku)':<16} {'SCHEDULED':<16} {'RCPT':>7}  DELIVERY")
    for x in subs:
        created = rules.baku.format_baku(rules.baku.from_iso(x.created))
        sched = _scheduled(x.scheduled, now)
        phase = x.phase + (" (proof)" if x.proof else "")
        out(f"{x.controlid:<19} {x.taskid or '-':<8} {phase:<23} {x.title:<11} {created:<16} {sched:<16} "
            f"{x.recipients:>7,}  {delivery_line(x.report)}")
    return EXIT_OK


async def cmd_report(args: Any) -> int:
    core = _open_core(args)
    try:
        reports = core.reports
        if args.wait:
            def waiting(report: Report | None, seconds: float) -> None:
                if report is not None and sys.stderr.isatty():
                    state = "not ready" if not report.ready else f"{report.pending} pending"
                    err(f"... {state}; checking again in {seconds:.0f}s")

            report, timed_out = await reports.wait(args.taskid, within=args.timeout, on_wait=waiting)
            if timed_out:
                err("--wait: timed out; report still pending")
        else:
            report = await reports.report(args.taskid)
        rows: Iterator[list[DetailRow]] | list[list[DetailRow]] | None = [] if args.detailed else None
        if args.detailed and report.ready:
            fetch = await reports.detailed_report(args.taskid)
            if fetch.ready and fetch.report is not None:
                report = fetch.report
            rows = reports.iter_detail(args.taskid)
        # Rows are printed as they are read back from the journal, a batch
        # at a time: a million of them never exist at once.
        if args.json:
            _print_report_json(report, rows)
        else:
            _print_report(report, rows)
    finally:
        await core.aclose()
    return EXIT_OK


def _print_report_json(report: Report, rows: Iterable[list[DetailRow]] | None) -> None:
    doc = report.as_json()
    if rows is None:
        out_json(doc)
        return
    write = sys.stdout.write
    head = json_text(doc)
    write(head[:-1] + (", " if doc else "") + '"recipients": [')
    sep = ""
    for batch in rows:
        write(sep + ", ".join(json_text(r.as_json()) for r in batch))
        if batch:
            sep = ", "
    write("]}\n")
    sys.stdout.flush()


def _print_report(report: Report, rows: Iterable[list[DetailRow]] | None) -> None:
    if not report.ready:
        out(f"task {report.taskid}: report not ready yet (ATL is still processing)")
        return
    out(f"task {report.taskid}: {report.delivered} delivered, {report.failed} failed, "
        f"{report.pending} pending, {report.removed} removed, {report.error} error")
    for batch in rows or ():
        for r in batch:
            out(f"  {r.msisdn}  {r.status:<9}  {r.date or '':<19}  {clip(r.message, 40)}")
