"""The Textual application: the open ``Core``, balance, profile switches and
the one place that shows errors no screen handled.

Screens draw and call the core API; the app owns what outlives a screen: the
current ``Core`` (replaced on a profile switch), the balance figure shown by
every header, the operator's key remaps and preferences, and the stylesheet
order (``CSS_PATH``: shared styles first; a component's look is its
``DEFAULT_CSS``)."""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from rich.console import RenderableType
from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.geometry import Size
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, get_current_worker

from ..api import Core, open_core, open_core_async
from ..api.errors import ApiError, AtlSmsError, TransportError
from ..api.profiles import Preferences, Settings, load_settings, set_current
from ..api.rules import plural
from . import guards
from .alerts import desktop_escape, desktop_protocol, watch_alerts
from .bindings import allowed, apply_keymap
from .commands import AtlSmsCommands, TextualCommands
from .errors import describe
from .errors import error_line as _error_line
from .literal import short, visible
from .messages import PreferencesChanged, ProfileChanged, SubmissionFinished
from .widgets.header import BalanceState
from .workers import ReportingWorkers

# How many past notifications ``AtlSmsApp.notices`` keeps.
NOTICES_KEPT = 50


class AtlSmsApp(App[int]):
    CSS_PATH = ["app.tcss", "profiles.tcss", "lists.tcss", "compose.tcss"]
    TITLE = "atlsms-tui"
    COMMANDS = {AtlSmsCommands, TextualCommands}
    BINDINGS = [
        Binding("f1,question_mark", "help", "Help", id="help"),
        Binding("u", "refresh_units", "Refresh balance", id="units", show=False),
        Binding("y", "copy_row", "Copy id / number", id="copy", show=False),
        Binding("ctrl+q", "quit", "Quit", id="quit_app", show=False, priority=True),
    ]

    # Below 100 columns the footer is compact (app.tcss): its last keys, Quit
    # and Help, are the ones a new operator needs; below 80 the panels shrink.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (80, "-medium"), (100, "-wide")]

    balance: reactive[BalanceState] = reactive(BalanceState, always_update=False)

    def __init__(
        self,
        session: Any = None,
        *,
        settings: Settings | None = None,
        clock: Callable[[], float] | None = None,
        setup: bool = False,
        monitor: bool = False,
    ) -> None:
        """``monitor``: read-only (--monitor); a profile's read_only setting
        makes its core read-only as well."""
        super().__init__()
        self.monitor = monitor
        self._workers = ReportingWorkers(self)
        if isinstance(session, Core):
            session = session.session if monitor and not session.read_only else session
        self.core: Core | None = (session if isinstance(session, Core) or session is None
                                  else Core(session, read_only=monitor))
        # The settings run() loaded before any profile was opened (first run).
        self.loaded_settings = settings
        # Every time on screen comes from this clock, so tests can fix it.
        self.clock: Callable[[], float] = clock or time.time
        self.setup = setup
        # What the operator was told, newest last (each notification's text).
        self.notices: deque[str] = deque(maxlen=NOTICES_KEPT)
        # The desktop notification escapes written to the terminal, newest last.
        self.desktop_notices: deque[str] = deque(maxlen=NOTICES_KEPT)
        self._units_timer: Timer | None = None
        self._closed_cores: set[int] = set()

    def crash_report(self) -> RenderableType:
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

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Every notification, from any screen or thread, shows its text
        literally: it so often carries a name, a file or an answer from ATL
        that no caller may have it parsed as markup (``markup`` is ignored)."""
        text, head = visible(short(message), lines=True), visible(short(title, 80))
        self.notices.append(f"{head}: {text}" if head else text)
        super().notify(text, title=head, severity=severity, timeout=timeout, markup=False)

    def worker_failed(self, worker: Worker[Any], error: BaseException) -> None:
        """A worker's error that its screen did not handle: described, never
        a traceback."""
        title, text, advice = describe(error)
        self.notify(f"{text}. {advice}" if advice else text, title=title, severity="error", timeout=15)

    # ------------------------------------------------------------ access

    @property
    def session(self) -> Any:
        """The open session under ``core`` (for screens not yet on its sub-APIs)."""
        return self.core.session if self.core is not None else None

    @property
    def service(self) -> Any:
        return self.core.session.service if self.core is not None else None

    @property
    def read_only(self) -> bool:
        """Monitor mode: no action that sends or changes anything is offered."""
        return self.monitor or (self.core is not None and self.core.read_only)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return allowed(self, action)

    @property
    def settings(self) -> Settings:
        if self.core is not None:
            return self.core.settings
        # none loaded: the defaults, for reading only (never saved from here)
        return self.loaded_settings if self.loaded_settings is not None else Settings()

    @property
    def preferences(self) -> Preferences:
        return self.settings.preferences

    def get_default_screen(self) -> Screen[Any]:
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
        if self.core is not None:
            self._watch_alerts(self.core)
            self._announce_recovered(self.core)
            self.refresh_units()
        if self.setup:
            from .screens.profiles import SetupScreen

            self.push_screen(SetupScreen(first_run=True), self._setup_done)
        self._check_size()  # over everything, the first-run form too

    def on_resize(self, event: events.Resize) -> None:
        self._check_size(event.size)  # the app's own size follows this event

    def _check_size(self, size: Size | None = None) -> None:
        guards.check_size(self, size or self.size)

    def apply_preferences(self, notify: bool = True) -> None:
        prefs = self.preferences
        if prefs.theme in self.available_themes:
            self.theme = prefs.theme
        self.balance = replace(self.balance, threshold=prefs.low_balance_threshold)
        if notify:
            self._broadcast(PreferencesChanged())
            self.refresh_units()

    def _announce_recovered(self, core: Core) -> None:
        if core.recovered:
            self.notify(
                f"{plural(len(core.recovered), 'submission was', 'submissions were')} interrupted by a previous "
                "run; the outcome is uncertain. Select it on the dashboard and press s to settle.",
                severity="warning",
                timeout=15,
            )

    def _setup_done(self, name: str | None) -> None:
        if name:
            self.switch_profile(name)
        else:
            self.exit(0)

    # ----------------------------------------------------------- screens

    def action_compose(self) -> None:
        if self.core is None:
            self.notify("No profile: set one up first (p).", severity="warning")
            return
        from .screens.compose import ComposeScreen

        self.push_screen(ComposeScreen())

    def action_profiles(self) -> None:
        from .screens.profiles import ProfilesScreen

        self.push_screen(ProfilesScreen())

    def action_lists(self) -> None:
        from .screens.lists import ListsScreen

        self.push_screen(ListsScreen())

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

    def sending(self) -> bool:
        """A submission is on its way to ATL now."""
        return guards.sending(self)

    async def action_quit(self) -> None:
        """Quit (q, ctrl+q, the palette), asking first while a send is in flight."""
        guards.quit_or_ask(self)

    def submission_finished(self, result: object) -> None:
        """After every submit or retry: the dashboard reloads, the balance too."""
        self._broadcast(SubmissionFinished(result))
        self.refresh_units()

    # ----------------------------------------------------------- profiles

    def switch_profile(self, name: str) -> Worker[None]:
        """Close the current core, open ``name``'s, refresh everything."""
        return self.run_worker(self._switch(name), group="session", exclusive=True, exit_on_error=False)

    async def _switch(self, name: str) -> None:
        try:
            new = await open_core_async(name, read_only=self.monitor)
        except AtlSmsError as exc:
            self.notify(f"Cannot switch to profile {name!r}: {describe(exc).line()}", severity="error",
                        timeout=10)
            return
        old, self.core = self.core, new
        self._watch_alerts(new)
        if old is not None:
            await self.close_core(old)
        try:
            await set_current(new.settings, name)
        except (OSError, AtlSmsError) as exc:
            self.notify(f"Could not remember {name!r} as the current profile: {describe(exc).text}",
                        severity="warning")
        self._reset_balance()
        self._announce_recovered(new)
        self._broadcast(ProfileChanged(name))
        self.refresh_units()
        self.notify(f"Profile {name}", timeout=3)

    async def close_core(self, core: Core | None = None) -> None:
        core = core if core is not None else self.core
        if core is None or id(core) in self._closed_cores:
            return
        self._closed_cores.add(id(core))
        try:
            await core.aclose()
        except Exception as exc:  # closing must never take the app down
            self.log.warning(f"closing {core!r}: {exc!r}")

    async def close_session(self) -> None:
        await self.close_core()

    def _broadcast(self, message: SubmissionFinished | ProfileChanged | PreferencesChanged) -> None:
        for screen in self.screen_stack:
            screen.post_message(_copy(message))

    # ------------------------------------------------------------ alerts

    def _watch_alerts(self, core: Core) -> None:
        watch_alerts(self, core)

    def desktop_notify(self, title: str, body: str) -> bool:
        """Write a desktop notification escape (OSC 9 or 777) to the
        terminal, through the driver like every byte of the screen (so over
        SSH too); False when the setting or the terminal says none."""
        protocol = desktop_protocol(self.preferences.desktop_notify, os.environ)
        if protocol is None:
            return False
        seq = desktop_escape(protocol, title, body, tmux=bool(os.environ.get("TMUX")))
        self.desktop_notices.append(seq)
        if self._driver is not None and not self.is_headless:
            self._driver.write(seq)
        return True

    def action_copy_row(self) -> None:
        """``y``: the focused row's id, number or text to the clipboard, with
        OSC 52 (it reaches the operator's own clipboard over SSH)."""
        target = getattr(self.screen, "copy_target", None)
        found = target() if callable(target) else None
        if not found:
            self.notify("Nothing to copy here.", timeout=3)
            return
        what, text = found
        self.copy_to_clipboard(text)
        self.notify(f"Copied {what} {text}", timeout=4)

    # ----------------------------------------------------------- balance

    def _reset_balance(self) -> None:
        core = self.core
        warning = core.profile.insecure_http_warning if core is not None else None
        self.balance = BalanceState(
            profile=core.profile.name if core is not None else "",
            demo=bool(core is not None and core.demo),
            threshold=self.preferences.low_balance_threshold,
            insecure=warning is not None,
            monitor=self.read_only,
        )
        if warning:
            self.notify(warning, severity="warning", timeout=15)

    def refresh_units(self) -> None:
        """Fetch the balance now (in a worker); the timer is re-armed after."""
        if self.core is None:
            return
        if self._units_timer is not None:
            self._units_timer.stop()
            self._units_timer = None
        self.balance = replace(self.balance, refreshing=True)
        self._units_worker()

    @work(exclusive=True, group="units", exit_on_error=False)
    async def _units_worker(self) -> None:
        core = self.core
        if core is None:
            return
        try:
            await self._fetch_units(core)
        except Exception as exc:  # a bug or a hostile answer: say it, keep the balance alive
            if core is self.core:
                self._units_failed(describe(exc).text, "")
        finally:
            # The next round is armed whatever happened, unless a newer one
            # (refresh_units) has already replaced this worker.
            if core is self.core and self._units_timer is None and not get_current_worker().is_cancelled:
                self._units_timer = self.set_timer(float(self.preferences.units_interval), self.refresh_units)

    async def _fetch_units(self, core: Core) -> None:
        if self.balance.units is None:
            cached = await core.cached_units_async()
            if cached is not None and core is self.core:
                self.balance = replace(self.balance, units=cached.units, fetched_at=cached.fetched_at.timestamp())
        error = ""
        advice = ""
        units = None
        try:
            units = await core.units()
        except ApiError as exc:
            error = str(exc)
            advice = core.profiles.advice() if exc.code == "105" else exc.advice
        except (TransportError, AtlSmsError) as exc:
            error = str(exc)
        if core is not self.core:  # the profile changed meanwhile: this figure is stale
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


def error_line(exc: BaseException) -> str:
    """An unexpected exception in one line (kept for the screens that import
    it from here; ``errors.describe`` is the full description)."""
    return _error_line(exc)


def _copy(message: SubmissionFinished | ProfileChanged | PreferencesChanged) -> Any:
    """A fresh message per screen: a Message instance is consumed by one target."""
    if isinstance(message, SubmissionFinished):
        return SubmissionFinished(message.result)
    if isinstance(message, ProfileChanged):
        return ProfileChanged(message.name)
    return message.__class__()


def _first_run(profile: str | None, settings: Settings) -> bool:
    env = os.environ
    has_env = bool(env.get("ATLSMS_LOGIN") and env.get("ATLSMS_PASSWORD"))
    return not profile and not env.get("ATLSMS_PROFILE") and not settings.profiles and not has_env


def run(profile: str | None = None, api_url: str | None = None, demo: bool = False,
        allow_insecure_http: bool = False, monitor: bool = False) -> int:
    """Open the core, run the TUI, close the core; the exit code."""
    try:
        settings = load_settings()
        if not demo and _first_run(profile, settings):
            app = AtlSmsApp(None, settings=settings, setup=True, monitor=monitor)
        else:
            app = AtlSmsApp(open_core(profile, api_url, demo=demo, settings=settings,
                                      allow_insecure_http=allow_insecure_http, read_only=monitor),
                            monitor=monitor)
    except AtlSmsError as exc:
        print(f"atlsms-tui: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:  # the demo simulator could not bind, a data dir is unwritable
        print(f"atlsms-tui: {exc}", file=sys.stderr)
        return 6

    async def main() -> int | None:
        try:
            return await app.run_async(mouse=False)
        finally:
            await app.close_core()

    result = asyncio.run(main())
    return result if isinstance(result, int) else (app.return_code or 0)
