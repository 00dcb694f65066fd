"""What the app's own screens share: the typed app and its open core, and
the live refresh the dashboard and task detail run."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from textual.screen import Screen
from textual.timer import Timer

if TYPE_CHECKING:
    from ...api import Core
    from ..app import AtlSmsApp


class AppScreen(Screen[None]):
    @property
    def atl(self) -> AtlSmsApp:
        return cast("AtlSmsApp", self.app)

    @property
    def core(self) -> Core:
        """The open session's core API: these screens are only opened with one."""
        core = self.atl.core
        assert core is not None
        return core


class LiveScreen(AppScreen):
    """A screen that keeps itself fresh with chained one-shot timers: the
    next round is armed when one ends, so two never overlap, and none runs
    while another screen covers this one."""

    def __init__(self) -> None:
        super().__init__()
        self._timer: Timer | None = None
        self._suspended = False

    def on_screen_suspend(self) -> None:
        self._suspended = True
        self._stop_timer()

    def on_screen_resume(self) -> None:
        self._suspended = False
        self.resumed()

    def resumed(self) -> None:
        """In front again: refresh now, or arm the next round."""

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _chain(self, round_: Callable[[], object]) -> None:
        """The next round after the refresh interval (none while hidden)."""
        self._stop_timer()
        if not self._suspended:
            self._timer = self.set_timer(float(self.atl.preferences.refresh_interval), round_)
