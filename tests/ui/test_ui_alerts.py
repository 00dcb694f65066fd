"""Alerts in the TUI (notification, desktop escape), ``y`` copying over OSC
52, and the ``/`` filter of the dashboard and the lists."""

from __future__ import annotations

from textual.widgets import DataTable

from atlsms_tui.core import send_plan
from atlsms_tui.core.imports import ImportRecord
from atlsms_tui.core.models import Recipient
from atlsms_tui.core.service import Draft
from atlsms_tui.simulator import DEMO_LOGIN, Fault
from atlsms_tui.ui.alerts import desktop_escape, desktop_protocol
from atlsms_tui.ui.screens.lists import ListsScreen
from atlsms_tui.ui.widgets.filter_bar import matches
from atlsms_tui.ui.widgets.tasks_table import filter_fields

from ui_helpers import screen_text, settle

SIZE = (80, 24)


def seed(store) -> None:
    store.lists.save_group("vip", [ImportRecord("994501234567", {"name": "Ali"}, 2)], columns=["msisdn", "name"])
    store.lists.save_group("staff", [ImportRecord("994701234567", {}, 1)], source="typed")
    store.lists.save_template("welcome", "Salam {name}, xoş gəlmisiniz!")
    store.lists.add_optouts(["0771234567"], reason="complained", source="call centre")


def rows(screen, which: str) -> list[str]:
    """The first cell of each row of a list's table."""
    table = screen.query_one(f"#{which}-table", DataTable)
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


def dash_keys(app) -> list[str]:
    table = app.screen.query_one("#dash-table", DataTable)
    return [table.coordinate_to_cell_key((i, 0)).row_key.value for i in range(table.row_count)]


async def test_dashboard_filter_and_copy(ui_env):
    session = ui_env.demo_session()
    atl = await ui_env.submit(session, n=2, title="ATL")
    info = await ui_env.submit(session, n=3, title="INFO", message="Other text")
    app = ui_env.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert set(dash_keys(app)) == {atl.controlid, info.controlid}
        await pilot.press("slash", *"info")
        await settle(pilot)
        assert dash_keys(app) == [info.controlid]
        await pilot.press("enter", "y")  # the table has the keys again; the filter stays
        await settle(pilot)
        assert app.clipboard == info.taskid
        assert app.notices[-1] == f"Copied task id {info.taskid}"
        # literal text: "a.l" is no pattern that would match "ATL"
        await pilot.press("slash", "backspace", "backspace", "backspace", "backspace", *"a.l")
        await settle(pilot)
        assert dash_keys(app) == []
        assert "Nothing matches the filter 'a.l'" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert set(dash_keys(app)) == {atl.controlid, info.controlid}
        assert app.screen.query_one("#dash-filter").display is False
        # what else a row is found by: task id, control id, state
        subs = {s.controlid: s for s in session.service.tasks()}
        assert matches(atl.taskid, filter_fields(subs[atl.controlid]))
        assert not matches(atl.taskid, filter_fields(subs[info.controlid]))
        assert matches(info.controlid[-4:], filter_fields(subs[info.controlid]))
        assert matches("ACCEPTED", filter_fields(subs[atl.controlid]))


async def test_copy_on_a_refused_row_gives_its_error(ui_env):
    session = ui_env.demo_session()
    ui_env.sim.inject(Fault("code", operation="submit", code="235"))
    refused = await ui_env.submit(session, n=2, title="INFO")
    app = ui_env.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert dash_keys(app) == [refused.controlid]
        await pilot.press("y")
        await settle(pilot)
        assert app.clipboard.startswith(f"controlid {refused.controlid}: ")
        assert "235" in app.clipboard
        assert app.notices[-1].startswith("Copied error controlid")


async def test_lists_filter_and_copy(ui_env):
    session = ui_env.demo_session()
    seed(session.store)
    app = ui_env.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(ListsScreen())
        await settle(pilot)
        screen = app.screen
        assert rows(screen, "groups") == ["staff", "vip"]
        await pilot.press("slash", *"VI")
        await settle(pilot)
        assert rows(screen, "groups") == ["vip"]
        await pilot.press("enter", "y")
        await settle(pilot)
        assert app.clipboard == "vip" and app.notices[-1] == "Copied group name vip"
        await pilot.press("escape")  # clears the filter, the screen stays
        await settle(pilot)
        assert isinstance(app.screen, ListsScreen)
        assert rows(screen, "groups") == ["staff", "vip"]
        await pilot.press("t", "y")
        await settle(pilot)
        assert app.clipboard == "Salam {name}, xoş gəlmisiniz!"
        await pilot.press("o", "slash", *"centre")  # the opt-out's source
        await settle(pilot)
        assert rows(screen, "optouts") == ["994771234567"]
        await pilot.press(*["backspace"] * 6, *"077123")  # the national form finds it too
        await settle(pilot)
        assert rows(screen, "optouts") == ["994771234567"]
        await pilot.press("backspace", "x")
        await settle(pilot)
        assert rows(screen, "optouts") == []
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert not isinstance(app.screen, ListsScreen)


async def test_campaign_and_low_balance_alerts_notify(ui_env, monkeypatch):
    session = ui_env.demo_session()
    session.settings.preferences.desktop_notify = "osc777"
    app = ui_env.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        draft = Draft("ATL", [Recipient(f"99450{1000000 + i:07d}") for i in range(3)], "Salam")
        result = await send_plan.submit_campaign(session.service, draft)
        await settle(pilot)
        assert app.notices[-1] == f"Campaign sent: {result.results[0].controlid} (ATL): accepted, 3 of 3 accepted"
        assert app.desktop_notices[-1].startswith("\x1b]777;notify;Campaign sent;")
        ui_env.sim.set_units(DEMO_LOGIN, 10)
        app.refresh_units()
        await settle(pilot)
        assert app.notices[-1].startswith("Low balance: demo: 10 units left")
        count = len(app.notices)
        app.refresh_units()  # still low: said once
        await settle(pilot)
        assert len(app.notices) == count


async def test_a_send_from_compose_tells_its_outcome_once_on_screen(ui_env):
    """The result modal says how the send went: no notice over it saying
    the same, while the bell and the desktop notification still go out."""
    from test_ui_compose import confirm_send, fill_bulk, open_compose

    session = ui_env.demo_session()
    session.settings.preferences.desktop_notify = "osc777"
    app = ui_env.app(session)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compose(pilot)
        fill_bulk(screen)
        await settle(pilot)
        await confirm_send(pilot)
        assert not any(n.startswith("Campaign sent") for n in app.notices), list(app.notices)
        assert any(d.startswith("\x1b]777;notify;Campaign sent;") for d in app.desktop_notices)


def test_desktop_escape_drops_control_characters():
    hostile = "Ti;tle\x07\x1b]52;c;AAAA\x07\u202e"
    seq = desktop_escape("osc777", hostile, "body\x1b[2J\nnext\x9c")
    assert seq == "\x1b]777;notify;Ti,tle]52,c,AAAA;body[2J next\x07"
    assert desktop_escape("osc9", "T", "b") == "\x1b]9;T: b\x07"
    wrapped = desktop_escape("osc9", "T", "b", tmux=True)
    assert wrapped == "\x1bPtmux;\x1b\x1b]9;T: b\x07\x1b\\"


def test_desktop_protocol_from_the_terminal():
    assert desktop_protocol("auto", {"TERM_PROGRAM": "iTerm.app"}) == "osc9"
    assert desktop_protocol("auto", {"LC_TERMINAL": "iTerm2", "TERM": "xterm-256color"}) == "osc9"
    assert desktop_protocol("auto", {"TERM": "foot"}) == "osc777"
    assert desktop_protocol("auto", {"TERM": "xterm-256color"}) is None
    assert desktop_protocol("off", {"TERM_PROGRAM": "iTerm.app"}) is None
    assert desktop_protocol("osc777", {}) == "osc777"


async def test_copy_in_campaign_and_task_detail(ui_env):
    from atlsms_tui.ui.screens.campaign_detail import CampaignDetailScreen
    from atlsms_tui.ui.screens.task_detail import TaskDetailScreen

    session = ui_env.demo_session()
    draft = Draft("ATL", [Recipient(f"99450{1000000 + i:07d}") for i in range(4)], "Salam")
    result = await send_plan.submit_campaign(session.service, draft, max_per_task=2)
    first, second = result.results
    app = ui_env.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(CampaignDetailScreen(result.campaign))
        await settle(pilot)
        await pilot.press("down", "y")
        await settle(pilot)
        assert app.clipboard == second.taskid and app.notices[-1] == f"Copied task id {second.taskid}"
        app.push_screen(TaskDetailScreen(first.controlid))
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TaskDetailScreen)
        shown = screen.copy_target()
        # the focused row's number once the detailed report is in, else the task id
        assert shown in (("task id", first.taskid), ("number", "994501000000"))
        assert app.clipboard == shown[1]
