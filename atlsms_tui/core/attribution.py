"""Who sent something, and from where: recorded on every submission and
campaign, so that a journal shared by a team says whose work each row is.

The operator is the Unix login name as ``getpass.getuser()`` gives it
(LOGNAME, USER, LNAME, USERNAME, then the password database): approvals
use the same name, so there is one answer to "who is at the keyboard".
The ATL account is the profile and its login, never its password.
"""

from __future__ import annotations

import getpass
import os
import socket
from dataclasses import dataclass

from .errors import InputError


def operator() -> str:
    """Who is at the keyboard: the Unix login name."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = ""
    if not name.strip():
        raise InputError("cannot tell who you are: set LOGNAME or USER")
    return name


def host() -> str:
    try:
        return socket.gethostname()
    except OSError:
        return ""


def ssh_from() -> str | None:
    """The address an SSH session came from (the first field of SSH_CLIENT)."""
    fields = (os.environ.get("SSH_CLIENT") or "").split()
    return fields[0] if fields else None


@dataclass(frozen=True, slots=True)
class Attribution:
    user: str
    host: str
    ssh_from: str | None = None
    profile: str | None = None
    login: str | None = None

    @property
    def label(self) -> str:
        """"user@host", the short form shown next to a row and exported."""
        return f"{self.user}@{self.host}" if self.host else self.user

    def as_json(self) -> dict[str, str | None]:
        return {"user": self.user, "host": self.host, "ssh_from": self.ssh_from, "profile": self.profile,
                "login": self.login}


def current(profile: str | None = None, login: str | None = None) -> Attribution:
    """This process's operator, host and SSH origin, for ``profile``/``login``.
    A user the system cannot name (a container without a passwd entry) is
    recorded by uid rather than stopping the send."""
    try:
        user = operator()
    except InputError:
        user = f"uid {os.getuid()}"
    return Attribution(user, host(), ssh_from(), profile, login)


def from_row(user: str | None, host_: str | None, ssh: str | None, profile: str | None,
             login: str | None) -> Attribution | None:
    """A stored attribution; None for a row journalled before they were kept."""
    if user is None:
        return None
    return Attribution(user, host_ or "", ssh, profile, login)
