"""The TUI's send flow: ``core.sending.prepare`` → the confirmation →
``core.sending.submit`` behind a progress modal → the result; and resuming
a stopped campaign from its result."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from textual import work
from textual.message import Message
from textual.widget import Widget

from ....api import Core
from ....api.errors import InputError, QuietHoursError, proves_nothing_sent
from ....api.models import CampaignResult, Draft, State, SubmitResult
from ....api.rules import pacing, quiet_hours
from ....api.sending import SendPlan
from ...modals.ask import AskScreen
from ...modals.campaign_result import CampaignResultScreen
from ...modals.confirm_send import ConfirmSendScreen, SendSummary
from ...modals.progress import CampaignProgressScreen
from ...modals.submit_result import SubmitResultScreen
from ...modals.wording import error_text, plural

Pace = pacing.Pace

# After these outcomes the campaign must not be sent again from this form:
# it was accepted, or it may have been (uncertain: settle it with retry).
CLEAR_STATES = (State.ACCEPTED, State.ACCEPTED_WITHOUT_TASKID, State.UNCERTAIN, State.SENDING)


class SendFlow(Widget):
    """Holds whether a send is being prepared or submitted, so a send never
    starts twice; only the stop key touches the progress modal."""

    DEFAULT_CSS = "SendFlow { display: none; }"

    class Refused(Message):
        """The draft cannot be sent: ``error`` says why."""

        def __init__(self, error: str) -> None:
            self.error = error
            super().__init__()

    class Prepared(Message):
        """The confirmation is up: the form's own send error is gone."""

    class Sent(Message):
        """A send (or resume) left the form: the form must not send it again."""

    class Closed(Message):
        """The result modal of a send that left was closed."""

    def __init__(self) -> None:
        super().__init__(id="send-flow")
        self.preparing = False
        self.submitting = False
        self._sent = False

    @property
    def busy(self) -> bool:
        return self.preparing or self.submitting

    def _mark(self, preparing: bool | None = None, submitting: bool | None = None) -> None:
        if preparing is not None:
            self.preparing = preparing
        if submitting is not None:
            self.submitting = submitting
        self.screen.refresh_bindings()

    def start(self, core: Core, draft: Draft, notes: list[str], pace: Pace | None = None) -> bool:
        """Prepare and confirm ``draft``; False when a send is running."""
        if self.busy:
            return False
        self._mark(preparing=True)
        self._prepare(core, draft, notes, pace)
        return True

    @work(exclusive=True, exit_on_error=False, group="prepare")
    async def _prepare(self, core: Core, draft: Draft, notes: list[str], pace: Pace | None) -> None:
        quiet = ""
        try:
            try:
                plan = await core.sending.prepare(draft, pace=pace)
            except QuietHoursError as exc:
                # Asked in the confirmation: w schedules it then, i sends anyway.
                quiet = exc.short
                plan = await core.sending.prepare(draft, pace=pace, quiet=quiet_hours.IGNORE)
        except InputError as exc:
            self.post_message(self.Refused(str(exc)))
            return
        except Exception as exc:  # the journal may be gone: a message, not a crash
            self.post_message(self.Refused(error_text(exc)))
            return
        finally:
            self._mark(preparing=False)
        self.post_message(self.Prepared())

        def confirmed(answer: bool | str | None) -> None:
            if not answer or self.submitting:
                return
            self._mark(submitting=True)  # before the worker starts: no double send
            chosen = answer if answer in (quiet_hours.NEXT_WINDOW, quiet_hours.IGNORE) else quiet_hours.REFUSE
            self._submit(core, dataclasses.replace(plan, quiet=chosen), answer == "repeat")

        self.app.push_screen(ConfirmSendScreen(SendSummary.from_plan(plan, notes=notes, quiet=quiet)), confirmed)

    @work(exclusive=True, exit_on_error=False, group="submit")
    async def _submit(self, core: Core, plan: SendPlan, allow_repeat: bool) -> None:
        cancel = asyncio.Event()
        progress = CampaignProgressScreen(len(plan.kept.recipients), len(plan.parts.sizes), cancel)
        await self.app.push_screen(progress)
        result: CampaignResult | None = None
        error: BaseException | None = None
        try:
            result = await core.sending.submit(plan, progress=progress.update_progress, cancel=cancel,
                                               allow_repeat=allow_repeat)
        except Exception as exc:  # input, transport or anything else: a message, not a crash
            error = exc
        finally:
            progress.finish()
            self._mark(submitting=False)
        self._outcome(core, result, error)

    def _outcome(self, core: Core, result: CampaignResult | None, error: BaseException | None) -> None:
        """The result modal of a campaign (one task or several)."""
        if result is None:
            if not proves_nothing_sent(error):
                self._left()  # it may have left: this form must not send it again
            self.app.push_screen(SubmitResultScreen(None, error=error), self._result_closed)
            return
        if result.campaign is None:
            single = result.results[0]
            if single.state in CLEAR_STATES:
                self._left()
            self._finished(single)
            self.app.push_screen(SubmitResultScreen(single), self._result_closed)
            return
        # The campaign is journalled whole: whatever became of its parts, it
        # is finished with resume, never by sending the form again.
        self._left()
        for r in result.results:
            self._finished(r)
        campaign = result.campaign

        def closed(value: str | None) -> None:
            if value == "resume":
                self._mark(submitting=True)
                self._resume(core, campaign)
            else:
                self._result_closed()

        self.app.push_screen(CampaignResultScreen(result), closed)

    # ------------------------------------------------------------ proof

    def proof(self, core: Core, draft: Draft) -> bool:
        """Ask, then send the proof of ``draft`` (core.sending.send_proof, as
        ``send --proof``); False when a send is running."""
        if self.busy:
            return False
        self._mark(preparing=True)
        self._ask_proof(core, draft)
        return True

    @work(exclusive=True, exit_on_error=False, group="prepare")
    async def _ask_proof(self, core: Core, draft: Draft) -> None:
        try:
            proof = await core.sending.proof_draft(draft)
        except Exception as exc:  # no proof numbers, a bad one: said on the form
            self.post_message(self.Refused(error_text(exc)))
            return
        finally:
            self._mark(preparing=False)
        staff = sorted({r.msisdn for r in proof.recipients})
        detail = (f"{plural(len(proof.recipients), 'message')} to the staff "
                  f"{'number' if len(staff) == 1 else 'numbers'} {', '.join(staff)}, sent now, "
                  "marked proof. The campaign itself is not sent.")

        def answered(yes: bool | None) -> None:
            if yes and not self.busy:
                self._mark(submitting=True)
                self._send_proof(core, draft)

        self.app.push_screen(AskScreen("Send a proof of this draft?", detail), answered)

    @work(exclusive=True, exit_on_error=False, group="submit")
    async def _send_proof(self, core: Core, draft: Draft) -> None:
        try:
            result = await core.sending.send_proof(draft)
        except Exception as exc:
            self.app.push_screen(SubmitResultScreen(None, error=exc))
            return
        finally:
            self._mark(submitting=False)
        self._finished(result)
        self.app.push_screen(SubmitResultScreen(result))

    def _left(self) -> None:
        self._sent = True
        self.post_message(self.Sent())

    def _finished(self, result: SubmitResult) -> None:
        # The app reloads the dashboard and the balance.
        app: Any = self.app
        app.submission_finished(result)

    def _result_closed(self, _value: object = None) -> None:
        if self._sent:
            self.post_message(self.Closed())

    @work(exclusive=True, exit_on_error=False, group="submit")
    async def _resume(self, core: Core, campaign: str) -> None:
        """Send the parts left queued and settle the uncertain ones, under
        their own control ids: an accepted part is never sent again."""
        cancel = asyncio.Event()
        try:
            c = await core.sending.campaign(campaign)
            total, parts = c.recipients, max(len(c.parts), 1)
        except Exception:  # only the progress bar's scale is lost
            total, parts = 1, 2
        progress = CampaignProgressScreen(total, parts, cancel, title="Resuming…")
        await self.app.push_screen(progress)
        result: CampaignResult | None = None
        error: BaseException | None = None
        try:
            result = await core.sending.resume(campaign, progress=progress.update_progress, cancel=cancel)
        except Exception as exc:
            error = exc
        finally:
            progress.finish()
            self._mark(submitting=False)
        self._outcome(core, result, error)
