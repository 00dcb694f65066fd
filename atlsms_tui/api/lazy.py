"""Names a module re-exports but loads on first use (PEP 562).

A command that only prints paths must not pay for the HTTP client, the
numbering plan and the service: the CLI's start-up time is the sum of what
its first imports drag in. The re-exporting module lists its names in a
table and keeps real imports under ``TYPE_CHECKING`` for the type checker.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(namespace: dict[str, Any], table: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for the module whose ``globals()`` is
    ``namespace``: each name in ``table`` maps to ``"package.module"`` (the
    module itself) or ``"package.module:attribute"``, imported when first
    asked for and then kept in the module's namespace."""
    module = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        target = table.get(name)
        if target is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        source, _, attribute = target.partition(":")
        value = importlib.import_module(source)
        if attribute:
            value = getattr(value, attribute)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(table))

    return __getattr__, __dir__
