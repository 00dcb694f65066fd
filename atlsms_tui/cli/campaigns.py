"""Campaigns and what settles a send: campaign, approve, reject, retry, abandon."""

from __future__ import annotations

import os
from argparse import Namespace
from datetime import datetime
from pathlib import Path

from ..api import Core
from ..api.errors import ApiError, InputError, LocalError
from ..api.models import Campaign, CampaignReport
from ..api.rules import baku, plural, quiet_hours
from .common import EXIT_OK, err, open_cli_core, out, out_json
from .outcome import progress_printer, report_campaign, report_submit, with_cancel


async def cmd_campaign(args: Namespace) -> int:
    need_network = args.campaign_command == "resume" or (args.campaign_command == "show" and args.refresh)
    if args.campaign_command == "reschedule":
        return await _reschedule(args)
    if args.campaign_command == "export":
        return await _export(args)
    core = open_cli_core(args, need_password=need_network)
    sending = core.sending
    try:
        cc = args.campaign_command
        if cc == "list":
            cs = await sending.campaigns()
            if args.json:
                out_json([c.as_json() for c in cs])
            elif not cs:
                out("no campaigns in the journal")
            for c in cs if not args.json else []:
                rep = c.report()
                out(f"{c.campaign}  {c.state:<10} {c.title:<11} {c.recipients:>9,} rcpt  {plural(len(c.parts), 'part'):>8}  "
                    f"{rep.delivered:,} delivered {rep.failed:,} failed {rep.pending:,} pending")
            return EXIT_OK
        if cc == "show":
            c = await sending.campaign(args.campaign)
            if args.refresh:
                c = await _refresh(core, c)
            figures = await core.reports.campaign_report(c.campaign)
            if args.json:
                out_json(c.as_json() | figures.as_json())
                return EXIT_OK
            rep = c.report()
            out(f"campaign {c.campaign}: {c.state}, {c.title!r}, {plural(c.recipients, 'recipient')} in {plural(len(c.parts), 'part')}")
            out(f"delivery (parts with a report): {rep.delivered:,} delivered, {rep.failed:,} failed, "
                f"{rep.pending:,} pending, {rep.removed:,} removed, {rep.error:,} error")
            show_figures(figures)
            out(f"journalled for login {c.login} at {c.api_url} (profile {c.profile})")
            if c.approval:
                out(f"approval: {c.approval}, submitted by {c.submitted_by}"
                    + (f", {c.approval} by {c.decided_by}" if c.decided_by else "")
                    + (f": {c.decision}" if c.decision else ""))
            if c.approval == "awaiting":
                for text in await sending.approval_preview(c.campaign):
                    out(f"  text: {text}")
            now = sending.now()
            for p in c.parts:
                r = p.report
                d = f"{r.delivered:,}/{r.total:,} delivered" if r and r.ready else ""
                out(f"  {p.part or 0:>3}. {p.controlid}  task {p.taskid or '-':<8} {p.state.value:<23} {p.recipients:>7,}  "
                    f"{scheduled_text(p.scheduled, now)}  {d}")
            return EXIT_OK
        if cc == "cancel":
            n = await sending.cancel(args.campaign)
            err(f"{plural(n, 'part')} dropped; they were never sent")
            return EXIT_OK
        result = await with_cancel(
            lambda cancel, abort: sending.resume(args.campaign, progress=progress_printer(), cancel=cancel,
                                                 abort=abort, quiet=_quiet(args))
        )
    finally:
        await core.aclose()
    return report_campaign(result, args.json)


async def _refresh(core: Core, c: Campaign) -> Campaign:
    """Each part's report from ATL, then the detailed reports the figures
    and the export need (missing, or with recipients still pending)."""
    for p in c.parts:
        if p.taskid:
            try:
                await core.reports.report(p.taskid)
            except ApiError as exc:
                err(f"part {p.controlid} (task {p.taskid}): {exc}")
    c = await core.sending.campaign(c.campaign)
    for p in await core.reports.details_due(c):
        try:
            await core.reports.detailed_report(str(p.taskid))
        except ApiError as exc:
            err(f"part {p.controlid} (task {p.taskid}), detailed report: {exc}")
    return c


def duration(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


BLOCKS = " ▁▂▃▄▅▆▇█"


def sparkline(counts: list[int]) -> str:
    top = max(counts, default=0)
    if top <= 0:
        return ""
    return "".join(BLOCKS[0 if n <= 0 else max(1, round(n / top * (len(BLOCKS) - 1)))] for n in counts)


def show_figures(rep: CampaignReport) -> None:
    """The campaign report as a small table (campaign show)."""
    if not rep.parts_reported:
        out("report: no detailed report stored yet (campaign show ID --refresh fetches them)")
        return
    out(f"by operator (detailed reports of {rep.parts_reported} of {plural(rep.parts, 'part')}):")
    out(f"  {'operator':<9} {'sent':>9} {'delivered':>10} {'failed':>9} {'pending':>9} {'rate':>7}")
    for o in rep.operators:
        rate = "-" if o.rate is None else f"{o.rate:.1%}"
        out(f"  {o.operator:<9} {o.sent:>9,} {o.delivered:>10,} {o.failed:>9,} {o.pending:>9,} {rate:>7}")
    out(f"time to delivery: median {duration(rep.median_s)}, 95th percentile {duration(rep.p95_s)} "
        f"({rep.timed:,} deliveries with a date)")
    if rep.timeline is not None:
        t = rep.timeline
        out(f"deliveries per {duration(t.bucket_s)} from {t.start} Baku time: {sparkline(t.counts)}")


def output_path(text: str) -> Path:
    """The file the operator named, in full (an export says where it went)."""
    return Path(os.path.abspath(os.path.expanduser(text)))


async def _export(args: Namespace) -> int:
    path = output_path(args.output)
    core = open_cli_core(args, need_password=args.refresh)
    try:
        if args.refresh:
            await _refresh(core, await core.sending.campaign(args.campaign))
        try:
            n = await core.reports.export_campaign(args.campaign, path, replace=args.force)
        except FileExistsError:
            raise InputError(f"{path} exists: pass --force to replace it") from None
        except IsADirectoryError:
            raise InputError(f"{path} is a directory: name a file ending .csv or .xlsx") from None
        except OSError as exc:
            raise LocalError(f"cannot write {path}: {exc.strerror or exc}; nothing was written") from None
    finally:
        await core.aclose()
    err(f"{plural(n, 'row')} written to {path}")
    return EXIT_OK


def _quiet(args: Namespace) -> str:
    return quiet_hours.IGNORE if getattr(args, "ignore_quiet_hours", False) else quiet_hours.REFUSE


def scheduled_text(wire: str, now: datetime) -> str:
    """A scheduled time in Baku time, with a countdown while it is ahead."""
    when = baku.from_wire(wire)
    if when is None:
        return "now"
    left = int((when - now).total_seconds())
    if left <= 0:
        return wire[:16]
    return f"{wire[:16]} (in {left // 3600}h{left % 3600 // 60:02d}m)"


async def _reschedule(args: Namespace) -> int:
    core = open_cli_core(args, need_password=False)
    try:
        when = baku.parse_schedule(args.at, now=core.sending.now())
        mode = quiet_hours.NEXT_WINDOW if args.next_window else quiet_hours.REFUSE
        moved = await core.sending.reschedule(args.campaign, when, mode)
    finally:
        await core.aclose()
    if args.json:
        out_json({"campaign": args.campaign, "moved": [{"part": p, "scheduled": w} for p, w in moved]})
    for part, wire in moved:
        err(f"part {part}: scheduled {wire} Baku time")
    err("tasks already submitted keep their time: ATL's API offers no way to cancel or move them")
    return EXIT_OK


async def cmd_approve(args: Namespace) -> int:
    core = open_cli_core(args)
    try:
        result = await with_cancel(
            lambda cancel, abort: core.sending.approve(args.campaign, progress=progress_printer(), cancel=cancel,
                                                       abort=abort, quiet=_quiet(args))
        )
    finally:
        await core.aclose()
    return report_campaign(result, args.json)


async def cmd_reject(args: Namespace) -> int:
    core = open_cli_core(args, need_password=False)
    try:
        n = await core.sending.reject(args.campaign, args.reason)
    finally:
        await core.aclose()
    err(f"campaign {args.campaign} rejected: {plural(n, 'part')} dropped, never sent")
    return EXIT_OK


async def cmd_abandon(args: Namespace) -> int:
    core = open_cli_core(args, need_password=False)
    try:
        sub = await core.sending.abandon(args.controlid, args.reason)
    finally:
        await core.aclose()
    if args.json:
        out_json(sub.as_json() | {"detail": sub.detail})
    err(f"submission {sub.controlid} abandoned: it stays in the history and is never resent")
    return EXIT_OK


async def cmd_retry(args: Namespace) -> int:
    core = open_cli_core(args)
    try:
        result = await core.sending.retry(args.controlid)
    finally:
        await core.aclose()
    return report_submit(result, args.json)
