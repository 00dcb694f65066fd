"""Groups, templates and the opt-out list of the current journal.

They live in the journal file of the data directory, not in a profile: a
command that needs no account opens them alone with :func:`open_lists`.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..core import imports
from ..core.errors import ReadOnly
from ..core.imports import ImportRecord, ImportReport
from ..core.lists import (
    DEFAULT_OPTOUT_REASON,
    Group,
    GroupInfo,
    OptOut,
    OptOutFilter,
    OptOutHit,
    SavedTemplate,
    check_name,
)
from ..core.models import Recipient
from ..core.settings import profile_read_only, store_location
from ..core.store import Store

__all__ = [
    "DEFAULT_OPTOUT_REASON", "Group", "GroupInfo", "ImportRecord", "ImportReport", "Lists", "OptOut",
    "OptOutFilter", "OptOutHit", "SavedTemplate", "check_name", "open_lists",
]


class Lists:
    def __init__(self, store: Store, *, owns_store: bool = False, read_only: bool = False) -> None:
        """``read_only``: monitor mode, where every change is refused (ReadOnly)."""
        self._store = store.lists
        self._owned = store if owns_store else None
        self._read_only = read_only

    def _writable(self, what: str) -> None:
        if self._read_only:
            raise ReadOnly(what)

    async def aclose(self) -> None:
        """Close the journal if :func:`open_lists` opened it for these lists."""
        if self._owned is not None:
            await asyncio.to_thread(self._owned.close)

    async def read_numbers(self, path: str | Path, *, column: str | None = None, sheet: str | None = None,
                           encoding: str | None = None) -> ImportReport:
        """A file of numbers (for a group or the opt-out list) and what its
        import found; InputError when it cannot be read at all."""
        return await asyncio.to_thread(
            lambda: imports.read_recipients(path, column=column, sheet=sheet, encoding=encoding))

    # ------------------------------------------------------------ groups

    async def groups(self) -> list[GroupInfo]:
        return await asyncio.to_thread(self._store.list_groups)

    async def group(self, name: str) -> Group:
        """NotFoundError (naming the saved ones) when there is none."""
        return await asyncio.to_thread(self._store.get_group, name)

    async def save_group(self, name: str, records: Iterable[ImportRecord] | ImportReport, *,
                         columns: list[str] | None = None, source: str | None = None,
                         replace: bool = False) -> GroupInfo:
        self._writable("saving a group")
        return await asyncio.to_thread(lambda: self._store.save_group(
            name, records, columns=columns, source=source, replace=replace))

    async def delete_group(self, name: str) -> None:
        self._writable("deleting a group")
        await asyncio.to_thread(self._store.delete_group, name)

    # ------------------------------------------------------------ templates

    async def templates(self) -> list[SavedTemplate]:
        return await asyncio.to_thread(self._store.list_templates)

    async def template(self, name: str) -> SavedTemplate:
        return await asyncio.to_thread(self._store.get_template, name)

    async def save_template(self, name: str, body: str) -> tuple[SavedTemplate, bool]:
        """(template, created)."""
        self._writable("saving a template")
        return await asyncio.to_thread(self._store.save_template, name, body)

    async def delete_template(self, name: str) -> None:
        self._writable("deleting a template")
        await asyncio.to_thread(self._store.delete_template, name)

    # ------------------------------------------------------------ opt-outs

    async def optouts(self) -> list[OptOut]:
        return await asyncio.to_thread(self._store.list_optouts)

    async def add_optouts(self, numbers: Iterable[str], *, reason: str | None = None,
                          source: str | None = None) -> tuple[list[str], list[str]]:
        """(added, already listed), wire form; every number checked first."""
        self._writable("changing the opt-out list")
        wanted = list(numbers)
        return await asyncio.to_thread(lambda: self._store.add_optouts(wanted, reason=reason, source=source))

    async def remove_optouts(self, numbers: Iterable[str]) -> tuple[list[str], list[str]]:
        """(removed, not on the list), wire form."""
        self._writable("changing the opt-out list")
        return await asyncio.to_thread(self._store.remove_optouts, list(numbers))

    async def filter_optouts(self, recipients: Sequence[Recipient]) -> OptOutFilter:
        return await asyncio.to_thread(self._store.filter_optouts, recipients)


async def open_lists() -> Lists:
    """The lists of the journal (the user's or the team's), opened without a
    profile; ``aclose`` closes it. LocalError when the journal cannot be
    opened. Read-only when the profile in use is (setting read_only)."""
    path, team = await asyncio.to_thread(store_location)
    store = await asyncio.to_thread(functools.partial(Store, path, team=team))
    return Lists(store, owns_store=True, read_only=await asyncio.to_thread(profile_read_only))
