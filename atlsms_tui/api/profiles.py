"""Profiles, login and settings."""

from __future__ import annotations

from ..core.session import Session
from ..core.settings import ResolvedProfile, Settings


class Profiles:
    def __init__(self, session: Session) -> None:
        self._session = session

    @property
    def current(self) -> ResolvedProfile:
        return self._session.profile

    @property
    def settings(self) -> Settings:
        return self._session.settings
