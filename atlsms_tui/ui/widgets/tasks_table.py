"""The dashboard's task list: a row per submission, or per campaign holding
its parts, newest first.

With a thousand rows the table is not rebuilt per refresh: each row has a
signature of everything it shows, and only the cells of rows whose signature
changed are updated."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from ...api.models import Campaign, State, Submission
from ..format import (
    campaign_state_text,
    delivery_bar,
    describe,
    scheduled_for,
    scheduled_text,
    short_time,
    state_text,
    waiting_for_schedule,
)
from ..literal import literal, visible

Item = Submission | Campaign


def group_campaigns(subs: list[Submission], awaiting: dict[str, Campaign] | None = None) -> list[Item]:
    """The dashboard's rows: a submission, or a campaign holding its parts
    (in part order) at the place of its newest part; ``awaiting``: the
    campaigns waiting for approval, whose approval they take."""
    out: list[Item] = []
    camps: dict[str, Campaign] = {}
    for s in subs:
        if not s.campaign:
            out.append(s)
            continue
        c = camps.get(s.campaign)
        if c is None:
            c = camps[s.campaign] = Campaign(s.campaign, s.title, s.created, 0, [])
            out.append(c)
        c.parts.append(s)
        c.recipients += s.recipients
        c.created = min(c.created, s.created)
    for c in camps.values():
        held = (awaiting or {}).get(c.campaign)
        if held is not None:
            c.approval, c.submitted_by = held.approval, held.submitted_by
        c.parts.reverse()  # subs come newest first
        c.parts.sort(key=lambda p: p.part or 0)  # a part sent again is newer than the next one
        # its author journalled every part at once: the earliest rows are theirs
        c.by = min(c.parts, key=lambda p: p.created).by
    return out


def item_key(item: Item) -> str:
    return item.campaign if isinstance(item, Campaign) else item.controlid


def _sub_sig(s: Submission, now: float) -> tuple[Any, ...]:
    r = s.report
    rep = None if r is None else (r.ready, r.pending, r.delivered, r.failed, r.removed, r.error)
    # a scheduled task's countdown moves by the minute
    left = scheduled_for(s, now) if waiting_for_schedule(s, now) else ""
    return (s.state, s.taskid, s.code, s.title, s.recipients, s.scheduled, s.created, rep, left)


def item_sig(item: Item, now: float) -> tuple[Any, ...]:
    """Everything a row shows: equal signatures, equal cells (nothing rebuilt)."""
    if isinstance(item, Campaign):
        return ("c", item.approval) + tuple(_sub_sig(p, now) for p in item.parts)
    return _sub_sig(item, now)


def bar_for(item: Item, width: int, now: float) -> Text:
    """A row's delivery cell: the bar, or a scheduled task's countdown."""
    if isinstance(item, Campaign):
        return delivery_bar(item.report() if any(p.taskid for p in item.parts) else None, width)
    if waiting_for_schedule(item, now):
        return Text(scheduled_for(item, now)[len("scheduled for "):], style="cyan")
    return delivery_bar(item.report, width) if item.taskid else Text("")


def row_cells(item: Item, now: float) -> list[Any]:
    """A row's cells, the bar (index 5) left empty: its width is the table's."""
    if isinstance(item, Campaign):
        first = item.parts[0]
        hot = item.state in ("uncertain", "incomplete")
        task = Text(("⚠ " if item.state == "uncertain" else "▸ ") + f"{len(item.parts)} parts",
                    style="bold yellow" if hot else "bold")
        return [task, literal(item.title, style="bold yellow" if hot else ""), short_time(item.created),
                scheduled_text(first), f"{item.recipients:,}", None, campaign_state_text(item)]
    s = item
    uncertain = s.state is State.UNCERTAIN
    task = literal(("⚠ " if uncertain else "") + (s.taskid or "—"), style="bold yellow" if uncertain else "")
    return [task, literal(s.title, style="bold yellow" if uncertain else ""), short_time(s.created),
            scheduled_text(s), f"{s.recipients:,}", None, state_text(s, now)]


class DashboardTable(DataTable[Any]):
    """The task list; enter opens the task (``RowSelected``)."""

    COLUMNS = ["Task", "Title", "Created", "Sched", "Rcpt", "Delivery", "State"]

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's own name)
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self._by_key: dict[str, Item] = {}
        # What the table shows now: row keys in order, each row's signature, cells, column widths.
        self._shown_keys: list[str] = []
        self._shown_sig: dict[str, tuple[Any, ...]] = {}
        self._shown_cells: dict[str, list[Any]] = {}
        self._widths: list[int] = []
        # Below about 70 columns Created gives way, so that State is whole
        self._narrow = False

    def empty(self) -> None:
        """No rows, no columns."""
        self._by_key, self._shown_keys, self._shown_sig = {}, [], {}
        self.clear(columns=True)
        self._widths = []

    def relayout(self) -> None:
        """The next ``show`` rebuilds every row (the bar's width changed)."""
        self._shown_keys = []
        self._widths = []

    def show(self, items: list[Item], now: float, width: int) -> None:
        """Show ``items`` in a table ``width`` cells wide, touching only what changed."""
        keys = [item_key(i) for i in items]
        sigs = {k: item_sig(i, now) for k, i in zip(keys, items, strict=True)}
        self._by_key = dict(zip(keys, items, strict=False))
        same_rows = keys == self._shown_keys
        changed = [i for k, i in zip(keys, items, strict=False) if self._shown_sig.get(k) != sigs[k]]
        if same_rows and not changed:
            return
        # Column widths only grow between rebuilds: a longer state word
        # elsewhere must not force a rebuild of a thousand rows.
        fresh = {item_key(i): row_cells(i, now) for i in (changed if same_rows else items)}
        widths = list(self._widths) if same_rows and self._widths else [4, 5, 11, 5, 4, 0, 5]
        for cells in fresh.values():
            for j in (0, 1, 3, 4, 6):
                widths[j] = max(widths[j], len(cells[j]))
        avail = (width or 80) - 2 - 2 * len(widths)  # scrollbar; a cell pad each side
        rest = sum(w for j, w in enumerate(widths) if j != 5)
        narrow = avail - rest < 8
        if narrow:  # the Created column and its padding go
            avail, rest = avail + 2, rest - widths[2]
        widths[5] = max(8, min(60, avail - rest))
        if same_rows and widths == self._widths and narrow == self._narrow:
            for k, cells in fresh.items():
                cells[5] = bar_for(self._by_key[k], widths[5], now)
                old = self._shown_cells.get(k, ())
                for j, (col, value) in enumerate(zip(self.COLUMNS, cells, strict=False)):
                    if narrow and j == 2:
                        continue
                    if j >= len(old) or old[j] != value:  # usually the bar and the state only
                        self.update_cell(k, col.lower(), value)
                self._shown_cells[k] = cells
        else:
            self._narrow = narrow
            self._rebuild(items, keys, fresh, widths, now)
        self._shown_keys = keys
        self._shown_sig = sigs
        self._widths = widths

    def _rebuild(self, items: list[Item], keys: list[str], fresh: dict[str, list[Any]], widths: list[int],
                 now: float) -> None:
        keep = None
        if self.row_count and self.cursor_row is not None and 0 <= self.cursor_row < self.row_count:
            keep = self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0)).row_key.value
        self.clear(columns=True)
        self._shown_cells = {}
        shown = [j for j in range(len(self.COLUMNS)) if not (self._narrow and j == 2)]
        for j in shown:
            self.add_column(self.COLUMNS[j], width=widths[j], key=self.COLUMNS[j].lower())
        for k, item in zip(keys, items, strict=False):
            cells = fresh.get(k) or row_cells(item, now)
            cells[5] = bar_for(item, widths[5], now)
            self.add_row(*(cells[j] for j in shown), key=k)
            self._shown_cells[k] = cells
        if keep is not None and keep in self._by_key:
            try:
                self.move_cursor(row=self.get_row_index(keep), animate=False)
            except Exception:
                pass

    def selected_item(self) -> Item | None:
        """The row under the cursor (None: no rows, or hidden)."""
        if not self.row_count or not self.display:
            return None
        try:
            key = self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0)).row_key.value
        except Exception:
            return None
        return self._by_key.get(key) if key is not None else None


def filter_fields(item: Item) -> list[object]:
    """What the dashboard's ``/`` filter looks in: title, ids (task, control,
    campaign), state, and the author where the journal has one."""
    if isinstance(item, Campaign):
        fields: list[object] = [item.campaign, item.title, item.state, item.submitted_by]
        for p in item.parts:
            fields += [p.taskid, p.controlid]
    else:
        fields = [item.taskid, item.controlid, item.title, item.state.value, item.phase]
    # the attribution (``by``: user, host) where this version of the journal keeps it
    by = getattr(item, "by", None)
    fields += [getattr(by, "user", None), getattr(by, "host", None)]
    return fields


def copy_of(item: Item) -> tuple[str, str]:
    """(what, text) ``y`` copies from a row: its task id (its control id
    before it has one), a campaign's id, or for a submission ATL refused or
    that could not leave, the error with its control id (what a support
    ticket needs)."""
    if isinstance(item, Campaign):
        return "campaign id", item.campaign
    if item.state in (State.REJECTED, State.FAILED):
        return "error", f"controlid {visible(item.controlid)}: {describe(item)[1].plain}"
    return ("task id", item.taskid) if item.taskid else ("control id", item.controlid)
