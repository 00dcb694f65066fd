"""Individual mode: the preview table of CSV rows, fixing or dropping
them, and the summary above it."""

from __future__ import annotations

import asyncio

from textual import on
from textual.content import Content
from textual.widgets import DataTable, Input, Label, Static

from ....core import smstext
from ....core.models import Recipient
from ....core.service import Draft, estimate
from ...literal import literal, markup
from ..confirm import plural
from .limits import PREVIEW_ROWS
from .oneline import one_line
from .part import ComposePart
from .rows import Row, validate_rows


class IndividualPart(ComposePart):
    """Rows are keyed by their file line, so a fix or a drop survives re-renders."""

    @property
    def merging(self) -> bool:
        """Individual mode with a template: a mail merge over the source."""
        return bool(self.query_one("#template", Input).value.strip())

    async def _revalidate(self, rows_changed: bool = True) -> None:
        rows = self._rows
        if rows_changed:
            if len(rows) > 5000:
                await asyncio.to_thread(validate_rows, rows)
            else:
                validate_rows(rows)
        valid = self._classic_recipients()
        self._ind_estimate = await asyncio.to_thread(estimate, Draft("", valid, None)) if valid else None
        self._render_individual()

    def _classic_recipients(self) -> list[Recipient]:
        tr = smstext.transliterate if self._translit else (lambda t: t)
        return [Recipient(r.wire, tr(r.message or "")) for r in self._rows if r.valid]

    def _individual_recipients(self) -> list[Recipient]:
        if self.merging:
            return list(self._merge.recipients) if self._merge else []
        return self._classic_recipients()

    def _render_individual(self) -> None:
        merging = self.merging
        self.query_one("#edit-row").display = not merging and bool(self._rows)
        if merging:
            self._render_merge()
        else:
            self._render_classic()
        self._render_estimate()
        self.refresh_bindings()
        if self.mode == "individual":
            self._schedule_optouts()

    def _columns_line(self) -> Content:
        src = self._source
        if src is None or not src.columns:
            return Content("")
        return markup("[dim]placeholders:[/] $cols", cols=" ".join("{" + c + "}" for c in src.columns))

    def _render_classic(self) -> None:
        rows = self._rows
        table = self.query_one("#preview", DataTable)
        keep = table.cursor_row
        table.clear()
        bad = [r for r in rows if not r.valid]
        good = [r for r in rows if r.valid]
        tr = smstext.transliterate if self._translit else (lambda t: t)
        for r in (bad + good)[:PREVIEW_ROWS]:
            message = tr(r.message or "") if r.valid else (r.message or "")
            segs = smstext.segments(message)
            status = "ok" if r.valid else literal(r.reason, style="red")
            table.add_row(
                str(r.line), literal(one_line(r.number, 16)), str(segs), status,
                literal(one_line(message, 60)), key=str(r.line),
            )
        if rows:
            table.move_cursor(row=min(keep, len(table.rows) - 1))
        summary = self.query_one("#ind-summary", Static)
        if not rows:
            if self._source is not None:
                summary.update(Content("\n").join([
                    markup("$name: $summary", name=self._source_name, summary=self._source.summary()),
                    self._columns_line(),
                ]))
            else:
                summary.update("[dim]No file loaded. A CSV with msisdn,message columns, or any CSV/XLSX "
                               "with a Template of {column} placeholders.[/]")
        else:
            est = self._ind_estimate
            parts = [markup(f"$name: [b]{plural(len(good), 'row')} to send[/]", name=self._csv_name)]
            if bad:
                parts.append(markup(f"[red b]{len(bad):,} invalid[/] (not sent; fix or Del/F8 drop)"))
            if est is not None:
                parts.append(Content(f"{est.encoding}, longest {plural(est.segments, 'segment')}"))
            if self._translit:
                parts.append(markup("[b]transliterated[/]"))
            opt = self._optouts
            if opt is not None and opt.removed:
                parts.append(markup(f"[yellow]{len(opt.removed):,} opted out[/]"))
            if len(rows) > PREVIEW_ROWS:
                parts.append(Content(f"table shows {PREVIEW_ROWS} of {len(rows):,}, invalid first"))
            summary.update(Content(" · ").join(parts))

    def _row_by_line(self, line: int | None) -> Row | None:
        for r in self._rows:
            if r.line == line:
                return r
        return None

    @on(DataTable.RowHighlighted, "#preview")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.merging or event.row_key is None or event.row_key.value is None:
            return
        row = self._row_by_line(int(event.row_key.value))
        if row is None:
            return
        self._edit_line = row.line
        self.query_one("#edit-number", Input).value = row.number
        self.query_one("#edit-message", Input).value = row.message or ""
        label = self.query_one("#edit-label", Label)
        label.update(f"Fix line {row.line}")

    @on(Input.Submitted, "#edit-number")
    @on(Input.Submitted, "#edit-message")
    async def _apply_edit(self) -> None:
        row = self._row_by_line(self._edit_line)
        if row is None:
            self.notify("Select a row in the table first.", severity="warning")
            return
        row.number = self.query_one("#edit-number", Input).value.strip()
        row.message = self.query_one("#edit-message", Input).value
        await self._revalidate()
        verdict = "valid" if row.valid else f"still invalid: {row.reason}"
        self.notify(f"line {row.line} updated, {verdict}")
        table = self.query_one("#preview", DataTable)
        try:
            table.move_cursor(row=table.get_row_index(str(row.line)))
        except Exception:
            pass
        table.focus()

    async def action_drop_row(self) -> None:
        table = self.query_one("#preview", DataTable)
        if not self._rows or not table.row_count:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        row = self._row_by_line(int(key)) if key is not None else None
        if row is None:
            return
        self._rows.remove(row)
        self._edit_line = None
        await self._revalidate()
        self.notify(f"line {row.line} dropped")

    async def action_drop_invalid(self) -> None:
        bad = sum(1 for r in self._rows if not r.valid)
        if not bad:
            self.notify("No invalid rows.")
            return
        self._rows = [r for r in self._rows if r.valid]
        await self._revalidate()
        self.notify(f"{plural(bad, 'invalid row')} dropped")
