"""A draft opened on a report's numbers ("send again to these"): the
numbers loaded as a group is, the earlier title and text (or, in Individual
mode, each number's earlier message through a ``{message}`` template)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Select

from ....api.reports import Followup
from ...modals.wording import plural
from ...widgets.fields import Input

if TYPE_CHECKING:
    from .screen import ComposeScreen


def load_followup(screen: ComposeScreen, fu: Followup) -> None:
    title = screen.query_one("#title")
    if isinstance(title, Input):
        title.value = fu.title
    elif isinstance(title, Select) and fu.title in screen.core.profile.titles:
        title.value = fu.title
    if fu.individual:
        screen.individual.use_group(fu.import_report(), fu.what)
    else:
        screen.bulk.use_group(fu.import_report(), fu.what)
        screen.message.insert_template(fu.message or "")
    left = f"; {plural(fu.optouts_removed, 'number')} on the opt-out list left out" if fu.optouts_removed else ""
    screen.notify(f"{fu.what}: {plural(len(fu.recipients), 'number')}{left}", title="Send again")
