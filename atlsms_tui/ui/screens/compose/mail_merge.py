"""Mail merge: the Template filled from every row of a CSV/XLSX or group,
as the operator types it."""

from __future__ import annotations

import asyncio

from textual import on, work
from textual.content import Content
from textual.widgets import DataTable, Input, Static

from ....core import mailmerge, smstext
from ....core.errors import InputError
from ...literal import literal, markup
from ..confirm import plural
from .limits import PARSE_DEBOUNCE, PREVIEW_ROWS, SYNC_MERGE_ROWS
from .oneline import one_line
from .part import ComposePart


class MailMergePart(ComposePart):
    """Small merges run as the template is typed; big ones wait for a pause."""

    @on(Input.Changed, "#template")
    def _template_changed(self) -> None:
        if self._merge_timer is not None:
            self._merge_timer.stop()
            self._merge_timer = None
        if self._source is not None and len(self._source.records) > SYNC_MERGE_ROWS:
            self._merging = True
            self._merge_timer = self.set_timer(PARSE_DEBOUNCE, self._merge_later)
            self._render_individual()
        else:
            self._merge_worker()

    def _merge_later(self) -> None:
        self._merge_timer = None
        self._merge_worker()

    @work(exclusive=True, exit_on_error=False, group="merge")
    async def _merge_worker(self) -> None:
        await self._remerge()

    async def _remerge(self) -> None:
        """Fill the template from every row of the source (in a thread)."""
        text = self.query_one("#template", Input).value
        src = self._source
        self._merging = False
        if not text.strip():
            self._merge = None
            self._set_error("template", None)
            self._render_individual()
            return
        try:
            tpl = mailmerge.parse_template(text, "template")
        except InputError as exc:
            self._merge = None
            self._set_error("template", str(exc))
            self._render_individual()
            return
        if src is None:
            self._merge = None
            self._set_error("template", None)
            self._render_individual()
            return
        transform = smstext.transliterate if self._translit else None
        self._merging = True
        try:
            res = await asyncio.to_thread(
                mailmerge.merge, tpl, src.records, src.columns, source=self._source_name, transform=transform
            )
        except InputError as exc:
            self._merge = None
            self._set_error("template", str(exc))
        else:
            self._merge = res
            self._set_error("template", None)
            self._set_error("file", None)
        finally:
            self._merging = False
        self._render_individual()

    def _render_merge(self) -> None:
        table = self.query_one("#preview", DataTable)
        table.clear()
        summary = self.query_one("#ind-summary", Static)
        src, res = self._source, self._merge
        if src is None:
            summary.update("[dim]Load a CSV/XLSX (File, Enter) or choose a saved group (F6) to fill the template.[/]")
            return
        if res is None:
            state = "[i]merging…[/]" if self._merging else "[red]the template cannot be filled (see below)[/]"
            summary.update(Content("\n").join([
                Content.assemble(literal(f"{self._source_name}: "), markup(state)), self._columns_line(),
            ]))
            return
        problems = [(i, "invalid number: " + i.reason) for i in src.invalid] + [(p, p.reason) for p in res.problems]
        n = 0
        for issue, reason in problems:
            if n >= PREVIEW_ROWS:
                break
            # the full reason is in the import report (F10); the table stays narrow
            table.add_row(str(issue.row), literal(one_line(issue.raw, 14)), "",
                          literal(one_line(reason, 36), style="red"), "", key=f"p{n}")
            n += 1
        for row in res.rows:
            if n >= PREVIEW_ROWS:
                break
            table.add_row(str(row.row), literal(row.msisdn), str(row.segments), "ok", literal(one_line(row.message, 60)),
                          key=f"m{n}")
            n += 1
        parts = [
            markup(f"$name: [b]{plural(len(res.rows), 'message')} to send[/]", name=self._source_name),
            Content(plural(res.units, "unit")),
            Content(f"{res.encoding}, longest {plural(res.longest, 'segment')}"),
        ]
        if self._translit:
            parts.append(markup("[b]transliterated[/] (F4: as typed)"))
        second = []
        if problems:
            second.append(markup(f"[red b]{len(problems):,} left out[/] (listed first, not sent)"))
        opt = self._optouts
        if opt is not None and opt.removed:
            second.append(markup(f"[yellow]{len(opt.removed):,} opted out[/]"))
        if len(problems) + len(res.rows) > PREVIEW_ROWS:
            second.append(Content(f"table shows {PREVIEW_ROWS} of {len(problems) + len(res.rows):,}"))
        lines = [Content(" · ").join(parts), Content(" · ").join(second), self._columns_line()]
        summary.update(Content("\n").join(x for x in lines if x.plain))
