"""The Schedule field: now, or a Baku time."""

from __future__ import annotations

from textual import on
from textual.widgets import Input

from ....core import baku
from ....core.errors import InputError
from .part import ComposePart


class SchedulePart(ComposePart):
    """Checked as typed, and again when sending (time passes)."""

    @on(Input.Changed, "#schedule")
    def _schedule_changed(self, event: Input.Changed) -> None:
        self._schedule, error = self._parse_schedule(event.value)
        self._set_error("schedule", error)

    @staticmethod
    def _parse_schedule(text: str):
        text = text.strip()
        if not text or text.lower() == "now":
            return None, None
        try:
            return baku.parse_schedule(text), None
        except InputError as exc:
            return None, str(exc)
