"""The errors the core raises, for the faces to catch and describe.

The base classes come from ``core.errors`` at once (every command catches
them); the ones defined beside the flows that raise them load on first use,
so catching an error does not import the service."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.errors import (
    ApiError,
    AtlSmsError,
    ConfigError,
    InputError,
    LocalError,
    NotFoundError,
    ProtocolError,
    ReadOnly,
    TransportError,
    proves_nothing_sent,
)
from .lazy import lazy_names

if TYPE_CHECKING:
    from ..core.proof import ProofRequired
    from ..core.quiet_hours import QuietHoursError
    from ..core.repeat_guard import RepeatError
    from ..core.send_plan import EveryoneOptedOut
    from ..core.service import NotQueued, SenderBusy, WrongAccount
    from ..core.store import journal_problem

__all__ = [
    "ApiError", "AtlSmsError", "ConfigError", "EveryoneOptedOut", "InputError", "LocalError", "NotFoundError",
    "NotQueued", "ProofRequired", "ProtocolError", "QuietHoursError", "ReadOnly", "RepeatError", "SenderBusy", "TransportError",
    "WrongAccount", "journal_problem", "proves_nothing_sent",
]

__getattr__, __dir__ = lazy_names(globals(), {
    "ProofRequired": "atlsms_tui.core.proof:ProofRequired",
    "QuietHoursError": "atlsms_tui.core.quiet_hours:QuietHoursError",
    "RepeatError": "atlsms_tui.core.repeat_guard:RepeatError",
    "EveryoneOptedOut": "atlsms_tui.core.send_plan:EveryoneOptedOut",
    "NotQueued": "atlsms_tui.core.service:NotQueued",
    "SenderBusy": "atlsms_tui.core.service:SenderBusy",
    "WrongAccount": "atlsms_tui.core.service:WrongAccount",
    "journal_problem": "atlsms_tui.core.store:journal_problem",
})
