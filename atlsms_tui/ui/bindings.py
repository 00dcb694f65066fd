"""User key remaps: settings.bindings maps Binding ids to keys.

Every binding of the TUI carries an id so an operator whose terminal or tmux
swallows a key can move the action elsewhere ({"compose": "f5"})."""

from __future__ import annotations

import re

from textual.app import App

# Actions that send, settle, approve or change something: in monitor mode
# (--monitor, or a read_only profile) none is bound, shown or offered.
READ_ONLY_HIDDEN = frozenset({
    "compose", "lists", "send", "settle", "resume", "retry", "cancel_queued", "abandon", "reschedule",
    "approve", "reject", "proof", "followup_send", "followup_group",
})


def allowed(app: App, action: str) -> bool:
    """Whether ``action`` may run: not one of READ_ONLY_HIDDEN in monitor mode."""
    return not (getattr(app, "read_only", False) and action in READ_ONLY_HIDDEN)

# A key list as Textual writes it: "f5", "ctrl+s", "f5,ctrl+n".
_KEYS_RE = re.compile(r"^[a-z0-9_+\-]+(,[a-z0-9_+\-]+)*$")


def clean_keymap(bindings: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The usable entries, and a message for each one that is not."""
    keymap: dict[str, str] = {}
    problems: list[str] = []
    for binding_id, keys in (bindings or {}).items():
        keys_norm = str(keys).strip().lower().replace(" ", "")
        if not _KEYS_RE.match(keys_norm):
            problems.append(f"key binding {binding_id!r}: {keys!r} is not a key list like 'f5' or 'ctrl+s,f10'")
            continue
        keymap[str(binding_id)] = keys_norm
    return keymap, problems


def apply_keymap(app: App, bindings: dict[str, str]) -> list[str]:
    """Install the remaps; return the problems for the app to notify."""
    keymap, problems = clean_keymap(bindings)
    app.set_keymap(keymap)
    return problems
