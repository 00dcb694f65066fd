"""Monitor mode in the TUI (--monitor): a wall screen that says MONITOR, shows
every task and campaign with its author, and offers no key, footer entry or
palette command that sends, settles, approves or edits a list."""

from __future__ import annotations

from textual.widgets import DataTable

from atlsms_tui.core.models import Recipient
from atlsms_tui.core.service import Draft
from atlsms_tui.ui.bindings import READ_ONLY_HIDDEN
from atlsms_tui.ui.commands import AtlSmsCommands
from atlsms_tui.ui.screens.campaign_detail import CampaignDetailScreen

from ui_helpers import screen_text, settle

SIZE = (80, 24)
# the dashboard's keys for what monitor mode must not do
ACTION_KEYS = ("c", "f2", "s", "x", "a", "n", "b", "l")


async def _seed(env, session, monkeypatch) -> str:
    """Tasks by one operator and a campaign another one awaits approval for."""
    monkeypatch.setenv("LOGNAME", "aysel")
    monkeypatch.setenv("USER", "aysel")
    await env.submit(session, n=12, title="ATL")
    rs = [Recipient(f"99455{3000000 + i:07d}") for i in range(6)]
    env.campaign_id = "C2026A"
    campaign = await session.service.journal_campaign(
        Draft("ATL", rs, "Endirim"), [Draft("ATL", rs[:3], "Endirim"), Draft("ATL", rs[3:], "Endirim")],
        awaiting_approval_by="aysel")
    monkeypatch.setenv("LOGNAME", "rashad")  # the supervisor at the wall screen, who could approve it
    monkeypatch.setenv("USER", "rashad")
    return campaign


async def _shown(pilot) -> None:
    app = pilot.app
    app.screen.action_refresh()
    await settle(pilot)
    app.screen.query_one("#dash-table", DataTable).move_cursor(row=0)
    app.clear_notifications()
    await settle(pilot)


async def test_monitor_mode_offers_no_action(ui_env, monkeypatch):
    session = ui_env.demo_session()
    campaign = await _seed(ui_env, session, monkeypatch)
    app = ui_env.app(session, monitor=True)
    async with app.run_test(size=SIZE) as pilot:
        await _shown(pilot)
        assert app.read_only and app.core.read_only
        assert app.screen.query_one("#hdr-monitor").display
        text = screen_text(app)
        assert "MONITOR" in text and "by aysel@jump1" in text
        # the campaign awaiting approval is selected: a approves it anywhere else
        assert "awaiting approval" in text.lower()
        shown = {b.binding.action.removeprefix("app.") for b in app.screen.active_bindings.values()}
        assert not shown & READ_ONLY_HIDDEN and "refresh" in shown
        hits = [h.text async for h in AtlSmsCommands(app.screen).discover()]
        assert not [h for h in hits if any(w in str(h) for w in ("Compose", "Groups", "Approve", "Settle"))], hits
        assert any("Refresh" in str(h) for h in hits)
        tasks = len(ui_env.sim.tasks)
        for key in ACTION_KEYS:
            await pilot.press(key)
            await settle(pilot)
            assert len(app.screen_stack) == 1, key  # no compose, confirmation or form opened
        assert len(ui_env.sim.tasks) == tasks
        assert (await app.core.sending.campaign(campaign)).state == "awaiting_approval"

        app.push_screen(CampaignDetailScreen(campaign))
        await settle(pilot)
        detail = app.screen
        assert not {b.binding.action for b in detail.active_bindings.values()} & READ_ONLY_HIDDEN
        assert "by aysel@jump1" in screen_text(app)
        for key in ("s", "x"):
            await pilot.press(key)
            await settle(pilot)
            assert app.screen is detail, key


def test_snapshot_monitor(ui_env_sync, snap_compare, monkeypatch):
    writer = ui_env_sync.demo_session()  # the operators' own sessions, on the same journal

    async def run_before(pilot):
        await _seed(ui_env_sync, writer, monkeypatch)
        await _shown(pilot)

    app = ui_env_sync.app(ui_env_sync.demo_session(), monitor=True)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
