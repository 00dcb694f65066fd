"""Follow-ups from a task or campaign detail: "send again to these" opens
compose on the numbers of the chosen statuses and the earlier text, "save as
group" keeps them as a saved group. Both take the numbers from one call,
``core.reports.followup`` (report fetched when missing, opt-outs applied);
modals are answered through callbacks, never awaited in a worker."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from textual.screen import Screen

from ...api.errors import InputError
from ...api.models import DeliveryStatus, Submission
from ...api.reports import STATUS_CHOICES, Followup, parse_statuses
from ..modals.ask import AskScreen
from ..modals.wording import error_text, plural
from .lists_forms import Field, FormScreen

if TYPE_CHECKING:
    from ...api import Core

Source = str | Submission  # a task id or campaign id, or the submission shown
DEFAULT_STATUSES = "failed,error"


def _core(screen: Screen[None]) -> Core | None:
    core: Core | None = getattr(screen.app, "core", None)
    return core


async def _followup(screen: Screen[None], source: Source, statuses: Sequence[DeliveryStatus]) -> Followup | None:
    """The numbers, or None after telling the operator why there are none."""
    core = _core(screen)
    if core is None:
        return None
    screen.notify("Reading the report…", timeout=2)
    try:
        fu = await core.reports.followup(source, statuses)
    except Exception as exc:  # said in a notification: the screen stays usable
        screen.notify(error_text(exc), title="No follow-up", severity="error")
        return None
    if not fu.recipients:
        left = (f" ({plural(fu.optouts_removed, 'number')} on the opt-out list left out)"
                if fu.optouts_removed else "")
        screen.notify(f"No number to follow up: {fu.what}{left}.", severity="warning")
        return None
    for line in fu.lines()[1:]:
        screen.notify(line, severity="warning", timeout=8)
    return fu


def ask_statuses(screen: Screen[None], title: str, then: Callable[[tuple[DeliveryStatus, ...]], None]) -> None:
    """Which statuses, for a screen without a status filter of its own."""

    def check(values: dict[str, str]) -> str | None:
        try:
            parse_statuses(values["statuses"])
        except InputError as exc:
            return str(exc)
        return None

    def answered(values: dict[str, str] | None) -> None:
        if values:
            then(parse_statuses(values["statuses"]))

    screen.app.push_screen(FormScreen(title, [Field("statuses", "Statuses", value=DEFAULT_STATUSES)],
                                      note=f"comma-separated: {STATUS_CHOICES}", validate=check), answered)


def send_again(screen: Screen[None], source: Source, statuses: Sequence[DeliveryStatus]) -> None:
    """Compose, opened on the numbers and the earlier text."""

    async def run() -> None:
        fu = await _followup(screen, source, statuses)
        if fu is not None:
            from .compose import ComposeScreen

            screen.app.push_screen(ComposeScreen(followup=fu))

    screen.run_worker(run(), group="followup", exclusive=True, exit_on_error=False)


def save_as_group(screen: Screen[None], source: Source, statuses: Sequence[DeliveryStatus]) -> None:
    """Ask a name, then save the numbers (and each one's earlier message,
    for an individual send) as a group; a name in use is replaced only
    after a yes."""

    async def run() -> None:
        fu = await _followup(screen, source, statuses)
        core = _core(screen)
        if fu is None or core is None:
            return
        try:
            existing = {g.name.lower() for g in await core.lists.groups()}
        except Exception as exc:
            screen.notify(error_text(exc), title="Cannot read the groups", severity="error")
            return

        def named(values: dict[str, str] | None) -> None:
            if not values:
                return
            name = values["name"].strip()
            if name.lower() not in existing:
                _save(screen, core, name, fu, False)
                return

            def replace(ok: bool | None) -> None:
                if ok:
                    _save(screen, core, name, fu, True)

            screen.app.push_screen(AskScreen(f"Replace the group {name!r}?", "Its members are replaced by these."),
                                   replace)

        screen.app.push_screen(FormScreen(f"Save {plural(len(fu.recipients), 'number')} as a group",
                                          [Field("name", "Name", "e.g. retry-failed")], note=fu.what), named)

    screen.run_worker(run(), group="followup", exclusive=True, exit_on_error=False)


def _save(screen: Screen[None], core: Core, name: str, fu: Followup, replace: bool) -> None:
    async def run() -> None:
        try:
            info = await core.lists.save_group(name, fu.records(), columns=fu.columns, source=fu.what,
                                               replace=replace)
        except Exception as exc:
            screen.notify(error_text(exc), title="Group not saved", severity="error")
            return
        screen.notify(f"group {info.name!r} saved: {plural(info.members, 'number')}")

    screen.run_worker(run(), group="followup-save", exit_on_error=False)
