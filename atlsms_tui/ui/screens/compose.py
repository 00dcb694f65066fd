"""ComposeScreen: write a campaign, see what it costs, send it.

Two modes share the title, the schedule and the estimate line:

* bulk: one message to many numbers (typed, pasted, read from a
  .txt/.csv/.tsv/.xlsx file through ``imports``, or a saved group);
* individual: one message per number, either from a CSV with msisdn,message
  columns (rows fixed or dropped in the table) or by mail merge: a template
  with ``{column}`` placeholders filled from a CSV/XLSX or a saved group.

Saved groups (F6), templates (F7) and the lists screen (F9) are one key
away. A campaign bigger than the per-task cap goes out as several tasks
(campaign.submit_campaign), with a progress bar and a stop key.

The screen never blocks: files are read, big pastes parsed, mail merges,
opt-out checks and estimates made in workers, and the submit runs in a
worker behind a modal that only the stop key touches.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import ContentSwitcher, DataTable, Footer, Input, Label, Select, Static, TextArea

from ... import baku, campaign as campaign_mod, imports, lists, mailmerge, recipients as recipients_mod, smstext
from ...errors import InputError
from ...imports import ImportRecord, ImportReport
from ...models import Recipient, State
from ...msisdn import ParsedNumbers, operator_of, parse_numbers
from ...service import Draft, check_draft, estimate
from .confirm import (
    AskScreen,
    CampaignProgressScreen,
    CampaignResultScreen,
    ConfirmSendScreen,
    CostChoiceScreen,
    ImportReportScreen,
    SendSummary,
    SubmitResultScreen,
    TransliterateScreen,
    app_header,
    error_text,
    plural,
)

# Pastes up to this size are parsed at once (well under a millisecond);
# bigger ones wait for typing to pause and are parsed in a worker.
SYNC_PARSE_CHARS = 20_000
PARSE_DEBOUNCE = 0.3
# Rows of the individual preview table; the rest stay in memory only.
PREVIEW_ROWS = 500
# Issues listed under the recipients; the counts always cover all of them.
ISSUES_SHOWN = 50
UCS2_SHOWN = 8
# Merges of up to this many rows run as the template is typed; bigger ones
# wait for a pause in the typing.
SYNC_MERGE_ROWS = 2_000
OPTOUT_DEBOUNCE = 0.4
OPTOUTS_LISTED = 5
XLSX = (".xlsx", ".xlsm")

# After these outcomes the campaign must not be sent again from this form:
# it was accepted, or it may have been (uncertain: settle it with retry).
CLEAR_STATES = (State.ACCEPTED, State.ACCEPTED_WITHOUT_TASKID, State.UNCERTAIN, State.SENDING)


# --------------------------------------------------------------------------
# individual rows


@dataclass
class Row:
    """One CSV record of an individual send, as the operator can edit it."""

    line: int  # 1-based file line where the record starts: its stable key
    number: str
    message: str | None
    wire: str | None = None
    reason: str | None = None  # None: valid

    @property
    def valid(self) -> bool:
        return self.reason is None


def validate_rows(rows: list[Row]) -> None:
    """Set wire/reason of every row with the CSV reader's own rule
    (recipients.judge_individual_row), so a fixed row is judged exactly like
    a loaded one. Duplicates are judged across all rows: first one wins."""
    seen: dict[str, int] = {}
    judge = recipients_mod.judge_individual_row
    for r in rows:
        recipient, issue, _dup = judge(r.number, r.message, r.line, seen)
        if recipient is not None:
            r.wire, r.reason = recipient.msisdn, None
        else:
            r.wire, r.reason = None, issue.reason


def load_individual_rows(path: str) -> list[Row]:
    """Every data record of an individual CSV with its file line (blocking:
    call it in a worker). Header and quoting problems raise InputError with
    the reader's own wording."""
    rows = [Row(line, number, message) for line, number, message in recipients_mod.read_individual_rows(path)]
    validate_rows(rows)
    return rows


def group_report(group: lists.Group) -> ImportReport:
    """A saved group seen as an import, so both feed the same code."""
    info = group.info
    rep = ImportReport(source=f"group {info.name}", kind="group", columns=list(info.columns),
                       rows_read=info.members, valid=info.members, records=list(group.records))
    for r in group.records:
        rep.operators[operator_of(r.msisdn)] += 1
    return rep


def _one_line(text: str, width: int) -> str:
    text = text.replace("\r\n", "⏎").replace("\n", "⏎").replace("\r", "⏎")
    return text if len(text) <= width else text[: width - 1] + "…"


def _line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    start = text.rfind("\n", 0, index) + 1
    return line, index - start + 1


def ucs2_reasons(text: str, info: smstext.TextInfo) -> str:
    """'ə ×2 (1:5), ş (1:12)': each character forcing UCS-2, how often, and
    where it first occurs (line:column), so the operator can find it."""
    first: dict[str, int] = {}
    count: dict[str, int] = {}
    for index, ch in info.ucs2_chars:
        first.setdefault(ch, index)
        count[ch] = count.get(ch, 0) + 1
    parts = []
    for ch in list(first)[:UCS2_SHOWN]:
        line, col = _line_col(text, first[ch])
        shown = ch if ch.isprintable() and not ch.isspace() else f"U+{ord(ch):04X}"
        times = f" ×{count[ch]}" if count[ch] > 1 else ""
        parts.append(f"{shown}{times} ({line}:{col})")
    more = len(first) - UCS2_SHOWN
    if more > 0:
        parts.append(f"and {more:,} more")
    return ", ".join(parts)


# --------------------------------------------------------------------------
# the screen


class ComposeTextArea(TextArea):
    """A TextArea whose F6/F7 (select line / select all: ctrl+a and shift
    arrows do those too) open the group and template menus of the screen."""

    BINDINGS = [
        Binding("f6", "screen.groups", "Group"),
        Binding("f7", "screen.templates", "Template"),
    ]


class ComposeScreen(Screen[None]):
    CSS_PATH = "../compose.tcss"
    TITLE = "Compose"

    # The footer has room for the keys below; F2 F3 F4 F9 F10 are named on
    # the mode bar instead (and all are in F1 help and the command palette).
    BINDINGS = [
        Binding("f5,ctrl+s", "send", "Send", id="send"),
        Binding("f3", "toggle_mode", "Mode", id="compose_mode", show=False),
        Binding("f4", "transliterate", "GSM-7", id="transliterate", show=False),
        Binding("f2", "load_file", "Load", id="load_file", show=False),
        Binding("f6", "groups", "Group", id="compose_group"),
        Binding("f7", "templates", "Template", id="compose_template"),
        Binding("f10,ctrl+r", "import_report", "Import report", id="import_report", show=False),
        Binding("f9", "lists", "Lists", id="open_lists", show=False),
        Binding("delete", "drop_row", "Drop", id="drop_row"),
        Binding("f8", "drop_invalid", "Drop bad", id="drop_invalid"),
        Binding("escape", "close", "Back", id="compose_back"),
    ]

    def __init__(self, mode: str = "bulk") -> None:
        super().__init__()
        self.mode = mode if mode in ("bulk", "individual") else "bulk"
        # bulk
        self._typed: ParsedNumbers = ParsedNumbers()
        self._file: ImportReport | None = None  # a file import or a group
        self._file_name = ""
        self._parsing = False
        self._parse_timer = None
        # individual: msisdn,message rows, or a mail merge over a source
        self._rows: list[Row] = []
        self._csv_name = ""
        self._ind_estimate = None
        self._edit_line: int | None = None
        self._source: ImportReport | None = None
        self._source_name = ""
        self._merge: mailmerge.MergeResult | None = None
        self._merging = False
        self._merge_timer = None
        self._translit = False  # individual messages sent transliterated (F4, never silent)
        # both
        self._optouts: lists.OptOutFilter | None = None
        self._optout_timer = None
        self._schedule = None
        self._errors: dict[str, str] = {}
        self._balance: int | None = None
        self._preparing = False
        self._submitting = False
        self._close_after_result = False
        self._msg_info = smstext.analyze("")

    # ------------------------------------------------------------ layout

    @property
    def session(self):
        return self.app.session

    @property
    def service(self):
        return self.app.session.service

    @property
    def max_per_task(self) -> int:
        return max(1, int(self.session.settings.preferences.max_recipients_per_task))

    def compose(self) -> ComposeResult:
        profile = self.session.profile
        yield app_header()
        yield Static(id="mode-bar")
        with Horizontal(id="top-row"):
            yield Label("Title", classes="field-label")
            titles = list(profile.titles)
            if titles:
                default = profile.default_title if profile.default_title in titles else titles[0]
                yield Select(
                    [(t, t) for t in titles], value=default, allow_blank=False,
                    compact=True, id="title",
                )
            else:
                yield Input(placeholder="sender name", max_length=11, compact=True, id="title")
            yield Label("Schedule, Baku time", classes="field-label")
            yield Input(placeholder="now, or YYYY-MM-DD HH:MM", compact=True, id="schedule")
        with ContentSwitcher(initial=self.mode, id="modes"):
            with Vertical(id="bulk"):
                with Horizontal(id="msg-row"):
                    yield ComposeTextArea(id="message", placeholder="Type the message (F7: a saved template)")
                    yield Static(id="counter")
                with Horizontal(id="rcp-row"):
                    yield ComposeTextArea(id="numbers", placeholder="Paste numbers: one a line, or , ; separated")
                    with VerticalScroll(id="rcp-panel"):
                        yield Static(id="rcp-summary")
                with Horizontal(id="file-row", classes="form-row"):
                    yield Label("File", classes="field-label")
                    yield Input(placeholder=".txt .csv .xlsx, Enter/F2 (F6: a group)", compact=True, id="numbers-file")
                    yield Label("Col", classes="field-label")
                    yield Input(placeholder="auto", compact=True, id="numbers-column", classes="short-input")
                    yield Label("Sheet", classes="field-label")
                    yield Input(placeholder="first", compact=True, id="numbers-sheet", classes="short-input")
            with Vertical(id="individual"):
                with Horizontal(id="csv-row", classes="form-row"):
                    yield Label("File", classes="field-label")
                    yield Input(placeholder="CSV msisdn,message, or any CSV/XLSX + template", compact=True, id="csv-file")
                    yield Label("Col", classes="field-label")
                    yield Input(placeholder="auto", compact=True, id="csv-column", classes="short-input")
                    yield Label("Sheet", classes="field-label")
                    yield Input(placeholder="first", compact=True, id="csv-sheet", classes="short-input")
                with Horizontal(id="template-row", classes="form-row"):
                    yield Label("Template", classes="field-label")
                    yield Input(placeholder="Hörmətli {name}, … (empty: the file's message column)",
                                compact=True, id="template")
                yield Static(id="ind-summary")
                yield DataTable(id="preview", cursor_type="row", zebra_stripes=True)
                with Horizontal(id="edit-row", classes="form-row"):
                    yield Label("Fix", classes="field-label", id="edit-label")
                    yield Input(placeholder="number", compact=True, id="edit-number")
                    yield Input(placeholder="message (Enter applies)", compact=True, id="edit-message")
        yield Static(id="estimate")
        yield Static(id="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#message", TextArea).border_title = "Message"
        self.query_one("#counter", Static).border_title = "Length"
        self.query_one("#numbers", TextArea).border_title = "Recipients"
        self.query_one("#rcp-panel").border_title = "Numbers"
        table = self.query_one("#preview", DataTable)
        table.add_columns("Line", "Number", "Seg", "Status", "Message")
        if hasattr(self.app, "balance"):
            # The app keeps the balance fresh (BalanceState); follow it.
            self.watch(self.app, "balance", self._balance_changed, init=True)
        else:
            self._read_balance()
            if self._balance is None:
                refresh = getattr(self.app, "refresh_units", None)
                if callable(refresh):
                    refresh()
            self.set_interval(10, self._tick_balance)
        self._render_all()
        self._focus_mode()

    def on_screen_resume(self) -> None:
        # back from the lists screen: the opt-out list may have changed
        if self.is_mounted:
            self._schedule_optouts()

    def _balance_changed(self, state) -> None:
        units = getattr(state, "units", None)
        if units != self._balance:
            self._balance = units
            self._render_estimate()

    # ------------------------------------------------------------ helpers

    def _read_balance(self) -> None:
        try:
            units = self.service.cached_units()
        except Exception:  # a closed or broken store must not break the form
            units = None
        self._balance = None if units is None else units.units

    def _tick_balance(self) -> None:
        before = self._balance
        self._read_balance()
        if before != self._balance:
            self._render_estimate()

    def _set_error(self, key: str, message: str | None) -> None:
        if message:
            self._errors[key] = message
        else:
            self._errors.pop(key, None)
        status = self.query_one("#status", Static)
        status.update(escape(" · ".join(self._errors.values())))
        status.display = bool(self._errors)

    def _focus_mode(self) -> None:
        target = "#message" if self.mode == "bulk" else "#csv-file"
        self.query_one(target).focus()

    def _render_all(self) -> None:
        self._render_mode()
        self._render_counter()
        self._render_numbers()
        self._render_individual()

    def _render_mode(self) -> None:
        bulk, ind = ("[reverse b] Bulk [/]", " Individual ") if self.mode == "bulk" else (" Bulk ", "[reverse b] Individual [/]")
        self.query_one("#mode-bar", Static).update(
            f"{bulk}{ind} [dim]F3 mode · F4 GSM-7 · F2 load · F9 lists · F10 import report[/]"
        )

    def title_value(self) -> str:
        widget = self.query_one("#title")
        if isinstance(widget, Select):
            value = widget.value
            return "" if value is Select.NULL else str(value)
        return widget.value.strip()

    def _parts_for(self, n: int) -> int:
        return -(-n // self.max_per_task) if n else 0

    # ------------------------------------------------------- message counter

    @on(TextArea.Changed, "#message")
    def _message_changed(self) -> None:
        self._render_counter()
        self._render_estimate()

    def _render_counter(self) -> None:
        text = self.query_one("#message", TextArea).text
        info = smstext.analyze(text)
        self._msg_info = info
        lines = [
            f"{plural(info.characters, 'char')} · [b]{info.encoding}[/]",
            f"{plural(info.segments, 'segment')} · {info.remaining} left",
        ]
        if not info.is_gsm7:
            lines.append(f"[yellow]UCS-2 because of:[/] {escape(ucs2_reasons(text, info))}")
            converted = smstext.transliterate(text)
            if converted != text:
                after = smstext.analyze(converted)
                lines.append(
                    f"[b]F4[/] GSM-7 version: {after.encoding}, {plural(after.segments, 'segment')}"
                )
        counter = self.query_one("#counter", Static)
        counter.update("\n".join(lines))
        counter.set_class(not info.is_gsm7, "-ucs2")

    def action_transliterate(self) -> None:
        if self.mode == "individual":
            self._transliterate_individual()
            return
        area = self.query_one("#message", TextArea)
        text = area.text
        before = smstext.analyze(text)
        if before.is_gsm7:
            self.notify("The message is already GSM-7.")
            return
        converted = smstext.transliterate(text)
        if converted == text:
            chars = ", ".join(sorted({c for _, c in before.ucs2_chars}))
            self.notify(f"No GSM-7 replacement is known for: {chars}", severity="warning")
            return
        after = smstext.analyze(converted)

        def apply(ok: bool | None) -> None:
            if ok:
                doc = area.document
                area.replace(converted, doc.start, doc.end)  # ctrl+z undoes it
                area.focus()

        self.app.push_screen(
            TransliterateScreen(before, after, converted, len(self._bulk_numbers())), apply
        )

    # ------------------------------------------------------ bulk recipients

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

    def _bulk_numbers(self) -> list[str]:
        """Numbers to send: the file's (or group's) then the typed ones, each once."""
        merged = dict.fromkeys(r.msisdn for r in self._file.records) if self._file else {}
        merged.update(dict.fromkeys(self._typed.valid))
        return list(merged)

    def _file_issue(self, issue) -> str:
        rep = self._file
        if rep is not None and rep.kind == "list":
            where = f"{issue.row}:{issue.column}" if issue.column else f"{issue.row}"
        else:
            where = f"row {issue.row}"
        return f" file {where} [red]{escape(_one_line(issue.raw, 16))}[/]: {escape(issue.reason)}"

    def _render_numbers(self) -> None:
        typed, file = self._typed, self._file
        total = len(self._bulk_numbers())
        lines: list[str] = []
        if self._parsing:
            lines.append("[i]checking the numbers…[/]")
        lines.append(f"[b]{plural(total, 'number')}[/] to send")
        opt = self._optouts
        opted = len(opt.removed) if opt is not None and self.mode == "bulk" else 0
        parts = self._parts_for(max(total - opted, 0))
        if parts > 1:
            lines.append(f"[b]{parts:,} tasks[/] of at most {self.max_per_task:,}")
        if opted:
            lines.append(f"[yellow]{len(opt.removed):,} on the opt-out list[/] (not sent)")
        invalid = len(typed.invalid) + (len(file.invalid) if file else 0)
        dups = len(typed.duplicates) + (file.duplicates if file else 0)
        if file is not None:
            cross = len(file.records) + len(typed.valid) - total
            kind = "group" if file.kind == "group" else "file"
            if file.kind == "group":
                lines.append(f"group {escape(self._file_name)}: {plural(len(file.records), 'number')}")
            else:
                lines.append(f"file {escape(self._file_name)}: {escape(file.summary())}")
                lines.append(f"[dim]{escape(file.operator_line())}[/]")
            for w in file.warnings[:3]:
                lines.append(f"[yellow]{escape(w)}[/]")
            if cross:
                lines.append(f"{cross:,} typed also in the {kind}")
        if dups:
            lines.append(f"{plural(dups, 'duplicate')} (sent once)")
        if invalid:
            lines.append(f"[red b]{invalid:,} invalid[/] (not sent):")
        shown = 0
        for issue in typed.invalid[:ISSUES_SHOWN]:
            col = f":{issue.column}" if getattr(issue, "column", None) else ""
            lines.append(f" {issue.line}{col} [red]{escape(_one_line(issue.raw, 16))}[/]: {escape(issue.reason)}")
            shown += 1
        for issue in (file.invalid if file else [])[: max(0, ISSUES_SHOWN - shown)]:
            lines.append(self._file_issue(issue))
            shown += 1
        if invalid > shown:
            lines.append(f" … and {invalid - shown:,} more (F10 report)")
        if file is not None and file.recovered:
            lines.append(f"{plural(len(file.recovered), 'number')} recovered from Excel damage:")
            for issue in file.recovered[:10]:
                lines.append(f" row {issue.row} {escape(_one_line(issue.raw, 18))} → {escape(issue.reason.rsplit(': ', 1)[-1])}")
        if dups:
            lines.append("duplicates:")
            for issue in typed.duplicates[: max(0, ISSUES_SHOWN - shown)]:
                lines.append(f" {issue.line}:{issue.column} {escape(_one_line(issue.raw, 16))}: {escape(issue.reason)}")
                shown += 1
            for issue in (file.duplicate_rows if file else [])[: max(0, ISSUES_SHOWN - shown)]:
                lines.append(f"{self._file_issue(issue)}")
                shown += 1
        self.query_one("#rcp-summary", Static).update("\n".join(lines))
        panel = self.query_one("#rcp-panel")
        panel.border_title = f"Numbers: {total:,}"
        panel.set_class(invalid > 0, "-has-invalid")
        self._render_estimate()
        if self.mode == "bulk":
            self._schedule_optouts()

    # ------------------------------------------------------------ files

    def action_load_file(self) -> None:
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
        self.query_one("#rcp-summary", Static).update(f"[i]reading {escape(path)}…[/]")
        try:
            rep = await asyncio.to_thread(
                imports.read_recipients, os.path.expanduser(path), column=column or None, sheet=sheet or None
            )
        except InputError as exc:
            self._set_error("file", str(exc))
            self._render_numbers()
            return
        except Exception as exc:  # never let a file crash the app
            self._set_error("file", f"cannot read {path}: {exc}")
            self._render_numbers()
            return
        self._file, self._file_name = rep, os.path.basename(path)
        self.notify(f"{os.path.basename(path)}: {rep.summary()}")
        self._render_numbers()

    @work(exclusive=True, exit_on_error=False, group="load")
    async def _load_csv(self, path: str, column: str = "", sheet: str = "") -> None:
        self._set_error("file", None)
        self.query_one("#ind-summary", Static).update(f"[i]reading {escape(path)}…[/]")
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

    # ------------------------------------------------------- individual rows

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

    # mail merge

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

    def _columns_line(self) -> str:
        src = self._source
        if src is None or not src.columns:
            return ""
        return "[dim]placeholders:[/] " + escape(" ".join("{" + c + "}" for c in src.columns))

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
            summary.update(f"{escape(self._source_name)}: {state}\n{self._columns_line()}")
            return
        problems = [(i, "invalid number: " + i.reason) for i in src.invalid] + [(p, p.reason) for p in res.problems]
        n = 0
        for issue, reason in problems:
            if n >= PREVIEW_ROWS:
                break
            # the full reason is in the import report (F10); the table stays narrow
            table.add_row(str(issue.row), escape(_one_line(issue.raw, 14)), "",
                          f"[red]{escape(_one_line(reason, 36))}[/]", "", key=f"p{n}")
            n += 1
        for row in res.rows:
            if n >= PREVIEW_ROWS:
                break
            table.add_row(str(row.row), row.msisdn, str(row.segments), "ok", escape(_one_line(row.message, 60)),
                          key=f"m{n}")
            n += 1
        parts = [
            f"{escape(self._source_name)}: [b]{plural(len(res.rows), 'message')} to send[/]",
            plural(res.units, "unit"),
            f"{res.encoding}, longest {plural(res.longest, 'segment')}",
        ]
        if self._translit:
            parts.append("[b]transliterated[/] (F4: as typed)")
        second = []
        if problems:
            second.append(f"[red b]{len(problems):,} left out[/] (listed first, not sent)")
        opt = self._optouts
        if opt is not None and opt.removed:
            second.append(f"[yellow]{len(opt.removed):,} opted out[/]")
        if len(problems) + len(res.rows) > PREVIEW_ROWS:
            second.append(f"table shows {PREVIEW_ROWS} of {len(problems) + len(res.rows):,}")
        cols = self._columns_line()
        summary.update("\n".join(x for x in (" · ".join(parts), " · ".join(second), cols) if x))

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
            status = "ok" if r.valid else f"[red]{escape(r.reason)}[/]"
            table.add_row(
                str(r.line), escape(_one_line(r.number, 16)), str(segs), status,
                escape(_one_line(message, 60)), key=str(r.line),
            )
        if rows:
            table.move_cursor(row=min(keep, len(table.rows) - 1))
        summary = self.query_one("#ind-summary", Static)
        if not rows:
            if self._source is not None:
                summary.update(f"{escape(self._source_name)}: {escape(self._source.summary())}\n"
                               f"{self._columns_line()}")
            else:
                summary.update("[dim]No file loaded. A CSV with msisdn,message columns, or any CSV/XLSX "
                               "with a Template of {column} placeholders.[/]")
        else:
            est = self._ind_estimate
            parts = [f"{escape(self._csv_name)}: [b]{plural(len(good), 'row')} to send[/]"]
            if bad:
                parts.append(f"[red b]{len(bad):,} invalid[/] (not sent; fix or Del/F8 drop)")
            if est is not None:
                parts.append(f"{est.encoding}, longest {plural(est.segments, 'segment')}")
            if self._translit:
                parts.append("[b]transliterated[/]")
            opt = self._optouts
            if opt is not None and opt.removed:
                parts.append(f"[yellow]{len(opt.removed):,} opted out[/]")
            if len(rows) > PREVIEW_ROWS:
                parts.append(f"table shows {PREVIEW_ROWS} of {len(rows):,}, invalid first")
            summary.update(" · ".join(parts))

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

    # transliteration of individual messages: offered with the cost both
    # ways, applied only on yes, shown while on, F4 again turns it off

    def _transliterate_individual(self) -> None:
        if self._translit:
            self._translit = False
            self.notify("Messages will be sent as typed.")
            self._refresh_individual()
            return
        self._offer_translit()

    @work(exclusive=True, exit_on_error=False, group="translit")
    async def _offer_translit(self) -> None:
        if self.merging:
            text = self.query_one("#template", Input).value
            src = self._source
            if src is None:
                self.notify("Load a file or a group first.")
                return
            try:
                tpl = mailmerge.parse_template(text, "template")
                res = await asyncio.to_thread(mailmerge.merge, tpl, src.records, src.columns)
            except InputError as exc:
                self.notify(str(exc), severity="error")
                return
            recipients = res.recipients
        else:
            recipients = [Recipient(r.wire, r.message or "") for r in self._rows if r.valid]
        if not recipients:
            self.notify("No message to transliterate yet.")
            return
        draft = Draft("", recipients, None)
        cmp = await asyncio.to_thread(mailmerge.compare_costs, draft)
        if not cmp.changed:
            self.notify("Transliteration changes nothing in these messages.")
            return
        sample = [(r.message, smstext.transliterate(r.message or "")) for r in recipients[:3]]

        def answer(ok: bool | None) -> None:
            if ok:
                self._translit = True
                self.notify(f"Sent transliterated: {cmp.line()}")
                self._refresh_individual()

        self.app.push_screen(CostChoiceScreen(cmp, sample), answer)

    @work(exclusive=True, exit_on_error=False, group="merge")
    async def _refresh_individual(self) -> None:
        await self._revalidate(rows_changed=False)
        await self._remerge()

    # ------------------------------------------------------------ opt-outs

    def _schedule_optouts(self) -> None:
        """Check the recipients against the opt-out list once typing pauses."""
        if self._optout_timer is not None:
            self._optout_timer.stop()
        self._optout_timer = self.set_timer(OPTOUT_DEBOUNCE, self._check_optouts)

    def _check_optouts(self) -> None:
        self._optout_timer = None
        if not self.is_mounted:
            return
        if self.mode == "bulk":
            recipients = [Recipient(m) for m in self._bulk_numbers()]
        else:
            recipients = self._individual_recipients()
        self._optout_worker(recipients)

    @work(exclusive=True, exit_on_error=False, group="optouts")
    async def _optout_worker(self, recipients: list[Recipient]) -> None:
        if not recipients:
            result = None
        else:
            try:
                result = await asyncio.to_thread(self.service.preview_optouts, Draft("", recipients, None))
            except Exception:  # a preview only: the confirm step checks again
                return
        before = len(self._optouts.removed) if self._optouts else 0
        self._optouts = result
        if (len(result.removed) if result else 0) != before:
            if self.mode == "bulk":
                self._render_numbers_only()
            else:
                self._render_merge() if self.merging else self._render_classic()

    def _render_numbers_only(self) -> None:
        timer = self._optout_timer
        self._render_numbers()
        # _render_numbers re-arms the check; this render came from the check
        if self._optout_timer is not None and self._optout_timer is not timer:
            self._optout_timer.stop()
            self._optout_timer = None

    # ------------------------------------------------------------ schedule

    @on(Input.Changed, "#schedule")
    def _schedule_changed(self, event: Input.Changed) -> None:
        self._schedule, error = self._parse_schedule(event.value)
        self._set_error("schedule", error)

    @staticmethod
    def _parse_schedule(text: str):
        text = text.strip()
        if not text or text.lower() == "now":
            return None, None
        try:
            return baku.parse_schedule(text), None
        except InputError as exc:
            return None, str(exc)

    # ------------------------------------------------------------ estimate

    def _render_estimate(self) -> None:
        widget = self.query_one("#estimate", Static)
        if self.mode == "bulk":
            n = len(self._bulk_numbers())
            seg = self._msg_info.segments
            units = n * seg
            head = f"{n:,} × {plural(seg, 'segment')} = [b]{plural(units, 'unit')}[/]"
        elif self.merging:
            res = self._merge
            units = res.units if res else 0
            head = f"{plural(len(res.rows) if res else 0, 'message')} = [b]{plural(units, 'unit')}[/]"
        else:
            est = self._ind_estimate
            units = est.units if est else 0
            head = f"{plural(est.recipients if est else 0, 'message')} = [b]{plural(units, 'unit')}[/]"
        bal = self._balance
        if bal is None:
            tail = "balance not known yet"
            short = False
        else:
            after = bal - units
            short = after < 0
            tail = f"balance {bal:,} → [b]{after:,}[/] after"
            if short:
                tail += "  NOT ENOUGH UNITS"
        widget.update(f"Estimate: {head} · {tail}")
        widget.set_class(short, "-short")

    # ------------------------------------------------------------ mode

    def action_toggle_mode(self) -> None:
        self.mode = "individual" if self.mode == "bulk" else "bulk"
        self.query_one("#modes", ContentSwitcher).current = self.mode
        self._set_error("send", None)
        self._set_error("file", None)
        self._optouts = None
        self._render_mode()
        self._render_all()
        self.refresh_bindings()
        self._focus_mode()

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "send" and (self._submitting or self._preparing):
            return None  # shown greyed: a submit is running
        if action in ("drop_row", "drop_invalid"):
            return self.mode == "individual" and not self.merging and bool(self._rows)
        if action == "import_report":
            return (self._file if self.mode == "bulk" else self._source) is not None
        return True

    # ------------------------------------------------------------ groups, templates, lists

    def action_lists(self) -> None:
        from .lists import ListsScreen

        self.app.push_screen(ListsScreen())

    # Modals are answered through callbacks, never awaited inside a worker:
    # a worker parked on a modal would look busy for as long as it is open.

    def action_groups(self) -> None:
        self._groups_menu()

    @work(exclusive=True, exit_on_error=False, group="lists")
    async def _groups_menu(self) -> None:
        from .lists import PickScreen, group_choice_text

        try:
            groups = await asyncio.to_thread(lists.list_groups, self.session.store)
        except Exception as exc:
            self.notify(error_text(exc), title="Cannot read the groups", severity="error")
            return
        names = [g.name for g in groups]
        choices = [("+save", "+ Save the current recipients as a group…")]
        choices += [(f"g:{g.name}", group_choice_text(g)) for g in groups]
        empty = "" if groups else "No saved group yet."

        def picked(choice: str | None) -> None:
            if choice == "+save":
                self._ask_group_name(names)
            elif choice:
                self._use_group(choice[2:])

        self.app.push_screen(PickScreen("Recipients from a saved group", choices, empty), picked)

    @work(exclusive=True, exit_on_error=False, group="lists")
    async def _use_group(self, name: str) -> None:
        try:
            group = await asyncio.to_thread(lists.get_group, self.session.store, name)
        except Exception as exc:
            self.notify(error_text(exc), severity="error")
            return
        rep = group_report(group)
        label = f"group {group.info.name}"
        if self.mode == "bulk":
            self._file, self._file_name = rep, group.info.name
            self.query_one("#numbers-file", Input).value = ""
            self._set_error("file", None)
            self._render_numbers()
        else:
            self._rows, self._csv_name = [], ""
            self._source, self._source_name = rep, label
            self.query_one("#csv-file", Input).value = ""
            self._set_error("file", None)
            template = self.query_one("#template", Input)
            if not template.value.strip() and "message" in {c.lower() for c in rep.columns}:
                template.value = "{message}"
            await self._revalidate(rows_changed=False)
            await self._remerge()
            if not template.value.strip():
                template.focus()
        self.notify(f"{label}: {plural(len(rep.records), 'number')}")

    def _current_records(self) -> tuple[list[ImportRecord], list[str], str]:
        """The recipients of the form as records (with their fields), the
        columns, and where they came from."""
        if self.mode == "bulk":
            file = self._file
            records = list(file.records) if file else []
            seen = {r.msisdn for r in records}
            records += [ImportRecord(m, {}) for m in self._typed.valid if m not in seen]
            cols = file.columns if file and file.kind != "list" else []
            return records, cols, (self._file_name or "typed")
        if self._source is not None and (self.merging or not self._rows):
            return list(self._source.records), list(self._source.columns), self._source_name
        records = [ImportRecord(r.wire, {"message": r.message or ""}, r.line) for r in self._rows if r.valid]
        return records, ["message"], self._csv_name

    def _ask_group_name(self, existing: list[str]) -> None:
        from .lists import Field, FormScreen

        records, columns, source = self._current_records()
        if not records:
            self.notify("No valid recipient to save.", severity="warning")
            return

        def named(values: dict | None) -> None:
            if not values:
                return
            name = values["name"].strip()
            if name.lower() not in {g.lower() for g in existing}:
                self._save_group(name, records, columns, source, False)
                return

            def replace(ok: bool | None) -> None:
                if ok:
                    self._save_group(name, records, columns, source, True)

            self.app.push_screen(AskScreen(f"Replace the group {name!r}?", "Its members are replaced by these."),
                                 replace)

        self.app.push_screen(FormScreen(
            f"Save {plural(len(records), 'recipient')} as a group",
            [Field("name", "Name", "e.g. vip-customers")],
            note=f"columns kept: {', '.join(columns)}" if columns else "",
        ), named)

    @work(exclusive=False, exit_on_error=False, group="lists-save")
    async def _save_group(self, name: str, records, columns, source: str, replace: bool) -> None:
        try:
            info = await asyncio.to_thread(
                lambda: lists.save_group(self.session.store, name, records, columns=columns,
                                         source=source, replace=replace)
            )
        except Exception as exc:
            self.notify(error_text(exc), title="Group not saved", severity="error")
            return
        self.notify(f"group {info.name!r} saved: {plural(info.members, 'number')}")

    def action_templates(self) -> None:
        self._templates_menu()

    def _template_target_text(self) -> str:
        if self.mode == "bulk":
            return self.query_one("#message", TextArea).text
        return self.query_one("#template", Input).value

    @work(exclusive=True, exit_on_error=False, group="lists")
    async def _templates_menu(self) -> None:
        from .lists import PickScreen, template_choice_text

        try:
            templates = await asyncio.to_thread(lists.list_templates, self.session.store)
        except Exception as exc:
            self.notify(error_text(exc), title="Cannot read the templates", severity="error")
            return
        what = "message" if self.mode == "bulk" else "template"
        choices = [("+save", f"+ Save the current {what} as a template…")]
        choices += [(f"t:{t.name}", template_choice_text(t)) for t in templates]
        empty = "" if templates else "No saved template yet."
        bodies = {t.name: t.body for t in templates}

        def picked(choice: str | None) -> None:
            if choice == "+save":
                self._ask_template_name(list(bodies))
            elif choice:
                self.insert_template(bodies[choice[2:]])

        self.app.push_screen(PickScreen(f"Insert a saved template into the {what}", choices, empty), picked)

    def insert_template(self, body: str) -> None:
        """Put a saved template's text where the operator is writing."""
        if self.mode == "bulk":
            area = self.query_one("#message", TextArea)
            if area.text.strip():
                area.insert(body)  # at the cursor: ctrl+z undoes it
            else:
                area.load_text(body)
            area.focus()
            try:
                if mailmerge.parse_template(body).personal:
                    self.notify("This template has {placeholders}: a mail merge fills them in "
                                "Individual mode (F3); here they are sent as typed.", severity="warning")
            except InputError:
                pass
        else:
            field = self.query_one("#template", Input)
            field.value = body
            field.focus()

    def _ask_template_name(self, existing: list[str]) -> None:
        from .lists import Field, FormScreen

        body = self._template_target_text()
        if not body.strip():
            self.notify("Write the text first.", severity="warning")
            return

        def named(values: dict | None) -> None:
            if not values:
                return
            name = values["name"].strip()
            if name.lower() not in {t.lower() for t in existing}:
                self._save_template(name, body)
                return

            def overwrite(ok: bool | None) -> None:
                if ok:
                    self._save_template(name, body)

            self.app.push_screen(AskScreen(f"Overwrite the template {name!r}?"), overwrite)

        self.app.push_screen(FormScreen(
            "Save as a template", [Field("name", "Name", "e.g. welcome")], note=_one_line(body, 66),
        ), named)

    @work(exclusive=False, exit_on_error=False, group="lists-save")
    async def _save_template(self, name: str, body: str) -> None:
        try:
            saved, created = await asyncio.to_thread(lists.save_template, self.session.store, name, body)
        except Exception as exc:
            self.notify(error_text(exc), title="Template not saved", severity="error")
            return
        self.notify(f"template {saved.name!r} {'saved' if created else 'updated'}")

    # ------------------------------------------------------------ send

    def _gather(self) -> dict:
        """What the form holds, read on the event loop (widgets); the heavy
        checks run on it in a thread (build_from)."""
        g = {
            "title": self.title_value(),
            "schedule": self.query_one("#schedule", Input).value,
            "mode": self.mode,
            "notes": [],
        }
        notes = g["notes"]
        if self.mode == "bulk":
            if self._parsing:
                raise InputError("still checking the numbers; send again in a moment")
            g["message"] = self.query_one("#message", TextArea).text
            g["recipients"] = [Recipient(m) for m in self._bulk_numbers()]
            file = self._file
            invalid = len(self._typed.invalid) + (len(file.invalid) if file else 0)
            dups = len(self._typed.duplicates) + (file.duplicates if file else 0)
            if invalid:
                notes.append(f"{plural(invalid, 'invalid entry', 'invalid entries')} will NOT be sent.")
            if dups:
                notes.append(f"{plural(dups, 'duplicate')} removed: each number gets one message.")
        elif self.merging:
            if self._merging:
                raise InputError("still filling the template; send again in a moment")
            if self._source is None:
                raise InputError("load a CSV/XLSX file or choose a group (F6) for the template")
            if self._merge is None:
                raise InputError(self._errors.get("template") or "the template cannot be filled")
            g["message"] = None
            g["recipients"] = list(self._merge.recipients)
            left = len(self._merge.problems)
            invalid = len(self._source.invalid)
            if left:
                notes.append(f"{plural(left, 'row')} left out of the mail merge (a value is missing).")
            if invalid:
                notes.append(f"{plural(invalid, 'invalid number')} will NOT be sent.")
        else:
            if not self._rows:
                raise InputError("load a CSV file first (path, then Enter or F2)")
            g["message"] = None
            g["recipients"] = self._classic_recipients()
            bad = sum(1 for r in self._rows if not r.valid)
            if bad:
                notes.append(f"{plural(bad, 'invalid row')} will NOT be sent.")
        if self.mode == "individual" and self._translit:
            notes.append("Messages are sent TRANSLITERATED to GSM-7 (F4 in the form: as typed).")
        if self.mode == "bulk":
            try:
                tpl = mailmerge.parse_template(g["message"])
            except InputError:
                tpl = None
            if tpl is not None and tpl.personal:
                notes.append(f"The message contains {{{tpl.fields[0]}}}: sent as typed "
                             "(a mail merge is Individual mode's template).")
        return g

    def build_from(self, g: dict) -> tuple[Draft, SendSummary]:
        """The Draft and what the confirm modal shows, or InputError.
        Blocking (opt-out list, estimate): call it in a thread."""
        scheduled, error = self._parse_schedule(g["schedule"])  # again: time passes
        if error:
            raise InputError(error)
        draft = Draft(g["title"], g["recipients"], g["message"], scheduled)
        check_draft(draft)
        opt = self.service.preview_optouts(draft)
        if not opt.kept:
            raise InputError(f"every recipient ({len(opt.removed):,}) is on the opt-out list: nothing to send")
        kept = Draft(draft.title, opt.kept, draft.message, draft.scheduled)
        est = estimate(kept)
        cap = self.max_per_task
        parts = -(-len(kept.recipients) // cap)
        lines = [h.line() for h in opt.removed[:OPTOUTS_LISTED]]
        if len(opt.removed) > OPTOUTS_LISTED:
            lines.append(f"… and {len(opt.removed) - OPTOUTS_LISTED:,} more")
        summary = SendSummary(
            title=g["title"].strip(),
            recipients=est.recipients,
            individual=draft.individual,
            encoding=est.encoding,
            segments=est.segments,
            units=est.units,
            balance=self._balance,
            schedule="now" if scheduled is None else f"{baku.format_baku(scheduled)} Baku time",
            demo=bool(getattr(self.session, "demo", False)),
            profile=self.session.profile.name,
            notes=list(g["notes"]),
            parts=parts,
            per_task=cap,
            optouts=opt.summary(),
            optout_lines=lines,
        )
        return draft, summary

    def build_draft(self) -> tuple[Draft, SendSummary]:
        """build_from(_gather()) in one go (blocking; for tests and scripts)."""
        return self.build_from(self._gather())

    def action_send(self) -> None:
        if self._submitting or self._preparing:
            self.notify("A send is already running.", severity="warning")
            return
        try:
            gathered = self._gather()
        except InputError as exc:
            self._cannot_send(exc)
            return
        self._preparing = True
        self.refresh_bindings()
        self._prepare(gathered)

    def _cannot_send(self, exc: BaseException) -> None:
        self._set_error("send", str(exc))
        self.notify(str(exc), title="Cannot send yet", severity="error")

    @work(exclusive=True, exit_on_error=False, group="prepare")
    async def _prepare(self, gathered: dict) -> None:
        try:
            draft, summary = await asyncio.to_thread(self.build_from, gathered)
        except InputError as exc:
            self._cannot_send(exc)
            return
        except Exception as exc:  # the store may be gone: a message, not a crash
            self._cannot_send(InputError(error_text(exc)))
            return
        finally:
            self._preparing = False
            self.refresh_bindings()
        self._set_error("send", None)

        def confirmed(ok: bool | None) -> None:
            if ok and not self._submitting:
                self._submitting = True  # set before the worker starts: no double send
                self.refresh_bindings()
                self._submit(draft, summary.parts)

        self.app.push_screen(ConfirmSendScreen(summary), confirmed)

    @work(exclusive=True, exit_on_error=False, group="submit")
    async def _submit(self, draft: Draft, parts: int = 1) -> None:
        self._submitting = True
        self.refresh_bindings()
        cancel = asyncio.Event()
        progress = CampaignProgressScreen(len(draft.recipients), parts, cancel)
        await self.app.push_screen(progress)
        result = None
        error: BaseException | None = None
        try:
            result = await campaign_mod.submit_campaign(
                self.service, draft, max_per_task=self.max_per_task,
                progress=progress.update_progress, cancel=cancel,
            )
        except Exception as exc:  # input, transport or anything else: a message, not a crash
            error = exc
        finally:
            progress.finish()
            self._submitting = False
            self.refresh_bindings()
        self._show_outcome(result, error)

    def _show_outcome(self, result, error: BaseException | None) -> None:
        """The result modal of a campaign (one task or several)."""
        if result is None:
            self.app.push_screen(SubmitResultScreen(None, error=error), self._after_result)
            return
        if result.campaign is None:
            single = result.results[0]
            if single.state in CLEAR_STATES:
                # Accepted, or maybe accepted: this form must not send it again.
                self.clear_form()
                self._close_after_result = True
            self._finished(single)
            self.app.push_screen(SubmitResultScreen(single), self._after_result)
            return
        # Several parts are journalled before the first is sent: unless every
        # part was refused outright, sending the form again would duplicate.
        nothing = not result.queued and all(r.state in (State.REJECTED, State.FAILED) for r in result.results)
        if not nothing:
            self.clear_form()
            self._close_after_result = True
        for r in result.results:
            self._finished(r)
        self.app.push_screen(CampaignResultScreen(result), lambda v, cid=result.campaign: self._after_campaign(v, cid))

    def _finished(self, result) -> None:
        finished = getattr(self.app, "submission_finished", None)
        if callable(finished):
            try:
                finished(result)
            except Exception as exc:
                self.log.error("submission_finished failed", exc)

    def _after_campaign(self, value, campaign: str) -> None:
        if value == "resume":
            self._submitting = True
            self.refresh_bindings()
            self._resume(campaign)
            return
        self._after_result()

    @work(exclusive=True, exit_on_error=False, group="submit")
    async def _resume(self, campaign: str) -> None:
        """Send the parts left queued and settle the uncertain ones, under
        their own control ids: an accepted part is never sent again."""
        self._submitting = True
        cancel = asyncio.Event()
        try:
            c = await asyncio.to_thread(campaign_mod.load_campaign, self.service, campaign)
            total, parts = c.recipients, max(len(c.parts), 1)
        except Exception:
            total, parts = 1, 2
        progress = CampaignProgressScreen(total, parts, cancel, title="Resuming…")
        await self.app.push_screen(progress)
        result, error = None, None
        try:
            result = await campaign_mod.resume_campaign(self.service, campaign,
                                                        progress=progress.update_progress, cancel=cancel)
        except Exception as exc:
            error = exc
        finally:
            progress.finish()
            self._submitting = False
            self.refresh_bindings()
        self._show_outcome(result, error)

    def _after_result(self, _value=None) -> None:
        if self._close_after_result and self.is_current:
            self.dismiss(None)

    def clear_form(self) -> None:
        self.query_one("#message", TextArea).clear()
        self.query_one("#numbers", TextArea).clear()
        for field in ("#numbers-file", "#numbers-column", "#numbers-sheet", "#csv-file", "#csv-column",
                      "#csv-sheet", "#template", "#schedule"):
            self.query_one(field, Input).value = ""
        self._typed = ParsedNumbers()
        self._file, self._file_name = None, ""
        self._rows, self._csv_name, self._ind_estimate = [], "", None
        self._source, self._source_name, self._merge = None, "", None
        self._translit = False
        self._optouts = None
        self._errors.clear()
        self._set_error("send", None)
        self._render_all()

    # ------------------------------------------------------------ close

    def _has_draft(self) -> bool:
        return bool(
            self.query_one("#message", TextArea).text.strip()
            or self.query_one("#numbers", TextArea).text.strip()
            or self._file is not None
            or self._rows
            or self._source is not None
        )

    def action_close(self) -> None:
        if self._submitting:
            return
        if not self._has_draft():
            self.dismiss(None)
            return

        def answer(ok: bool | None) -> None:
            if ok:
                self.dismiss(None)

        self.app.push_screen(AskScreen("Discard this draft?", "The message and the numbers will be lost."), answer)
