"""The key footer: keys in the screen's order, rebuilt only when what it
shows changes.

Textual's ``Footer`` lists the focused widget's keys first and recomposes on
every focus change. On the compose screen the message field binds F6/F7
itself (over TextArea's own F6/F7), so Tab between fields moved F6/F7 from
the middle of the footer to its front and back, and each rebuild restyled
every key: about 35 ms on a loaded jump host, paid by the first key typed
after a Tab. Here the keys keep the order their screen (then the app)
declares, and a focus change that leaves the keys as they were rebuilds
nothing.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

# (binding, enabled, tooltip): one key of the footer
_Key = tuple[Binding, bool, str]


def _action_name(action: str) -> str:
    """``screen.groups`` and ``groups`` are the same action for ordering."""
    return action.rpartition(".")[2]


def _declared(bindings: list[BindingType]) -> list[str]:
    names = []
    for b in bindings:
        action = b.action if isinstance(b, Binding) else b[1]
        names.append(_action_name(action))
    return names


class KeyFooter(Footer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple[object, ...] | None = None

    def _keys(self) -> tuple[list[_Key], _Key | None]:
        """The keys to show, one per action (its innermost binding, as
        Textual's footer does), in declared order; and the palette key."""
        app, screen = self.app, self.screen
        active = screen.active_bindings
        by_action: dict[str, _Key] = {}
        for _node, binding, enabled, tooltip in active.values():
            if binding.show and binding.action not in by_action:
                by_action[binding.action] = (binding, enabled, tooltip)
        order = _declared(list(type(screen).BINDINGS)) + _declared(list(type(app).BINDINGS))
        rank = {name: i for i, name in reversed(list(enumerate(order)))}
        # keys only the focused widget binds come first, as in Textual's footer
        keys = sorted(by_action.values(), key=lambda k: rank.get(_action_name(k[0].action), -1))
        palette = None
        if self.show_command_palette and app.ENABLE_COMMAND_PALETTE and app.COMMAND_PALETTE_BINDING in active:
            _node, binding, enabled, tooltip = active[app.COMMAND_PALETTE_BINDING]
            palette = (binding, enabled, tooltip)
        return keys, palette

    def _signature(self, keys: list[_Key], palette: _Key | None) -> tuple[object, ...]:
        app = self.app

        def shown(key: _Key) -> tuple[object, ...]:
            binding, enabled, tooltip = key
            return binding.key, app.get_key_display(binding), binding.description, enabled, tooltip, binding.tooltip

        return tuple(shown(k) for k in keys), None if palette is None else shown(palette), self.compact

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        keys, palette = self._keys()
        if any(binding.group is not None for binding, _, _ in keys):
            # grouped keys (none of ours so far) are laid out by Textual
            self._shown = None
            yield from super().compose()
            return
        self._shown = self._signature(keys, palette)
        self.styles.grid_size_columns = len(keys)
        for binding, enabled, tooltip in keys:
            yield FooterKey(binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                            disabled=not enabled, tooltip=tooltip).data_bind(compact=Footer.compact)
        if palette is not None:
            binding, enabled, _tooltip = palette
            yield FooterKey(binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                            classes="-command-palette", disabled=not enabled,
                            tooltip=binding.tooltip or binding.description)

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if (self._bindings_ready and self.is_attached and screen is self.screen and self._shown is not None
                and self._signature(*self._keys()) == self._shown):
            return
        super().bindings_changed(screen)
