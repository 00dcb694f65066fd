"""Preferences: refresh intervals, low-balance threshold, default title, theme.

Every field is checked before anything is saved; a bad value is named on its
own line so the operator sees which one and why."""

from __future__ import annotations

import asyncio
import re

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Label, Select, Static

from ..literal import literal
from ..widgets.fields import Input
from ..widgets.header import BalanceHeader

_TITLE_RE = re.compile(r"^[A-Za-z0-9 ._-]{1,11}$")


def _number(text: str, lo: float, hi: float, integer: bool, what: str) -> float | int:
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        kind = "a whole number" if integer else "a number of seconds"
        raise ValueError(f"{what}: {text!r} is not {kind}") from None
    if not lo <= value <= hi:
        raise ValueError(f"{what}: must be between {lo:g} and {hi:g}")
    return value


class SettingsScreen(Screen):
    TITLE = "Settings"
    BINDINGS = [
        Binding("ctrl+s,f10", "save", "Save", id="settings_save"),
        Binding("escape", "cancel", "Cancel", id="settings_cancel"),
    ]

    # field id -> (label, validator(text) -> value)
    FIELDS = [
        ("refresh_interval", "Dashboard refresh (s)"),
        ("units_interval", "Balance refresh (s)"),
        ("low_balance_threshold", "Low-balance warning"),
        ("max_recipients_per_task", "Recipients per task"),
        ("default_title", "Default title"),
    ]

    def compose(self) -> ComposeResult:
        app = self.app
        prefs = app.preferences
        profile = self._settings_profile()
        values = {
            "refresh_interval": f"{prefs.refresh_interval:g}",
            "units_interval": f"{prefs.units_interval:g}",
            "low_balance_threshold": str(prefs.low_balance_threshold),
            "max_recipients_per_task": str(prefs.max_recipients_per_task),
            "default_title": (profile.default_title or "") if profile else "",
        }
        yield BalanceHeader()
        with VerticalScroll(id="settings-form"):
            for fid, label in self.FIELDS:
                with Horizontal(classes="settings-row"):
                    yield Label(label, classes="settings-label")
                    yield Input(values[fid], id=f"set-{fid}", compact=True, classes="settings-input")
                yield Static("", id=f"err-{fid}", classes="settings-error")
            with Horizontal(classes="settings-row"):
                yield Label("Theme", classes="settings-label")
                themes = sorted(app.available_themes)
                yield Select(
                    [(t, t) for t in themes], value=app.theme if app.theme in themes else Select.BLANK,
                    id="set-theme", compact=True, allow_blank=False, classes="settings-input",
                )
            yield Static("", id="err-theme", classes="settings-error")
            hint = "Ctrl+S or F10 saves · Esc leaves without saving"
            if profile is None:
                hint = (
                    "Default title applies to a stored profile; this session has none (demo or "
                    "environment login).\n" + hint
                )
            yield Static(hint, id="settings-hint")
        yield Footer()

    def on_mount(self) -> None:
        for err in self.query(".settings-error"):
            err.display = False
        if self._settings_profile() is None:
            self.query_one("#set-default_title", Input).disabled = True
        self.query_one("#set-refresh_interval", Input).focus()

    def _settings_profile(self):
        session = self.app.session
        if session is None or session.demo:
            return None
        return self.app.settings.profiles.get(session.profile.name)

    def validate(self) -> tuple[dict, dict[str, str]]:
        """(values, errors by field id)."""
        values: dict = {}
        errors: dict[str, str] = {}

        def get(fid: str) -> str:
            return self.query_one(f"#set-{fid}", Input).value.strip()

        checks = {
            "refresh_interval": lambda t: _number(t, 2, 3600, False, "refresh"),
            "units_interval": lambda t: _number(t, 10, 86400, False, "balance refresh"),
            "low_balance_threshold": lambda t: _number(t, 0, 10**12, True, "threshold"),
            # the account's real limit is ATL's to say; this only splits campaigns
            "max_recipients_per_task": lambda t: _number(t, 1, 10_000_000, True, "recipients per task"),
        }
        for fid, check in checks.items():
            try:
                values[fid] = check(get(fid))
            except ValueError as exc:
                errors[fid] = str(exc)
        profile = self._settings_profile()
        if profile is not None:
            title = get("default_title")
            if title and not _TITLE_RE.match(title):
                errors["default_title"] = "title: 1-11 letters, digits, space . _ -"
            elif title and profile.titles and title not in profile.titles:
                errors["default_title"] = f"title: not one of the profile's titles ({', '.join(profile.titles)})"
            else:
                values["default_title"] = title or None
        theme = self.query_one("#set-theme", Select).value
        if theme is Select.BLANK or theme not in self.app.available_themes:
            errors["theme"] = "theme: choose one from the list"
        else:
            values["theme"] = theme
        return values, errors

    def action_save(self) -> None:
        values, errors = self.validate()
        for fid in [f for f, _ in self.FIELDS] + ["theme"]:
            err = self.query_one(f"#err-{fid}", Static)
            err.update(literal(errors.get(fid, "")))
            err.display = fid in errors
        if errors:
            self.notify(f"{len(errors)} value(s) to fix; nothing saved.", severity="error")
            return
        self._save(values)

    @work(exclusive=True, group="settings-save", exit_on_error=False)
    async def _save(self, values: dict) -> None:
        app = self.app
        settings = app.settings
        prefs = settings.preferences
        prefs.refresh_interval = float(values["refresh_interval"])
        prefs.units_interval = float(values["units_interval"])
        prefs.low_balance_threshold = int(values["low_balance_threshold"])
        prefs.max_recipients_per_task = int(values["max_recipients_per_task"])
        prefs.theme = values["theme"]
        profile = self._settings_profile()
        if profile is not None and "default_title" in values:
            profile.default_title = values["default_title"]
            if app.session is not None:
                app.session.profile.default_title = values["default_title"]
        try:
            await asyncio.to_thread(settings.save)
        except OSError as exc:
            self.notify(f"Settings not saved: {exc}", severity="error", timeout=10)
            return
        app.apply_preferences()
        self.notify("Settings saved.", timeout=3)
        self.dismiss()

    def action_cancel(self) -> None:
        self.dismiss()
