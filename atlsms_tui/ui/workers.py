"""The app's worker manager, so that no worker's error vanishes unseen."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from textual.worker import Worker, WorkerCancelled, WorkerFailed
from textual.worker_manager import WorkerManager

if TYPE_CHECKING:
    from .app import AtlSmsApp

__all__ = ["ReportingWorkers"]


class ReportingWorkers(WorkerManager):
    """The app's worker manager: a worker started with
    ``exit_on_error=False`` whose error nobody caught is shown to the
    operator (``AtlSmsApp.worker_failed``) instead of vanishing."""

    def __init__(self, app: AtlSmsApp) -> None:
        super().__init__(app)
        self.atl_app = app

    def add_worker(self, worker: Worker[Any], start: bool = True, exclusive: bool = True) -> None:
        super().add_worker(worker, start=start, exclusive=exclusive)
        if start and not worker.exit_on_error:
            asyncio.get_running_loop().create_task(self._watch(worker))

    async def _watch(self, worker: Worker[Any]) -> None:
        try:
            await worker.wait()
        except WorkerCancelled:
            pass
        except WorkerFailed as failed:
            self.atl_app.worker_failed(worker, failed.error)
