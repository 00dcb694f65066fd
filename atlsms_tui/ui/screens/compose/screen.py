"""ComposeScreen: the layout, the keys and the state its parts share."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import ContentSwitcher, DataTable, Footer, Label, Select, Static

from ....core import lists, mailmerge, smstext
from ....core.imports import ImportReport
from ....core.msisdn import ParsedNumbers
from ...literal import literal
from ...widgets.fields import Input, TextArea
from ..confirm import AskScreen, app_header
from .counter import CounterPart
from .draft import DraftPart
from .estimate import EstimatePart
from .files import FilesPart
from .groups import GroupsPart
from .individual import IndividualPart
from .mail_merge import MailMergePart
from .optouts import OptOutsPart
from .recipients_panel import RecipientsPanelPart
from .rows import Row
from .schedule import SchedulePart
from .send_flow import SendFlowPart
from .templates import TemplatesPart
from .transliteration import TransliterationPart


class ComposeTextArea(TextArea):
    """A TextArea whose F6/F7 (select line / select all: ctrl+a and shift
    arrows do those too) open the group and template menus of the screen."""

    BINDINGS = [
        Binding("f6", "screen.groups", "Group"),
        Binding("f7", "screen.templates", "Template"),
    ]


class ComposeScreen(
    CounterPart,
    TransliterationPart,
    RecipientsPanelPart,
    FilesPart,
    IndividualPart,
    MailMergePart,
    OptOutsPart,
    SchedulePart,
    EstimatePart,
    GroupsPart,
    TemplatesPart,
    DraftPart,
    SendFlowPart,
    Screen[None],
):
    CSS_PATH = "../../compose.tcss"
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
        self._load_cancel = None  # threading.Event of the number file being read
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
                    [(literal(t), t) for t in titles], value=default, allow_blank=False,
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
        status.update(literal(" · ".join(self._errors.values()), lines=True))
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
        if self._submitting or self._cancel_load():
            return
        if not self._has_draft():
            self.dismiss(None)
            return

        def answer(ok: bool | None) -> None:
            if ok:
                self.dismiss(None)

        self.app.push_screen(AskScreen("Discard this draft?", "The message and the numbers will be lost."), answer)
