"""The CSV export form of a task's detailed report: where to write it, and the
worker that writes it, asking before it replaces a file."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Label

from ...api.errors import AtlSmsError
from ...api.reports import DetailQuery
from ...api.rules import plural
from .fields import Input

if TYPE_CHECKING:
    from ...api import Core
    from ..app import AtlSmsApp


class ExportBar(Horizontal):
    """A path field; enter writes the rows the screen shows (its filter and
    search at that moment) to it, then the bar hides and says ``Closed``."""

    class Closed(Message):
        """The bar hid itself (the export was written): the table takes the keys."""

    # What the notifications call the file.
    KIND = "CSV"

    def __init__(self, taskid: str, query: Callable[[], DetailQuery], label: str = "CSV file:") -> None:
        super().__init__(Label(label, id="detail-export-label"),
                         Input(id="detail-export-path", compact=True), id="detail-export")
        self.taskid = taskid
        self._query = query

    @property
    def core(self) -> Core:
        core = cast("AtlSmsApp", self.app).core
        assert core is not None
        return core

    @property
    def path_input(self) -> Input:
        return self.query_one("#detail-export-path", Input)

    async def open(self) -> None:
        """Show the bar, its path proposed in the exports folder, and focus it."""
        self.display = True
        path_input = self.path_input
        if not path_input.value:
            name = self.default_name()
            try:
                path_input.value = str(await self.core.reports.exports_dir() / name)
            except OSError as exc:  # the operator can still type where it goes
                self.notify(f"No exports folder: {exc.filename or ''}: {exc.strerror or exc}", severity="warning")
        path_input.focus()

    def default_name(self) -> str:
        return "task-" + re.sub(r"[^A-Za-z0-9_-]", "_", self.taskid) + ".csv"

    async def write_rows(self, path: Path, replace: bool) -> str:
        """Write the export (FileExistsError, OSError); what to tell the operator."""
        query = self._query()
        count = await self.core.reports.export_csv(self.taskid, path, query, replace)
        what = "" if query.status is None and not query.search else " (filtered)"
        return f"Exported {plural(count, 'row')}{what} to {path}"

    def close(self) -> bool:
        """Hide the bar; False if it was not showing."""
        if not self.display:
            return False
        self.display = False
        return True

    @on(Input.Submitted, "#detail-export-path")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._export(event.value.strip())

    @work(exclusive=True, group="detail-export-path", exit_on_error=False)
    async def _export(self, path_text: str) -> None:
        if not path_text:
            self.notify(f"Enter a file path for the {self.KIND}.", severity="warning")
            return
        try:
            path, exists = await self.core.reports.export_path(path_text)
        except OSError as exc:
            self.notify(f"{self.KIND} not written: {exc.filename or ''}: {exc.strerror or exc}", severity="error",
                        timeout=10)
            return
        if exists:
            self._ask_overwrite(path)
        else:
            self._write(path, replace=False)

    def _ask_overwrite(self, path: Path) -> None:
        from ..screens.confirm import AskScreen

        def answer(ok: bool | None) -> None:
            if ok:
                self._write(path, replace=True)
            else:
                self.path_input.focus()

        self.app.push_screen(
            AskScreen(f"Overwrite {path}?", "A file of that name exists; the export would replace it.",
                      danger=True, default=False),
            answer,
        )

    @work(exclusive=True, group="detail-export", exit_on_error=False)
    async def _write(self, path: Path, replace: bool) -> None:
        try:
            done = await self.write_rows(path, replace)
        except FileExistsError:  # created meanwhile: the operator decides, as for any existing file
            self._ask_overwrite(path)
            return
        except OSError as exc:
            self.notify(f"{self.KIND} not written: {path}: {exc.strerror or exc}", severity="error", timeout=10)
            return
        except AtlSmsError as exc:  # a name the export cannot take, a journal problem
            self.notify(f"{self.KIND} not written: {exc}", severity="error", timeout=10)
            return
        self.notify(done, timeout=8)
        if self.close():
            self.post_message(self.Closed())
