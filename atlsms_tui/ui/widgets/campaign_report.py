"""A campaign's report on its detail screen: delivery by operator, time to
delivery and deliveries over time (a sparkline), in six lines that fit an
80x24 terminal beside the parts; and the export of every recipient row."""

from __future__ import annotations

import re
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Sparkline, Static

from ...api.models import CampaignReport
from ...api.reports import DetailQuery
from ...api.rules import plural
from ..literal import literal
from .export_bar import ExportBar


def count_text(n: int) -> str:
    """A count in at most 6 characters (a million rows still fit)."""
    if n < 100_000:
        return f"{n:,}"
    if n < 10_000_000:
        return f"{n / 1_000_000:.2f}M" if n >= 1_000_000 else f"{n // 1000}k"
    return f"{n // 1_000_000}M"


def duration_text(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def operators_text(rep: CampaignReport) -> Text:
    text = Text(f"{'Operator':<8} {'Sent':>6} {'Deliv':>6} {'Failed':>6} {'Pend':>6} {'Rate':>6}", style="bold")
    for o in rep.operators:
        rate = "—" if o.rate is None else f"{o.rate:.0%}" if o.rate in (0, 1) else f"{o.rate:.1%}"
        text.append("\n")
        text.append(f"{o.operator:<8} {count_text(o.sent):>6} ")
        text.append(f"{count_text(o.delivered):>6}", style="green" if o.delivered else "")
        text.append(" ")
        text.append(f"{count_text(o.failed):>6}", style="red" if o.failed else "")
        text.append(f" {count_text(o.pending):>6} {rate:>6}")
    return text


def timing_text(rep: CampaignReport) -> Text:
    text = Text("Time to delivery", style="bold")
    text.append(f"\nmedian {duration_text(rep.median_s)} · p95 {duration_text(rep.p95_s)}")
    if rep.timeline is not None:
        t = rep.timeline
        start = t.start[5:19] if t.bucket_s < 60 else t.start[5:16]
        text.append(f"\nper {duration_text(t.bucket_s)} from {start}", style="dim")
    else:
        text.append("\nno delivery with a date yet", style="dim")
    return text


class CampaignReportPanel(Horizontal):
    """The figures of ``core.reports.campaign_report``; ``show`` fills it."""

    DEFAULT_CSS = """
    CampaignReportPanel { height: auto; max-height: 6; padding: 0 1; }
    CampaignReportPanel #camp-ops { width: 44; height: auto; }
    CampaignReportPanel.-empty #camp-ops { width: 1fr; }
    CampaignReportPanel.-empty #camp-timing-box { display: none; }
    CampaignReportPanel #camp-timing-box { height: 6; }
    CampaignReportPanel #camp-timing-box { width: 1fr; padding-left: 1; }
    CampaignReportPanel #camp-timing { height: 3; }
    CampaignReportPanel #camp-spark { height: 3; }
    """

    def on_mount(self) -> None:
        self.add_class("-empty")

    def compose(self) -> ComposeResult:
        yield Static(Text("Report: reading…", style="dim"), id="camp-ops")
        with Vertical(id="camp-timing-box"):
            yield Static("", id="camp-timing")
            yield Sparkline([], id="camp-spark")

    def show(self, rep: CampaignReport) -> None:
        ops = self.query_one("#camp-ops", Static)
        timing = self.query_one("#camp-timing", Static)
        spark = self.query_one("#camp-spark", Sparkline)
        self.set_class(not rep.parts_reported, "-empty")
        if not rep.parts_reported:
            ops.update(Text("Report: no detailed report yet (fetched once a part is final; r: now).", style="dim"))
            timing.update("")
            spark.data = []
            return
        ops.update(operators_text(rep))
        timing.update(timing_text(rep))
        spark.data = [float(n) for n in rep.timeline.counts] if rep.timeline is not None else []


class CampaignExportBar(ExportBar):
    """The export form for a whole campaign: every recipient row, CSV or
    .xlsx by the file's name."""

    KIND = "Export"
    LABEL = "CSV/XLSX file:"

    def __init__(self, campaign_id: str) -> None:
        super().__init__(campaign_id, DetailQuery, label=self.LABEL)

    def default_name(self) -> str:
        return "campaign-" + re.sub(r"[^A-Za-z0-9_-]", "_", self.taskid) + ".csv"

    async def write_rows(self, path: Path, replace: bool) -> str:
        # a million rows to .xlsx take minutes: the label counts them
        label = self.query_one("#detail-export-label", Label)
        app = self.app

        def progress(done: int, total: int) -> None:
            try:
                app.call_from_thread(label.update, literal(f"writing {done * 100 // max(total, 1)}%…"))
            except RuntimeError:  # the app is closing: the export ends with it
                pass

        try:
            count = await self.core.reports.export_campaign(self.taskid, path, replace, progress=progress)
        finally:
            label.update(literal(self.LABEL))
        return f"Exported {plural(count, 'recipient row')} to {path}"
