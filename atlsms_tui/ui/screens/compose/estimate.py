"""The Estimate line: what the campaign costs against the balance."""

from __future__ import annotations

from textual.widgets import Static

from ...literal import literal, markup
from ...modals.wording import plural


class EstimateBar(Static):
    """``show`` is given the figures; the bar only words them."""

    DEFAULT_CSS = """
    EstimateBar {
        height: 1;
        padding: 0 1;
        background: $boost;
    }
    EstimateBar.-short {
        color: $error;
        text-style: bold;
    }
    """

    def show(self, head: str, units: int, balance: int | None) -> None:
        """``head`` says what is counted ("3 × 1 segment"); ``units`` its cost."""
        if balance is None:
            tail = "balance not known yet"
            short = False
        else:
            after = balance - units
            short = after < 0
            tail = f"balance {balance:,} → [b]{after:,}[/] after" + ("  NOT ENOUGH UNITS" if short else "")
        self.update(markup(f"Estimate: $head = [b]{plural(units, 'unit')}[/] · {tail}", head=head))
        self.set_class(short, "-short")


class ErrorLine(Static):
    """The form's errors, each once, keyed by the field they belong to."""

    DEFAULT_CSS = """
    ErrorLine {
        display: none;
        height: auto;
        max-height: 2;
        padding: 0 1;
        color: $error;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._errors: dict[str, str] = {}

    def get(self, key: str) -> str:
        return self._errors.get(key, "")

    def set(self, key: str, error: str) -> None:
        if error:
            self._errors[key] = error
        else:
            self._errors.pop(key, None)
        shown = list(dict.fromkeys(self._errors.values()))  # the same text once
        self.update(literal(" · ".join(shown), lines=True))
        self.display = bool(shown)

    def clear(self) -> None:
        self._errors.clear()
        self.set("", "")
