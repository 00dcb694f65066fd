"""What an 80x24 terminal cut (the task-detail filter legend's last key),
what 60x20 (the smallest supported) broke, and the notice below that."""

from __future__ import annotations

from test_ui_compose import open_compose
from textual.widgets import DataTable

from atlsms_tui.simulator import DEMO_TITLES
from atlsms_tui.ui.screens.dashboard import DashboardScreen
from atlsms_tui.ui.screens.help import HelpScreen
from atlsms_tui.ui.screens.task_detail import TaskDetailScreen

from ui_helpers import screen_text, settle


async def test_task_detail_legend_keeps_err_at_80x24(ui_env):
    session = ui_env.demo_session()
    await ui_env.submit(session, n=5)
    ui_env.advance(60)
    app = ui_env.app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TaskDetailScreen)
        for key in "012345":
            await pilot.press(key)
            await settle(pilot)
            legend = [line for line in screen_text(app).splitlines() if "0-5:" in line]
            assert legend and legend[0].rstrip().endswith("rem err"), (key, legend)


async def test_below_the_minimum_a_notice_and_back_to_the_screen(ui_env):
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(59, 24)) as pilot:
        await settle(pilot)
        text = " ".join(screen_text(app).split())
        assert "Terminal too small: 59x24" in text and "needs at least 60x20" in text
        await pilot.resize_terminal(80, 19)
        await settle(pilot)
        assert "needs at least 60x20" in " ".join(screen_text(app).split())
        await pilot.resize_terminal(60, 20)
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert "too small" not in screen_text(app)
        await pilot.resize_terminal(50, 18)  # shrunk while running
        await settle(pilot)
        assert "Terminal too small: 50x18" in " ".join(screen_text(app).split())


async def test_at_60x20_the_footer_keeps_quit_and_help_and_the_state_is_whole(ui_env):
    session = ui_env.demo_session()
    await ui_env.submit(session, n=3, title=DEMO_TITLES[-1])
    app = ui_env.app(session)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        lines = screen_text(app).splitlines()
        assert "q Quit" in lines[-1] and "f1 Help" in lines[-1], lines[-1]
        table = app.screen.query_one(DataTable)
        state = str(table.get_row_at(0)[-1]).strip()
        row = next(line for line in lines if DEMO_TITLES[-1] in line)
        assert row.rstrip().endswith(state), (row, state)


async def test_at_60x20_a_scheduled_task_reads_scheduled_in_full(ui_env):
    """A scheduled row's times take two columns: at 60 columns Created gives
    way so that its state is whole (at 80 the table keeps it)."""
    from datetime import timedelta

    from atlsms_tui.core.models import Recipient
    from atlsms_tui.core.service import Draft

    session = ui_env.demo_session()
    when = session.service.now() + timedelta(days=2)
    await session.service.submit(Draft(title="ATL", recipients=[Recipient("994501000001")], message="Salam",
                                       scheduled=when))
    app = ui_env.app(session)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        row = next(line for line in screen_text(app).splitlines() if " ATL " in line)
        assert row.rstrip().endswith("scheduled"), row
        assert "Created" not in screen_text(app)
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        row = next(line for line in screen_text(app).splitlines() if " ATL " in line)
        assert row.rstrip().endswith("scheduled") and "Created" in screen_text(app), row


async def test_at_60x20_the_length_panel_is_no_wider_than_the_message(ui_env):
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(60, 20)) as pilot:
        screen = await open_compose(pilot)
        assert screen.query_one("#counter").size.width <= screen.query_one("#message").size.width
        await pilot.press("f1")  # the footer's help key is there and works
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)


async def test_one_row_fetched_is_singular(ui_env):
    session = ui_env.demo_session()
    await ui_env.submit(session, n=1)
    ui_env.advance(60)
    app = ui_env.app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # the detail line abbreviates recipients (its author must fit 80 columns)
        assert "1 rcpt ·" in screen_text(app) and "~1 unit" in screen_text(app)
        assert "(s)" not in screen_text(app)
        await pilot.press("enter")
        await settle(pilot, rounds=5)
        assert "detailed report: 1 row fetched" in screen_text(app)
