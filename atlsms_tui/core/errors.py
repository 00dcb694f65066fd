"""Typed errors of the core. Each carries a message fit to show an operator."""

from __future__ import annotations

from . import codes


class AtlSmsError(Exception):
    """Base of every error the core raises on purpose."""

    exit_code = 1


class InputError(AtlSmsError):
    """Bad input from the operator; nothing was sent."""

    exit_code = 2


class ReadOnly(InputError):
    """Monitor mode (``--monitor`` or the profile's ``read_only``): nothing
    may be sent, settled or changed."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} refused: monitor mode is read-only (--monitor, or the profile's "
                         "read_only setting); use a profile without read_only to act")


class ConfigError(AtlSmsError):
    """Settings, profile or credentials are missing or unsafe."""

    exit_code = 2


class ApiError(AtlSmsError):
    """The API answered with a response code other than success."""

    exit_code = 1

    def __init__(self, code: str, operation: str = "") -> None:
        self.code = code
        self.operation = operation
        self.wording = codes.describe(code)
        self.advice = codes.ADVICE.get(code, "")
        super().__init__(f"error {code}: {self.wording}")


class TransportError(AtlSmsError):
    """The server could not be reached or its answer could not be read."""

    exit_code = 3

    def __init__(self, message: str, *, nothing_sent: bool = False) -> None:
        self.nothing_sent = nothing_sent
        super().__init__(message)


class ProtocolError(TransportError):
    """An answer arrived but is not the XML the API speaks."""

    def __init__(self, message: str) -> None:
        super().__init__(message, nothing_sent=False)


class NotFoundError(AtlSmsError):
    exit_code = 2


class LocalError(AtlSmsError):
    """A problem on this machine (store, disk, permissions, proxy or URL
    settings) that stopped the command before any request could leave.
    The message names the file or setting and the fix."""

    exit_code = 6


def proves_nothing_sent(error: BaseException | None) -> bool:
    """Whether an error escaping a send proves that no request left: bad
    input or a local problem found before the request, or a connection that
    was refused outright. Anything else may have come after the request
    left, and the send is then "outcome unknown", never "not sent"."""
    if isinstance(error, TransportError):
        return error.nothing_sent
    return isinstance(error, (InputError, ConfigError, LocalError, NotFoundError))
