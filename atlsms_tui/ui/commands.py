"""Command palette: every action reachable by name (ctrl+p).

Built from the bindings active on the screen the palette was opened from, so
each screen's actions appear without a list to keep in step, plus the app's
own actions that have no key on that screen. Opened with nothing typed, it
lists those first and Textual's own commands (theme, screenshot…) after:
Textual gathers its providers concurrently, so which came first was a race
the operator lost to "Keys" and "Maximize"."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.app import App
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen
from textual.system_commands import SystemCommandsProvider

# App actions always offered: (name, action, help).
APP_COMMANDS = [
    ("Compose a campaign", "compose", "Write and send a bulk or individual campaign"),
    ("Profiles", "profiles", "Add, edit, switch or remove account profiles"),
    ("Groups, templates, opt-outs", "lists", "Saved recipient groups, message templates and the opt-out list"),
    ("Settings", "settings", "Refresh intervals, low-balance threshold, default title, theme"),
    ("Refresh balance", "refresh_units", "Ask ATL for the remaining units now"),
    ("Help: keys of this screen", "help", "List the keys of the screen in front"),
    ("Quit", "quit", "Leave atlsms-tui"),
]

# Tab, copy: every screen binds them; they are not the screen's own actions.
_BASE_SCREEN_ACTIONS = {(b.action if isinstance(b, Binding) else b[1]) for b in Screen.BINDINGS}

Command = tuple[str, Callable[[], object], str]


class AtlSmsCommands(Provider):
    def _commands(self) -> list[Command]:
        """The screen's actions, then the app's, then the focused widget's."""
        app = self.app
        seen_actions: set[str] = set()
        tiers: tuple[list[Command], list[Command], list[Command]] = ([], [], [])
        hidden: list[Command] = []
        screen = self.screen
        for _key, active in screen.active_bindings.items():
            b = active.binding
            plain = b.action.removeprefix("app.")
            if not b.description or not active.enabled or plain in seen_actions:
                continue
            if plain == "command_palette":
                continue
            seen_actions.add(plain)
            name = f"{b.description} ({app.get_key_display(b)})"
            own = active.node is screen and b.action not in _BASE_SCREEN_ACTIONS
            tier = 0 if own else 1 if isinstance(active.node, App) else 2
            entry = (name, partial(app.run_action, b.action, active.node), b.tooltip or "")
            # the footer's keys first, in its order: the screen's main actions
            (tiers[tier] if b.show or tier else hidden).append(entry)
        for name, action, help_text in APP_COMMANDS:
            if action in seen_actions or not app.check_action(action, ()):
                continue
            tiers[1].append((name, partial(app.run_action, action, app), help_text))
        return [*tiers[0], *hidden, *tiers[1], *tiers[2]]

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)
        ours = {name.split(" (")[0].lower() for name, _, _ in self._commands()}
        for name, help_text, callback, discover in self.app.get_system_commands(self.screen):
            if discover and name.lower() not in ours:
                yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)


class TextualCommands(SystemCommandsProvider):
    """Textual's own commands, found by typing; listed after the app's
    actions (by AtlSmsCommands.discover) when nothing is typed."""

    async def discover(self) -> Hits:
        return
        yield
