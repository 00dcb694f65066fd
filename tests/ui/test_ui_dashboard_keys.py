"""The dashboard's cursor and the quit key: the cursor goes to what was just
sent, Home/End reach the first and last rows, and quitting mid-send asks."""

from __future__ import annotations

from test_ui_compose import confirm_send, fill_bulk, open_compose

from atlsms_tui.simulator import Fault
from atlsms_tui.ui.modals import AskScreen
from atlsms_tui.ui.modals.submit_result import SubmitResultScreen
from atlsms_tui.ui.screens.dashboard import DashboardScreen

from ui_helpers import screen_text, settle


async def test_after_a_send_the_cursor_is_on_the_new_task(ui_env):
    session = ui_env.demo_session()
    for i in range(3):
        await ui_env.submit(session, n=2, message=f"older {i}")
    app = ui_env.app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        dash = app.screen
        assert isinstance(dash, DashboardScreen)
        await pilot.press("down", "down")
        await settle(pilot)
        before = dash.selected()
        assert before is not None and before.message == "older 0"
        screen = await open_compose(pilot)
        fill_bulk(screen, "the new one", "0501234567")
        await confirm_send(pilot)
        await pilot.press("enter")
        await settle(pilot, rounds=5)
        assert app.screen is dash
        chosen = dash.selected()
        assert chosen is not None and chosen.message == "the new one"


async def test_home_and_end_jump_to_the_first_and_last_rows(ui_env):
    session = ui_env.demo_session()
    for i in range(5):
        await ui_env.submit(session, n=2, message=f"task {i}")
    app = ui_env.app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        dash = app.screen
        await pilot.press("end")
        await settle(pilot)
        assert dash.selected().message == "task 0"  # the oldest, at the bottom
        await pilot.press("home")
        await settle(pilot)
        assert dash.selected().message == "task 4"


async def test_ctrl_q_mid_send_asks_and_says_what_is_left_uncertain(ui_env):
    app = ui_env.app(ui_env.demo_session())
    ui_env.sim.inject(Fault("delay", operation="submit", seconds=1.0))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        fill_bulk(screen, "Hello", "0501234567")
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("y")
        await pilot.pause(0.1)
        assert app.sending()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, AskScreen)
        text = " ".join(screen_text(app).split())
        assert "A send is in flight" in text and "uncertain" in text
        await pilot.press("n")  # stay
        await settle(pilot, rounds=6)
        assert isinstance(app.screen, SubmitResultScreen)
        assert app.is_running and len(ui_env.sim.tasks) == 1
        await pilot.press("ctrl+q")  # nothing in flight: quits at once
        await pilot.pause()
        assert not app.is_running


async def test_at_80_columns_the_footer_keeps_quit_and_help_beside_the_approval_keys(ui_env, monkeypatch):
    from atlsms_tui.core.models import Recipient
    from atlsms_tui.core.send_plan import submit_campaign
    from atlsms_tui.core.service import Draft

    session = ui_env.demo_session()
    session.profile.approval_above = 2
    draft = Draft("ATL", [Recipient(f"99450{1000000 + i:07d}") for i in range(3)], "Approve me")
    await submit_campaign(session.service, draft, max_per_task=2, operator="alice")
    monkeypatch.setenv("LOGNAME", "bob")
    app = ui_env.app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        footer = screen_text(app).splitlines()[-1]
        for key in ("a Approve", "n Reject", "q Quit", "f1 Help"):
            assert key in footer, footer
