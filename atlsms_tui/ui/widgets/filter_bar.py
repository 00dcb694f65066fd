"""The ``/`` filter of the dashboard and the list screens: a one-line field,
hidden until opened, that narrows the rows as one types.

The text is matched literally and case-insensitively (``matches``): no
regular expression, so a ``+994`` or a ``(`` means what it says. Enter hands
the keys back to the table and keeps the filter; Esc clears it and hides the
field. Screens listen to ``FilterBar.FilterChanged``
(and ``FilterDone``: give the table the focus back)."""

from __future__ import annotations

from collections.abc import Iterable

from textual import on
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Label

from .fields import Input

__all__ = ["FilterBar", "matches"]


def matches(needle: str, fields: Iterable[object]) -> bool:
    """Whether ``needle`` is in any of ``fields`` (case-insensitive, literal;
    an empty needle matches everything, a None field nothing)."""
    folded = needle.strip().casefold()
    if not folded:
        return True
    return any(folded in str(f).casefold() for f in fields if f is not None)


class _Field(Input):
    def allow_focus(self) -> bool:
        # hidden, it must not take the keys (a screen's first focus, Tab)
        return self.parent is not None and self.parent.display and super().allow_focus()


class FilterBar(Horizontal):
    DEFAULT_CSS = """
    FilterBar { height: 1; margin: 0 1; display: none; }
    FilterBar > Label { width: auto; padding: 0 1 0 0; color: $text-accent; }
    FilterBar > Input { width: 1fr; }
    """
    BINDINGS = [Binding("escape", "clear_filter", "Clear filter", id="filter_clear", show=False)]

    class FilterChanged(Message):
        """The filter text changed (``text``: "" when cleared)."""

        def __init__(self, bar: FilterBar, text: str) -> None:
            super().__init__()
            self.bar = bar
            self.text = text

        @property
        def control(self) -> FilterBar:
            return self.bar

    class FilterDone(Message):
        """The operator is done typing (Enter, or Esc): the table takes the keys."""

        def __init__(self, bar: FilterBar) -> None:
            super().__init__()
            self.bar = bar

        @property
        def control(self) -> FilterBar:
            return self.bar

    def __init__(self, placeholder: str = "Esc clears", *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(Label("/ filter:"), _Field(placeholder=placeholder, compact=True), id=id)

    @property
    def field(self) -> Input:
        return self.query_one(_Field)

    @property
    def text(self) -> str:
        """The filter in force ("" when none)."""
        return self.field.value.strip()

    @property
    def active(self) -> bool:
        return bool(self.text)

    def open(self) -> None:
        """Show the field and give it the keys."""
        self.display = True
        self.field.focus()

    def clear_filter(self) -> bool:
        """Empty and hide the field; False when there was nothing to clear."""
        field = self.field
        had = self.display or bool(field.value)
        self.display = False
        if field.value:
            field.value = ""  # Input.Changed follows: the screen hears FilterChanged("")
        return had

    def action_clear_filter(self) -> None:
        self.clear_filter()
        self.post_message(self.FilterDone(self))

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.FilterChanged(self, event.value.strip()))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value.strip():
            self.display = False
        self.post_message(self.FilterDone(self))
