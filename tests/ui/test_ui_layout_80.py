"""What an 80x24 terminal cut: the task-detail filter legend keeps its last
key (err) whichever status is chosen."""

from __future__ import annotations

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
