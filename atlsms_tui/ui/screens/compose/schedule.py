"""The Schedule field (now, or a Baku time) and the Pace field (how fast
a campaign goes out: recipients per hour or minute, or all at once)."""

from __future__ import annotations

from datetime import datetime

from textual import on

from ....api.errors import InputError
from ....api.rules import baku, pacing
from ...widgets.fields import Input
from .events import FieldError


class ScheduleField(Input):
    """Checked as typed (its error shown once, gone when fixed) and again
    when the draft is built: time passes."""

    def __init__(self) -> None:
        super().__init__(placeholder="now / YYYY-MM-DD HH:MM", compact=True, id="schedule")

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


class PaceField(Input):
    """Empty: every part at once. ``10000/h`` or ``200/min``: the same paced
    plan as the CLI's ``--pace``, its parts each given a later scheduled time."""

    def __init__(self) -> None:
        super().__init__(placeholder="at once", compact=True, id="pace")

    @property
    def pace(self) -> pacing.Pace | None:
        """None for all at once; InputError for a pace the core cannot use."""
        text = self.value.strip()
        if not text:
            return None
        try:
            return pacing.parse_pace(text)
        except InputError as exc:
            raise InputError(str(exc).replace("--pace ", "pace ", 1)) from None

    def check(self) -> str:
        try:
            _ = self.pace
        except InputError as exc:
            return str(exc)
        return ""

    @on(Input.Changed)
    def _checked(self, event: Input.Changed) -> None:
        self.post_message(FieldError("pace", self.check()))
