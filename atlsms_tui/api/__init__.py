"""The core API: the only part of the core that the CLI and the TUI import.

``Core`` is one profile's open session: its sub-APIs (``sending``,
``reports``, ``lists``, ``profiles``) are async; whatever blocks (SQLite,
files, key rings) runs in a thread inside them, never in a face. A profile
switch gives a new ``Core``.

Value types, errors and the pure rules (text, numbers, Baku time) are
re-exported by ``api.models``, ``api.errors`` and ``api.rules``. Every name
here loads on first use (see ``api.lazy``), so a command that needs none of
the session starts without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .lazy import lazy_names

if TYPE_CHECKING:
    from .core import Core, open_core, open_core_async, open_journal

__all__ = ["Core", "open_core", "open_core_async", "open_journal"]

__getattr__, __dir__ = lazy_names(globals(), {name: f"{__name__}.core:{name}" for name in __all__})
