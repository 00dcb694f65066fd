"""The compose screen's rails: a proof of the draft (ctrl+t) sent as
``send --proof`` sends it, then known to the confirmation and marked on the
dashboard; a pace that spreads the campaign as ``--pace`` does."""

from __future__ import annotations

from test_ui_compose import fill_bulk, open_compose, widget_text
from textual.widgets import DataTable

from atlsms_tui.ui.modals import AskScreen
from atlsms_tui.ui.modals.confirm_send import ConfirmSendScreen
from atlsms_tui.ui.modals.submit_result import SubmitResultScreen
from atlsms_tui.ui.screens.compose import ComposeScreen
from atlsms_tui.ui.screens.dashboard import DashboardScreen
from atlsms_tui.ui.widgets.fields import Input

from ui_helpers import screen_text, settle

STAFF = "994551234567"


def staff_session(ui_env):
    session = ui_env.demo_session()
    session.profile.quiet_hours = "off"
    session.profile.proof_numbers = ["0551234567"]
    return session


async def test_proof_key_sends_the_proof_and_the_confirmation_then_knows_it(ui_env):
    app = ui_env.app(staff_session(ui_env))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_compose(pilot)
        fill_bulk(screen, "Endirim 20%", "0501234567 0701234567")
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert isinstance(app.screen, AskScreen)
        asked = " ".join(screen_text(app).split())
        assert "1 message to the staff number 994551234567" in asked and "not sent" in asked
        await pilot.press("y")
        await settle(pilot, rounds=6)
        assert isinstance(app.screen, SubmitResultScreen)
        [task] = ui_env.sim.tasks
        assert ui_env.sim.recipients_of(task.taskid) == [(STAFF, "Endirim 20%")]
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen  # the draft stays for the campaign itself
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmSendScreen)
        facts = widget_text(app.screen, "#confirm-facts")
        assert "Proof accepted at 2026-09-21 18:13 Baku time" in facts, facts
        await pilot.press("escape")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, AskScreen)  # leave the unsent draft?
        await pilot.press("y")
        await settle(pilot, rounds=4)
        assert isinstance(app.screen, DashboardScreen)
        state = str(app.screen.query_one(DataTable).get_row_at(0)[-1])
        assert state.startswith("proof "), state


async def test_proof_without_staff_numbers_says_how_to_set_them(ui_env):
    session = ui_env.demo_session()
    session.profile.proof_numbers = []
    app = ui_env.app(session)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_compose(pilot)
        fill_bulk(screen, "Hello", "0501234567")
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert app.screen is screen and ui_env.sim.tasks == []
        assert "no proof numbers: set proof_numbers" in widget_text(screen, "#status")


async def test_pace_spreads_the_campaign_and_the_confirmation_shows_the_plan(ui_env):
    session = staff_session(ui_env)
    app = ui_env.app(session)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_compose(pilot)
        fill_bulk(screen, "Hello", "0501234567 0551234567 0701234567")
        pace = screen.query_one("#pace", Input)
        pace.value = "fast"
        await settle(pilot)
        assert "pace 'fast': expected recipients per hour or minute" in widget_text(screen, "#status")
        pace.value = "1/min"
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmSendScreen)
        facts = widget_text(app.screen, "#confirm-facts")
        assert "Plan 3 parts, first now, last 2026-09-21 18:15 Baku time" in facts, facts
        await pilot.press("y")
        await settle(pilot, rounds=8)
        wire = [t.scheduled for t in ui_env.sim.tasks]
        assert wire == ["NOW", "2026-09-21 18:14:20", "2026-09-21 18:15:20"], wire
        assert not isinstance(app.screen, ComposeScreen) or app.screen is not screen
