"""The header every screen shows on top."""

from __future__ import annotations

from textual.widget import Widget
from textual.widgets import Static


def app_header() -> Widget:
    """A's BalanceHeader, or a plain line while it does not exist yet.

    Imported lazily so this module loads even when the header is missing.
    """
    try:
        from ...widgets.header import BalanceHeader
    except ImportError:
        return Static("atlsms-tui", id="fallback-header")
    return BalanceHeader()
