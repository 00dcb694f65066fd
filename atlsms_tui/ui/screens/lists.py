"""Saved groups, templates and the opt-out list.

* :class:`ListsScreen` manages them: list, show, delete; a group from a file;
  opt-outs added by hand, removed, or imported from a file.
* :class:`PickScreen` and :class:`FormScreen` (in :mod:`lists_forms`, named
  here too) are the small modals the compose screen uses to choose a
  group/template or to name one.

Everything goes through ``app.core.lists`` in workers; the API does the
blocking part (SQLite, reading a large spreadsheet) off the event loop.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from ...api.errors import InputError
from ...api.lists import DEFAULT_OPTOUT_REASON, GroupInfo, Lists, OptOut, SavedTemplate
from ...api.rules import mailmerge, msisdn, smstext
from ..format import baku_stamp
from ..literal import literal, markup, visible
from ..widgets.filter_bar import FilterBar, matches
from ..widgets.footer import KeyFooter
from .confirm import AskScreen, ImportReportScreen, app_header, error_text, plural
from .lists_forms import CSS_FILE, Field, FormScreen, PickScreen, group_choice_text, template_choice_text

if TYPE_CHECKING:
    from ..app import AtlSmsApp

__all__ = ["Field", "FormScreen", "ListsScreen", "PickScreen", "group_choice_text", "template_choice_text"]

MEMBERS_SHOWN = 50


# --------------------------------------------------------------------------
# the management screen


class ListsScreen(Screen[None]):
    """Groups, templates and opt-outs: g/t/o switch tabs, Delete deletes the
    highlighted entry (after a question), n makes a group from a file, a adds
    opt-outs, i imports them from a file."""

    CSS_PATH = CSS_FILE
    TITLE = "Lists"

    BINDINGS = [
        Binding("g", "tab('groups')", "Groups", id="lists_groups", show=False),
        Binding("t", "tab('templates')", "Templates", id="lists_templates", show=False),
        Binding("o", "tab('optouts')", "Opt-outs", id="lists_optouts", show=False),
        Binding("n", "new_group", "From file", id="group_from_file"),
        Binding("a", "add_optouts", "Add", id="optout_add"),
        Binding("i", "import_optouts", "Import", id="optout_import"),
        Binding("delete,d", "delete", "Delete", id="lists_delete"),
        Binding("r", "reload", "Reload", id="lists_reload", show=False),
        Binding("slash", "filter", "Filter rows", id="lists_filter", show=False),
        Binding("escape", "close", "Back", id="lists_back"),
    ]

    def __init__(self, tab: str = "groups") -> None:
        super().__init__()
        self.initial = tab if tab in ("groups", "templates", "optouts") else "groups"
        self._groups: list[GroupInfo] = []
        self._templates: list[SavedTemplate] = []
        self._optouts: list[OptOut] = []

    @property
    def lists(self) -> Lists:
        """The current profile's lists (a profile switch gives a new core)."""
        core = cast("AtlSmsApp", self.app).core
        if core is None:  # pragma: no cover - the screen is only offered with a profile open
            raise RuntimeError("no profile is open")
        return core.lists

    def compose(self) -> ComposeResult:
        yield app_header()
        yield FilterBar("names, numbers, text · Esc clears", id="lists-filter")
        with TabbedContent(initial=self.initial, id="lists-tabs"):
            with TabPane("Groups", id="groups"):
                yield DataTable(id="groups-table", cursor_type="row", zebra_stripes=True)
                with VerticalScroll(id="groups-detail", classes="detail"):
                    yield Static(id="groups-text")
            with TabPane("Templates", id="templates"):
                yield DataTable(id="templates-table", cursor_type="row", zebra_stripes=True)
                with VerticalScroll(id="templates-detail", classes="detail"):
                    yield Static(id="templates-text")
            with TabPane("Opt-outs", id="optouts"):
                yield DataTable(id="optouts-table", cursor_type="row", zebra_stripes=True)
                with VerticalScroll(id="optouts-detail", classes="detail"):
                    yield Static(id="optouts-text")
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one("#groups-table", DataTable).add_columns("Name", "Numbers", "Columns", "Updated")
        self.query_one("#templates-table", DataTable).add_columns("Name", "Seg", "Text")
        self.query_one("#optouts-table", DataTable).add_columns("Number", "Since", "Reason", "Source")
        for tab in ("groups", "templates", "optouts"):
            self.query_one(f"#{tab}-detail").border_title = "Details"
        self.action_reload()
        self._focus_table()

    # ------------------------------------------------------------ tabs

    @property
    def tab(self) -> str:
        return self.query_one("#lists-tabs", TabbedContent).active or self.initial

    def action_tab(self, tab: str) -> None:
        self.query_one("#lists-tabs", TabbedContent).active = tab
        self._focus_table()
        self.refresh_bindings()

    @on(TabbedContent.TabActivated)
    def _tab_changed(self) -> None:
        self.refresh_bindings()

    def _focus_table(self) -> None:
        self.query_one(f"#{self.tab}-table", DataTable).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("add_optouts", "import_optouts"):
            return self.tab == "optouts"
        if action == "new_group":
            return self.tab == "groups"
        return True

    # ------------------------------------------------------------ loading

    def action_reload(self) -> None:
        self._load()

    @work(exclusive=True, exit_on_error=False, group="lists-load")
    async def _load(self) -> None:
        lists = self.lists
        try:
            groups, templates, optouts = await lists.groups(), await lists.templates(), await lists.optouts()
        except Exception as exc:
            self.notify(error_text(exc), title="Cannot read the lists", severity="error")
            return
        self._groups, self._templates, self._optouts = groups, templates, optouts
        self._fill()

    def _fill(self) -> None:
        needle = self.query_one(FilterBar).text
        g = self.query_one("#groups-table", DataTable)
        g.clear()
        for group in self._groups:
            if not matches(needle, [group.name, *group.columns, group.source]):
                continue
            cols = ", ".join(group.columns)
            g.add_row(literal(group.name), f"{group.members:,}", literal(cols[:24]), literal(baku_stamp(group.updated)[:10]),
                      key=group.name)
        t = self.query_one("#templates-table", DataTable)
        t.clear()
        for tpl in self._templates:
            if not matches(needle, [tpl.name, tpl.body]):
                continue
            t.add_row(literal(tpl.name), str(smstext.segments(tpl.body)), literal(tpl.body[:40]), key=tpl.name)
        o = self.query_one("#optouts-table", DataTable)
        o.clear()
        for opt in self._optouts:
            # found as written at home too: 0771234567 for 994771234567
            if not matches(needle, [opt.msisdn, "0" + opt.msisdn[3:], opt.reason, opt.source]):
                continue
            o.add_row(literal(opt.msisdn), literal(baku_stamp(opt.added)[:10]), literal(opt.reason or ""),
                      literal((opt.source or "")[:20]), key=opt.msisdn)
        tabs = self.query_one("#lists-tabs", TabbedContent)
        # the tab keys (g t o) are shown on the tabs, not in the footer
        tabs.get_tab("groups").label = f"g Groups ({len(self._groups)})"
        tabs.get_tab("templates").label = f"t Templates ({len(self._templates)})"
        tabs.get_tab("optouts").label = f"o Opt-outs ({len(self._optouts):,})"
        # Tabs measures the underline of a relabelled tab before the new label
        # is laid out; showing the (visible) active tab measures it again
        # after the next refresh.
        if tabs.active:
            tabs.show_tab(tabs.active)
        for name, items, empty in (
            ("groups", self._groups, "No saved group. n makes one from a file; compose (F6) saves its recipients."),
            ("templates", self._templates, "No saved template. Compose (F7) saves the message as one."),
            ("optouts", self._optouts, "Nobody has opted out. a adds numbers, i imports a file."),
        ):
            if not items:
                self.query_one(f"#{name}-text", Static).update(literal(empty, style="dim"))

    def _selected(self, tab: str | None = None) -> str | None:
        table = self.query_one(f"#{tab or self.tab}-table", DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    # ------------------------------------------------------------ details

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value if event.row_key is not None else None
        if key is None:
            return
        which = (event.data_table.id or "").removesuffix("-table")
        if which == "groups":
            self._show_group(key)
        elif which == "templates":
            self._show_template(key)
        elif which == "optouts":
            self._show_optout(key)

    @work(exclusive=True, exit_on_error=False, group="lists-detail")
    async def _show_group(self, name: str) -> None:
        try:
            g = await self.lists.group(name)
        except Exception as exc:
            self.query_one("#groups-text", Static).update(literal(error_text(exc), lines=True))
            return
        i = g.info
        lines = [
            markup("[b]$name[/]: $n, saved $when", name=i.name, n=plural(i.members, "number"),
                   when=baku_stamp(i.updated)),
        ]
        if i.source:
            lines.append(markup("from $source", source=i.source))
        if i.columns:
            lines.append(markup("columns: $cols", cols=", ".join("{" + c + "}" for c in i.columns)))
        for r in g.records[:MEMBERS_SHOWN]:
            extra = ", ".join(f"{k}={v}" for k, v in r.fields.items() if v)
            lines.append(markup(" $number  [dim]$extra[/]" if extra else " $number", number=r.msisdn,
                                extra=visible(extra)[:50]))
        if i.members > MEMBERS_SHOWN:
            lines.append(Content(f" … and {i.members - MEMBERS_SHOWN:,} more"))
        self.query_one("#groups-text", Static).update(Content("\n").join(lines))

    def _show_template(self, name: str) -> None:
        t = next((x for x in self._templates if x.name == name), None)
        if t is None:
            return
        info = smstext.analyze(t.body)
        try:
            fields = mailmerge.parse_template(t.body).fields
        except InputError:
            fields = ()
        head = markup(f"[b]$name[/]: {plural(info.characters, 'char')}, {info.encoding}, "
                      f"{plural(info.segments, 'segment')}", name=t.name)
        if fields:
            head += markup(" · placeholders $fields", fields=" ".join("{" + f + "}" for f in fields))
        self.query_one("#templates-text", Static).update(Content("\n").join([head, markup("$body", body=t.body)]))

    def _show_optout(self, number: str) -> None:
        o = next((x for x in self._optouts if x.msisdn == number), None)
        if o is None:
            return
        text = markup("[b]$number[/] ($operator) on the list since $since\nreason: $reason",
                      number=o.msisdn, operator=msisdn.operator_of(o.msisdn), since=baku_stamp(o.added),
                      reason=o.reason or DEFAULT_OPTOUT_REASON)
        if o.source:
            text += markup("\nsource: $source", source=o.source)
        self.query_one("#optouts-text", Static).update(text)

    # ------------------------------------------------------------ changes

    def action_delete(self) -> None:
        tab = self.tab
        key = self._selected(tab)
        if key is None:
            self.notify("Nothing to delete.")
            return
        question = {
            "groups": (f"Delete the group {key!r}?", "Its numbers and columns are forgotten."),
            "templates": (f"Delete the template {key!r}?", ""),
            "optouts": (f"Remove {key} from the opt-out list?", "Campaigns will reach this number again."),
        }[tab]
        lists = self.lists

        async def delete() -> str:
            if tab == "groups":
                await lists.delete_group(key)
                return f"group {key!r} deleted"
            if tab == "templates":
                await lists.delete_template(key)
                return f"template {key!r} deleted"
            removed, _absent = await lists.remove_optouts([key])
            return f"{key} removed from the opt-out list" if removed else f"{key} was not on the list"

        def answer(ok: bool | None) -> None:
            if ok:
                self._change(delete)

        self.app.push_screen(AskScreen(*question, danger=True), answer)

    @work(exclusive=False, exit_on_error=False, group="lists-change")
    async def _change(self, change: Callable[[], Awaitable[str]]) -> None:
        """Run one change, tell what it did, and show the lists again."""
        try:
            message = await change()
        except Exception as exc:
            self.notify(error_text(exc), title="Not done", severity="error")
            return
        self.notify(message)
        await self._load().wait()

    def _add_optouts(self, numbers: list[str], reason: str) -> None:
        lists = self.lists

        async def add() -> str:
            added, already = await lists.add_optouts(numbers, reason=reason or None, source="typed")
            message = f"{plural(len(added), 'number')} added to the opt-out list"
            return message + (f", {len(already):,} already on it" if already else "")

        self._change(add)

    def _import_optouts(self, path: str, column: str, reason: str) -> None:
        lists = self.lists

        async def import_() -> str:
            rep = await lists.read_numbers(path, column=column or None)
            added, already = await lists.add_optouts([r.msisdn for r in rep.records], reason=reason or None,
                                                     source=os.path.basename(path))
            self.app.push_screen(ImportReportScreen(rep))
            return (f"{os.path.basename(path)}: {rep.summary()}; {plural(len(added), 'number')} added"
                    + (f", {len(already):,} already on the list" if already else ""))

        self._change(import_)

    def _group_from_file(self, name: str, path: str, column: str, sheet: str, replace: bool) -> None:
        lists = self.lists

        async def save() -> str:
            rep = await lists.read_numbers(path, column=column or None, sheet=sheet or None)
            info = await lists.save_group(name, rep, source=os.path.basename(path), replace=replace)
            self.app.push_screen(ImportReportScreen(rep))
            return f"group {info.name!r} saved: {plural(info.members, 'number')}"

        self._change(save)

    def action_add_optouts(self) -> None:
        def check(values: dict[str, str]) -> str | None:
            parsed = msisdn.parse_numbers(values["numbers"])
            if parsed.invalid:
                bad = parsed.invalid[0]
                more = f" (and {len(parsed.invalid) - 1:,} more)" if len(parsed.invalid) > 1 else ""
                return f"opt-out number {bad.raw!r}: {bad.reason}{more}; nothing added"
            return None if parsed.valid else "no number"

        def done(values: dict[str, str] | None) -> None:
            if values:
                # typed the way operators write them: "055 123 45 67, 0701234567"
                self._add_optouts(list(msisdn.parse_numbers(values["numbers"]).valid), values["reason"].strip())

        self.app.push_screen(FormScreen("Add to the opt-out list", [
            Field("numbers", "Numbers", "0501234567, +994 55 …"),
            Field("reason", "Reason", DEFAULT_OPTOUT_REASON),
        ], validate=check), done)

    def action_import_optouts(self) -> None:
        def done(values: dict[str, str] | None) -> None:
            if values:
                path = os.path.expanduser(values["path"].strip())
                self._import_optouts(path, values["column"].strip(), values["reason"].strip())

        self.app.push_screen(FormScreen("Import opt-outs from a file", [
            Field("path", "File", ".txt .csv .tsv .xlsx"),
            Field("column", "Column", "name, number or letter (optional)"),
            Field("reason", "Reason", DEFAULT_OPTOUT_REASON),
        ]), done)

    def action_new_group(self) -> None:
        def done(values: dict[str, str] | None) -> None:
            if not values:
                return
            name = values["name"].strip()
            path = os.path.expanduser(values["path"].strip())
            if not path:
                self.notify("Give the file to read.", severity="warning")
                return
            column, sheet = values["column"].strip(), values["sheet"].strip()
            if any(g.name.lower() == name.lower() for g in self._groups):
                def replace(ok: bool | None) -> None:
                    if ok:
                        self._group_from_file(name, path, column, sheet, True)

                self.app.push_screen(AskScreen(f"Replace the group {name!r}?", "Its members are replaced."),
                                     replace)
            else:
                self._group_from_file(name, path, column, sheet, False)

        self.app.push_screen(FormScreen("New group from a file", [
            Field("name", "Name", "e.g. vip-customers"),
            Field("path", "File", ".txt .csv .tsv .xlsx"),
            Field("column", "Column", "number column (optional)"),
            Field("sheet", "Sheet", "xlsx sheet (optional)"),
        ]), done)

    # ------------------------------------------------------------ filter, copy

    def action_filter(self) -> None:
        self.query_one(FilterBar).open()

    def on_filter_bar_filter_changed(self, _message: FilterBar.FilterChanged) -> None:
        self._fill()

    def on_filter_bar_filter_done(self, _message: FilterBar.FilterDone) -> None:
        self._focus_table()

    def copy_target(self) -> tuple[str, str] | None:
        """What ``y`` copies: a group's name, a template's text, a number."""
        key = self._selected()
        if key is None:
            return None
        if self.tab == "templates":
            body = next((t.body for t in self._templates if t.name == key), None)
            return None if body is None else ("template text", body)
        return ("group name", key) if self.tab == "groups" else ("number", key)

    def action_close(self) -> None:
        if self.query_one(FilterBar).clear_filter():  # Esc clears a filter first
            self._focus_table()
            return
        self.dismiss(None)
