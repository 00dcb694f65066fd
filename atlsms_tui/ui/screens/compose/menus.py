"""Saved groups (F6) and templates (F7) from the compose form: use one, or
save what the form holds as one. Picks come back to the screen as messages."""

from __future__ import annotations

from textual import work
from textual.message import Message
from textual.widget import Widget

from ....api import Core
from ....api.recipients import ImportRecord, ImportReport, group_report
from ...modals.wording import error_text, plural
from ..confirm import AskScreen
from .oneline import one_line


class ListMenus(Widget):
    """Modals are answered through callbacks, never awaited inside a worker:
    a worker parked on a modal would look busy for as long as it is open."""

    DEFAULT_CSS = "ListMenus { display: none; }"

    class GroupPicked(Message):
        def __init__(self, report: ImportReport, name: str) -> None:
            self.report = report
            self.name = name
            super().__init__()

    class TemplatePicked(Message):
        def __init__(self, body: str) -> None:
            self.body = body
            super().__init__()

    def __init__(self) -> None:
        super().__init__(id="list-menus")

    # ------------------------------------------------------------ groups

    @work(exclusive=True, exit_on_error=False, group="lists")
    async def groups(self, core: Core, records: list[ImportRecord], columns: list[str], source: str) -> None:
        """The group menu; ``records`` are what "save as a group" keeps."""
        from ..lists import PickScreen, group_choice_text

        try:
            groups = await core.lists.groups()
        except Exception as exc:
            self.notify(error_text(exc), title="Cannot read the groups", severity="error")
            return
        names = [g.name for g in groups]
        choices = [("+save", "+ Save the current recipients as a group…")]
        choices += [(f"g:{g.name}", group_choice_text(g)) for g in groups]

        def picked(choice: str | None) -> None:
            if choice == "+save":
                self._ask_group_name(core, names, records, columns, source)
            elif choice:
                self._use_group(core, choice[2:])

        self.app.push_screen(PickScreen("Recipients from a saved group", choices,
                                        "" if groups else "No saved group yet."), picked)

    @work(exclusive=True, exit_on_error=False, group="lists")
    async def _use_group(self, core: Core, name: str) -> None:
        try:
            group = await core.lists.group(name)
        except Exception as exc:
            self.notify(error_text(exc), severity="error")
            return
        self.post_message(self.GroupPicked(group_report(group), group.info.name))

    def _ask_group_name(self, core: Core, existing: list[str], records: list[ImportRecord], columns: list[str],
                        source: str) -> None:
        from ..lists import Field, FormScreen

        if not records:
            self.notify("No valid recipient to save.", severity="warning")
            return

        def named(values: dict[str, str] | None) -> None:
            if not values:
                return
            name = values["name"].strip()
            if name.lower() not in {g.lower() for g in existing}:
                self._save_group(core, name, records, columns, source, False)
                return

            def replace(ok: bool | None) -> None:
                if ok:
                    self._save_group(core, name, records, columns, source, True)

            self.app.push_screen(AskScreen(f"Replace the group {name!r}?", "Its members are replaced by these."),
                                 replace)

        self.app.push_screen(FormScreen(
            f"Save {plural(len(records), 'recipient')} as a group", [Field("name", "Name", "e.g. vip-customers")],
            note=f"columns kept: {', '.join(columns)}" if columns else "",
        ), named)

    @work(exclusive=False, exit_on_error=False, group="lists-save")
    async def _save_group(self, core: Core, name: str, records: list[ImportRecord], columns: list[str],
                          source: str, replace: bool) -> None:
        try:
            info = await core.lists.save_group(name, records, columns=columns, source=source, replace=replace)
        except Exception as exc:
            self.notify(error_text(exc), title="Group not saved", severity="error")
            return
        self.notify(f"group {info.name!r} saved: {plural(info.members, 'number')}")

    # ------------------------------------------------------------ templates

    @work(exclusive=True, exit_on_error=False, group="lists")
    async def templates(self, core: Core, what: str, text: str) -> None:
        """The template menu; ``text`` is what "save as a template" keeps."""
        from ..lists import PickScreen, template_choice_text

        try:
            templates = await core.lists.templates()
        except Exception as exc:
            self.notify(error_text(exc), title="Cannot read the templates", severity="error")
            return
        choices = [("+save", f"+ Save the current {what} as a template…")]
        choices += [(f"t:{t.name}", template_choice_text(t)) for t in templates]
        bodies = {t.name: t.body for t in templates}

        def picked(choice: str | None) -> None:
            if choice == "+save":
                self._ask_template_name(core, list(bodies), text)
            elif choice:
                self.post_message(self.TemplatePicked(bodies[choice[2:]]))

        self.app.push_screen(PickScreen(f"Insert a saved template into the {what}", choices,
                                        "" if templates else "No saved template yet."), picked)

    def _ask_template_name(self, core: Core, existing: list[str], body: str) -> None:
        from ..lists import Field, FormScreen

        if not body.strip():
            self.notify("Write the text first.", severity="warning")
            return

        def named(values: dict[str, str] | None) -> None:
            if not values:
                return
            name = values["name"].strip()
            if name.lower() not in {t.lower() for t in existing}:
                self._save_template(core, name, body)
                return

            def overwrite(ok: bool | None) -> None:
                if ok:
                    self._save_template(core, name, body)

            self.app.push_screen(AskScreen(f"Overwrite the template {name!r}?"), overwrite)

        self.app.push_screen(FormScreen("Save as a template", [Field("name", "Name", "e.g. welcome")],
                                        note=one_line(body, 66)), named)

    @work(exclusive=False, exit_on_error=False, group="lists-save")
    async def _save_template(self, core: Core, name: str, body: str) -> None:
        try:
            saved, created = await core.lists.save_template(name, body)
        except Exception as exc:
            self.notify(error_text(exc), title="Template not saved", severity="error")
            return
        self.notify(f"template {saved.name!r} {'saved' if created else 'updated'}")
