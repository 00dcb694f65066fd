"""The campaign report on the campaign detail screen at 80x24: operator
figures, time to delivery, the sparkline, the panel toggle and the export."""

from __future__ import annotations

import openpyxl
from textual.widgets import Input, Sparkline

from atlsms_tui.core import send_plan
from atlsms_tui.core.models import Recipient
from atlsms_tui.core.service import Draft
from atlsms_tui.ui.screens.campaign_detail import CampaignDetailScreen
from atlsms_tui.ui.widgets.campaign_report import CampaignReportPanel, count_text, duration_text

from ui_helpers import screen_text, settle

NUMBERS = [f"994{p}{1000000 + i:07d}" for i in range(5) for p in ("50", "55", "70", "77", "60", "99")]


async def send_campaign(ui_env, session):
    draft = Draft("ATL", [Recipient(n) for n in NUMBERS], "Salam")
    result = await send_plan.submit_campaign(session.service, draft, max_per_task=12)
    assert result.campaign is not None and len(result.results) == 3
    return result.campaign


def test_counts_and_durations_fit_their_columns():
    assert [count_text(n) for n in (7, 12_345, 123_456, 1_000_000, 12_000_000)] == [
        "7", "12,345", "123k", "1.00M", "12M"]
    assert [duration_text(s) for s in (None, 9, 125, 3725)] == ["—", "9s", "2m05s", "1h02m"]


async def test_report_panel_shows_the_figures_and_exports(ui_env, tmp_path):
    session = ui_env.demo_session()
    campaign = await send_campaign(ui_env, session)
    ui_env.advance(60)  # every part final: the screen fetches their detailed reports
    app = ui_env.app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(CampaignDetailScreen(campaign))
        await settle(pilot, rounds=6)
        screen = app.screen
        rep = await app.core.reports.campaign_report(campaign)
        assert rep.parts_reported == 3 and rep.sent == len(NUMBERS)
        text = screen_text(app)
        lines = text.splitlines()
        for o in rep.operators:
            row = next(line for line in lines if line.strip().startswith(o.operator + " "))
            assert row.split()[1:5] == [str(o.sent), str(o.delivered), str(o.failed), str(o.pending)], row
        assert f"median {duration_text(rep.median_s)} · p95 {duration_text(rep.p95_s)}" in text
        spark = screen.query_one("#camp-spark", Sparkline)
        assert list(spark.data) == [float(n) for n in rep.timeline.counts]
        assert spark.region.width > 20 and spark.region.height == 3

        await pilot.press("o")  # the panel hides: the parts take its room
        assert not screen.query_one(CampaignReportPanel).display
        assert "Time to delivery" not in screen_text(app)
        await pilot.press("o")
        assert "Time to delivery" in screen_text(app)

        await pilot.press("e")
        await settle(pilot)
        field = screen.query_one("#detail-export-path", Input)
        assert field.value.endswith(f"campaign-{campaign}.csv")
        out = tmp_path / "camp.xlsx"
        field.value = str(out)
        await pilot.press("enter")
        await settle(pilot, rounds=4)
        assert out.exists()
        wb = openpyxl.load_workbook(out, read_only=True)
        rows = list(wb.worksheets[0].iter_rows(values_only=True))
        wb.close()
        assert rows[0][:3] == ("number", "operator", "status")
        assert sorted(r[0] for r in rows[1:]) == sorted(NUMBERS)
        assert any(f"Exported {len(NUMBERS)} recipient rows to {out}" in n for n in app.notices)
        assert not screen.query_one("#detail-export").display  # written: the bar hides


def test_snapshot_campaign_report(ui_env_sync, snap_compare):
    env = ui_env_sync
    env.campaign_id = "C1790000000008888"
    session = env.demo_session()

    async def run_before(pilot):
        app = pilot.app
        campaign = await send_campaign(env, session)
        env.advance(60)
        app.push_screen(CampaignDetailScreen(campaign))
        await settle(pilot)
        app.screen.action_refresh()  # the parts' reports, then their detailed reports
        await settle(pilot, rounds=6)
        app.clear_notifications()
        await settle(pilot)

    assert snap_compare(env.app(session), terminal_size=(80, 24), run_before=run_before)
