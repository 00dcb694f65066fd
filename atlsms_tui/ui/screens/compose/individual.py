"""Individual mode's source: a msisdn,message CSV whose rows the operator
fixes or drops, or a mail merge (a Template over any CSV/XLSX or group)."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Label, Static

from ....api.errors import InputError
from ....api.models import Estimate, Recipient
from ....api.recipients import (
    ImportRecord,
    ImportReport,
    MergeResult,
    Row,
    compare_costs,
    estimate_of,
    judge_rows,
    merge,
    read_individual,
)
from ....api.rules import mailmerge, smstext
from ...literal import markup
from ...modals.transliteration import CostChoiceScreen
from ...modals.wording import plural
from ...widgets.fields import Input
from .events import FieldError, RecipientsChanged
from .fixer import RowFixer
from .limits import PARSE_DEBOUNCE, SYNC_MERGE_ROWS
from .preview import PreviewTable
from .summary import Marks, merge_summary, rows_summary


def _as_is(text: str) -> str:
    return text


class IndividualSource(Vertical):
    """Owns the rows, the merge source and its result, and whether messages
    go out transliterated (F4: offered with the cost, never silent)."""

    def __init__(self) -> None:
        super().__init__(id="individual")
        self.rows: list[Row] = []
        self.rows_name = ""
        self.source: ImportReport | None = None
        self.source_name = ""
        self.merged: MergeResult | None = None
        self.merge_busy = False
        self.template_error = ""
        self.transliterated = False
        self.estimate: Estimate | None = None  # of the valid rows
        self.opted_out = 0  # set by the screen's opt-out preview
        self._merge_timer: Timer | None = None
        self._loaded_path = ""  # the File field's text when it was last read

    def compose(self) -> ComposeResult:
        with Horizontal(id="csv-row", classes="form-row"):
            yield Label("File", classes="field-label")
            yield Input(placeholder="msisdn,message CSV, or CSV/XLSX + Template", compact=True, id="csv-file")
            yield Label("Col", classes="field-label")
            yield Input(placeholder="auto", compact=True, id="csv-column", classes="short-input")
            yield Label("Sheet", classes="field-label")
            yield Input(placeholder="first", compact=True, id="csv-sheet", classes="short-input")
        with Horizontal(id="template-row", classes="form-row"):
            yield Label("Template", classes="field-label")
            yield Input(placeholder="Hörmətli {name}, … (empty: the file's message column)", compact=True,
                        id="template")
        yield Static(id="ind-summary")
        yield PreviewTable()
        yield RowFixer()

    def on_mount(self) -> None:
        self.render_source()

    # ------------------------------------------------------------ values

    @property
    def template(self) -> Input:
        return self.query_one("#template", Input)

    @property
    def merging(self) -> bool:
        """A template is written: the messages come from the mail merge."""
        return bool(self.template.value.strip())

    @property
    def has_input(self) -> bool:
        return bool(self.rows) or self.source is not None

    def row_recipients(self) -> list[Recipient]:
        tr = smstext.transliterate if self.transliterated else _as_is
        return [Recipient(r.wire or "", tr(r.message or "")) for r in self.rows if r.valid]

    def recipients(self) -> list[Recipient]:
        if self.merging:
            return list(self.merged.recipients) if self.merged else []
        return self.row_recipients()

    def figures(self) -> tuple[int, int]:
        """(messages, units) before the opt-out list."""
        if self.merging:
            return (len(self.merged.rows), self.merged.units) if self.merged else (0, 0)
        est = self.estimate
        return (est.recipients, est.units) if est else (0, 0)

    def draft(self) -> tuple[list[Recipient], list[str]]:
        """The messages to send and what the confirmation says about the
        rows left out; InputError while there is nothing to send yet."""
        notes: list[str] = []
        if self.merging:
            if self.merge_busy:
                raise InputError("still filling the template; send again in a moment")
            if self.source is None:
                raise InputError("load a CSV/XLSX file or choose a group (F6) for the template")
            if self.merged is None:
                raise InputError(self.template_error or "the template cannot be filled")
            res, src = self.merged, self.source
            left = getattr(res.problems, "total", len(res.problems))
            if left:
                notes.append(f"{plural(left, 'row')} left out of the mail merge (a value is missing).")
            if src.invalid_count:
                notes.append(f"{plural(src.invalid_count, 'invalid number')} will NOT be sent.")
            if src.duplicates:
                rows = ", ".join(str(i.row) for i in src.duplicate_rows[:5])
                notes.append(f"{plural(src.duplicates, 'repeated number')} (row {rows}): those rows' "
                             "messages are NOT sent; each number gets one message.")
            recipients = list(res.recipients)
        else:
            if not self.rows:
                raise InputError("load a CSV file first (path, then Enter or F2)")
            dups = [r for r in self.rows if r.duplicate_of is not None]
            bad = sum(1 for r in self.rows if not r.valid) - len(dups)
            if bad:
                notes.append(f"{plural(bad, 'invalid row')} will NOT be sent.")
            if dups:
                lines = ", ".join(f"{r.line} (same number as line {r.duplicate_of})" for r in dups[:5])
                notes.append(f"{plural(len(dups), 'repeated number')}: the message of line {lines} "
                             "is NOT sent.")
            recipients = self.row_recipients()
        if self.transliterated:
            notes.append("Messages are sent TRANSLITERATED to GSM-7 (F4 in the form: as typed).")
        return recipients, notes

    def records(self) -> tuple[list[ImportRecord], list[str], str]:
        """The recipients as records, their columns and where they came from."""
        if self.source is not None and (self.merging or not self.rows):
            return list(self.source.records), list(self.source.columns), self.source_name
        records = [ImportRecord(r.wire or "", {"message": r.message or ""}, r.line) for r in self.rows if r.valid]
        return records, ["message"], self.rows_name

    # ------------------------------------------------------------ loading

    @on(Input.Submitted, "#csv-row Input")
    def _file_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.load()

    @on(Input.Submitted, "#template")
    def _template_submitted(self, event: Input.Submitted) -> None:
        # A path typed, then Tab to the template and Enter: the operator
        # means that file, not the hint to go back and press Enter there.
        event.stop()
        path = self.query_one("#csv-file", Input).value.strip()
        if path and path != self._loaded_path:
            self.load()

    def load(self) -> None:
        path = self.query_one("#csv-file", Input).value.strip()
        if not path:
            self.post_message(FieldError(
                "file", "enter the path of a CSV/XLSX file (msisdn,message columns, or any with a template)"))
            self.query_one("#csv-file", Input).focus()
            return
        self._load(path, self.query_one("#csv-column", Input).value.strip(),
                   self.query_one("#csv-sheet", Input).value.strip())

    @work(exclusive=True, exit_on_error=False, group="load")
    async def _load(self, path: str, column: str, sheet: str) -> None:
        self.post_message(FieldError("file", ""))
        self.query_one("#ind-summary", Static).update(markup("[i]reading $path…[/]", path=path))
        read = await read_individual(path, column, sheet)
        if read.error:
            self.post_message(FieldError("file", read.error))
            self.render_source()
            return
        self.rows, self.rows_name = read.rows or [], read.name
        self.source, self.source_name = read.source, read.name
        self._loaded_path = path
        template = self.template
        if read.rows is None and not template.value.strip():
            columns = read.source.columns if read.source else []
            if "message" in {c.strip().lower() for c in columns}:
                template.value = "{message}"  # shown, editable: nothing hidden
            else:
                why = ""
                if read.missing:
                    which = " and ".join(f"'{c}'" for c in read.missing)
                    why = (f"missing {'columns' if len(read.missing) > 1 else 'column'} {which} in the header "
                           "for one message per row; or ")
                self.post_message(FieldError("file", f"{read.name}: {why}write a Template with the placeholders above"))
        await self._refresh()
        if not self.rows and self.merged is None:
            template.focus()

    def use_group(self, report: ImportReport, label: str) -> None:
        self.rows, self.rows_name = [], ""
        self.source, self.source_name = report, label
        self._loaded_path = ""
        self.query_one("#csv-file", Input).value = ""
        self.post_message(FieldError("file", ""))
        template = self.template
        if not template.value.strip() and "message" in {c.lower() for c in report.columns}:
            template.value = "{message}"
        self._refresh_worker()
        if not template.value.strip():
            template.focus()

    def set_template(self, body: str) -> None:
        self.template.value = body
        self.template.focus()

    @work(exclusive=True, exit_on_error=False, group="merge")
    async def _refresh_worker(self) -> None:
        await self._refresh()

    async def _refresh(self, rows_changed: bool = False) -> None:
        """Judge the rows again (when edited), estimate them, redo the merge."""
        if rows_changed:
            await judge_rows(self.rows)
        valid = self.row_recipients()
        self.estimate = await estimate_of(valid) if valid else None
        await self._merge()

    # ------------------------------------------------------------ mail merge

    @on(Input.Changed, "#template")
    def _template_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._merge_timer is not None:
            self._merge_timer.stop()
            self._merge_timer = None
        if self.source is not None and len(self.source.records) > SYNC_MERGE_ROWS:
            self.merge_busy = True
            self._merge_timer = self.set_timer(PARSE_DEBOUNCE, self._merge_later)
            self.render_source()
        else:
            self._merge_worker()

    def _merge_later(self) -> None:
        self._merge_timer = None
        self._merge_worker()

    @work(exclusive=True, exit_on_error=False, group="merge")
    async def _merge_worker(self) -> None:
        await self._merge()

    async def _merge(self) -> None:
        """Fill the template from every row of the source (in a thread)."""
        text, src = self.template.value, self.source
        self.merge_busy = False
        error = ""
        self.merged = None
        if text.strip():
            try:
                tpl = mailmerge.parse_template(text, "template")
                if src is not None:
                    self.merge_busy = True
                    self.merged = await merge(tpl, src, name=self.source_name, transliterate=self.transliterated)
                    self.post_message(FieldError("file", ""))
            except InputError as exc:
                error = str(exc)
            finally:
                self.merge_busy = False
        self.template_error = error
        self.post_message(FieldError("template", error))
        self.render_source()

    # ------------------------------------------------------------ rendering

    def render_source(self) -> None:
        merging = self.merging
        self.query_one("#edit-row").display = not merging and bool(self.rows)
        table = self.query_one(PreviewTable)
        summary = self.query_one("#ind-summary", Static)
        marks = Marks(self.transliterated, self.opted_out)
        if not merging:
            table.show_rows(self.rows, smstext.transliterate if self.transliterated else _as_is)
            summary.update(rows_summary(self.rows, self.rows_name, self.estimate, self.source, self.source_name,
                                        marks))
        elif self.source is None or self.merged is None:
            table.clear()
            summary.update(merge_summary(self.source, self.source_name, None, 0, marks, busy=self.merge_busy))
        else:
            left = table.show_merge(self.source, self.merged)
            summary.update(merge_summary(self.source, self.source_name, self.merged, left, marks))
        self.post_message(RecipientsChanged())

    # ------------------------------------------------------------ fixing rows

    def _row(self, line: int | None) -> Row | None:
        return next((r for r in self.rows if r.line == line), None)

    @on(DataTable.RowHighlighted, "#preview")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.merging or event.row_key is None or event.row_key.value is None:
            return
        row = self._row(int(event.row_key.value))
        if row is not None:
            self.query_one(RowFixer).show(row)

    @on(RowFixer.Applied)
    async def _apply_fix(self, event: RowFixer.Applied) -> None:
        row = self._row(event.line)
        if row is None:
            return
        row.number, row.message, row.fault = event.number, event.message, ""
        await self._refresh(rows_changed=True)
        verdict = "valid" if row.valid else f"still invalid: {row.reason}"
        self.notify(f"line {row.line} updated, {verdict}")
        table = self.query_one(PreviewTable)
        try:
            table.move_cursor(row=table.get_row_index(str(row.line)))
        except Exception:  # the row may be past the rows the table shows
            pass
        table.focus()

    async def drop_row(self) -> None:
        key = self.query_one(PreviewTable).highlighted_key()
        row = self._row(int(key)) if key is not None and key.isdigit() else None
        if row is None:
            return
        self.rows.remove(row)
        self.query_one(RowFixer).forget()
        await self._refresh(rows_changed=True)
        self.notify(f"line {row.line} dropped")

    async def drop_invalid(self) -> None:
        bad = sum(1 for r in self.rows if not r.valid)
        if not bad:
            self.notify("No invalid rows.")
            return
        self.rows = [r for r in self.rows if r.valid]
        await self._refresh(rows_changed=True)
        self.notify(f"{plural(bad, 'invalid row')} dropped")

    # ------------------------------------------------------------ transliteration

    def toggle_transliteration(self) -> None:
        if self.transliterated:
            self.transliterated = False
            self.notify("Messages will be sent as typed.")
            self._refresh_worker()
            return
        self._offer_transliteration()

    @work(exclusive=True, exit_on_error=False, group="translit")
    async def _offer_transliteration(self) -> None:
        if self.merging:
            if self.source is None:
                self.notify("Load a file or a group first.")
                return
            try:
                tpl = mailmerge.parse_template(self.template.value, "template")
                recipients = (await merge(tpl, self.source)).recipients
            except InputError as exc:
                self.notify(str(exc), severity="error")
                return
        else:
            recipients = [Recipient(r.wire or "", r.message or "") for r in self.rows if r.valid]
        if not recipients:
            self.notify("No message to transliterate yet.")
            return
        cmp = await compare_costs(list(recipients))
        if not cmp.changed:
            self.notify("Transliteration changes nothing in these messages.")
            return
        sample = [(r.message or "", smstext.transliterate(r.message or "")) for r in list(recipients[:3])]

        def answer(ok: bool | None) -> None:
            if ok:
                self.transliterated = True
                self.notify(f"Sent transliterated: {cmp.line()}")
                self._refresh_worker()

        self.app.push_screen(CostChoiceScreen(cmp, sample), answer)

    def clear(self) -> None:
        for f in ("#csv-file", "#csv-column", "#csv-sheet", "#template"):
            self.query_one(f, Input).value = ""
        self.rows, self.rows_name, self.estimate = [], "", None
        self.source, self.source_name, self.merged = None, "", None
        self.transliterated, self.opted_out = False, 0
        self.render_source()
