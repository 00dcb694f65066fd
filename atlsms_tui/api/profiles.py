"""Profiles, login and settings: one flow for the CLI's ``login`` and the
TUI's setup form and profile list.

A profile is saved with ``save_profile``: its fields checked, its login
tested against ATL (a units request) unless ``verify`` is off, the password
stored first (a profile never exists without one), then the settings file.
Everything that touches a file runs in a thread here, never in a face.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..core import paths
from ..core.credentials import forget_password, load_password, store_password
from ..core.endpoint import check_api_url, redact_url
from ..core.errors import ConfigError, InputError
from ..core.preferences import PREFERENCES, SPECS, Preferences, Spec
from ..core.secret import Secret
from ..core.settings import (
    DEFAULT_API_URL,
    Profile,
    ResolvedProfile,
    Settings,
    deadlines_of,
    load_settings,
    store_location,
)
from ..core.titles import MAX_TITLE, title_problem

if TYPE_CHECKING:
    from ..core.session import Session

__all__ = [
    "DEFAULT_API_URL", "DEFAULT_PROFILE", "MAX_TITLE", "PREFERENCES", "SPECS", "Preferences", "Profile",
    "Profiles", "ResolvedProfile", "SavedProfile", "Secret", "Settings", "Spec", "check_api_url",
    "credentials_advice", "forget_profile", "load_settings", "load_settings_async", "locations",
    "name_problem", "pick_default_title", "redact_url", "save_profile", "save_settings", "set_current",
    "title_problem", "verify_login",
]

# What the CLI's `login` and the TUI's first-run form both call a new profile.
DEFAULT_PROFILE = "main"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")

# The login test should answer quickly: one retry, short waits.

_T = TypeVar("_T")


async def _in_thread(fn: Callable[..., _T], *args: Any) -> _T:
    """``asyncio.to_thread``, imported by the first caller that awaits: a
    command that only prints paths starts without an event loop."""
    import asyncio

    return await asyncio.to_thread(fn, *args)


@dataclass(frozen=True, slots=True)
class SavedProfile:
    profile: Profile
    units: int | None  # the balance the login test returned; None: not tested
    warning: str | None = None  # plain http to another machine, allowed: say so on every use
    current: bool = False  # it became the profile used at start


@dataclass(frozen=True, slots=True)
class _Form:
    name: str
    login: str
    api_url: str
    titles: list[str] = field(default_factory=list)


def name_problem(name: str) -> str | None:
    if not _NAME.fullmatch(name):
        return "profile name: letters, digits, '.', '_' or '-', up to 32 characters"
    return None


def pick_default_title(titles: Sequence[str], wanted: str | None, old: str | None) -> str | None:
    """The profile's default title: ``wanted`` if given, else the old one
    while it is still among ``titles``, else the first title."""
    if wanted:
        return wanted
    if old and (not titles or old in titles):
        return old
    return titles[0] if titles else None


def credentials_advice(profile: str | None = None) -> str:
    """What to check when ATL refuses the login (error 105), where the
    credentials really came from: the environment, or a stored profile."""
    if os.environ.get("ATLSMS_LOGIN") or os.environ.get("ATLSMS_PASSWORD"):
        return "Check ATLSMS_LOGIN and ATLSMS_PASSWORD: this run takes its credentials from them."
    if profile is None:
        return "Check the profile's login and password (p in the TUI, or `atlsms-tui login`)."
    return (f"Check the login and password of profile {profile!r} (p in the TUI, or "
            f"`atlsms-tui login --profile {profile}`).")


def locations() -> dict[str, Path]:
    """Where this user's files are."""
    return {"settings": paths.settings_file(), "credentials": paths.credentials_file(),
            "journal": store_location()[0], "demo data": paths.demo_dir()}


async def load_settings_async() -> Settings:
    return await _in_thread(load_settings)


async def save_settings(settings: Settings) -> None:
    await _in_thread(settings.save)


async def verify_login(api_url: str, login: str, password: Secret, *, allow_insecure_http: bool = False,
                       tls_legacy: bool = False, preferences: Preferences | None = None) -> int:
    """The account's units if ATL accepts ``login``/``password``; raises
    ApiError (refused), TransportError, ProtocolError, ConfigError (URL)."""
    # the HTTP client loads here, not with the module: `locate` needs none
    from ..core.client import AtlClient, RetryPolicy, Timeouts

    client = AtlClient(api_url, login, password,
                       timeouts=Timeouts(connect=10.0, read=20.0, write=20.0, pool=10.0),
                       retry=RetryPolicy(attempts=2, base=0.2, cap=1.0),
                       allow_insecure_http=allow_insecure_http, tls_legacy=tls_legacy,
                       deadlines=deadlines_of(preferences or Preferences()))
    try:
        return await client.units()
    finally:
        await client.aclose()


def _check(name: str, login: str, api_url: str, titles: Sequence[str], default_title: str | None) -> None:
    problem = name_problem(name)
    if problem is None and not login.strip():
        problem = "login is empty"
    if problem is None and not api_url.startswith(("https://", "http://")):
        problem = "API URL must start with https://"
    for title in titles:
        problem = problem or title_problem(title)
    if problem is None and default_title:
        problem = title_problem(default_title)
        if problem is None and titles and default_title not in titles:
            problem = f"default title {default_title!r} is not one of the titles ({', '.join(titles)})"
    if problem:
        raise InputError(problem)


async def save_profile(name: str, login: str, password: Secret | None, api_url: str = DEFAULT_API_URL,
                       titles: Sequence[str] = (), default_title: str | None = None, *, verify: bool = True,
                       settings: Settings | None = None, allow_insecure_http: bool = False,
                       tls_legacy: bool | None = None) -> SavedProfile:
    """Check, test (``verify``) and store a profile. ``password`` None keeps
    the stored one (editing a profile). ``settings``: the object the caller
    holds (the running app's), updated in place; else loaded here. Raises
    InputError (a field), ConfigError (URL, no stored password) or what
    ATL or the network answered to the test; nothing is saved then."""
    titles = [t.strip() for t in titles if t.strip()]
    name, login, api_url = name.strip(), login.strip(), api_url.strip()
    _check(name, login, api_url, titles, default_title)
    if settings is None:
        settings = await load_settings_async()
    old = settings.profiles.get(name)
    allow_insecure_http = allow_insecure_http or bool(old and old.allow_insecure_http)
    legacy = tls_legacy if tls_legacy is not None else bool(old and old.tls_legacy)
    warning = check_api_url(api_url, allow_insecure_http=allow_insecure_http)
    if password is None or not password:
        if old is None:
            raise InputError("password is empty")
        password = await _in_thread(load_password, name)
        if password is None:
            raise ConfigError(f"no password is stored for profile {name!r}: give it")
    units = None
    if verify:
        units = await verify_login(api_url, login, password, allow_insecure_http=allow_insecure_http,
                                   tls_legacy=legacy, preferences=settings.preferences)
    profile = Profile(name=name, login=login, api_url=api_url, titles=titles,
                      default_title=pick_default_title(titles, default_title, old.default_title if old else None),
                      allow_insecure_http=warning is not None, tls_legacy=legacy)
    if old is not None:  # what the form does not edit stays
        for rail in ("quiet_hours", "proof_numbers", "require_proof_above", "approval_above"):
            setattr(profile, rail, getattr(old, rail))
    becomes_current = not settings.current or settings.current not in settings.profiles

    def write() -> None:
        # the password first: a profile is never saved without one
        store_password(name, password)
        settings.profiles[name] = profile
        if becomes_current:
            settings.current = name
        settings.save()

    await _in_thread(write)
    return SavedProfile(profile, units, warning, becomes_current)


async def set_current(settings: Settings, name: str) -> None:
    """``name`` becomes the profile used at start."""
    if name not in settings.profiles:
        raise ConfigError(f"no profile named {name!r} (known: {', '.join(sorted(settings.profiles))})")
    if settings.current != name:
        settings.current = name
        await save_settings(settings)


async def forget_profile(settings: Settings, name: str) -> None:
    """Remove a profile and its stored password; its campaigns stay in the journal."""
    def remove() -> None:
        settings.profiles.pop(name, None)
        if settings.current == name:
            settings.current = sorted(settings.profiles)[0] if settings.profiles else None
        settings.save()
        forget_password(name)

    await _in_thread(remove)


class Profiles:
    """The open session's profile and settings."""

    def __init__(self, session: Session) -> None:
        self._session = session

    @property
    def current(self) -> ResolvedProfile:
        return self._session.profile

    @property
    def settings(self) -> Settings:
        return self._session.settings

    async def save_settings(self) -> bool:
        """Write the settings (preferences, default title) to their file;
        False for a demo run, whose changes last for the run only and never
        reach the operator's real settings file."""
        if self._session.demo:
            return False
        await save_settings(self._session.settings)
        return True

    def advice(self) -> str:
        """What to check when ATL refuses this session's login."""
        return credentials_advice(None if self._session.demo else self._session.profile.name)
