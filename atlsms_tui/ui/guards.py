"""What the app checks before it lets go or draws: a send in flight before
quitting, the terminal's size before laying out a screen."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.geometry import Size
from textual.worker import WorkerState

from .modals import AskScreen
from .modals.too_small import TooSmallScreen, too_small

# Worker groups that talk to ATL on the operator's behalf: a send, a resume,
# a settle, a campaign's approval or resume (campaign-<id>).
SENDING_GROUPS = ("submit", "settle")
QUIT_QUESTION = "A send is in flight. Quit anyway?"
QUIT_MID_SEND = (
    "Quitting now leaves what is being sent uncertain: it may or may not have reached ATL. "
    "Next time, select it on the dashboard and press s to settle it."
)


def sending(app: App[Any]) -> bool:
    """A submission is on its way to ATL now."""
    live = (WorkerState.PENDING, WorkerState.RUNNING)
    return any(
        w.state in live and (w.group in SENDING_GROUPS
                             or (w.group.startswith("campaign-") and w.group != "campaign-load"))
        for w in app.workers
    )


def quit_or_ask(app: App[Any]) -> None:
    """Quit now, or, while a send is in flight, ask first (once)."""
    if not sending(app):
        app.exit()
        return
    if isinstance(app.screen, AskScreen) and app.screen.question == QUIT_QUESTION:
        return  # already asked

    def answered(yes: bool | None) -> None:
        if yes:
            app.exit()

    app.push_screen(AskScreen(QUIT_QUESTION, QUIT_MID_SEND, danger=True, default=False), answered)


def check_size(app: App[Any], size: Size) -> None:
    """Cover the screens with the too-small notice while the terminal
    (``size``) is below the minimum (it leaves by itself)."""
    if too_small(*size) and not any(isinstance(s, TooSmallScreen) for s in app.screen_stack):
        app.push_screen(TooSmallScreen())
