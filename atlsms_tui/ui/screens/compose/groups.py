"""Saved groups from the compose screen (F6): use one as the recipients,
or save the current recipients as one; F9 opens the lists screen."""

from __future__ import annotations

import asyncio

from textual import work
from textual.widgets import Input

from ....core import lists
from ....core.imports import ImportRecord, ImportReport
from ....core.msisdn import operator_of
from ..confirm import AskScreen, error_text, plural
from .part import ComposePart


def group_report(group: lists.Group) -> ImportReport:
    """A saved group seen as an import, so both feed the same code."""
    info = group.info
    rep = ImportReport(source=f"group {info.name}", kind="group", columns=list(info.columns),
                       rows_read=info.members, valid=info.members, records=list(group.records))
    for r in group.records:
        rep.operators[operator_of(r.msisdn)] += 1
    return rep


class GroupsPart(ComposePart):
    """The group menu and the save-as-group form."""

    def action_lists(self) -> None:
        from ..lists import ListsScreen

        self.app.push_screen(ListsScreen())

    # Modals are answered through callbacks, never awaited inside a worker:
    # a worker parked on a modal would look busy for as long as it is open.

    def action_groups(self) -> None:
        self._groups_menu()

    @work(exclusive=True, exit_on_error=False, group="lists")
    async def _groups_menu(self) -> None:
        from ..lists import PickScreen, group_choice_text

        try:
            groups = await asyncio.to_thread(self.session.store.lists.list_groups)
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
            group = await asyncio.to_thread(self.session.store.lists.get_group, name)
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
        from ..lists import Field, FormScreen

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
                lambda: self.session.store.lists.save_group(name, records, columns=columns,
                                         source=source, replace=replace)
            )
        except Exception as exc:
            self.notify(error_text(exc), title="Group not saved", severity="error")
            return
        self.notify(f"group {info.name!r} saved: {plural(info.members, 'number')}")
