"""Profiles: the first-run setup form and the profile list.

A profile is saved only when ATL accepted its login and password (a units
request), or when the operator explicitly says "save anyway" after seeing
why the test failed (e.g. ATL unreachable from this host right now). The
password goes to the credentials file only; it is never echoed, logged or
put in a notification.
"""

from __future__ import annotations

import asyncio
import inspect
import re
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Static

from ...core.client import AtlClient, RetryPolicy, Timeouts
from ...core.credentials import forget_password, load_password, store_password
from ...core.errors import ApiError
from ...core.secret import Secret
from ...core.settings import DEFAULT_API_URL, Profile, Settings, load_settings
from ..literal import literal, markup
from ..widgets.fields import Input
from .confirm import AskScreen, app_header, error_text

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
MAX_TITLE = 11

# The connection test should answer quickly: one retry, short waits.
TEST_RETRY = RetryPolicy(attempts=2, base=0.2, cap=1.0)
TEST_TIMEOUTS = Timeouts(connect=10.0, read=20.0, write=20.0, pool=10.0)


def _app_settings(app) -> Settings | None:
    """The settings object the running app holds, so edits made here are
    the ones the app sees (and later saves) rather than a stale copy."""
    session = getattr(app, "session", None)
    settings = getattr(session, "settings", None)
    if settings is None:
        # First run: no session yet; the app may hold the settings it loaded.
        settings = getattr(app, "settings", None)
    return settings if isinstance(settings, Settings) else None


@dataclass
class ProfileForm:
    name: str
    login: str
    password: Secret
    api_url: str
    titles: list[str]


class SetupScreen(Screen[str | None]):
    """Create (first run, add) or edit a profile. Dismisses with the saved
    profile's name, or None when the operator cancels."""

    CSS_PATH = "../profiles.tcss"
    TITLE = "Profile setup"
    BINDINGS = [
        Binding("f5,ctrl+s", "test_save", "Test & save", id="setup_test_save"),
        Binding("f6", "save_anyway", "Save anyway", id="setup_save_anyway"),
        Binding("escape", "cancel", "Cancel", id="setup_cancel"),
    ]

    def __init__(self, existing: Profile | None = None, *, first_run: bool = False) -> None:
        super().__init__()
        self.existing = existing
        self.first_run = first_run
        self._failed = False  # a test failed: "save anyway" is offered
        self._busy = False

    def compose(self) -> ComposeResult:
        p = self.existing
        yield app_header()
        with Vertical(id="setup-form"):
            if p is None:
                heading = "Welcome: set up your ATL account" if self.first_run else "Add a profile"
            else:
                heading = f"Edit profile {p.name}"
            yield Static(literal(heading), id="setup-heading")
            yield Static(
                "The login and password are tested against ATL (a balance request) "
                "before anything is saved. The password goes to a file only you can read.",
                id="setup-intro",
            )
            with Horizontal(classes="setup-row"):
                yield Label("Profile name", classes="setup-label")
                yield Input(
                    p.name if p else ("main" if self.first_run else ""),
                    placeholder="e.g. main", compact=True, id="name", disabled=p is not None,
                )
            with Horizontal(classes="setup-row"):
                yield Label("Login", classes="setup-label")
                yield Input(p.login if p else "", placeholder="ATL login", compact=True, id="login")
            with Horizontal(classes="setup-row"):
                yield Label("Password", classes="setup-label")
                yield Input(
                    "", password=True, compact=True, id="password",
                    placeholder="leave empty to keep the stored one" if p else "ATL password",
                )
            with Horizontal(classes="setup-row"):
                yield Label("API URL", classes="setup-label")
                yield Input(p.api_url if p else DEFAULT_API_URL, compact=True, id="api_url")
            with Horizontal(classes="setup-row"):
                yield Label("Titles", classes="setup-label")
                yield Input(
                    ", ".join(p.titles) if p else "", compact=True, id="titles",
                    placeholder="registered sender names, comma separated; first is the default",
                )
            yield Static(id="setup-result")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#login" if self.existing else "#name", Input).focus()

    # ------------------------------------------------------------ form

    def read_form(self) -> ProfileForm:
        """The form's values, or ValueError with what to fix."""
        name = self.query_one("#name", Input).value.strip()
        login = self.query_one("#login", Input).value.strip()
        password = Secret(self.query_one("#password", Input).value)
        url = self.query_one("#api_url", Input).value.strip()
        titles = [t.strip() for t in self.query_one("#titles", Input).value.split(",") if t.strip()]
        if not NAME_RE.match(name):
            raise ValueError("profile name: letters, digits, '.', '_' or '-', up to 32 characters")
        if self.existing is None:
            settings = _app_settings(self.app)
            if settings is not None and name in settings.profiles:
                raise ValueError(f"a profile named {name!r} exists already; edit it from the profile list")
        if not login:
            raise ValueError("login is empty")
        if not password and self.existing is None:
            raise ValueError("password is empty")
        if not (url.startswith("https://") or url.startswith("http://")):
            raise ValueError("API URL must start with https://")
        long = [t for t in titles if len(t) > MAX_TITLE]
        if long:
            raise ValueError(f"title {long[0]!r} is longer than {MAX_TITLE} characters")
        return ProfileForm(name, login, password, url, titles)

    def _show(self, text: Content, cls: str = "") -> None:
        result = self.query_one("#setup-result", Static)
        result.update(text)
        for c in ("-ok", "-error", "-busy"):
            result.set_class(c == cls, c)

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "save_anyway":
            return self._failed and not self._busy
        if action == "test_save" and self._busy:
            return None
        return True

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        # Enter moves down the form; on the last field it tests and saves.
        if event.input.id == "titles":
            self.action_test_save()
        else:
            self.focus_next()

    def action_test_save(self) -> None:
        self._start(force=False)

    def action_save_anyway(self) -> None:
        if self._failed:
            self._start(force=True)

    def action_cancel(self) -> None:
        if not self._busy:
            self.dismiss(None)

    def _start(self, force: bool) -> None:
        if self._busy:
            return
        try:
            form = self.read_form()
        except ValueError as exc:
            self._show(markup("[b]✗[/] $why", why=exc), "-error")
            return
        self._busy = True
        self.refresh_bindings()
        self._run(form, force)

    # ------------------------------------------------------------ worker

    @work(exclusive=True, exit_on_error=False, group="setup")
    async def _run(self, form: ProfileForm, force: bool) -> None:
        try:
            password = form.password
            if not password and self.existing is not None:
                password = await asyncio.to_thread(load_password, form.name)
                if password is None:
                    self._show(markup("[b]✗[/] no password is stored for this profile: enter it"), "-error")
                    return
            if not force:
                self._show(markup("Testing the login against $url…", url=form.api_url), "-busy")
                try:
                    units = await self._test(form.api_url, form.login, password)
                except ApiError as exc:
                    self._fail(f"ATL refused: error {exc.code}: {exc.wording}", exc.advice)
                    return
                except Exception as exc:  # transport, protocol, anything: shown, not raised
                    self._fail(error_text(exc), "Check the API URL and the network.")
                    return
                self._show(markup(f"[b]✓[/] ATL accepted the login: {units:,} units. Saving…"), "-ok")
            await asyncio.to_thread(self._save, form, password)
        except Exception as exc:
            self._show(markup("[b]✗[/] could not save: $why", why=error_text(exc)), "-error")
            return
        finally:
            self._busy = False
            self.refresh_bindings()
        self.notify(f"Profile {form.name} saved.")
        self.dismiss(form.name)

    async def _test(self, url: str, login: str, password: Secret) -> int:
        client = AtlClient(url, login, password, timeouts=TEST_TIMEOUTS, retry=TEST_RETRY)
        try:
            return await client.units()
        finally:
            await client.aclose()

    def _fail(self, why: str, advice: str = "") -> None:
        self._failed = True
        text = markup("[b]✗ $why[/]", why=why)
        if advice:
            text += markup("\n$advice", advice=advice)
        text += Content("\nNothing was saved. Fix the form and press F5, or F6 to save anyway.")
        self._show(text, "-error")

    def _save(self, form: ProfileForm, password: Secret) -> None:
        """Blocking: run in a worker thread. Password first, so a profile is
        never saved without one."""
        settings = _app_settings(self.app) or load_settings()
        if form.password:
            store_password(form.name, password)
        old = settings.profiles.get(form.name)
        default = old.default_title if old and old.default_title in form.titles else None
        settings.profiles[form.name] = Profile(
            name=form.name,
            login=form.login,
            api_url=form.api_url,
            titles=form.titles,
            default_title=default or (form.titles[0] if form.titles else None),
        )
        if not settings.current or settings.current not in settings.profiles:
            settings.current = form.name
        settings.save()


class ProfilesScreen(Screen[None]):
    """The stored profiles: add, edit, switch to, remove."""

    CSS_PATH = "../profiles.tcss"
    TITLE = "Profiles"
    BINDINGS = [
        Binding("enter,s", "switch", "Switch", id="profile_switch"),
        Binding("a", "add", "Add", id="profile_add"),
        Binding("e", "edit", "Edit", id="profile_edit"),
        Binding("d,delete", "remove", "Remove", id="profile_remove"),
        Binding("escape", "close", "Back", id="profiles_back"),
    ]

    def compose(self) -> ComposeResult:
        yield app_header()
        yield Static("Profiles  [dim]● in use · ★ default at start[/]", id="profiles-heading")
        yield DataTable(id="profiles", cursor_type="row", zebra_stripes=True)
        yield Static(id="profiles-status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#profiles", DataTable)
        table.add_columns(" ", "Name", "Login", "Titles", "API URL")
        self._settings = _app_settings(self.app)
        if self._settings is None:
            self._load_settings()
        else:
            self.render_profiles()
        table.focus()

    @work(exclusive=True, exit_on_error=False, group="profiles")
    async def _load_settings(self) -> None:
        try:
            self._settings = await asyncio.to_thread(load_settings)
        except Exception as exc:
            self._status(error_text(exc), error=True)
            self._settings = Settings()
        self.render_profiles()

    @property
    def active(self) -> str | None:
        session = getattr(self.app, "session", None)
        profile = getattr(session, "profile", None)
        if profile is None or getattr(profile, "demo", False):
            return None
        return profile.name

    def render_profiles(self) -> None:
        table = self.query_one("#profiles", DataTable)
        keep = table.cursor_row
        table.clear()
        settings = self._settings
        active = self.active
        for name in sorted(settings.profiles):
            p = settings.profiles[name]
            mark = "●" if name == active else ("★" if name == settings.current else "")
            table.add_row(
                mark, literal(name), literal(p.login), literal(", ".join(p.titles)), literal(p.api_url),
                key=name,
            )
        if table.row_count:
            table.move_cursor(row=min(max(keep, 0), table.row_count - 1))
            self._status("")
        else:
            self._status("No profiles yet: press a to add one.")

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#profiles-status", Static)
        status.update(literal(text, lines=True))
        status.set_class(error, "-error")

    def selected(self) -> str | None:
        table = self.query_one("#profiles", DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    @on(DataTable.RowSelected, "#profiles")
    def _row_selected(self) -> None:
        self.action_switch()

    # ------------------------------------------------------------ actions

    def action_add(self) -> None:
        def saved(name: str | None) -> None:
            self.render_profiles()
            if name:
                self._status(f"Profile {name} saved. Enter switches to it.")

        self.app.push_screen(SetupScreen(), saved)

    def action_edit(self) -> None:
        name = self.selected()
        if name is None:
            return
        profile = self._settings.profiles[name]

        def saved(result: str | None) -> None:
            self.render_profiles()
            if result and result == self.active:
                # New credentials or URL: the running session must reopen.
                self._switch(result)

        self.app.push_screen(SetupScreen(profile), saved)

    def action_switch(self) -> None:
        name = self.selected()
        if name is None:
            return
        if name == self.active:
            self.notify(f"Already using profile {name}.")
            return
        self._switch(name)

    def _switch(self, name: str) -> None:
        # Runs as an app worker: this screen closes first, and a screen's
        # workers are cancelled with it.
        settings = self._settings
        app = self.app

        async def run() -> None:
            if settings.current != name:
                settings.current = name
                try:
                    await asyncio.to_thread(settings.save)
                except Exception as exc:
                    app.notify(f"could not save the settings: {error_text(exc)}", severity="error")
            switch = getattr(app, "switch_profile", None)
            if callable(switch):
                result = switch(name)
                if inspect.isawaitable(result):
                    await result

        if self.is_current:
            self.dismiss(None)
        app.run_worker(run(), group="switch_profile", exclusive=True, exit_on_error=False)

    def action_remove(self) -> None:
        name = self.selected()
        if name is None:
            return
        if name == self.active:
            self._status(f"Profile {name} is in use: switch to another one first.", error=True)
            return

        def answer(ok: bool | None) -> None:
            if ok:
                self._remove(name)

        self.app.push_screen(
            AskScreen(
                f"Remove profile {name}?",
                "Its stored password is deleted too. Campaigns in the journal stay.",
                danger=True,
            ),
            answer,
        )

    @work(exclusive=True, exit_on_error=False, group="profiles")
    async def _remove(self, name: str) -> None:
        settings = self._settings

        def remove() -> None:
            settings.profiles.pop(name, None)
            if settings.current == name:
                settings.current = sorted(settings.profiles)[0] if settings.profiles else None
            settings.save()
            forget_password(name)

        try:
            await asyncio.to_thread(remove)
        except Exception as exc:
            self._status(f"could not remove {name}: {error_text(exc)}", error=True)
            return
        self.render_profiles()
        self._status(f"Profile {name} removed.")

    def action_close(self) -> None:
        self.dismiss(None)
