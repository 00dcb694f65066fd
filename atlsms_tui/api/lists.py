"""Groups, templates and the opt-out list of the current journal."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from ..core.imports import ImportRecord, ImportReport
from ..core.lists import Group, GroupInfo, OptOut, OptOutFilter, OptOutHit, SavedTemplate, check_name
from ..core.models import Recipient
from ..core.session import Session

__all__ = [
    "Group", "GroupInfo", "Lists", "OptOut", "OptOutFilter", "OptOutHit", "SavedTemplate", "check_name",
]


class Lists:
    def __init__(self, session: Session) -> None:
        self._store = session.store

    async def groups(self) -> list[GroupInfo]:
        return await asyncio.to_thread(self._store.lists.list_groups)

    async def group(self, name: str) -> Group:
        return await asyncio.to_thread(self._store.lists.get_group, name)

    async def save_group(self, name: str, records: Iterable[ImportRecord] | ImportReport, *,
                         columns: list[str] | None = None, source: str | None = None,
                         replace: bool = False) -> GroupInfo:
        return await asyncio.to_thread(lambda: self._store.lists.save_group(name, records, columns=columns, source=source, replace=replace))

    async def delete_group(self, name: str) -> None:
        await asyncio.to_thread(self._store.lists.delete_group, name)

    async def templates(self) -> list[SavedTemplate]:
        return await asyncio.to_thread(self._store.lists.list_templates)

    async def template(self, name: str) -> SavedTemplate:
        return await asyncio.to_thread(self._store.lists.get_template, name)

    async def save_template(self, name: str, body: str) -> tuple[SavedTemplate, bool]:
        """(template, created)."""
        return await asyncio.to_thread(self._store.lists.save_template, name, body)

    async def delete_template(self, name: str) -> None:
        await asyncio.to_thread(self._store.lists.delete_template, name)

    async def optouts(self) -> list[OptOut]:
        return await asyncio.to_thread(self._store.lists.list_optouts)

    async def add_optouts(self, numbers: Iterable[str], *, reason: str | None = None,
                          source: str | None = None) -> tuple[list[str], list[str]]:
        """(added, already listed), wire form; every number checked first."""
        return await asyncio.to_thread(lambda: self._store.lists.add_optouts(list(numbers), reason=reason, source=source))

    async def remove_optouts(self, numbers: Iterable[str]) -> tuple[list[str], list[str]]:
        return await asyncio.to_thread(self._store.lists.remove_optouts, list(numbers))

    async def filter_optouts(self, recipients: list[Recipient]) -> OptOutFilter:
        return await asyncio.to_thread(self._store.lists.filter_optouts, recipients)
