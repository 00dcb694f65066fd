"""Profiles: the first-run setup form and the profile list.

A profile is saved only when ATL accepted its login and password (a units
request), or when the operator explicitly says "save anyway" after seeing
why the test failed (e.g. ATL unreachable from this host right now). The
password goes to the credentials file only; it is never echoed, logged or
put in a notification.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Label, Static

from ...api import profiles
from ...api.errors import ApiError, InputError
from ...api.profiles import DEFAULT_API_URL, Profile, Secret, Settings
from ..errors import describe
from ..literal import literal, markup
from ..modals import AskScreen
from ..widgets.fields import Input
from ..widgets.footer import KeyFooter
from ..widgets.header import BalanceHeader

if TYPE_CHECKING:
    from ..app import AtlSmsApp


def shell(node: Any) -> AtlSmsApp:
    """The running app, typed."""
    return cast("AtlSmsApp", node.app)


def held_settings(app: AtlSmsApp) -> Settings | None:
    """The settings object the running app holds, so that edits made here
    are the ones it sees (and later saves); None: none loaded yet."""
    return app.core.settings if app.core is not None else app.loaded_settings


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
        yield BalanceHeader()
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
                    p.name if p else (profiles.DEFAULT_PROFILE if self.first_run else ""),
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
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#login" if self.existing else "#name", Input).focus()

    # ------------------------------------------------------------ form

    def read_form(self) -> ProfileForm:
        """The form's values, or InputError with what to fix; the rules of a
        field are the core's (api.profiles), checked again when it saves."""
        name = self.query_one("#name", Input).value.strip()
        login = self.query_one("#login", Input).value.strip()
        password = Secret(self.query_one("#password", Input).value)
        url = self.query_one("#api_url", Input).value.strip()
        titles = [t.strip() for t in self.query_one("#titles", Input).value.split(",") if t.strip()]
        problem = profiles.name_problem(name)
        if problem is None and self.existing is None and name in shell(self).settings.profiles:
            problem = f"a profile named {name!r} exists already; edit it from the profile list"
        if problem is None and not login:
            problem = "login is empty"
        if problem is None and not password and self.existing is None:
            problem = "password is empty"
        for title in titles:
            problem = problem or profiles.title_problem(title)
        if problem:
            raise InputError(problem)
        return ProfileForm(name, login, password, url, titles)

    def _show(self, text: Content, cls: str = "") -> None:
        result = self.query_one("#setup-result", Static)
        result.update(text)
        for c in ("-ok", "-error", "-busy"):
            result.set_class(c == cls, c)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
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
        except InputError as exc:
            self._show(markup("[b]✗[/] $why", why=exc), "-error")
            return
        self._busy = True
        self.refresh_bindings()
        self._run(form, force)

    # ------------------------------------------------------------ worker

    @work(exclusive=True, exit_on_error=False, group="setup")
    async def _run(self, form: ProfileForm, force: bool) -> None:
        if not force:
            self._show(markup("Testing the login against $url…", url=form.api_url), "-busy")
        try:
            saved = await profiles.save_profile(
                form.name, form.login, form.password or None, form.api_url, form.titles, verify=not force,
                settings=held_settings(shell(self)),
            )
        except InputError as exc:  # a field, or no stored password: the form says which
            self._show(markup("[b]✗[/] $why", why=describe(exc).text), "-error")
            return
        except ApiError as exc:
            self._fail(f"ATL refused: {exc}", "Check the login and password above." if exc.code == "105"
                       else exc.advice)
            return
        except Exception as exc:  # transport, protocol, a file: shown, never raised
            title, text, advice = describe(exc)
            self._fail(text, advice if force else "Check the API URL and the network.")
            return
        finally:
            self._busy = False
            self.refresh_bindings()
        if saved.units is not None:
            self._show(markup(f"[b]✓[/] ATL accepted the login: {saved.units:,} units."), "-ok")
        if saved.warning:
            self.notify(saved.warning, severity="warning", timeout=15)
        self.notify(f"Profile {form.name} saved.")
        self.dismiss(form.name)

    def _fail(self, why: str, advice: str = "") -> None:
        self._failed = True
        text = markup("[b]✗ $why[/]", why=why)
        if advice:
            text += markup("\n$advice", advice=advice)
        text += Content("\nNothing was saved. Fix the form and press F5, or F6 to save anyway.")
        self._show(text, "-error")


class ProfilesScreen(Screen[None]):
    """The stored profiles: add, edit, switch to, remove."""

    TITLE = "Profiles"
    BINDINGS = [
        Binding("enter,s", "switch", "Switch", id="profile_switch"),
        Binding("a", "add", "Add", id="profile_add"),
        Binding("e", "edit", "Edit", id="profile_edit"),
        Binding("d,delete", "remove", "Remove", id="profile_remove"),
        Binding("escape", "close", "Back", id="profiles_back"),
    ]

    def compose(self) -> ComposeResult:
        yield BalanceHeader()
        yield Static("Profiles  [dim]● in use · ★ default at start[/]", id="profiles-heading")
        yield DataTable(id="profiles", cursor_type="row", zebra_stripes=True)
        yield Static(id="profiles-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#profiles", DataTable)
        table.add_columns(" ", "Name", "Login", "Titles", "API URL")
        held = held_settings(shell(self))
        self.settings: Settings = held if held is not None else Settings()
        if held is None:
            self._load_settings()
        else:
            self.render_profiles()
        table.focus()

    @work(exclusive=True, exit_on_error=False, group="profiles")
    async def _load_settings(self) -> None:
        try:
            self.settings = await profiles.load_settings_async()
        except Exception as exc:
            self._status(describe(exc).line(), error=True)
        self.render_profiles()

    @property
    def active(self) -> str | None:
        core = shell(self).core
        if core is None or core.demo:
            return None
        return core.profile.name

    def render_profiles(self) -> None:
        table = self.query_one("#profiles", DataTable)
        keep = table.cursor_row
        table.clear()
        settings = self.settings
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

        shell(self).push_screen(SetupScreen(), saved)

    def action_edit(self) -> None:
        name = self.selected()
        if name is None:
            return
        profile = self.settings.profiles[name]

        def saved(result: str | None) -> None:
            self.render_profiles()
            if result and result == self.active:
                # New credentials or URL: the running session must reopen.
                self._switch(result)

        shell(self).push_screen(SetupScreen(profile), saved)

    def action_switch(self) -> None:
        name = self.selected()
        if name is None:
            return
        if name == self.active:
            self.notify(f"Already using profile {name}.")
            return
        self._switch(name)

    def _switch(self, name: str) -> None:
        # The app switches (and remembers the choice): this screen closes
        # first, and a screen's workers are cancelled with it.
        if self.is_current:
            self.dismiss(None)
        shell(self).switch_profile(name)

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

        shell(self).push_screen(
            AskScreen(
                f"Remove profile {name}?",
                "Its stored password is deleted too. Campaigns in the journal stay.",
                danger=True,
            ),
            answer,
        )

    @work(exclusive=True, exit_on_error=False, group="profiles")
    async def _remove(self, name: str) -> None:
        try:
            await profiles.forget_profile(self.settings, name)
        except Exception as exc:
            self._status(f"could not remove {name}: {describe(exc).line()}", error=True)
            return
        self.render_profiles()
        self._status(f"Profile {name} removed.")

    def action_close(self) -> None:
        self.dismiss(None)
