"""Command palette: every action reachable by name (ctrl+p).

Built from the bindings active on the screen the palette was opened from, so
each screen's actions appear without a list to keep in step, plus the app's
own actions that have no key on that screen."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

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


class AtlSmsCommands(Provider):
    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app = self.app
        seen_actions: set[str] = set()
        out: list[tuple[str, Callable[[], object], str]] = []
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
            out.append((name, partial(app.run_action, b.action, active.node), b.tooltip or ""))
        for name, action, help_text in APP_COMMANDS:
            if action in seen_actions or not app.check_action(action, ()):
                continue
            out.append((name, partial(app.run_action, action, app), help_text))
        return out

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
