"""Preferences: the form is built from the core's table of preferences (the
rows with a label), plus the profile's default title and the theme.

Every field is checked with the same rule the settings file is checked with
at load; a bad value is named on its own line so the operator sees which one
and why."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Label, Select, Static

from ...api.profiles import PREFERENCES, Profile, Spec, title_problem
from ...api.rules import plural
from ..errors import describe
from ..literal import literal
from ..widgets.fields import Input
from ..widgets.footer import KeyFooter
from ..widgets.header import BalanceHeader

if TYPE_CHECKING:
    from ..app import AtlSmsApp


def shell(node: Any) -> AtlSmsApp:
    """The running app, typed."""
    return cast("AtlSmsApp", node.app)


FORM: tuple[Spec, ...] = tuple(s for s in PREFERENCES if s.label)


def shown(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


class SettingsScreen(Screen[None]):
    TITLE = "Settings"
    BINDINGS = [
        Binding("ctrl+s,f10", "save", "Save", id="settings_save"),
        Binding("escape", "cancel", "Cancel", id="settings_cancel"),
    ]

    def compose(self) -> ComposeResult:
        app = shell(self)
        prefs = app.preferences
        profile = self.stored_profile()
        yield BalanceHeader()
        with VerticalScroll(id="settings-form"):
            for spec in FORM:
                yield from self._row(spec.name, spec.label, shown(getattr(prefs, spec.name)))
            yield from self._row("default_title", "Default title", (profile.default_title or "") if profile else "")
            with Horizontal(classes="settings-row"):
                yield Label("Theme", classes="settings-label")
                themes = sorted(app.available_themes)
                yield Select(
                    [(t, t) for t in themes], value=app.theme if app.theme in themes else Select.BLANK,
                    id="set-theme", compact=True, allow_blank=False, classes="settings-input",
                )
            yield Static("", id="err-theme", classes="settings-error")
            hint = "Ctrl+S or F10 saves · Esc leaves without saving"
            if app.core is not None and app.core.demo:
                hint = "Demo: changes last for this run only; your settings file is left alone.\n" + hint
            elif profile is None:
                hint = ("Default title applies to a stored profile; this session has none "
                        "(environment login).\n" + hint)
            yield Static(hint, id="settings-hint")
        yield KeyFooter()

    def _row(self, fid: str, label: str, value: str) -> ComposeResult:
        with Horizontal(classes="settings-row"):
            yield Label(label, classes="settings-label")
            yield Input(value, id=f"set-{fid}", compact=True, classes="settings-input")
        yield Static("", id=f"err-{fid}", classes="settings-error")

    def on_mount(self) -> None:
        for err in self.query(".settings-error"):
            err.display = False
        if self.stored_profile() is None:
            self.query_one("#set-default_title", Input).disabled = True
        self.query_one(f"#set-{FORM[0].name}", Input).focus()

    def stored_profile(self) -> Profile | None:
        """The stored profile this session runs on; None for a demo or an
        environment login."""
        core = shell(self).core
        if core is None or core.demo:
            return None
        return shell(self).settings.profiles.get(core.profile.name)

    def validate(self) -> tuple[dict[str, Any], dict[str, str]]:
        """(values, errors by field id)."""
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}

        def get(fid: str) -> str:
            return self.query_one(f"#set-{fid}", Input).value.strip()

        for spec in FORM:
            try:
                values[spec.name] = spec.parse(get(spec.name))
            except ValueError:
                errors[spec.name] = f"{get(spec.name)!r} is not {spec.allowed()}"
        profile = self.stored_profile()
        if profile is not None:
            title = get("default_title")
            problem = title_problem(title) if title else None
            if problem:
                errors["default_title"] = problem
            elif title and profile.titles and title not in profile.titles:
                errors["default_title"] = f"title: not one of the profile's titles ({', '.join(profile.titles)})"
            else:
                values["default_title"] = title or None
        theme = self.query_one("#set-theme", Select).value
        if theme is Select.BLANK or theme not in shell(self).available_themes:
            errors["theme"] = "theme: choose one from the list"
        else:
            values["theme"] = theme
        return values, errors

    def action_save(self) -> None:
        values, errors = self.validate()
        for fid in [s.name for s in FORM] + ["default_title", "theme"]:
            err = self.query_one(f"#err-{fid}", Static)
            err.update(literal(errors.get(fid, "")))
            err.display = fid in errors
        if errors:
            self.notify(f"{plural(len(errors), 'value')} to fix; nothing saved.", severity="error")
            return
        self._save(values)

    @work(exclusive=True, group="settings-save", exit_on_error=False)
    async def _save(self, values: dict[str, Any]) -> None:
        app = shell(self)
        prefs = app.settings.preferences
        for spec in FORM:
            setattr(prefs, spec.name, values[spec.name])
        prefs.theme = values["theme"]
        profile = self.stored_profile()
        if profile is not None and "default_title" in values and app.core is not None:
            profile.default_title = values["default_title"]
            app.core.profile.default_title = values["default_title"]
        written = True
        if app.core is not None:
            try:
                written = await app.core.profiles.save_settings()
            except OSError as exc:
                self.notify(f"Settings not saved: {describe(exc).text}", severity="error", timeout=10)
                return
        app.apply_preferences()
        self.notify("Settings saved." if written else "Settings applied for this demo run.", timeout=3)
        self.dismiss()

    def action_cancel(self) -> None:
        self.dismiss()
