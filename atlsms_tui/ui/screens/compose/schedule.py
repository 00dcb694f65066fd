"""The Schedule field: now, or a Baku time."""

from __future__ import annotations

from datetime import datetime

from textual import on

from ....api.errors import InputError
from ....api.rules import baku
from ...widgets.fields import Input
from .events import FieldError


class ScheduleField(Input):
    """Checked as typed (its error shown once, gone when fixed) and again
    when the draft is built: time passes."""

    def __init__(self) -> None:
        super().__init__(placeholder="now, or YYYY-MM-DD HH:MM", compact=True, id="schedule")

    @property
    def when(self) -> datetime | None:
        """None for now; InputError for a time that cannot be used."""
        text = self.value.strip()
        if not text or text.lower() == "now":
            return None
        return baku.parse_schedule(text)

    def check(self) -> str:
        """The error of the current value, or ""."""
        try:
            _ = self.when
        except InputError as exc:
            return str(exc)
        return ""

    @on(Input.Changed)
    def _checked(self, event: Input.Changed) -> None:
        self.post_message(FieldError("schedule", self.check()))
