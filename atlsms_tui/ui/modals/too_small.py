"""The notice that covers every screen while the terminal is smaller than the
layout can serve: one honest line beats a form with its keys cut off."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import ModalScreen
from textual.widgets import Static

# The smallest terminal every screen is laid out for (columns, rows).
MIN_WIDTH, MIN_HEIGHT = 60, 20


def too_small(width: int, height: int) -> bool:
    return width < MIN_WIDTH or height < MIN_HEIGHT


class TooSmallScreen(ModalScreen[None]):
    """Shown while the terminal is too small; it goes by itself once the
    terminal is large enough again (ctrl+q still quits)."""

    DEFAULT_CSS = """
    TooSmallScreen { align: center middle; background: $background; }
    TooSmallScreen > Static { width: auto; max-width: 100%; height: auto; text-align: center; }
    """

    def compose(self) -> ComposeResult:
        yield Static(self.text(), id="too-small")

    def text(self) -> str:
        w, h = self.app.size
        return (f"Terminal too small: {w}x{h}.\n"
                f"atlsms-tui needs at least {MIN_WIDTH}x{MIN_HEIGHT}; make the window larger.")

    def on_resize(self) -> None:
        self.query_one("#too-small", Static).update(self.text())
        self.check()

    def on_screen_resume(self) -> None:
        self.check()

    def check(self) -> None:
        """Leave once the terminal is large enough (only from the top: a
        dialog opened over this notice is the operator's to close)."""
        if not too_small(*self.app.size) and self.is_current:
            self.dismiss(None)
