"""ComposePart: the base of the pieces ComposeScreen is assembled from."""

from __future__ import annotations

from textual.screen import Screen


class ComposePart(metaclass=type(Screen)):
    """One slice of ComposeScreen's behaviour; the state lives on the screen.

    Built with Textual's own metaclass because that is what collects @on
    handlers: on a plain mixin they would be silently ignored."""
