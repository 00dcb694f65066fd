"""The preferences: one table of names, types, ranges and help text.

The table is the single source: ``load_settings`` checks the settings file
and every ``ATLSMS_<NAME>`` override against it once, at load, and the TUI's
settings screen builds its form from it. Code that uses a preference trusts
it; nobody clamps at the point of use.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Literal

# "argv": a command and its arguments, a JSON list of strings (never a shell line)
Kind = Literal["int", "float", "str", "argv"]
Value = int | float | str | list[str]


@dataclass(frozen=True, slots=True)
class Spec:
    """One preference: its type, range and what it means."""

    name: str
    kind: Kind
    help: str
    label: str = ""  # on the settings screen; "" keeps it off the form
    low: float | None = None
    high: float | None = None
    low_open: bool = False  # the range excludes ``low`` ("more than 0")
    choices: tuple[str, ...] = ()  # a "str" limited to these words

    @property
    def variable(self) -> str:
        return f"ATLSMS_{self.name.upper()}"

    def allowed(self) -> str:
        """The range in words: "a number from 2 to 3600"."""
        if self.kind == "argv":
            return 'a JSON list of strings, the command and its arguments (e.g. ["notify-send", "SMS"]); [] for none'
        if self.choices:
            return "one of " + ", ".join(self.choices)
        noun = {"int": "a whole number", "float": "a number", "str": "text"}[self.kind]
        low, high = _number(self.low), _number(self.high)
        if self.low is not None and self.high is not None:
            if self.low_open:
                return f"{noun} more than {low}, at most {high}"
            return f"{noun} from {low} to {high}"
        if self.low is not None:
            return f"{noun} more than {low}" if self.low_open else f"{noun} of at least {low}"
        return noun

    def check(self, value: object) -> Value:
        """``value`` if it has the type and is in range, else ValueError
        saying what is allowed (the caller names where it came from)."""
        if self.kind == "argv":
            return _argv(value, self.allowed())
        if self.kind == "str":
            if not isinstance(value, str) or (self.choices and value not in self.choices):
                raise ValueError(f"expected {self.allowed()}")
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"expected {self.allowed()}")
        if self.kind == "int":
            if isinstance(value, float):
                if not value.is_integer():
                    raise ValueError(f"expected {self.allowed()}")
                value = int(value)
        else:
            value = float(value)
            if not math.isfinite(value):
                raise ValueError(f"expected {self.allowed()}")
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            raise ValueError(f"expected {self.allowed()}")
        if self.high is not None and value > self.high:
            raise ValueError(f"expected {self.allowed()}")
        return value

    def parse(self, text: str) -> Value:
        """``text`` as typed in the environment or a form, checked."""
        if self.kind == "argv":
            try:
                doc = json.loads(text) if text.strip() else []
            except json.JSONDecodeError as exc:
                raise ValueError(f"not JSON ({exc.msg} at character {exc.pos}): expected {self.allowed()}") from None
            return self.check(doc)
        text = text.strip() if self.kind != "str" else text
        if self.kind == "str":
            return self.check(text)
        try:
            number: int | float = int(text) if self.kind == "int" else float(text)
        except ValueError:
            raise ValueError(f"expected {self.allowed()}") from None
        return self.check(number)


def _argv(value: object, allowed: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(a, str) for a in value):
        raise ValueError(f"expected {allowed}")
    if value and not value[0].strip():
        raise ValueError(f"the command (first item) is empty: expected {allowed}")
    if any("\0" in a for a in value):
        raise ValueError(f"an argument holds a NUL character: expected {allowed}")
    return list(value)


def _number(x: float | None) -> str:
    if x is None:
        return ""
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:g}"


@dataclass
class Preferences:
    refresh_interval: float = 15.0
    units_interval: float = 60.0
    low_balance_threshold: int = 1000
    theme: str = "textual-dark"
    max_recipients_per_task: int = 50_000
    repeat_guard_share: float = 0.9
    repeat_guard_hours: float = 24.0
    journal_busy_timeout: float = 15.0
    deadline_read: float = 60.0
    deadline_submit: float = 300.0
    deadline_detailed: float = 600.0
    max_segments: int = 10
    max_polls_per_second: float = 2.0
    quiet_hours: str = "21:00-09:00"
    proof_numbers: str = ""
    require_proof_above: int = 0
    approval_above: int = 0
    notify_command: list[str] = field(default_factory=list)
    desktop_notify: str = "auto"
    team_dir: str = ""


_DAY = 86_400.0
_MANY = 10.0**12

PREFERENCES: tuple[Spec, ...] = (
    Spec("refresh_interval", "float", "seconds between dashboard refresh rounds",
         "Dashboard refresh (s)", 2, 3600),
    Spec("units_interval", "float", "seconds between balance refreshes", "Balance refresh (s)", 5, _DAY),
    Spec("low_balance_threshold", "int", "the balance is shown as low under this many units",
         "Low-balance warning", 0, _MANY),
    Spec("theme", "str", "the TUI's colour theme"),
    # the account's real limit is ATL's to say; this only splits campaigns
    Spec("max_recipients_per_task", "int", "a campaign is split into tasks of at most this many recipients",
         "Recipients per task", 1, 10_000_000),
    Spec("repeat_guard_share", "float", "a send is refused when this share of its recipients got the same "
         "title and text accepted within repeat_guard_hours", "", 0, 1),
    Spec("repeat_guard_hours", "float", "the repeat guard's window in hours (0 turns it off)", "", 0, 24 * 366),
    Spec("journal_busy_timeout", "float", "seconds a journal write waits for another instance's transaction",
         "", 0.1, 3600),
    Spec("deadline_read", "float", "overall seconds a units or report request may take", "", 0, _DAY,
         low_open=True),
    Spec("deadline_submit", "float", "overall seconds a submit may take", "", 0, _DAY, low_open=True),
    Spec("deadline_detailed", "float", "overall seconds a detailed report may take", "", 0, _DAY,
         low_open=True),
    # a 10 MB message file would otherwise go out as tens of thousands of segments each
    Spec("max_segments", "int", "a longer message is refused before it is journalled", "", 1, 1000),
    Spec("max_polls_per_second", "float", "the ceiling on report requests per second, however many tasks "
         "are live", "", 0, 1000, low_open=True),
    Spec("quiet_hours", "str", "no sends in this Baku-time window, e.g. 21:00-09:00 (\"off\": none)"),
    Spec("proof_numbers", "str", "staff numbers a proof goes to, comma-separated"),
    Spec("require_proof_above", "int", "a campaign over this many recipients needs an accepted proof of its "
         "exact text first (0: never)", "", 0, _MANY),
    Spec("approval_above", "int", "a campaign over this many recipients waits for a second operator's "
         "approval (0: never)", "", 0, _MANY),
    Spec("notify_command", "argv", "a command run (without a shell) when a campaign finishes, fails or becomes "
         "uncertain, or the balance falls under low_balance_threshold; the event is in ATLSMS_* variables"),
    Spec("desktop_notify", "str", "desktop notifications from the TUI: auto (the escape the terminal is known to "
         "show, none for an unknown one), osc9, osc777 or off", choices=("auto", "osc9", "osc777", "off")),
    # config and credentials stay each operator's own, whatever this says
    Spec("team_dir", "str", "a directory the team's operators share for the journal (mode 2770, owned by "
         "their group); empty: the journal is yours alone"),
)

SPECS: dict[str, Spec] = {s.name: s for s in PREFERENCES}

# Preferences a profile may set for itself (ATLSMS_<NAME> overrides both).
RAIL_SETTINGS = ("quiet_hours", "proof_numbers", "require_proof_above", "approval_above")
