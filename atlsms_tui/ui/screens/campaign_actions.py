"""What can be done to a campaign, from the dashboard or its own screen:
resume (queued parts sent, uncertain ones settled under their own
controlid: accepted parts are never resent), cancel the queued parts,
approve or reject one awaiting approval. Each asks first; the sending runs
as an *app* worker, so leaving a screen never cancels a send in flight."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, cast

from textual.screen import Screen

from ...api.errors import AtlSmsError
from ...api.models import Campaign, CampaignResult, State
from ...api.rules import plural
from .confirm import AskScreen, CampaignProgressScreen, CampaignResultScreen

if TYPE_CHECKING:
    from ...api import Core
    from ..app import AtlSmsApp


def ask_resume(screen: Screen[Any], c: Campaign) -> None:
    queued = [p for p in c.parts if p.state is State.QUEUED]
    unsure = [p for p in c.parts if p.state.settleable]
    if not queued and not unsure:
        screen.notify(f"Campaign is {c.state}: no part is queued or uncertain, nothing to resume.", timeout=5)
        return
    lines = []
    if queued:
        lines.append(
            f"{plural(len(queued), 'queued part')}, {plural(sum(p.recipients for p in queued), 'recipient')}, "
            f"about {plural(sum(p.units_estimate for p in queued), 'unit')}: sent for the first time."
        )
    if unsure:
        lines.append(
            f"{plural(len(unsure), 'uncertain part')}: resent under their own controlid; ATL answers 002 "
            "if it already had them, so nothing is sent twice."
        )
    lines.append(f"{plural(c.count(State.ACCEPTED, State.ACCEPTED_WITHOUT_TASKID), 'accepted part')}: never resent.")
    app = screen.app
    app.push_screen(
        AskScreen(f"Resume campaign {c.campaign}?", "\n".join(lines)),
        lambda ok: run_resume(app, c.campaign) if ok else None,
    )


def run_resume(app: Any, campaign: str, *, approve: bool = False) -> Any:
    return app.run_worker(_send(app, campaign, approve), group=f"campaign-{campaign}", exclusive=True,
                          exit_on_error=False)


async def _send(app: Any, campaign: str, approve: bool) -> None:
    """The core's resume or approval (api sending) behind the progress modal."""
    sending = app.core.sending
    cancel = asyncio.Event()
    what = "approved" if approve else "resumed"
    try:
        c = await sending.campaign(campaign)
    except AtlSmsError as exc:
        app.notify(f"Campaign not {what}: {exc}", severity="error", timeout=10)
        return
    progress = CampaignProgressScreen(c.recipients, max(len(c.parts), 2), cancel,
                                      title="Sending…" if approve else "Resuming…")
    await app.push_screen(progress)
    try:
        if approve:
            result = await sending.approve(campaign, progress=progress.update_progress, cancel=cancel)
        else:
            result = await sending.resume(campaign, progress=progress.update_progress, cancel=cancel)
    except AtlSmsError as exc:
        app.notify(f"Campaign not {what}: {exc}", severity="error", timeout=10)
        return
    finally:
        progress.finish()
    app.submission_finished(result)
    show_campaign_result(app, result)


def show_campaign_result(app: Any, result: CampaignResult) -> None:
    def answered(choice: str | None) -> None:
        if choice == "resume" and result.campaign:
            run_resume(app, result.campaign)

    app.push_screen(CampaignResultScreen(result), answered)


def _core(app: AtlSmsApp) -> Core:
    core = app.core
    assert core is not None  # a campaign is shown: a session is open
    return core


def ask_approve(screen: Screen[Any], c: Campaign) -> None:
    """Show what the campaign sends, then send it on this operator's word."""
    app = cast("AtlSmsApp", screen.app)

    async def ask() -> None:
        try:
            texts = await _core(app).sending.approval_preview(c.campaign)
        except AtlSmsError as exc:
            app.notify(f"Cannot show campaign {c.campaign}: {exc}", severity="error", timeout=10)
            return
        units = sum(p.units_estimate for p in c.parts)
        lines = [f"Submitted by {c.submitted_by}: {plural(c.recipients, 'recipient')} in {plural(len(c.parts), 'part')}, "
                 f"about {plural(units, 'unit')}. Approved, it is sent now.", ""]
        lines += [f"text: {t}" for t in texts]
        app.push_screen(AskScreen(f"Approve campaign {c.campaign}?", "\n".join(lines)),
                        lambda ok: run_resume(app, c.campaign, approve=True) if ok else None)

    app.run_worker(ask(), group=f"campaign-{c.campaign}", exclusive=True, exit_on_error=False)


def ask_reject(screen: Screen[Any], c: Campaign) -> None:
    from .lists import Field, FormScreen

    app = cast("AtlSmsApp", screen.app)

    async def reject(reason: str) -> None:
        try:
            n = await _core(app).sending.reject(c.campaign, reason)
        except AtlSmsError as exc:
            app.notify(f"Not rejected: {exc}", severity="error", timeout=10)
            return
        app.notify(f"Campaign {c.campaign} rejected: {plural(n, 'part')} dropped, never sent.", timeout=6)
        app.submission_finished(None)

    def answered(values: dict[str, str] | None) -> None:
        if values:
            app.run_worker(reject(values["reason"]), group=f"campaign-{c.campaign}", exclusive=True,
                           exit_on_error=False)

    form = FormScreen(f"Reject campaign {c.campaign}?", [Field("reason", "Reason", placeholder="why not")],
                      note="Rejected, it is never sent; the submitter sees your reason.")
    app.push_screen(form, answered)


def ask_cancel(screen: Screen[Any], c: Campaign) -> None:
    queued = [p for p in c.parts if p.state is State.QUEUED]
    if not queued:
        screen.notify("No queued part to cancel: every part was sent (or cancelled) already.", timeout=5)
        return
    app = screen.app
    detail = (
        f"{plural(len(queued), 'part')}, {plural(sum(p.recipients for p in queued), 'recipient')}, were never sent; "
        "they will be dropped and can not be resumed. Sent parts are not affected."
    )
    app.push_screen(
        AskScreen(f"Cancel the queued parts of {c.campaign}?", detail, danger=True),
        lambda ok: _run_cancel(app, c.campaign) if ok else None,
    )


def _run_cancel(app: Any, campaign: str) -> Any:
    async def cancel() -> None:
        try:
            n = await app.core.sending.cancel(campaign)
        except AtlSmsError as exc:
            app.notify(f"Not cancelled: {exc}", severity="error", timeout=10)
            return
        app.notify(f"Cancelled {plural(n, 'queued part')} of {campaign}.", timeout=6)
        app.submission_finished(None)

    return app.run_worker(cancel(), group=f"campaign-{campaign}", exclusive=True, exit_on_error=False)
