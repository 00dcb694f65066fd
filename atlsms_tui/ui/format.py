"""How submissions, campaigns and reports read on screen: one wording for
the dashboard, the task detail and the campaign detail."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from ..api.models import Campaign, Report, State, Submission
from ..api.reports import needs_poll, scheduled_epoch
from ..api.rules import baku, codes, plural
from .literal import literal, short, visible

# the author's part of a detail line, kept short so the line fits 80 columns
AUTHOR_CHARS = 24

# Delivery bar: (report field, cell character, style). Characters differ as
# well as colours so the bar reads on a monochrome terminal too.
BAR_PARTS = [
    ("delivered", "█", "green"),
    ("failed", "█", "red"),
    ("error", "▓", "magenta"),
    ("removed", "▒", "grey50"),
    ("pending", "░", "yellow"),
]
COUNT_STYLES = (("delivered", "green"), ("failed", "red"), ("pending", "yellow"), ("removed", "grey50"),
                ("error", "magenta"))


def delivery_bar(report: Report | None, width: int) -> Text:
    """Proportional coloured cells; each non-zero part gets at least one."""
    if report is None or not report.ready or report.total == 0:
        if report is None:
            return Text("", style="dim")
        # a narrow column (a long state beside it, a small terminal) says it shorter, not cut
        return Text("waiting for ATL" if width >= 15 else "waiting", style="dim")
    total = report.total
    counts = [int(getattr(report, f)) for f, _, _ in BAR_PARTS]
    cells = [(c * width) // total for c in counts]
    # Largest remainders fill what integer division left; a part that exists
    # but rounds to nothing still shows one cell.
    for i, c in enumerate(counts):
        if c and not cells[i]:
            cells[i] = 1
    order = sorted(range(len(counts)), key=lambda i: -((counts[i] * width) % total))
    while sum(cells) < width:
        for i in order:
            if sum(cells) >= width:
                break
            if counts[i]:
                cells[i] += 1
    while sum(cells) > width:
        i = max(range(len(cells)), key=lambda j: cells[j])
        cells[i] -= 1
    text = Text()
    for (_, ch, style), n in zip(BAR_PARTS, cells, strict=True):
        if n > 0:
            text.append(ch * n, style=style)
    return text


def counts_text(report: Report) -> Text:
    """`` · 3 delivered · 1 failed · …`` with each count in its colour."""
    text = Text()
    for label, style in COUNT_STYLES:
        text.append(" · ")
        text.append(f"{getattr(report, label):,} {label}", style=style)
    return text


# ------------------------------------------------------------------ time


def short_time(when: str | datetime | None) -> str:
    at = baku.from_iso(when) if isinstance(when, str) else when
    return "" if at is None else at.astimezone(baku.BAKU).strftime("%m-%d %H:%M")


def baku_stamp(iso: str | None) -> str:
    """A stored UTC timestamp as every screen shows time: Baku, to the minute."""
    when = baku.from_iso(iso)
    return "—" if when is None else f"{baku.format_baku(when)} Baku"


def scheduled_text(sub: Submission) -> str:
    when = baku.from_wire(sub.scheduled)
    return "now" if when is None else when.strftime("%m-%d %H:%M")


def countdown(seconds: float) -> str:
    """``2h05m``, ``3d 4h``, ``12m``: how long until a scheduled time."""
    s = max(0, int(seconds))
    days, hours, minutes = s // 86400, s % 86400 // 3600, s % 3600 // 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m" if minutes else "<1m"


def waiting_for_schedule(sub: Submission, now: float) -> bool:
    """Accepted by ATL, to be sent at a time still ahead."""
    at = scheduled_epoch(sub)
    return sub.state is State.ACCEPTED and at is not None and at > now


def scheduled_for(sub: Submission, now: float) -> str:
    """``scheduled for 12-01 10:00 Baku (in 2h05m)``."""
    at = scheduled_epoch(sub) or now
    return f"scheduled for {scheduled_text(sub)} Baku (in {countdown(at - now)})"


# ---------------------------------------------------------------- states


def state_text(sub: Submission, now: float | None = None) -> Text:
    """A submission's state as its row shows it; a proof send says so
    first, so nobody reads it as the campaign."""
    text = _state_text(sub, now)
    if sub.proof:
        return Text.assemble(("proof ", "bold magenta"), text)
    return text


def _state_text(sub: Submission, now: float | None = None) -> Text:
    s = sub.state
    if s is State.UNCERTAIN:
        return Text("⚠ UNCERTAIN", style="bold black on yellow")
    if s is State.SENDING:
        return Text("sending…", style="yellow")
    if s is State.ACCEPTED_WITHOUT_TASKID:
        return Text("sent, no task id", style="cyan")
    if s is State.REJECTED:
        return literal(f"rejected {sub.code or ''}".strip(), style="bold red")
    if s is State.FAILED:
        return Text("not sent", style="red")
    if s is State.ABANDONED:
        return Text("abandoned", style="dim yellow")
    if s is State.CANCELLED:
        return Text("cancelled", style="dim")
    if s is State.QUEUED:
        return Text("queued", style="yellow")
    if now is not None and waiting_for_schedule(sub, now):
        return Text("scheduled", style="cyan")
    phase = sub.phase
    return Text(phase, style="green" if phase == "done" else "")


def campaign_state_text(c: Campaign) -> Text:
    state = c.state
    if state == "uncertain":
        return Text("⚠ UNCERTAIN", style="bold black on yellow")
    if state == "incomplete":
        queued = c.count(State.QUEUED)
        refused = c.count(State.FAILED, State.REJECTED)
        if refused:
            return Text(f"⏸ {queued + refused} not sent", style="bold yellow")
        return Text(f"⏸ {queued} queued" if queued else "incomplete", style="bold yellow")
    if state in ("rejected", "failed", "cancelled"):
        return Text(state, style="bold red")
    if state == "awaiting_approval":
        return Text("awaiting approval", style="bold cyan")
    if state == "accepted":
        rep = c.report()
        pending = any(p.state is State.ACCEPTED and (p.report is None or not p.report.final) for p in c.parts)
        if rep.ready and not pending:
            return Text("done", style="green")
        return Text("delivering" if rep.ready else "accepted")
    return Text(state, style="dim")


def rejection_text(sub: Submission) -> Text:
    """ATL's refusal in its own wording, with what to do about it."""
    code = sub.code or ""
    advice = codes.ADVICE.get(code, "")
    return literal(f"Error {code}: {codes.describe(code)}. {advice}".strip(), style="red")


def by_text(item: Submission | Campaign) -> str:
    """" · by user@host", or nothing for a row journalled before authors were kept."""
    return f" · by {short(visible(item.by.label), AUTHOR_CHARS)}" if item.by is not None else ""


def describe(sub: Submission, now: float | None = None) -> tuple[str, Text]:
    """Two lines on a submission, with the API's wording."""
    head = (
        f"controlid {visible(sub.controlid)} · {sub.recipients:,} rcpt · "
        f"{sub.segments} seg · ~{plural(sub.units_estimate, 'unit')}"
    ) + by_text(sub)
    s = sub.state
    if s is State.UNCERTAIN:
        body = Text(
            "Outcome unknown: it may have reached ATL. Press s to settle it (resent with the same "
            f"controlid); never send it again as a new campaign. ({visible(sub.detail or 'no answer')})",
            style="yellow",
        )
    elif s is State.SENDING:
        body = Text("Being sent now (or by another running instance).", style="yellow")
    elif s is State.REJECTED:
        body = rejection_text(sub)
    elif s is State.FAILED:
        body = literal(f"Not sent: {sub.detail}", style="red")
    elif s is State.ACCEPTED_WITHOUT_TASKID:
        body = Text(
            "Sent: ATL had the first request (002 on the resend) but gave no task id, "
            "so no report can be fetched.",
            style="cyan",
        )
    elif now is not None and waiting_for_schedule(sub, now):
        body = Text(f"Task {visible(sub.taskid or '')}: {scheduled_for(sub, now)}; not asked about before then. "
                    "ATL's API offers no way to cancel a task once submitted.", style="cyan")
    else:
        rep = sub.report
        if rep is None:
            body = literal(f"Task {sub.taskid}: no report yet.")
        elif not rep.ready:
            body = literal(f"Task {sub.taskid}: ATL is still processing (001).")
        else:
            body = Text(
                f"{rep.delivered:,} delivered · {rep.failed:,} failed · {rep.pending:,} pending · "
                f"{rep.removed:,} removed · {rep.error:,} error"
            )
    return head, body


def describe_campaign(c: Campaign, operator: str | None = None, read_only: bool = False) -> tuple[str, Text]:
    """Two lines on a campaign; ``read_only`` (monitor mode): no key is offered."""
    units = sum(p.units_estimate for p in c.parts)
    head = (f"campaign {visible(c.campaign)} · {plural(len(c.parts), 'part')} · {c.recipients:,} rcpt · "
            f"~{plural(units, 'unit')}") + by_text(c)
    counts = []
    for st in (State.ACCEPTED, State.ACCEPTED_WITHOUT_TASKID, State.UNCERTAIN, State.SENDING,
               State.QUEUED, State.REJECTED, State.FAILED, State.CANCELLED):
        n = c.count(st)
        if n:
            counts.append(f"{n} {st.value.replace('_', ' ')}")
    body = Text(" · ".join(counts))
    state = c.state
    if state == "awaiting_approval":
        by = visible(c.submitted_by or "?")
        if read_only:
            return head, Text(f"Awaiting approval, submitted by {by}.", style="cyan")
        if c.submitted_by == operator:
            return head, Text(f"Awaiting approval: submitted by you ({by}); another operator must approve it.",
                              style="cyan")
        return head, Text(f"Awaiting approval, submitted by {by}: a approves and sends it, n rejects it.",
                          style="cyan")
    if state == "uncertain":
        more = " and send the queued ones" if c.count(State.QUEUED) else ""
        body.append(f". Press s to settle{more} (accepted parts are never resent).", style="yellow")
    elif state == "incomplete":
        body.append(". s resumes the queued parts, x cancels them.", style="yellow")
    else:
        rep = c.report()
        if rep.ready:
            body.append(f" · {rep.delivered:,} delivered · {rep.failed:,} failed · {rep.pending:,} pending")
        body.append(" · Enter: parts", style="dim")
    return head, body


def task_summary(sub: Submission, now: float, width: int) -> Text:
    """The task detail's three lines: who and when, the counts (or why there
    are none), the delivery bar ``width`` cells wide."""
    line1 = Text()
    line1.append(f"Task {visible(sub.taskid or '—')}", style="bold")
    line1.append(f" · {visible(sub.title)} · ")
    line1.append_text(state_text(sub, now))
    line1.append(f" · created {short_time(sub.created)} · sched {scheduled_text(sub)}", style="dim")
    rep = sub.report
    line2 = Text(f"{sub.recipients:,} rcpt")
    if waiting_for_schedule(sub, now):
        line2.append(f" · {scheduled_for(sub, now)}", style="cyan")
    elif rep is not None and rep.ready:
        line2.append_text(counts_text(rep))
    elif sub.state is State.ACCEPTED_WITHOUT_TASKID:
        line2.append(" · no task id from ATL: no report can be fetched", style="cyan")
    elif sub.state is State.REJECTED:
        line2.append(" · ")
        line2.append_text(rejection_text(sub))
    elif sub.state is not State.ACCEPTED:
        line2.append(f" · {visible(sub.detail)}" if sub.detail else "", style="dim")
    line3 = delivery_bar(rep, width) if rep is not None else Text("")
    return Text("\n").join([line1, line2, line3])


def refresh_status(subs: list[Submission], now: float, last_refresh: float | None, interval: float,
                   errors: list[str]) -> Text:
    """The dashboard's status line: when it was updated, how many tasks are
    followed live or wait for their time, and the first of ``errors``."""
    parts = []
    if last_refresh is not None:
        at = datetime.fromtimestamp(last_refresh, baku.BAKU).strftime("%H:%M:%S")
        parts.append(f"Updated {at} Baku")
    live = sum(1 for s in subs if needs_poll(s) and not waiting_for_schedule(s, now))
    if live:
        parts.append(f"{plural(live, 'task')} live, every {interval:g}s")
    waiting = sum(1 for s in subs if waiting_for_schedule(s, now))
    if waiting:
        parts.append(f"{waiting} scheduled")
    text = Text(" · ".join(parts), style="dim")
    if errors:
        text.append("  ✖ " + visible(errors[0]), style="red")
        if len(errors) > 1:
            text.append(f" (+{len(errors) - 1} more)", style="red")
    return text
