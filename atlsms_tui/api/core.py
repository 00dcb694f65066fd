"""``Core``: one open session (profile, journal, client) and its sub-APIs."""

from __future__ import annotations

import asyncio
from typing import Any

from ..core.models import Units
from ..core.notify import Notifier
from ..core.session import Session, open_session
from ..core.settings import ResolvedProfile, Settings, store_location
from ..core.store import Store
from .lists import Lists
from .profiles import Profiles
from .reports import Reports
from .sending import Sending


class Core:
    def __init__(self, session: Session, *, read_only: bool = False) -> None:
        """``read_only``: monitor mode (--monitor) whatever the profile says;
        every action that sends or changes the journal raises ReadOnly."""
        self._session = session
        if read_only:
            session.profile.read_only = True
        self.sending = Sending(session)
        self.reports = Reports(session)
        self.lists = Lists(session.store, read_only=session.profile.read_only)
        self.profiles = Profiles(session)

    def __repr__(self) -> str:
        return f"Core(profile={self.profile.name!r})"

    @property
    def profile(self) -> ResolvedProfile:
        return self._session.profile

    @property
    def settings(self) -> Settings:
        return self._session.settings

    @property
    def alerts(self) -> Notifier:
        """Campaigns settled and a low balance: ``listen`` to show them
        (the session runs the notify_command itself)."""
        return self._session.service.notifier

    @property
    def demo(self) -> bool:
        return self._session.demo

    @property
    def read_only(self) -> bool:
        """Monitor mode: look, never act."""
        return self._session.profile.read_only

    @property
    def recovered(self) -> list[str]:
        """Controlids a previous run left in flight, settled at open."""
        return self._session.recovered

    async def units(self) -> Units:
        return await self._session.service.units()

    def cached_units(self) -> Units | None:
        return self._session.service.cached_units()

    async def cached_units_async(self) -> Units | None:
        """The last balance the journal holds, without asking ATL."""
        return await asyncio.to_thread(self._session.service.cached_units)

    @property
    def session(self) -> Session:
        """The open session itself, for the screens not yet on the sub-APIs."""
        return self._session

    async def aclose(self) -> None:
        await self._session.aclose()


def open_journal() -> Store:
    """The operator's journal (or the team's) on its own (look-ups that need
    no profile)."""
    path, team = store_location()
    return Store(path, team=team)


def open_core(profile: str | None = None, api_url: str | None = None, *, read_only: bool = False,
              **kw: Any) -> Core:
    """Open a profile's session (see ``core.session.open_session``): blocking.
    ``read_only``: monitor mode."""
    return Core(open_session(profile, api_url, **kw), read_only=read_only)


async def open_core_async(profile: str | None = None, api_url: str | None = None, *, read_only: bool = False,
                          **kw: Any) -> Core:
    return Core(await asyncio.to_thread(open_session, profile, api_url, **kw), read_only=read_only)
