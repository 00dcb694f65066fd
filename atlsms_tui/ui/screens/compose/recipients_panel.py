"""Bulk recipients: the typed numbers (parsed at once or in a worker) and
the Numbers panel beside them."""

from __future__ import annotations

import asyncio

from textual import on, work
from textual.content import Content
from textual.widgets import Static, TextArea

from ....core.msisdn import parse_numbers
from ...literal import markup
from ..confirm import plural
from .limits import ISSUES_SHOWN, PARSE_DEBOUNCE, SYNC_PARSE_CHARS
from .oneline import one_line
from .part import ComposePart


class RecipientsPanelPart(ComposePart):
    """The numbers to send and what was left out of them, and why."""

    @on(TextArea.Changed, "#numbers")
    def _numbers_changed(self) -> None:
        text = self.query_one("#numbers", TextArea).text
        if self._parse_timer is not None:
            self._parse_timer.stop()
            self._parse_timer = None
        if len(text) <= SYNC_PARSE_CHARS:
            self.workers.cancel_group(self, "parse")
            self._parsing = False
            self._typed = parse_numbers(text)
            self._render_numbers()
        else:
            self._parsing = True
            self._render_numbers()
            self._parse_timer = self.set_timer(PARSE_DEBOUNCE, self._parse_later)

    def _parse_later(self) -> None:
        self._parse_timer = None
        self._parse_numbers(self.query_one("#numbers", TextArea).text)

    @work(exclusive=True, exit_on_error=False, group="parse")
    async def _parse_numbers(self, text: str) -> None:
        parsed = await asyncio.to_thread(parse_numbers, text)
        self._typed = parsed
        self._parsing = False
        self._render_numbers()

    def _typed_not_in_file(self) -> list[str] | None:
        """The typed numbers a file's integer column does not hold, each once
        (None when the file's records are not such a column)."""
        numbers = getattr(self._file.records, "numbers", None) if self._file else None
        if numbers is None:
            return None
        column = numbers()
        typed = self._typed.valid
        # A few typed numbers are looked up in the column (a C scan each);
        # many are worth a set of it.
        inside = set(column) if len(typed) > 32 else column
        return [m for m in typed if int(m) not in inside]

    def _bulk_count(self) -> int:
        """How many numbers are sent, without listing a million of them."""
        extra = self._typed_not_in_file()
        return len(self._bulk_numbers()) if extra is None else len(self._file.records) + len(extra)

    def _bulk_recipients(self):
        """The numbers to send as packed recipients (a file's column copied
        once, not a Recipient per number)."""
        from array import array

        from ....core.models import Recipient
        from ....core.packed import PackedRecipients

        extra = self._typed_not_in_file()
        if extra is None:
            return PackedRecipients((Recipient(m) for m in self._bulk_numbers()), individual=False)
        packed = PackedRecipients.from_numbers(array("q", self._file.records.numbers()))
        for m in extra:
            packed.append(Recipient(m))
        return packed

    def _bulk_numbers(self) -> list[str]:
        """Numbers to send: the file's (or group's) then the typed ones, each once."""
        merged = dict.fromkeys(r.msisdn for r in self._file.records) if self._file else {}
        merged.update(dict.fromkeys(self._typed.valid))
        return list(merged)

    def _file_issue(self, issue) -> Content:
        rep = self._file
        if rep is not None and rep.kind == "list":
            where = f"{issue.row}:{issue.column}" if issue.column else f"{issue.row}"
        else:
            where = f"row {issue.row}"
        return markup(" file $where [red]$raw[/]: $reason", where=where, raw=one_line(issue.raw, 16),
                      reason=issue.reason)

    def _render_numbers(self) -> None:
        typed, file = self._typed, self._file
        total = self._bulk_count()
        lines: list[Content] = []
        if self._parsing:
            lines.append(markup("[i]checking the numbers…[/]"))
        lines.append(markup(f"[b]{plural(total, 'number')}[/] to send"))
        opt = self._optouts
        opted = len(opt.removed) if opt is not None and self.mode == "bulk" else 0
        parts = self._parts_for(max(total - opted, 0))
        if parts > 1:
            lines.append(markup(f"[b]{parts:,} tasks[/] of at most {self.max_per_task:,}"))
        if opted:
            lines.append(markup(f"[yellow]{len(opt.removed):,} on the opt-out list[/] (not sent)"))
        invalid = len(typed.invalid) + (file.invalid_count if file else 0)
        dups = len(typed.duplicates) + (file.duplicates if file else 0)
        if file is not None:
            cross = len(file.records) + len(typed.valid) - total
            kind = "group" if file.kind == "group" else "file"
            if file.kind == "group":
                lines.append(markup("group $name: $n", name=self._file_name, n=plural(len(file.records), "number")))
            else:
                lines.append(markup("file $name: $summary", name=self._file_name, summary=file.summary()))
                lines.append(markup("[dim]$ops[/]", ops=file.operator_line()))
            for w in file.warnings[:3]:
                lines.append(markup("[yellow]$w[/]", w=w))
            if cross:
                lines.append(Content(f"{cross:,} typed also in the {kind}"))
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
        for issue in (file.invalid if file else [])[: max(0, ISSUES_SHOWN - shown)]:
            lines.append(self._file_issue(issue))
            shown += 1
        if invalid > shown:
            lines.append(Content(f" … and {invalid - shown:,} more (F10 report)"))
        if file is not None and file.recovered:
            lines.append(Content(f"{plural(getattr(file.recovered, 'total', len(file.recovered)), 'number')} "
                                 "recovered from Excel damage:"))
            for issue in file.recovered[:10]:
                lines.append(markup(f" row {issue.row} $raw → $fixed", raw=one_line(issue.raw, 18),
                                    fixed=issue.reason.rsplit(": ", 1)[-1]))
        if dups:
            lines.append(Content("duplicates:"))
            for issue in typed.duplicates[: max(0, ISSUES_SHOWN - shown)]:
                lines.append(markup(f" {issue.line}:{issue.column} $raw: $reason", raw=one_line(issue.raw, 16),
                                    reason=issue.reason))
                shown += 1
            for issue in (file.duplicate_rows if file else [])[: max(0, ISSUES_SHOWN - shown)]:
                lines.append(self._file_issue(issue))
                shown += 1
        self.query_one("#rcp-summary", Static).update(Content("\n").join(lines))
        panel = self.query_one("#rcp-panel")
        panel.border_title = f"Numbers: {total:,}"
        panel.set_class(invalid > 0, "-has-invalid")
        self._render_estimate()
        if self.mode == "bulk":
            self._schedule_optouts()
