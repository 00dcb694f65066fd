"""The opt-out preview: which recipients the opt-out list would remove."""

from __future__ import annotations

import asyncio

from textual import work

from ....core.models import Recipient
from ....core.service import Draft
from .limits import OPTOUT_DEBOUNCE
from .part import ComposePart


class OptOutsPart(ComposePart):
    """A preview only: the confirm step checks the list again."""

    def _schedule_optouts(self) -> None:
        """Check the recipients against the opt-out list once typing pauses."""
        if self._optout_timer is not None:
            self._optout_timer.stop()
        self._optout_timer = self.set_timer(OPTOUT_DEBOUNCE, self._check_optouts)

    def _check_optouts(self) -> None:
        self._optout_timer = None
        if not self.is_mounted:
            return
        if self.mode == "bulk":
            recipients = self._bulk_recipients()
        else:
            recipients = self._individual_recipients()
        self._optout_worker(recipients)

    @work(exclusive=True, exit_on_error=False, group="optouts")
    async def _optout_worker(self, recipients: list[Recipient]) -> None:
        if not recipients:
            result = None
        else:
            try:
                result = await asyncio.to_thread(self.service.preview_optouts, Draft("", recipients, None))
            except Exception:  # a preview only: the confirm step checks again
                return
        before = len(self._optouts.removed) if self._optouts else 0
        self._optouts = result
        if (len(result.removed) if result else 0) != before:
            if self.mode == "bulk":
                self._render_numbers_only()
            else:
                self._render_merge() if self.merging else self._render_classic()

    def _render_numbers_only(self) -> None:
        timer = self._optout_timer
        self._render_numbers()
        # _render_numbers re-arms the check; this render came from the check
        if self._optout_timer is not None and self._optout_timer is not timer:
            self._optout_timer.stop()
            self._optout_timer = None
