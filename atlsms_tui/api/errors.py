"""The errors the core raises, for the faces to catch and describe."""

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
