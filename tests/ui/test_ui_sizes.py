"""Larger terminals: the screens use the room, nothing breaks."""

from __future__ import annotations

import re

import pytest

from atlsms_tui.ui.screens.compose import ComposeScreen
from atlsms_tui.ui.screens.dashboard import DashboardScreen
from atlsms_tui.ui.screens.task_detail import TaskDetailScreen

from ui_helpers import screen_text, settle


def longest_bar(text: str) -> int:
    return max((len(m) for m in re.findall("[█▉▊▋▌▍▎▏]+", text)), default=0)


async def shot(ui_env, session, size):
    app = ui_env.app(session)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        app.screen.action_refresh()
        await settle(pilot)
        dash = screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TaskDetailScreen)
        detail = screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ComposeScreen)
        compose = screen_text(app)
    return dash, detail, compose


@pytest.mark.parametrize("size", [(120, 40), (200, 50)])
async def test_screens_use_the_room(ui_env, size):
    session = ui_env.demo_session()
    await ui_env.submit(session, n=40)
    ui_env.advance(60)
    small = await shot(ui_env, session, (80, 24))
    large = await shot(ui_env, session, size)
    # the delivery bar grows with the width
    assert longest_bar(large[0]) > longest_bar(small[0]) > 0
    # task detail shows more rows of the report per page
    rows = lambda t: len(re.findall(r"^\s*\d+\s+99450", t, re.M))  # noqa: E731
    assert rows(large[1]) > rows(small[1]) > 0
    # every line of the screen fits: nothing drawn past the edge
    for text in large:
        assert all(len(line.rstrip()) <= size[0] for line in text.splitlines())
        assert "DEMO" in text.splitlines()[0]
