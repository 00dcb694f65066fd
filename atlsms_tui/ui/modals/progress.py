"""Progress modals of a send: one submit, or a campaign in several tasks."""

from __future__ import annotations

import asyncio

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import LoadingIndicator, ProgressBar, Static

from ...api.models import CampaignProgress
from ..literal import literal
from .dialog import CSS_FILE


class SubmittingScreen(ModalScreen[None]):
    """Shown while a submit runs. No key closes it: the compose screen
    dismisses it when the worker ends, so a submit cannot be started twice
    or abandoned half way by a stray key."""

    CSS_PATH = CSS_FILE

    def __init__(self, text: str = "starting") -> None:
        super().__init__()
        self._text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog -progress"):
            yield Static("Sending…", classes="dialog-title")
            yield LoadingIndicator()
            yield Static(literal(self._text, lines=True), id="progress-text", classes="dialog-text")

    _done = False

    def finish(self) -> None:
        """Close now, or as soon as this screen is on top again (a help
        screen may have been opened over it meanwhile)."""
        self._done = True
        if self.is_current:
            self.dismiss(None)

    def on_screen_resume(self) -> None:
        if self._done:
            self.dismiss(None)

    def set_progress(self, text: str) -> None:
        self._text = text
        if self.is_mounted:
            self.query_one("#progress-text", Static).update(literal(text, lines=True))


class CampaignProgressScreen(ModalScreen[None]):
    """Progress of a submit_campaign run: a bar over the recipients, the
    part in flight, and (for several parts) c/Esc to stop between parts.

    Stopping sets ``cancel`` (an asyncio.Event the campaign checks before each
    part); the part in flight always finishes, so nothing is left half sent.
    No other key closes it: the compose screen calls finish()."""

    CSS_PATH = CSS_FILE
    BINDINGS = [Binding("c,escape", "stop", "Stop after this part", id="campaign_stop")]

    def __init__(self, recipients: int, parts: int, cancel: asyncio.Event | None = None,
                 title: str = "Sending…") -> None:
        super().__init__()
        self.recipients = max(recipients, 1)
        self.parts = parts
        self.cancel = cancel
        self._title = title
        self._done = False

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog -progress"):
            yield Static(literal(self._title), classes="dialog-title")
            yield ProgressBar(total=self.recipients, show_eta=False, id="campaign-bar")
            yield Static("starting", id="progress-text", classes="dialog-text")
            keys = "[b]c[/]/Esc stop after the part in flight" if self.parts > 1 else "sending: wait for ATL's answer"
            yield Static(keys, id="progress-keys", classes="dialog-keys")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return self.parts > 1 and self.cancel is not None
        return True

    def action_stop(self) -> None:
        if self.cancel is None or self.cancel.is_set():
            return
        self.cancel.set()
        self.query_one("#progress-keys", Static).update(
            "[b]stopping[/]: the part in flight finishes, the rest stay queued"
        )

    # progress

    def set_progress(self, text: str) -> None:  # the single-submit interface
        if self.is_mounted:
            self.query_one("#progress-text", Static).update(literal(text, lines=True))

    def update_progress(self, p: CampaignProgress) -> None:
        """A campaign.CampaignProgress."""
        if not self.is_mounted:
            return
        self.query_one("#campaign-bar", ProgressBar).update(total=max(p.recipients_total, 1),
                                                            progress=p.recipients_done)
        where = f"part {p.part} of {p.parts}: " if p.parts > 1 else ""
        text = p.text if not where or p.text.startswith("part ") else where + p.text
        self.query_one("#progress-text", Static).update(
            literal(f"{text}\n{p.recipients_done:,} of {p.recipients_total:,} recipients done", lines=True)
        )

    def finish(self) -> None:
        self._done = True
        if self.is_current:
            self.dismiss(None)

    def on_screen_resume(self) -> None:
        if self._done:
            self.dismiss(None)
