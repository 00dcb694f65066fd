"""Submissions, their reports and detail pages, and the poll scheduler."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

from ..core.models import DetailRow, Report, Submission
from ..core.service import DetailFetch
from ..core.session import Session


class Reports:
    def __init__(self, session: Session) -> None:
        self._service = session.service

    async def tasks(self, limit: int | None = None) -> list[Submission]:
        return await asyncio.to_thread(self._service.tasks, limit)

    async def task(self, controlid: str) -> Submission | None:
        return await asyncio.to_thread(self._service.task, controlid)

    async def stored_report(self, taskid: str) -> Report | None:
        return await asyncio.to_thread(self._service.stored_report, taskid)

    async def report(self, taskid: str) -> Report:
        """Ask ATL for the task's report (kept in the journal)."""
        return await self._service.report(taskid)

    async def detailed_report(self, taskid: str, progress: Callable[[int], None] | None = None) -> DetailFetch:
        return await self._service.detailed_report(taskid, progress)

    async def detail_page(self, taskid: str, **kw: Any) -> Any:
        return await asyncio.to_thread(lambda: self._service.detail_page(taskid, **kw))

    async def detail_window(self, taskid: str, **kw: Any) -> Any:
        return await asyncio.to_thread(lambda: self._service.detail_window(taskid, **kw))

    async def detail_search(self, taskid: str, search: str, **kw: Any) -> Any:
        return await asyncio.to_thread(lambda: self._service.detail_search(taskid, search, **kw))

    async def detail_info(self, taskid: str) -> tuple[int, str] | None:
        return await asyncio.to_thread(self._service.detail_info, taskid)

    async def detail_counts(self, taskid: str) -> dict[int, int] | None:
        return await asyncio.to_thread(self._service.detail_counts, taskid)

    def iter_detail(self, taskid: str, **kw: Any) -> Iterator[list[DetailRow]]:
        """Blocking batches of rows, for an export written in a thread."""
        return self._service.iter_detail(taskid, **kw)
