"""Bulk recipients: typed or pasted numbers, a number file or a saved
group, and the Numbers panel saying what is sent and what is left out."""

from __future__ import annotations

import os
import threading
import time
from array import array
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Label, Static

from ....api.errors import InputError
from ....api.models import PackedRecipients, Recipient
from ....api.recipients import ImportIssue, ImportRecord, ImportReport, ParsedNumbers, parse_typed, read_numbers
from ....api.rules import msisdn
from ...literal import markup
from ...modals.wording import plural
from ...widgets.fields import Input
from .events import FieldError, RecipientsChanged
from .limits import ISSUES_SHOWN, PARSE_DEBOUNCE, SYNC_PARSE_CHARS
from .message import ComposeTextArea
from .oneline import one_line


class BulkRecipients(Vertical):
    """Owns the typed numbers and the loaded file (or group); posts
    ``RecipientsChanged`` whenever what it would send changes."""

    def __init__(self) -> None:
        super().__init__(id="bulk-recipients")
        self.typed = ParsedNumbers()
        self.source: ImportReport | None = None  # a file import or a group
        self.source_name = ""
        self.parsing = False
        self.opted_out = 0  # set by the screen's opt-out preview
        self.per_task = 0  # the task cap, set by the screen
        self._load_cancel: threading.Event | None = None
        self._parse_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="rcp-row"):
            yield ComposeTextArea(id="numbers", placeholder="Paste numbers: one a line, or , ; separated")
            # Not focusable: typed numbers must never go into a panel that
            # cannot take them (the wheel scrolls it; F10 has the whole list).
            with VerticalScroll(id="rcp-panel", can_focus=False):
                yield Static(id="rcp-summary")
        with Horizontal(id="file-row", classes="form-row"):
            yield Label("File", classes="field-label")
            yield Input(placeholder=".txt .csv .xlsx, Enter/F2 (F6: a group)", compact=True, id="numbers-file")
            yield Label("Col", classes="field-label")
            yield Input(placeholder="auto", compact=True, id="numbers-column", classes="short-input")
            yield Label("Sheet", classes="field-label")
            yield Input(placeholder="first", compact=True, id="numbers-sheet", classes="short-input")

    def on_mount(self) -> None:
        self.query_one("#numbers", ComposeTextArea).border_title = "Recipients"
        self.query_one("#rcp-panel").border_title = "Numbers"
        self.render_panel()

    # ------------------------------------------------------------ values

    @property
    def reading(self) -> bool:
        """A number file is being read."""
        return self._load_cancel is not None and not self._load_cancel.is_set()

    @property
    def has_input(self) -> bool:
        return bool(self.query_one("#numbers", ComposeTextArea).text.strip()) or self.source is not None

    def _typed_not_in_file(self) -> list[str] | None:
        """The typed numbers a file's integer column does not hold, each once
        (None when the file's records are not such a column)."""
        numbers = getattr(self.source.records, "numbers", None) if self.source else None  # an integer column
        if numbers is None:
            return None
        column = numbers()
        typed = self.typed.valid
        # A few typed numbers are looked up in the column (a C scan each);
        # many are worth a set of it.
        inside = set(column) if len(typed) > 32 else column
        return [m for m in typed if int(m) not in inside]

    def numbers(self) -> list[str]:
        """Numbers to send: the file's (or group's) then the typed ones, each once."""
        merged = dict.fromkeys(r.msisdn for r in self.source.records) if self.source else {}
        merged.update(dict.fromkeys(self.typed.valid))
        return list(merged)

    @property
    def count(self) -> int:
        """How many numbers are sent, without listing a million of them."""
        extra = self._typed_not_in_file()
        if extra is None or self.source is None:
            return len(self.numbers())
        return len(self.source.records) + len(extra)

    def recipients(self) -> PackedRecipients:
        """The numbers to send, packed (a file's column copied once, not a
        Recipient per number)."""
        extra = self._typed_not_in_file()
        if extra is None or self.source is None:
            return PackedRecipients((Recipient(m) for m in self.numbers()), individual=False)
        column: Any = self.source.records
        packed = PackedRecipients.from_numbers(array("q", column.numbers()))
        for m in extra:
            packed.append(Recipient(m))
        return packed

    def records(self) -> tuple[list[ImportRecord], list[str], str]:
        """The recipients as records (with their fields), the columns, and
        where they came from: what a saved group keeps."""
        src = self.source
        records = list(src.records) if src else []
        seen = {r.msisdn for r in records}
        records += [ImportRecord(m, {}) for m in self.typed.valid if m not in seen]
        columns = src.columns if src and src.kind != "list" else []
        return records, list(columns), self.source_name or "typed"

    def notes(self) -> list[str]:
        """What the confirmation says about the numbers left out."""
        src = self.source
        invalid = len(self.typed.invalid) + (src.invalid_count if src else 0)
        dups = len(self.typed.duplicates) + (src.duplicates if src else 0)
        notes = []
        if invalid:
            notes.append(f"{plural(invalid, 'invalid entry', 'invalid entries')} will NOT be sent.")
        if dups:
            notes.append(f"{plural(dups, 'duplicate')} removed: each number gets one message.")
        return notes

    # ------------------------------------------------------------ typing

    @on(ComposeTextArea.Changed, "#numbers")
    def _numbers_changed(self, event: ComposeTextArea.Changed) -> None:
        event.stop()
        text = event.text_area.text
        if self._parse_timer is not None:
            self._parse_timer.stop()
            self._parse_timer = None
        if len(text) <= SYNC_PARSE_CHARS:
            self.workers.cancel_group(self, "parse")
            self.parsing = False
            self.typed = msisdn.parse_numbers(text)
        else:
            self.parsing = True
            self._parse_timer = self.set_timer(PARSE_DEBOUNCE, self._parse_later)
        self._changed()

    def _parse_later(self) -> None:
        self._parse_timer = None
        self._parse(self.query_one("#numbers", ComposeTextArea).text)

    @work(exclusive=True, exit_on_error=False, group="parse")
    async def _parse(self, text: str) -> None:
        self.typed = await parse_typed(text)
        self.parsing = False
        self._changed()

    def _changed(self) -> None:
        self.render_panel()
        self.post_message(RecipientsChanged())

    # ------------------------------------------------------------ files

    @on(Input.Submitted, "#file-row Input")
    def _file_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.load()

    def load(self) -> None:
        """Read the file the File field names (empty: drop the file)."""
        self.cancel_load()
        self._load(*(self.query_one(f"#numbers-{f}", Input).value.strip() for f in ("file", "column", "sheet")))

    def cancel_load(self) -> bool:
        """Stop a number file being read; True if one was."""
        cancel = self._load_cancel
        if cancel is None or cancel.is_set():
            return False
        cancel.set()
        return True

    @work(exclusive=True, exit_on_error=False, group="load")
    async def _load(self, path: str, column: str, sheet: str) -> None:
        self.post_message(FieldError("file", ""))
        if not path:
            self.source, self.source_name = None, ""
            self._changed()
            return
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
            rep = await read_numbers(path, column, sheet, progress=progress, cancelled=cancel.is_set)
        except InputError as exc:
            self.post_message(FieldError("file", str(exc)))
            self.render_panel()
            return
        finally:
            if self._load_cancel is cancel:
                self._load_cancel = None
        name = os.path.basename(path)
        if rep is None or cancel.is_set():
            self.notify(f"{name}: loading cancelled")
            self.render_panel()
            return
        self.source, self.source_name = rep, name
        self.notify(f"{name}: {rep.summary()}")
        self._changed()

    def use_group(self, report: ImportReport, name: str) -> None:
        self.source, self.source_name = report, name
        self.query_one("#numbers-file", Input).value = ""
        self.post_message(FieldError("file", ""))
        self._changed()

    def clear(self) -> None:
        self.query_one("#numbers", ComposeTextArea).clear()
        for f in ("file", "column", "sheet"):
            self.query_one(f"#numbers-{f}", Input).value = ""
        self.typed, self.source, self.source_name, self.opted_out = ParsedNumbers(), None, "", 0
        self._changed()

    # ------------------------------------------------------------ panel

    def _file_issue(self, issue: ImportIssue) -> Content:
        if self.source is not None and self.source.kind == "list":
            where = f"{issue.row}:{issue.column}" if issue.column else f"{issue.row}"
        else:
            where = f"row {issue.row}"
        return markup(" file $where [red]$raw[/]: $reason", where=where, raw=one_line(issue.raw, 16),
                      reason=issue.reason)

    def render_panel(self) -> None:
        typed, file = self.typed, self.source
        total = self.count
        lines: list[Content] = []
        if self.parsing:
            lines.append(markup("[i]checking the numbers…[/]"))
        lines.append(markup(f"[b]{plural(total, 'number')}[/] to send"))
        opted = self.opted_out
        cap = self.per_task
        parts = -(-max(total - opted, 0) // cap) if cap else 0
        if parts > 1:
            lines.append(markup(f"[b]{parts:,} tasks[/] of at most {cap:,}"))
        if opted:
            lines.append(markup(f"[yellow]{opted:,} on the opt-out list[/] (not sent)"))
        invalid = len(typed.invalid) + (file.invalid_count if file else 0)
        dups = len(typed.duplicates) + (file.duplicates if file else 0)
        if file is not None:
            cross = len(file.records) + len(typed.valid) - total
            if file.kind == "group":
                lines.append(markup("group $name: $n", name=self.source_name, n=plural(len(file.records), "number")))
            else:
                lines.append(markup("file $name: $summary", name=self.source_name, summary=file.summary()))
                lines.append(markup("[dim]$ops[/]", ops=file.operator_line()))
            for w in file.warnings[:3]:
                lines.append(markup("[yellow]$w[/]", w=w))
            if cross:
                lines.append(Content(f"{cross:,} typed also in the {'group' if file.kind == 'group' else 'file'}"))
        if dups:
            lines.append(Content(f"{plural(dups, 'duplicate')} (sent once)"))
        if invalid:
            lines.append(markup(f"[red b]{invalid:,} invalid[/] (not sent):"))
        shown = 0
        for issue in typed.invalid[:ISSUES_SHOWN]:
            col = f":{issue.column}" if getattr(issue, "column", None) else ""
            lines.append(markup(f" {issue.line}$col [red]$raw[/]: $reason", col=col, raw=one_line(issue.raw, 16),
                                reason=issue.reason))
            shown += 1
        for fissue in (file.invalid if file else [])[: max(0, ISSUES_SHOWN - shown)]:
            lines.append(self._file_issue(fissue))
            shown += 1
        if invalid > shown:
            lines.append(Content(f" … and {invalid - shown:,} more (F10 report)"))
        if file is not None and file.recovered:
            n = getattr(file.recovered, "total", len(file.recovered))
            lines.append(Content(f"{plural(n, 'number')} recovered from Excel damage:"))
            for fissue in file.recovered[:10]:
                lines.append(markup(f" row {fissue.row} $raw → $fixed", raw=one_line(fissue.raw, 18),
                                    fixed=fissue.reason.rsplit(": ", 1)[-1]))
        if dups:
            lines.append(Content("duplicates:"))
            for issue in typed.duplicates[: max(0, ISSUES_SHOWN - shown)]:
                lines.append(markup(f" {issue.line}:{issue.column} $raw: $reason", raw=one_line(issue.raw, 16),
                                    reason=issue.reason))
                shown += 1
            for fissue in (file.duplicate_rows if file else [])[: max(0, ISSUES_SHOWN - shown)]:
                lines.append(self._file_issue(fissue))
                shown += 1
        self.query_one("#rcp-summary", Static).update(Content("\n").join(lines))
        panel = self.query_one("#rcp-panel")
        panel.border_title = f"Numbers: {total:,}"
        panel.set_class(invalid > 0, "-has-invalid")
