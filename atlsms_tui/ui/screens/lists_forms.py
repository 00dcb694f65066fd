"""The small modals the compose, dashboard and lists screens share: a few
named one-line inputs (:class:`FormScreen`) and a choice from a list
(:class:`PickScreen`), plus the one-line texts of a group or template
choice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from ...api.lists import GroupInfo, SavedTemplate
from ..literal import literal
from ..widgets.fields import Input
from .confirm import plural

__all__ = ["Field", "FormScreen", "PickScreen", "group_choice_text", "template_choice_text"]

CSS_FILE = "../lists.tcss"



@dataclass
class Field:
    key: str
    label: str
    placeholder: str = ""
    value: str = ""


class FormScreen(ModalScreen[dict[str, str] | None]):
    """A few one-line inputs; Enter on the last (or F5) returns their values
    by key, Escape returns None. The first field must not be empty."""

    CSS_PATH = CSS_FILE
    BINDINGS = [
        Binding("f5", "submit", "OK", id="form_ok"),
        Binding("escape", "cancel", "Cancel", id="form_cancel"),
    ]

    def __init__(self, title: str, fields: list[Field], note: str = "",
                 validate: Callable[[dict[str, str]], str | None] | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.fields = fields
        self.note = note
        self.validate = validate  # values -> error text or None (cheap checks only)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog -form"):
            yield Static(literal(self.title_text), classes="dialog-title")
            if self.note:
                yield Static(literal(self.note, lines=True), classes="dialog-text")
            for f in self.fields:
                with Horizontal(classes="form-field"):
                    yield Label(literal(f.label), classes="field-label")
                    yield Input(value=f.value, placeholder=f.placeholder, compact=True, id=f"f-{f.key}")
            yield Static("", id="form-error", classes="dialog-note")
            yield Static("Enter next/OK    Esc cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one(f"#f-{self.fields[0].key}", Input).focus()

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        keys = [f"f-{f.key}" for f in self.fields]
        i = keys.index(event.input.id or "")
        if i + 1 < len(keys):
            self.query_one(f"#{keys[i + 1]}", Input).focus()
        else:
            self.action_submit()

    def action_submit(self) -> None:
        values = {f.key: self.query_one(f"#f-{f.key}", Input).value for f in self.fields}
        if not values[self.fields[0].key].strip():
            self.query_one("#form-error", Static).update(literal(f"{self.fields[0].label}: required"))
            self.query_one(f"#f-{self.fields[0].key}", Input).focus()
            return
        error = self.validate(values) if self.validate else None
        if error:
            self.query_one("#form-error", Static).update(literal(error, lines=True))
            return
        self.dismiss(values)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PickScreen(ModalScreen[str | None]):
    """Choose one of ``choices`` ((id, text) pairs); Enter picks, Esc cancels."""

    CSS_PATH = CSS_FILE
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="pick_cancel")]

    def __init__(self, title: str, choices: list[tuple[str, str]], empty: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices
        self.empty = empty

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog -pick"):
            yield Static(literal(self.title_text), classes="dialog-title")
            yield OptionList(*(Option(literal(text), id=key) for key, text in self.choices), id="pick")
            if self.empty:
                yield Static(literal(self.empty, lines=True), classes="dialog-text")
            yield Static("↑↓ choose    Enter take    Esc cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#pick", OptionList).focus()

    @on(OptionList.OptionSelected, "#pick")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


def group_choice_text(g: GroupInfo) -> str:
    cols = f", columns {', '.join(g.columns)}" if g.columns else ""
    return f"{g.name}  ({plural(g.members, 'number')}{cols})"


def template_choice_text(t: SavedTemplate, width: int = 44) -> str:
    body = t.body.replace("\n", "⏎")
    if len(body) > width:
        body = body[: width - 1] + "…"
    return f"{t.name}: {body}"
