"""Sending: confirm, then the submit worker behind a progress modal, then
the result; and resuming a stopped campaign."""

from __future__ import annotations

import asyncio

from textual import work
from textual.widgets import Input, TextArea

from ....core import campaign as campaign_mod
from ....core import quiet_hours, send_plan
from ....core.errors import InputError, proves_nothing_sent
from ....core.msisdn import ParsedNumbers
from ....core.service import Draft
from ..confirm import (
    CampaignProgressScreen,
    CampaignResultScreen,
    ConfirmSendScreen,
    SubmitResultScreen,
    error_text,
)
from .limits import CLEAR_STATES
from .part import ComposePart


class SendFlowPart(ComposePart):
    """Only the stop key touches the progress modal: a send cannot start twice."""

    def action_send(self) -> None:
        if self._submitting or self._preparing:
            self.notify("A send is already running.", severity="warning")
            return
        try:
            gathered = self._gather()
        except InputError as exc:
            self._cannot_send(exc)
            return
        self._preparing = True
        self.refresh_bindings()
        self._prepare(gathered)

    def _cannot_send(self, exc: BaseException) -> None:
        self._set_error("send", str(exc))
        self.notify(str(exc), title="Cannot send yet", severity="error")

    @work(exclusive=True, exit_on_error=False, group="prepare")
    async def _prepare(self, gathered: dict) -> None:
        try:
            draft, summary = await asyncio.to_thread(self.build_from, gathered)
        except InputError as exc:
            self._cannot_send(exc)
            return
        except Exception as exc:  # the store may be gone: a message, not a crash
            self._cannot_send(InputError(error_text(exc)))
            return
        finally:
            self._preparing = False
            self.refresh_bindings()
        self._set_error("send", None)

        def confirmed(ok: bool | str | None) -> None:
            if ok and not self._submitting:
                self._submitting = True  # set before the worker starts: no double send
                self.refresh_bindings()
                self._submit(draft, summary.parts, allow_repeat=ok == "repeat",
                             quiet=ok if ok in (quiet_hours.NEXT_WINDOW, quiet_hours.IGNORE) else quiet_hours.REFUSE)

        self.app.push_screen(ConfirmSendScreen(summary), confirmed)

    @work(exclusive=True, exit_on_error=False, group="submit")
    async def _submit(self, draft: Draft, parts: int = 1, allow_repeat: bool = False,
                      quiet: str = quiet_hours.REFUSE) -> None:
        self._submitting = True
        self.refresh_bindings()
        cancel = asyncio.Event()
        progress = CampaignProgressScreen(len(draft.recipients), parts, cancel)
        await self.app.push_screen(progress)
        result = None
        error: BaseException | None = None
        try:
            result = await send_plan.submit_campaign(
                self.service, draft, max_per_task=self.max_per_task,
                progress=progress.update_progress, cancel=cancel, allow_repeat=allow_repeat, quiet=quiet,
            )
        except Exception as exc:  # input, transport or anything else: a message, not a crash
            error = exc
        finally:
            progress.finish()
            self._submitting = False
            self.refresh_bindings()
        self._show_outcome(result, error)

    def _show_outcome(self, result, error: BaseException | None) -> None:
        """The result modal of a campaign (one task or several)."""
        if result is None:
            if not proves_nothing_sent(error):
                # It may have left: this form must not send it again.
                self.clear_form()
                self._close_after_result = True
            self.app.push_screen(SubmitResultScreen(None, error=error), self._after_result)
            return
        if result.campaign is None:
            single = result.results[0]
            if single.state in CLEAR_STATES:
                # Accepted, or maybe accepted: this form must not send it again.
                self.clear_form()
                self._close_after_result = True
            self._finished(single)
            self.app.push_screen(SubmitResultScreen(single), self._after_result)
            return
        # The campaign is journalled whole: whatever became of its parts, it
        # is finished with resume, never by sending the form again.
        self.clear_form()
        self._close_after_result = True
        for r in result.results:
            self._finished(r)
        self.app.push_screen(CampaignResultScreen(result), lambda v, cid=result.campaign: self._after_campaign(v, cid))

    def _finished(self, result) -> None:
        finished = getattr(self.app, "submission_finished", None)
        if callable(finished):
            try:
                finished(result)
            except Exception as exc:
                self.log.error("submission_finished failed", exc)

    def _after_campaign(self, value, campaign: str) -> None:
        if value == "resume":
            self._submitting = True
            self.refresh_bindings()
            self._resume(campaign)
            return
        self._after_result()

    @work(exclusive=True, exit_on_error=False, group="submit")
    async def _resume(self, campaign: str) -> None:
        """Send the parts left queued and settle the uncertain ones, under
        their own control ids: an accepted part is never sent again."""
        self._submitting = True
        cancel = asyncio.Event()
        try:
            c = await asyncio.to_thread(campaign_mod.load_campaign, self.service, campaign)
            total, parts = c.recipients, max(len(c.parts), 1)
        except Exception:
            total, parts = 1, 2
        progress = CampaignProgressScreen(total, parts, cancel, title="Resuming…")
        await self.app.push_screen(progress)
        result, error = None, None
        try:
            result = await campaign_mod.resume_campaign(self.service, campaign,
                                                        progress=progress.update_progress, cancel=cancel)
        except Exception as exc:
            error = exc
        finally:
            progress.finish()
            self._submitting = False
            self.refresh_bindings()
        self._show_outcome(result, error)

    def _after_result(self, _value=None) -> None:
        if self._close_after_result and self.is_current:
            self.dismiss(None)

    def clear_form(self) -> None:
        self.query_one("#message", TextArea).clear()
        self.query_one("#numbers", TextArea).clear()
        for field in ("#numbers-file", "#numbers-column", "#numbers-sheet", "#csv-file", "#csv-column",
                      "#csv-sheet", "#template", "#schedule"):
            self.query_one(field, Input).value = ""
        self._typed = ParsedNumbers()
        self._file, self._file_name = None, ""
        self._rows, self._csv_name, self._ind_estimate = [], "", None
        self._source, self._source_name, self._merge = None, "", None
        self._translit = False
        self._optouts = None
        self._errors.clear()
        self._set_error("send", None)
        self._render_all()
