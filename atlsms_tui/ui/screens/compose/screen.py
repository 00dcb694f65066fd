"""ComposeScreen: the mode, the keys, and the Draft built from the typed
values of its widgets."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import ContentSwitcher, Label, Select, Static

from ....api import Core
from ....api.errors import InputError
from ....api.models import Draft, Recipient
from ....api.recipients import estimate_of
from ....api.reports import Followup
from ...literal import literal
from ...modals.import_report import ImportReportScreen
from ...modals.wording import plural
from ...widgets.fields import Input
from ...widgets.footer import KeyFooter
from ..confirm import AskScreen, app_header
from .bulk import BulkRecipients
from .estimate import ErrorLine, EstimateBar
from .events import FieldError, RecipientsChanged
from .followup import load_followup
from .individual import IndividualSource
from .limits import OPTOUT_DEBOUNCE
from .menus import ListMenus
from .message import MessageEditor
from .schedule import PaceField, ScheduleField
from .send import SendFlow

BULK, INDIVIDUAL = "bulk", "individual"


class ComposeScreen(Screen[None]):
    CSS_PATH = "../../compose.tcss"
    TITLE = "Compose"

    # The footer has room for the keys below; F2 F3 F4 F9 F10 are named on
    # the mode bar instead (and all are in F1 help and the command palette).
    BINDINGS = [
        Binding("f5,ctrl+s", "send", "Send", id="send"),
        Binding("f3", "toggle_mode", "Mode", id="compose_mode", show=False,
                tooltip="switch bulk / individual"),
        Binding("f4", "transliterate", "GSM-7", id="transliterate", show=False,
                tooltip="replace letters GSM-7 lacks, for cheaper segments"),
        Binding("f2", "load_file", "Load", id="load_file", show=False, tooltip="read the file named in File"),
        Binding("f6", "groups", "Group", id="compose_group"),
        Binding("f7", "templates", "Template", id="compose_template"),
        Binding("f10,ctrl+r", "import_report", "Import report", id="import_report", show=False,
                tooltip="the loaded file's rows left out, and why"),
        Binding("f9", "lists", "Lists", id="open_lists", show=False),
        Binding("delete", "drop_row", "Drop", id="drop_row",
                tooltip="individual mode: leave out the selected preview row"),
        Binding("ctrl+t", "proof", "Proof", id="compose_proof", show=False,
                tooltip="send the proof of this draft to the staff numbers (proof_numbers) now"),
        Binding("f8", "drop_invalid", "Drop bad", id="drop_invalid",
                tooltip="individual mode: leave out every row with a bad number"),
        Binding("escape", "close", "Back", id="compose_back"),
        # Focus moves when the key arrives, before the keys typed after it
        # are handed to a widget: a Tab in a burst of typing (a paste, SSH)
        # would otherwise land its following text in the field it left.
        Binding("tab", "app.focus_next", "Next field", show=False, priority=True),
        Binding("shift+tab", "app.focus_previous", "Previous field", show=False, priority=True),
    ]

    def __init__(self, mode: str = BULK, followup: Followup | None = None) -> None:
        """``followup``: a draft opened on a report's numbers and the earlier
        text (or each number's earlier message, in Individual mode)."""
        super().__init__()
        self.followup = followup
        if followup is not None:
            mode = INDIVIDUAL if followup.individual else BULK
        self.mode = mode if mode in (BULK, INDIVIDUAL) else BULK
        self.balance: int | None = None
        self._optout_timer: Timer | None = None
        self._kept: tuple[int, int] | None = None  # (messages, units) after the opt-out list
        self._keys: tuple[bool | None, ...] = ()  # the footer's conditional keys, as last drawn

    # ------------------------------------------------------------ parts

    @property
    def core(self) -> Core:
        core: Core = self.app.core  # type: ignore[attr-defined]
        return core

    @property
    def message(self) -> MessageEditor:
        return self.query_one(MessageEditor)

    @property
    def bulk(self) -> BulkRecipients:
        return self.query_one(BulkRecipients)

    @property
    def individual(self) -> IndividualSource:
        return self.query_one(IndividualSource)

    @property
    def sender(self) -> SendFlow:
        return self.query_one(SendFlow)

    @property
    def submitting(self) -> bool:
        """A send is being prepared or submitted: F5 is refused."""
        return self.sender.busy

    def compose(self) -> ComposeResult:
        profile = self.core.profile
        yield app_header()
        yield Static(id="mode-bar")
        with Horizontal(id="top-row"):
            yield Label("Title", classes="field-label")
            titles = list(profile.titles)
            if titles:
                default = profile.default_title if profile.default_title in titles else titles[0]
                yield Select([(literal(t), t) for t in titles], value=default, allow_blank=False, compact=True,
                             id="title")
            else:
                yield Input(placeholder="sender name", max_length=11, compact=True, id="title")
            yield Label("Schedule (Baku)", classes="field-label")
            yield ScheduleField()
            yield Label("Pace", classes="field-label")
            yield PaceField()
        with ContentSwitcher(initial=self.mode, id="modes"):
            with Vertical(id=BULK):
                yield MessageEditor()
                yield BulkRecipients()
            yield IndividualSource()
        yield EstimateBar(id="estimate")
        yield ErrorLine(id="status")
        yield SendFlow()
        yield ListMenus()
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        self.bulk.per_task = self.core.sending.max_per_task
        # The app keeps the balance fresh; follow it.
        self.watch(self.app, "balance", self._balance_changed, init=True)
        self._render_mode()
        self._focus_mode()
        if self.followup is not None:
            load_followup(self, self.followup)

    def on_screen_resume(self) -> None:
        # back from the lists screen: the opt-out list may have changed
        if self.is_mounted:
            self._check_optouts_soon()

    def _balance_changed(self, state: Any) -> None:
        units = getattr(state, "units", None)
        if units != self.balance:
            self.balance = units
            self._render_estimate()

    # ------------------------------------------------------------ the draft

    def title_value(self) -> str:
        widget = self.query_one("#title")
        if isinstance(widget, Select):
            value = widget.value
            return "" if value is Select.NULL else str(value)
        assert isinstance(widget, Input)
        return widget.value.strip()

    def draft(self) -> tuple[Draft, list[str]]:
        """The Draft the form holds and what the confirmation adds about it;
        InputError when it cannot be sent yet. The core checks the rest."""
        scheduled = self.query_one(ScheduleField).when
        if self.mode == BULK:
            bulk = self.bulk
            if bulk.parsing:
                raise InputError("still checking the numbers; send again in a moment")
            message = self.message.text
            notes = bulk.notes()
            field = self.message.personal_field()
            if field is not None:
                notes.append(f"The message contains {{{field}}}: sent as typed "
                             "(a mail merge is Individual mode's template).")
            recipients: Any = bulk.recipients()  # packed: a Sequence the core takes as a list
            return Draft(self.title_value(), recipients, message, scheduled), notes
        recipients, notes = self.individual.draft()
        return Draft(self.title_value(), recipients, None, scheduled), notes

    def action_send(self) -> None:
        if self.submitting:
            self.notify("A send is already running.", severity="warning")
            return
        try:
            draft, notes = self.draft()
            pace = self.query_one(PaceField).pace
        except InputError as exc:
            self._refused(str(exc))
            return
        self.sender.start(self.core, draft, notes, pace)

    def action_proof(self) -> None:
        """The proof of what F5 would send, as ``send --proof`` makes it."""
        try:
            draft, _notes = self.draft()
        except InputError as exc:
            self._refused(str(exc))
            return
        if not self.sender.proof(self.core, draft):
            self.notify("A send is already running.", severity="warning")

    def _refused(self, error: str) -> None:
        status = self.query_one(ErrorLine)
        # Said once: a field's own error is already on the line.
        shown = error in {status.get(k) for k in ("schedule", "pace", "file", "template")}
        status.set("send", "" if shown else error)
        self.notify(error, title="Cannot send yet", severity="error")

    @on(SendFlow.Refused)
    def _send_refused(self, event: SendFlow.Refused) -> None:
        self._refused(event.error)

    @on(SendFlow.Prepared)
    def _send_prepared(self) -> None:
        self.query_one(ErrorLine).set("send", "")

    @on(SendFlow.Sent)
    def _send_left(self) -> None:
        self.clear_form()

    @on(SendFlow.Closed)
    def _send_closed(self) -> None:
        if self.is_current:
            self.dismiss(None)

    def clear_form(self) -> None:
        self.message.clear()
        self.bulk.clear()
        self.individual.clear()
        self.query_one(ScheduleField).value = ""
        self.query_one(PaceField).value = ""
        self.query_one(ErrorLine).clear()

    # ------------------------------------------------------------ redraws

    @on(FieldError)
    def _field_error(self, event: FieldError) -> None:
        status = self.query_one(ErrorLine)
        status.set(event.key, event.error)
        status.set("send", "")  # the form changed: F5 says again what is wrong

    @on(MessageEditor.Changed)
    def _message_edited(self) -> None:
        self._render_estimate()

    @on(RecipientsChanged)
    def _recipients_changed(self, event: RecipientsChanged) -> None:
        event.stop()
        self._kept = None
        self._render_estimate()
        self._check_optouts_soon()
        self._refresh_keys()

    def _refresh_keys(self) -> None:
        """Redraw the footer only when a key came or went: a redraw per
        typed number would be wasted work."""
        keys = tuple(self.check_action(a, ()) for a in ("drop_row", "drop_invalid", "import_report"))
        if keys != self._keys:
            self._keys = keys
            self.refresh_bindings()

    def _render_estimate(self) -> None:
        bar = self.query_one(EstimateBar)
        if self.mode == BULK:
            seg = self.message.info.segments
            n = self.bulk.count - self.bulk.opted_out
            bar.show(f"{n:,} × {plural(seg, 'segment')}", n * seg, self.balance)
            return
        n, units = self._kept or self.individual.figures()
        bar.show(plural(n, "message"), units, self.balance)

    def _render_mode(self) -> None:
        bulk, ind = (("[reverse b] Bulk [/]", " Individual ") if self.mode == BULK
                     else (" Bulk ", "[reverse b] Individual [/]"))
        self.query_one("#mode-bar", Static).update(
            f"{bulk}{ind} [dim]F3 mode · F4 GSM-7 · F2 load · F9 lists · F10 import report[/]"
        )

    # ------------------------------------------------------------ opt-outs

    def _check_optouts_soon(self) -> None:
        """Check the recipients against the opt-out list once typing pauses
        (a preview: the core checks the list again when sending)."""
        if self._optout_timer is not None:
            self._optout_timer.stop()
        self._optout_timer = self.set_timer(OPTOUT_DEBOUNCE, self._check_optouts)

    def _check_optouts(self) -> None:
        self._optout_timer = None
        if not self.is_mounted:
            return
        if self.mode == BULK:
            self._optouts(BULK, self.bulk.recipients(), self.message.text)
        else:
            self._optouts(INDIVIDUAL, self.individual.recipients(), None)

    @work(exclusive=True, exit_on_error=False, group="optouts")
    async def _optouts(self, mode: str, recipients: list[Recipient] | Any, message: str | None) -> None:
        if not len(recipients):
            removed, kept = 0, None
        else:
            try:
                found = await self.core.lists.filter_optouts(recipients)
            except Exception:  # a preview only: the core checks again when sending
                return
            removed = len(found.removed)
            kept = None
            if removed and mode == INDIVIDUAL:
                est = await estimate_of(found.kept, message)
                kept = (est.recipients, est.units)
        if mode != self.mode:
            return
        if mode == BULK:
            if removed != self.bulk.opted_out:
                self.bulk.opted_out = removed
                self.bulk.render_panel()
        else:
            self._kept = kept
            if removed != self.individual.opted_out:
                self.individual.opted_out = removed
                self.individual.render_source()
                self._kept = kept  # render_source posted RecipientsChanged
        self._render_estimate()

    # ------------------------------------------------------------ keys

    def action_toggle_mode(self) -> None:
        self.mode = INDIVIDUAL if self.mode == BULK else BULK
        self.query_one("#modes", ContentSwitcher).current = self.mode
        status = self.query_one(ErrorLine)
        status.set("send", "")
        status.set("file", "")
        self._kept = None
        self._render_mode()
        self._render_estimate()
        self._check_optouts_soon()
        self.refresh_bindings()
        self._focus_mode()

    def _focus_mode(self) -> None:
        self.query_one("#message" if self.mode == BULK else "#csv-file").focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "send" and self.is_mounted and self.submitting:
            return None  # shown greyed: a send is running
        if action in ("drop_row", "drop_invalid"):
            return self.mode == INDIVIDUAL and not self.individual.merging and bool(self.individual.rows)
        if action == "import_report":
            return (self.bulk.source if self.mode == BULK else self.individual.source) is not None
        return True

    def action_transliterate(self) -> None:
        if self.mode == INDIVIDUAL:
            self.individual.toggle_transliteration()
        else:
            self.message.offer_transliteration(self.bulk.count)

    def action_load_file(self) -> None:
        if self.mode == BULK:
            self.bulk.load()
        else:
            self.individual.load()

    def action_import_report(self) -> None:
        rep = self.bulk.source if self.mode == BULK else self.individual.source
        if rep is None:
            self.notify("No file or group loaded.")
            return
        self.app.push_screen(ImportReportScreen(rep))

    async def action_drop_row(self) -> None:
        await self.individual.drop_row()

    async def action_drop_invalid(self) -> None:
        await self.individual.drop_invalid()

    def action_lists(self) -> None:
        from ..lists import ListsScreen

        self.app.push_screen(ListsScreen())

    def action_groups(self) -> None:
        source = self.bulk if self.mode == BULK else self.individual
        self.query_one(ListMenus).groups(self.core, *source.records())

    def action_templates(self) -> None:
        if self.mode == BULK:
            self.query_one(ListMenus).templates(self.core, "message", self.message.text)
        else:
            self.query_one(ListMenus).templates(self.core, "template", self.individual.template.value)

    @on(ListMenus.GroupPicked)
    def _group_picked(self, event: ListMenus.GroupPicked) -> None:
        label = f"group {event.name}"
        if self.mode == BULK:
            self.bulk.use_group(event.report, event.name)
        else:
            self.individual.use_group(event.report, label)
        self.notify(f"{label}: {plural(len(event.report.records), 'number')}")

    @on(ListMenus.TemplatePicked)
    def _template_picked(self, event: ListMenus.TemplatePicked) -> None:
        if self.mode == BULK:
            self.message.insert_template(event.body)
        else:
            self.individual.set_template(event.body)

    # ------------------------------------------------------------ close

    def action_close(self) -> None:
        if self.submitting or self.bulk.cancel_load():
            return
        if not (self.message.text.strip() or self.bulk.has_input or self.individual.has_input):
            self.dismiss(None)
            return

        def answer(ok: bool | None) -> None:
            if ok:
                self.dismiss(None)

        self.app.push_screen(AskScreen("Discard this draft?", "The message and the numbers will be lost."), answer)
