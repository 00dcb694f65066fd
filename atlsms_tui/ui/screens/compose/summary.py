"""The line above the individual preview: what is sent, what is left out
and why, and the placeholders a template may use."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from textual.content import Content

from ....api.models import Estimate
from ....api.recipients import ImportReport, MergeResult, Row
from ...literal import markup
from ...modals.wording import plural
from .limits import PREVIEW_ROWS


class Marks(NamedTuple):
    """What both summaries add: transliteration on, numbers opted out."""

    transliterated: bool
    opted_out: int


def columns_line(source: ImportReport | None) -> Content:
    if source is None or not source.columns:
        return Content("")
    return markup("[dim]placeholders:[/] $cols", cols=" ".join("{" + c + "}" for c in source.columns))


def rows_summary(rows: Sequence[Row], name: str, estimate: Estimate | None, source: ImportReport | None,
                 source_name: str, marks: Marks) -> Content:
    if not rows:
        if source is not None:
            return Content("\n").join([
                markup("$name: $summary", name=source_name, summary=source.summary()), columns_line(source),
            ])
        return markup("[dim]No file loaded. A CSV with msisdn,message columns, or any CSV/XLSX "
                      "with a Template of {column} placeholders.[/]")
    good = sum(1 for r in rows if r.valid)
    bad = len(rows) - good
    parts = [markup(f"$name: [b]{plural(good, 'row')} to send[/]", name=name)]
    if bad:
        parts.append(markup(f"[red b]{bad:,} invalid[/] (not sent; fix or Del/F8 drop)"))
    if estimate is not None:
        parts.append(Content(f"{estimate.encoding}, longest {plural(estimate.segments, 'segment')}"))
    if marks.transliterated:
        parts.append(markup("[b]transliterated[/]"))
    if marks.opted_out:
        parts.append(markup(f"[yellow]{marks.opted_out:,} opted out[/]"))
    if len(rows) > PREVIEW_ROWS:
        parts.append(Content(f"table shows {PREVIEW_ROWS} of {len(rows):,}, invalid first"))
    return Content(" · ").join(parts)


def merge_summary(source: ImportReport | None, name: str, merged: MergeResult | None, left: int, marks: Marks,
                  *, busy: bool = False) -> Content:
    """``left``: the rows left out (listed first in the table)."""
    if source is None:
        return markup("[dim]Load a CSV/XLSX (File, Enter) or choose a saved group (F6) to fill the template.[/]")
    if merged is None:
        state = "[i]merging…[/]" if busy else "[red]the template cannot be filled (see below)[/]"
        return Content("\n").join([
            Content.assemble(markup("$name: ", name=name), markup(state)), columns_line(source),
        ])
    parts = [
        markup(f"$name: [b]{plural(len(merged.rows), 'message')} to send[/]", name=name),
        Content(plural(merged.units, "unit")),
        Content(f"{merged.encoding}, longest {plural(merged.longest, 'segment')}"),
    ]
    if marks.transliterated:
        parts.append(markup("[b]transliterated[/] (F4: as typed)"))
    second = []
    if left:
        second.append(markup(f"[red b]{left:,} left out[/] (listed first, not sent)"))
    if marks.opted_out:
        second.append(markup(f"[yellow]{marks.opted_out:,} opted out[/]"))
    if left + len(merged.rows) > PREVIEW_ROWS:
        second.append(Content(f"table shows {PREVIEW_ROWS} of {left + len(merged.rows):,}"))
    lines = [Content(" · ").join(parts), Content(" · ").join(second), columns_line(source)]
    return Content("\n").join(x for x in lines if x.plain)
