"""Messages the compose widgets post to the screen."""

from __future__ import annotations

from textual.message import Message


class RecipientsChanged(Message):
    """A recipient source changed what it would send (or started or stopped
    working it out): the screen redraws the estimate and re-checks opt-outs."""


class FieldError(Message):
    """A field's error appeared (``error``) or went away ("")."""

    def __init__(self, key: str, error: str) -> None:
        self.key = key
        self.error = error
        super().__init__()
