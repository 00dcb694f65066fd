"""How long a whole call to ATL may take, retries included (the preferences
deadline_read, deadline_submit, deadline_detailed). Kept apart from the HTTP
client so that reading the settings does not load it."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .errors import ConfigError

__all__ = ["Deadlines"]


@dataclass(slots=True)
class Deadlines:
    """Overall seconds a call may take, whatever the server drips, retries
    included (preferences deadline_read, deadline_submit, deadline_detailed)."""

    read: float = 60.0  # units, report
    submit: float = 300.0
    detailed: float = 600.0

    def __post_init__(self) -> None:
        for name in ("read", "submit", "detailed"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
                raise ConfigError(
                    f"setting deadline_{name}={value!r}: expected a number of seconds above 0"
                )
