"""The Textual application: session ownership, balance, profile switches.

Screens draw and call the service; the app owns what outlives a screen: the
current Session (replaced on a profile switch), the balance figure shown by
every header, and the user's key remaps and preferences."""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import time
from collections.abc import Callable
from dataclasses import replace

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker

from ..api import Core
from ..core.errors import ApiError, AtlSmsError, ConfigError, TransportError
from .bindings import apply_keymap
from .commands import AtlSmsCommands
from .literal import short, visible
from .messages import PreferencesChanged, ProfileChanged, SubmissionFinished
from .widgets.header import BalanceState


class AtlSmsApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "atlsms-tui"
    COMMANDS = App.COMMANDS | {AtlSmsCommands}
    BINDINGS = [
        Binding("f1,question_mark", "help", "Help", id="help"),
        Binding("u", "refresh_units", "Refresh balance", id="units", show=False),
        Binding("ctrl+q", "quit", "Quit", id="quit_app", show=False, priority=True),
    ]

    balance: reactive[BalanceState] = reactive(BalanceState, always_update=False)

    def __init__(
        self,
        session=None,
        *,
        settings=None,
        clock: Callable[[], float] | None = None,
        setup: bool = False,
    ) -> None:
        super().__init__()
        self.session = session
        self._settings = settings
        # Every time on screen comes from this clock, so tests can fix it.
        self.clock: Callable[[], float] = clock or time.time
        self._setup = setup
        self._units_timer: Timer | None = None
        self._closed_sessions: set[int] = set()

    def crash_report(self):
        """The report of the exception being handled, without locals: Textual's
        own prints every frame's locals, and a local can hold the password on
        its way to the wire."""
        from rich.segment import Segments
        from rich.traceback import Traceback

        traceback = Traceback(show_locals=False, width=None)
        return Segments(self.console.render(traceback, self.console.options))

    def _fatal_error(self) -> None:
        self.bell()
        self._exit_renderables.append(self.crash_report())
        self._close_messages_no_wait()

    def notify(self, message, *, title: str = "", severity="information", timeout=None, markup: bool = False) -> None:
        """Every notification, from any screen or thread, shows its text
        literally: it so often carries a name, a file or an answer from ATL
        that no caller may have it parsed as markup (``markup`` is ignored)."""
        super().notify(
            visible(short(message), lines=True), title=visible(short(title, 80)),
            severity=severity, timeout=timeout, markup=False,
        )

    # ------------------------------------------------------------ access

    @property
    def session(self):
        return self._session

    @session.setter
    def session(self, session) -> None:
        self._session = session
        self.core: Core | None = Core(session) if session is not None else None

    @property
    def service(self):
        return self.session.service if self.session is not None else None

    @property
    def settings(self):
        if self.session is not None:
            return self.session.settings
        if self._settings is None:
            from ..core.settings import Settings

            self._settings = Settings()
        return self._settings

    @property
    def preferences(self):
        return self.settings.preferences

    def get_default_screen(self) -> Screen:
        from .screens.dashboard import DashboardScreen

        return DashboardScreen()

    # ----------------------------------------------------------- startup

    def on_mount(self) -> None:
        # What exists after the first paint lives as long as the app: frozen,
        # full collections stop walking it (each one stalled the screen for
        # tens of ms, seen as p95 outliers in benchmarks/bench_ui.py).
        self.call_after_refresh(gc.freeze)
        self.apply_preferences(notify=False)
        for problem in apply_keymap(self, self.settings.bindings):
            self.notify(problem, severity="warning", timeout=10)
        self._reset_balance()
        if self.session is not None:
            self._announce_recovered(self.session)
            self.refresh_units()
        if self._setup:
            self._start_setup()

    def apply_preferences(self, notify: bool = True) -> None:
        prefs = self.preferences
        if prefs.theme in self.available_themes:
            self.theme = prefs.theme
        self.balance = replace(self.balance, threshold=prefs.low_balance_threshold)
        if notify:
            self._broadcast(PreferencesChanged())
            self.refresh_units()

    def _announce_recovered(self, session) -> None:
        if session.recovered:
            self.notify(
                f"{len(session.recovered)} submission(s) were interrupted by a previous run; their outcome "
                "is uncertain. Select them on the dashboard and press s to settle.",
                severity="warning",
                timeout=15,
            )

    def _start_setup(self) -> None:
        try:
            from .screens.profiles import SetupScreen
        except Exception as exc:  # helper screen missing or broken: say so, do not crash
            from .screens.help import NoticeScreen

            self.push_screen(
                NoticeScreen(
                    "No profile configured",
                    "Run `atlsms-tui login` in a shell to store a profile, or try `atlsms-tui --demo`.\n"
                    f"(The setup screen is not available: {exc})",
                ),
                lambda _r: self.exit(2),
            )
            return
        try:
            screen = SetupScreen(first_run=True)
        except TypeError:  # an older signature without the flag
            screen = SetupScreen()
        self.push_screen(screen, self._setup_done)

    def _setup_done(self, name: str | None) -> None:
        if name:
            self.switch_profile(name)
        else:
            self.exit(0)

    # ----------------------------------------------------- contract (B)

    def action_compose(self) -> None:
        self._push_named("compose", "ComposeScreen")

    def action_profiles(self) -> None:
        self._push_named("profiles", "ProfilesScreen")

    def action_lists(self) -> None:
        self._push_named("lists", "ListsScreen")

    def action_settings(self) -> None:
        from .screens.settings import SettingsScreen

        self.push_screen(SettingsScreen())

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
            return
        self.push_screen(HelpScreen(self.screen))

    def action_refresh_units(self) -> None:
        self.refresh_units()

    def _push_named(self, module: str, cls: str) -> None:
        if self.session is None and module == "compose":
            self.notify("No profile: set one up first (p).", severity="warning")
            return
        try:
            mod = __import__(f"{__package__}.screens.{module}", fromlist=[cls])
            screen_cls = getattr(mod, cls)
        except Exception as exc:
            self.notify(f"{cls} is not available: {exc}", severity="error")
            return
        self.push_screen(screen_cls())

    def submission_finished(self, result) -> None:
        """After every submit or retry: the dashboard reloads, the balance too."""
        self._broadcast(SubmissionFinished(result))
        self.refresh_units()

    def switch_profile(self, name: str) -> Worker:
        """Close the current session, open ``name``'s, refresh everything."""
        return self.run_worker(self._switch(name), group="session", exclusive=True, exit_on_error=False)

    async def _switch(self, name: str) -> None:
        from ..core.session import open_session

        try:
            new = await asyncio.to_thread(open_session, name)
        except AtlSmsError as exc:
            self.notify(f"Cannot switch to profile {name!r}: {exc}", severity="error", timeout=10)
            return
        old, self.session = self.session, new
        if old is not None:
            await self.close_session(old)
        if new.settings.current != name:
            new.settings.current = name
            try:
                await asyncio.to_thread(new.settings.save)
            except OSError as exc:
                self.notify(f"Could not remember {name!r} as the current profile: {exc}", severity="warning")
        self._reset_balance()
        self._announce_recovered(new)
        self._broadcast(ProfileChanged(name))
        self.refresh_units()
        self.notify(f"Profile {name}", timeout=3)

    async def close_session(self, session=None) -> None:
        session = session if session is not None else self.session
        if session is None or id(session) in self._closed_sessions:
            return
        self._closed_sessions.add(id(session))
        try:
            await session.aclose()
        except Exception as exc:  # closing must never take the app down
            self.log.warning(f"closing session: {exc!r}")

    def _broadcast(self, message) -> None:
        for screen in self.screen_stack:
            screen.post_message(_copy(message))

    # ----------------------------------------------------------- balance

    def _reset_balance(self) -> None:
        s = self.session
        self.balance = BalanceState(
            profile=s.profile.name if s else "",
            demo=bool(s and s.demo),
            threshold=self.preferences.low_balance_threshold,
            insecure=bool(s and s.profile.insecure_http_warning),
        )
        if s is not None and s.profile.insecure_http_warning:
            self.notify(s.profile.insecure_http_warning, severity="warning", timeout=15)

    def refresh_units(self) -> None:
        """Fetch the balance now (in a worker); the timer is re-armed after."""
        if self.session is None:
            return
        if self._units_timer is not None:
            self._units_timer.stop()
            self._units_timer = None
        self.balance = replace(self.balance, refreshing=True)
        self._units_worker()

    @work(exclusive=True, group="units", exit_on_error=False)
    async def _units_worker(self) -> None:
        service = self.service
        try:
            await self._fetch_units(service)
        except Exception as exc:  # a bug or a hostile answer: say it, keep the balance alive
            if service is self.service:
                self._units_failed(f"unexpected error: {error_line(exc)}", "")
        finally:
            # The next round is armed whatever happened, unless a newer one
            # (refresh_units) has already replaced this worker.
            if service is self.service and self._units_timer is None and not _cancelled():
                self._units_timer = self.set_timer(max(5.0, float(self.preferences.units_interval)),
                                                   self.refresh_units)

    async def _fetch_units(self, service) -> None:
        if self.balance.units is None:
            cached = await asyncio.to_thread(service.cached_units)
            if cached is not None and service is self.service:
                self.balance = replace(self.balance, units=cached.units, fetched_at=cached.fetched_at.timestamp())
        error = None
        units = None
        advice = ""
        try:
            units = await service.units()
        except ApiError as exc:
            error = f"error {exc.code}: {exc.wording}"
            advice = exc.advice
        except TransportError as exc:
            error = str(exc)
        except AtlSmsError as exc:
            error = str(exc)
        if service is not self.service:  # the profile changed meanwhile: this figure is stale
            return
        if units is not None:
            self.balance = replace(
                self.balance, units=units.units, fetched_at=self.clock(), refreshing=False,
                error=None, connected=True,
            )
        else:
            self._units_failed(error, advice)

    def _units_failed(self, error: str, advice: str) -> None:
        if error != self.balance.error:  # the header has one line; say it in full once
            self.notify(f"Balance not refreshed: {error}. {advice}".strip(), severity="error", timeout=10)
        self.balance = replace(self.balance, refreshing=False, error=error, connected=False)


def _cancelled() -> bool:
    from textual.worker import get_current_worker

    try:
        return get_current_worker().is_cancelled
    except Exception:
        return False


def error_line(exc: BaseException) -> str:
    """An unexpected exception in one line: its type, and its text if any."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _copy(message):
    """A fresh message per screen: a Message instance is consumed by one target."""
    if isinstance(message, SubmissionFinished):
        return SubmissionFinished(message.result)
    if isinstance(message, ProfileChanged):
        return ProfileChanged(message.name)
    return message.__class__()


def _first_run(profile: str | None, settings) -> bool:
    env = os.environ
    has_env = bool(env.get("ATLSMS_LOGIN") and env.get("ATLSMS_PASSWORD"))
    return not profile and not env.get("ATLSMS_PROFILE") and not settings.profiles and not has_env


def run(profile: str | None = None, api_url: str | None = None, demo: bool = False,
        allow_insecure_http: bool = False) -> int:
    """Open the session, run the TUI, close the session; the exit code."""
    from ..core.session import open_session
    from ..core.settings import load_settings

    try:
        settings = load_settings()
        if not demo and _first_run(profile, settings):
            app = AtlSmsApp(None, settings=settings, setup=True)
        else:
            session = open_session(profile, api_url, demo=demo, settings=settings,
                                   allow_insecure_http=allow_insecure_http)
            app = AtlSmsApp(session)
    except (ConfigError, AtlSmsError) as exc:
        print(f"atlsms-tui: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:  # the demo simulator could not bind, a data dir is unwritable
        print(f"atlsms-tui: {exc}", file=sys.stderr)
        return 6

    async def main():
        try:
            return await app.run_async(mouse=False)
        finally:
            await app.close_session()

    result = asyncio.run(main())
    return result if isinstance(result, int) else (app.return_code or 0)
