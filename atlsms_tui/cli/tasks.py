"""The journal and the reports: tasks, report, retry, campaign."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from ..api import Core, rules
from ..api.models import DetailRow, Report
from ..core import baku
from ..core.errors import ApiError
from .common import EXIT_OK, err, json_text, open_cli_session, out, out_json
from .outcome import progress_printer, report_campaign, report_submit, with_cancel


async def cmd_campaign(args) -> int:
    from ..core import campaign as camp

    need_network = args.campaign_command == "resume" or (args.campaign_command == "show" and args.refresh)
    if args.campaign_command == "reschedule":
        return await _reschedule(args)
    s = open_cli_session(args, need_password=need_network)
    try:
        cc = args.campaign_command
        if cc == "list":
            cs = camp.list_campaigns(s.service)
            if args.json:
                out_json([c.as_json() for c in cs])
            elif not cs:
                out("no campaigns in the journal")
            for c in cs if not args.json else []:
                rep = c.report()
                out(f"{c.campaign}  {c.state:<10} {c.title:<11} {c.recipients:>9,} rcpt  {len(c.parts)} part(s)  "
                      f"{rep.delivered:,} delivered {rep.failed:,} failed {rep.pending:,} pending")
            return EXIT_OK
        if cc == "show":
            c = camp.load_campaign(s.service, args.campaign)
            if args.refresh:
                for p in c.parts:
                    if p.taskid:
                        try:
                            await s.service.report(p.taskid)
                        except ApiError as exc:
                            err(f"part {p.controlid} (task {p.taskid}): {exc}")
                c = camp.load_campaign(s.service, args.campaign)
            if args.json:
                out_json(c.as_json())
                return EXIT_OK
            rep = c.report()
            out(f"campaign {c.campaign}: {c.state}, {c.title!r}, {c.recipients:,} recipient(s) in {len(c.parts)} part(s)")
            out(f"delivery (parts with a report): {rep.delivered:,} delivered, {rep.failed:,} failed, "
                  f"{rep.pending:,} pending, {rep.removed:,} removed, {rep.error:,} error")
            out(f"journalled for login {c.login} at {c.api_url} (profile {c.profile})")
            if c.approval:
                out(f"approval: {c.approval}, submitted by {c.submitted_by}"
                    + (f", {c.approval} by {c.decided_by}" if c.decided_by else "")
                    + (f": {c.decision}" if c.decision else ""))
            if c.approval == "awaiting":
                from ..core import approval

                for text in approval.rendered(s.service, c.campaign):
                    out(f"  text: {text}")
            for p in c.parts:
                r = p.report
                d = f"{r.delivered:,}/{r.total:,} delivered" if r and r.ready else ""
                out(f"  {p.part or 0:>3}. {p.controlid}  task {p.taskid or '-':<8} {p.state.value:<23} {p.recipients:>7,}  "
                    f"{_scheduled(p.scheduled, s.service.now())}  {d}")
            return EXIT_OK
        if cc == "cancel":
            n = camp.cancel_campaign(s.service, args.campaign)
            err(f"{n} part(s) dropped; they were never sent")
            return EXIT_OK
        result = await with_cancel(
            lambda cancel, abort: camp.resume_campaign(
                s.service, args.campaign, progress=progress_printer(), cancel=cancel, abort=abort,
                quiet=_quiet(args),
            )
        )
    finally:
        await s.aclose()
    return report_campaign(result, args.json)


def _quiet(args) -> str:
    from ..core import quiet_hours

    return quiet_hours.IGNORE if getattr(args, "ignore_quiet_hours", False) else quiet_hours.REFUSE


def _scheduled(wire: str, now: datetime) -> str:
    """A scheduled time in Baku time, with a countdown while it is ahead."""
    when = rules.baku.from_wire(wire)
    if when is None:
        return "now"
    left = int((when - now).total_seconds())
    if left <= 0:
        return wire[:16]
    return f"{wire[:16]} (in {left // 3600}h{left % 3600 // 60:02d}m)"


async def _reschedule(args) -> int:
    from ..core import campaign as camp
    from ..core import quiet_hours

    s = open_cli_session(args, need_password=False)
    try:
        when = baku.parse_schedule(args.at, now=s.service.now())
        mode = quiet_hours.NEXT_WINDOW if args.next_window else quiet_hours.REFUSE
        moved = camp.reschedule_campaign(s.service, args.campaign, when, mode)
    finally:
        await s.aclose()
    if args.json:
        out_json({"campaign": args.campaign, "moved": [{"part": p, "scheduled": w} for p, w in moved]})
    for part, wire in moved:
        err(f"part {part}: scheduled {wire} Baku time")
    err("tasks already submitted keep their time: ATL's API offers no way to cancel or move them")
    return EXIT_OK


async def cmd_approve(args) -> int:
    from ..core import approval

    s = open_cli_session(args)
    try:
        result = await with_cancel(
            lambda cancel, abort: approval.approve(
                s.service, args.campaign, approval.operator(), progress=progress_printer(), cancel=cancel,
                abort=abort, quiet=_quiet(args),
            )
        )
    finally:
        await s.aclose()
    return report_campaign(result, args.json)


async def cmd_reject(args) -> int:
    from ..core import approval

    s = open_cli_session(args, need_password=False)
    try:
        n = approval.reject(s.service, args.campaign, approval.operator(), args.reason)
    finally:
        await s.aclose()
    err(f"campaign {args.campaign} rejected: {n} part(s) dropped, never sent")
    return EXIT_OK


async def cmd_abandon(args) -> int:
    s = open_cli_session(args, need_password=False)
    try:
        sub = await s.service.abandon(args.controlid, args.reason)
    finally:
        await s.aclose()
    if args.json:
        out_json(sub.as_json() | {"detail": sub.detail})
    err(f"submission {sub.controlid} abandoned: it stays in the history and is never resent")
    return EXIT_OK


async def cmd_retry(args) -> int:
    s = open_cli_session(args)
    try:
        result = await s.service.retry(args.controlid)
    finally:
        await s.aclose()
    return report_submit(result, args.json)


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
    return Core(open_cli_session(args, need_password=need_password))


async def cmd_tasks(args: Any) -> int:
    core = _open_core(args, need_password=False)
    try:
        subs = await core.reports.tasks()
        now = core.reports.now()
    finally:
        await core.aclose()
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
