"""Messages the app sends to its screens.

Screens do not reach into each other: the app posts these to every screen on
the stack, and a screen that cares handles them."""

from __future__ import annotations

from textual.message import Message


class SubmissionFinished(Message):
    """A submit or retry ended (any state): the journal changed."""

    def __init__(self, result) -> None:
        self.result = result
        super().__init__()


class ProfileChanged(Message):
    """The app now runs on another session (profile switch or first setup)."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__()


class PreferencesChanged(Message):
    """Settings were saved: intervals, threshold or theme may differ."""
