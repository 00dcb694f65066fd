"""Saved templates from the compose screen (F7): insert one where the
operator writes, or save the current text as one."""

from __future__ import annotations

import asyncio

from textual import work
from textual.widgets import Input, TextArea

from ....core import mailmerge
from ....core.errors import InputError
from ..confirm import AskScreen, error_text
from .oneline import one_line
from .part import ComposePart


class TemplatesPart(ComposePart):
    """The bulk message or, in individual mode, the Template field."""

    def action_templates(self) -> None:
        self._templates_menu()

    def _template_target_text(self) -> str:
        if self.mode == "bulk":
            return self.query_one("#message", TextArea).text
        return self.query_one("#template", Input).value

    @work(exclusive=True, exit_on_error=False, group="lists")
    async def _templates_menu(self) -> None:
        from ..lists import PickScreen, template_choice_text

        try:
            templates = await asyncio.to_thread(self.session.store.lists.list_templates)
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
        from ..lists import Field, FormScreen

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
            "Save as a template", [Field("name", "Name", "e.g. welcome")], note=one_line(body, 66),
        ), named)

    @work(exclusive=False, exit_on_error=False, group="lists-save")
    async def _save_template(self, name: str, body: str) -> None:
        try:
            saved, created = await asyncio.to_thread(self.session.store.lists.save_template, name, body)
        except Exception as exc:
            self.notify(error_text(exc), title="Template not saved", severity="error")
            return
        self.notify(f"template {saved.name!r} {'saved' if created else 'updated'}")
