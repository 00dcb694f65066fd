"""The TUI confirmation and quiet hours: y/Enter do not send inside the
window; w schedules it for the window's end, i sends anyway."""

from __future__ import annotations

from datetime import datetime

from test_ui_compose import fill_bulk, open_compose, widget_text

from atlsms_tui.core import baku
from atlsms_tui.ui.modals.confirm_send import ConfirmSendScreen
from atlsms_tui.ui.modals.submit_result import SubmitResultScreen

from ui_helpers import screen_text, settle


def night_session(ui_env):
    session = ui_env.demo_session()
    ui_env.clock.set(datetime(2026, 12, 1, 22, 30, tzinfo=baku.BAKU).timestamp())
    session.service.now = baku.clock_of(ui_env.clock)
    session.profile.quiet_hours = "21:00-09:00"
    session.profile.proof_numbers = ["0551234567"]
    return session


async def test_confirmation_in_quiet_hours_offers_next_window(ui_env):
    app = ui_env.app(night_session(ui_env))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_compose(pilot)
        fill_bulk(screen, "Hello", "0501234567 0551234567")
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmSendScreen)
        shown = " ".join(screen_text(app).split())
        quiet = widget_text(app.screen, "#confirm-quiet")
        assert "Not now:" in quiet and "21:00-09:00" in quiet and "next allowed time is 2026-12-02 09:00" in quiet
        assert "schedule it for then" in shown and "send anyway" in shown
        assert "Proof none sent for this exact text" in shown  # the proof state
        await pilot.press("y")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmSendScreen) and ui_env.sim.tasks == []
        await pilot.press("w")
        await settle(pilot, rounds=6)
        assert isinstance(app.screen, SubmitResultScreen)
        assert [t.scheduled for t in ui_env.sim.tasks] == ["2026-12-02 09:00:00"]


async def test_confirmation_in_quiet_hours_send_anyway(ui_env):
    app = ui_env.app(night_session(ui_env))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_compose(pilot)
        fill_bulk(screen, "Hello", "0501234567")
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot, rounds=6)
        assert isinstance(app.screen, SubmitResultScreen)
        assert [t.scheduled for t in ui_env.sim.tasks] == ["NOW"]
