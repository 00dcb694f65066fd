"""The Estimate line: units the campaign costs against the balance."""

from __future__ import annotations

from textual.widgets import Static

from ...literal import markup
from ..confirm import plural
from .part import ComposePart


class EstimatePart(ComposePart):
    """Redrawn whenever the message, the recipients or the balance change."""

    def _render_estimate(self) -> None:
        widget = self.query_one("#estimate", Static)
        if self.mode == "bulk":
            n = self._bulk_count()
            seg = self._msg_info.segments
            units = n * seg
            head = f"{n:,} × {plural(seg, 'segment')} = [b]{plural(units, 'unit')}[/]"
        elif self.merging:
            res = self._merge
            units = res.units if res else 0
            head = f"{plural(len(res.rows) if res else 0, 'message')} = [b]{plural(units, 'unit')}[/]"
        else:
            est = self._ind_estimate
            units = est.units if est else 0
            head = f"{plural(est.recipients if est else 0, 'message')} = [b]{plural(units, 'unit')}[/]"
        bal = self._balance
        if bal is None:
            tail = "balance not known yet"
            short = False
        else:
            after = bal - units
            short = after < 0
            tail = f"balance {bal:,} → [b]{after:,}[/] after"
            if short:
                tail += "  NOT ENOUGH UNITS"
        widget.update(markup(f"Estimate: {head} · {tail}"))
        widget.set_class(short, "-short")
