"""Loading recipient files (F2/Enter): numbers for bulk, rows or a mail
merge source for individual; and the import report (F10)."""

from __future__ import annotations

import asyncio
import os
import threading
import time

from textual import on, work
from textual.widgets import DataTable, Input, Static

from ....core import imports
from ....core.errors import InputError
from ....core.imports.child import import_in_child
from ...literal import markup
from ..confirm import ImportReportScreen
from .limits import XLSX
from .part import ComposePart
from .rows import load_individual_rows


class FilesPart(ComposePart):
    """Files are read in workers; a bad file is a message, never a crash."""

    def _cancel_load(self) -> bool:
        """Stop a number file being read (Esc); True if one was."""
        cancel = getattr(self, "_load_cancel", None)
        if cancel is None or cancel.is_set():
            return False
        cancel.set()
        return True

    def action_load_file(self) -> None:
        self._cancel_load()
        if self.mode == "bulk":
            self._load_numbers_file(
                self.query_one("#numbers-file", Input).value.strip(),
                self.query_one("#numbers-column", Input).value.strip(),
                self.query_one("#numbers-sheet", Input).value.strip(),
            )
        else:
            path = self.query_one("#csv-file", Input).value.strip()
            if not path:
                self._set_error("file", "enter the path of a CSV/XLSX file (msisdn,message columns, or any with a template)")
                self.query_one("#csv-file").focus()
                return
            self._load_csv(
                path,
                self.query_one("#csv-column", Input).value.strip(),
                self.query_one("#csv-sheet", Input).value.strip(),
            )

    @on(Input.Submitted, "#numbers-file")
    @on(Input.Submitted, "#numbers-column")
    @on(Input.Submitted, "#numbers-sheet")
    @on(Input.Submitted, "#csv-file")
    @on(Input.Submitted, "#csv-column")
    @on(Input.Submitted, "#csv-sheet")
    def _file_submitted(self) -> None:
        self.action_load_file()

    @work(exclusive=True, exit_on_error=False, group="load")
    async def _load_numbers_file(self, path: str, column: str = "", sheet: str = "") -> None:
        if not path:
            self._file, self._file_name = None, ""
            self._set_error("file", None)
            self._render_numbers()
            return
        self._set_error("file", None)
        summary = self.query_one("#rcp-summary", Static)
        summary.update(markup("[i]reading $path… (Esc cancels)[/]", path=path))
        cancel = self._load_cancel = threading.Event()
        last = [0.0]

        def progress(done: int, total: int) -> None:
            # A few times a second: each update repaints the panel.
            now = time.monotonic()
            if now - last[0] >= 0.25 and not cancel.is_set():
                last[0] = now
                summary.update(markup(f"[i]reading $path… {done * 100 // max(total, 1)}% (Esc cancels)[/]",
                                      path=path))

        try:
            # In a child process: an import in a thread would make every key
            # wait for the interpreter lock while a million lines are read.
            rep = await import_in_child(
                os.path.expanduser(path), column=column or None, sheet=sheet or None,
                progress=progress, cancelled=cancel.is_set,
            )
        except InputError as exc:
            self._set_error("file", str(exc))
            self._render_numbers()
            return
        except Exception as exc:  # never let a file crash the app
            self._set_error("file", f"cannot read {path}: {exc}")
            self._render_numbers()
            return
        finally:
            if self._load_cancel is cancel:
                self._load_cancel = None
        if cancel.is_set():
            self.notify(f"{os.path.basename(path)}: loading cancelled")
            self._render_numbers()
            return
        self._file, self._file_name = rep, os.path.basename(path)
        self.notify(f"{os.path.basename(path)}: {rep.summary()}")
        self._render_numbers()

    @work(exclusive=True, exit_on_error=False, group="load")
    async def _load_csv(self, path: str, column: str = "", sheet: str = "") -> None:
        self._set_error("file", None)
        self.query_one("#ind-summary", Static).update(markup("[i]reading $path…[/]", path=path))
        full = os.path.expanduser(path)
        rows = None
        classic_error = None
        if os.path.splitext(full)[1].lower() not in XLSX and not column:
            # msisdn,message CSV: rows the operator can fix one by one
            try:
                rows = await asyncio.to_thread(load_individual_rows, full)
            except InputError as exc:
                classic_error = str(exc)
            except Exception as exc:
                classic_error = f"cannot read {path}: {exc}"
        try:
            rep = await asyncio.to_thread(imports.read_recipients, full, column=column or None, sheet=sheet or None)
        except InputError as exc:
            rep, import_error = None, str(exc)
        except Exception as exc:
            rep, import_error = None, f"cannot read {path}: {exc}"
        if rows is None and rep is None:
            self._set_error("file", classic_error or import_error)
            self._render_individual()
            return
        self._rows, self._csv_name = rows or [], os.path.basename(path)
        self._source, self._source_name = rep, os.path.basename(path)
        template = self.query_one("#template", Input)
        if rows is None and not template.value.strip():
            columns = rep.columns if rep else []
            if "message" in {c.strip().lower() for c in columns}:
                template.value = "{message}"  # shown, editable: nothing hidden
            else:
                import re

                found = re.search(r"missing columns? .*? in the header", classic_error or "")
                why = f"{found.group(0)} for one message per row; or " if found else ""
                self._set_error("file", f"{os.path.basename(path)}: {why}write a Template with the placeholders above")
        await self._revalidate(rows_changed=False)
        await self._remerge()
        if self._rows or self._merge is not None:
            self.query_one("#preview", DataTable).focus()
        else:
            template.focus()

    def action_import_report(self) -> None:
        rep = self._file if self.mode == "bulk" else self._source
        if rep is None:
            self.notify("No file or group loaded.")
            return
        self.app.push_screen(ImportReportScreen(rep))
