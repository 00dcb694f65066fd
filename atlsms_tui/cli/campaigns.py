"""Campaigns and what settles a send: campaign, approve, reject, retry, abandon."""

from __future__ import annotations

from argparse import Namespace
from datetime import datetime

from ..api.errors import ApiError
from ..api.rules import baku, plural, quiet_hours
from .common import EXIT_OK, err, open_cli_core, out, out_json
from .outcome import progress_printer, report_campaign, report_submit, with_cancel


async def cmd_campaign(args: Namespace) -> int:
    need_network = args.campaign_command == "resume" or (args.campaign_command == "show" and args.refresh)
    if args.campaign_command == "reschedule":
        return await _reschedule(args)
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
                for p in c.parts:
                    if p.taskid:
                        try:
                            await core.reports.report(p.taskid)
                        except ApiError as exc:
                            err(f"part {p.controlid} (task {p.taskid}): {exc}")
                c = await sending.campaign(args.campaign)
            if args.json:
                out_json(c.as_json())
                return EXIT_OK
            rep = c.report()
            out(f"campaign {c.campaign}: {c.state}, {c.title!r}, {plural(c.recipients, 'recipient')} in {plural(len(c.parts), 'part')}")
            out(f"delivery (parts with a report): {rep.delivered:,} delivered, {rep.failed:,} failed, "
                f"{rep.pending:,} pending, {rep.removed:,} removed, {rep.error:,} error")
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
