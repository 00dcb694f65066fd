"""The lists screen (groups, templates, opt-outs), driven with Pilot; an
opt-out added here is left out of the next send (asserted on the simulator)."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.widgets import DataTable, Static, TextArea

from atlsms_tui.core.imports import ImportRecord
from atlsms_tui.ui.screens.compose import ComposeScreen
from atlsms_tui.ui.screens.confirm import AskScreen, ConfirmSendScreen, ImportReportScreen
from atlsms_tui.ui.screens.lists import FormScreen, ListsScreen

from ui_helpers import screen_text, settle


def flat(text: str) -> str:
    return " ".join(text.split())


def seed(store) -> None:
    store.lists.save_group("vip", [ImportRecord("994501234567", {"name": "Ali"}, 2),
                                    ImportRecord("994551234567", {"name": "Aygün"}, 3)],
                     columns=["msisdn", "name"], source="vip.csv")
    store.lists.save_group("staff", [ImportRecord("994701234567", {}, 1)], source="typed")
    store.lists.save_template("welcome", "Salam {name}, xoş gəlmisiniz!")
    store.lists.add_optouts(["0771234567"], reason="complained", source="call centre")


async def open_lists(pilot) -> ListsScreen:
    await settle(pilot)
    pilot.app.push_screen(ListsScreen())
    await settle(pilot)
    assert isinstance(pilot.app.screen, ListsScreen)
    return pilot.app.screen


def rows(screen, which: str) -> list[list[str]]:
    table = screen.query_one(f"#{which}-table", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_groups_list_show_delete(ui_env):
    session = ui_env.demo_session()
    seed(session.store)
    app = ui_env.app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lists(pilot)
        assert [r[0] for r in rows(screen, "groups")] == ["staff", "vip"]
        await pilot.press("down")
        await settle(pilot)
        detail = flat(str(screen.query_one("#groups-text", Static).render()))
        assert "vip: 2 numbers" in detail and "from vip.csv" in detail
        assert "994551234567 name=Aygün" in detail
        await pilot.press("delete")
        await settle(pilot)
        assert isinstance(app.screen, AskScreen)
        await pilot.press("y")
        await settle(pilot)
        assert [r[0] for r in rows(screen, "groups")] == ["staff"]
        assert [g.name for g in session.store.lists.list_groups()] == ["staff"]


async def test_group_from_a_file(ui_env, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("phone;name\n0501234567;Ali\n12345;Bad\n0551234567;Aygün\n", encoding="utf-8")
    session = ui_env.demo_session()
    app = ui_env.app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lists(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        await pilot.press(*"people", "enter")
        await pilot.press(*str(path), "enter", "enter", "enter")
        await settle(pilot)
        g = session.store.lists.get_group("people")
        assert [r.msisdn for r in g.records] == ["994501234567", "994551234567"]
        assert isinstance(app.screen, ImportReportScreen)  # what the import kept and why
        report = flat(str(app.screen.query_one("#report-text").render()))
        assert "3 rows read, 2 valid, 2 normalised, 0 duplicates removed, 1 invalid" in report
        assert "row 3, column 'phone': '12345': too few digits" in report
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen and [r[0] for r in rows(screen, "groups")] == ["people"]


async def test_templates_show_and_delete(ui_env):
    session = ui_env.demo_session()
    seed(session.store)
    app = ui_env.app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lists(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert rows(screen, "templates")[0][:2] == ["welcome", "1"]
        detail = flat(str(screen.query_one("#templates-text", Static).render()))
        assert "UCS-2" in detail and "placeholders {name}" in detail
        await pilot.press("d", "y")
        await settle(pilot)
        assert session.store.lists.list_templates() == []


async def test_optout_add_import_remove_then_send_excludes_it(ui_env, tmp_path):
    path = tmp_path / "stop.txt"
    path.write_text("0701234567\nnot a number\n", encoding="utf-8")
    session = ui_env.demo_session()
    app = ui_env.app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lists(pilot)
        await pilot.press("o", "a")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        await pilot.press(*"055 123 45 67", "enter", *"wrong number", "enter")
        await settle(pilot)
        assert rows(screen, "optouts")[0][0] == "994551234567"
        assert rows(screen, "optouts")[0][2] == "wrong number"
        await pilot.press("i")
        await settle(pilot)
        await pilot.press(*str(path), "enter", "enter", "enter")
        await settle(pilot)
        assert [r[0] for r in rows(screen, "optouts")] == ["994551234567", "994701234567"]
        assert isinstance(app.screen, ImportReportScreen)
        report = flat(str(app.screen.query_one("#report-text").render()))
        assert "2 entries read, 1 valid" in report and "contains letters" in report
        await pilot.press("escape")
        await settle(pilot)
        # remove the imported one again
        table = screen.query_one("#optouts-table", DataTable)
        table.move_cursor(row=1)
        await pilot.press("delete", "y")
        await settle(pilot)
        assert [o.msisdn for o in session.store.lists.list_optouts()] == ["994551234567"]
        await pilot.press("escape")
        await settle(pilot)

        app.action_compose()
        await settle(pilot)
        compose = app.screen
        assert isinstance(compose, ComposeScreen)
        compose.query_one("#message", TextArea).insert("Hello")
        compose.query_one("#numbers", TextArea).insert("0501234567 0551234567 0701234567")
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmSendScreen)
        assert "wrong number: 1" in flat(" ".join(str(w.render()) for w in app.screen.query(Static)))
        await pilot.press("y")
        await settle(pilot, rounds=8)
        task = ui_env.sim.tasks[0]
        assert [n for n, _ in ui_env.sim.recipients_of(task.taskid)] == ["994501234567", "994701234567"]


async def test_bad_optout_number_is_refused_with_the_reason(ui_env):
    session = ui_env.demo_session()
    app = ui_env.app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_lists(pilot)
        await pilot.press("o", "a")
        await settle(pilot)
        await pilot.press(*"0501234567 12345", "enter", "enter")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)  # stays open, says why
        assert "opt-out number '12345': too few digits; nothing added" in flat(screen_text(app))
        assert session.store.lists.list_optouts() == []


async def test_lists_reachable_from_compose(ui_env):
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.action_compose()
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, ListsScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ComposeScreen)


def test_snapshot_lists(ui_env_sync, snap_compare):
    env = ui_env_sync
    session = env.demo_session()
    seed(session.store)

    async def run_before(pilot):
        screen = await open_lists(pilot)
        # The lists load in a worker; the table sizes its columns from its
        # rows and the tab underline follows its relabelled tab one refresh
        # later: wait for all of it, however loaded the machine is.
        for _ in range(200):
            if screen.query_one("#groups-table", DataTable).row_count == 2:
                break
            await pilot.pause(0.05)
        await pilot.press("down")
        await settle(pilot)
        await pilot.wait_for_scheduled_animations()
        await pilot.pause(0.3)
        await settle(pilot)

    assert snap_compare(env.app(session), terminal_size=(80, 24), run_before=run_before)


async def test_group_and_optout_details_show_baku_time(ui_env):
    session = ui_env.demo_session()
    # 23:30 UTC is already the next day in Baku (UTC+4): a date that differs
    ui_env.clock.set(datetime(2026, 9, 21, 23, 30, tzinfo=UTC).timestamp())
    seed(session.store)
    app = ui_env.app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lists(pilot)
        detail = flat(str(screen.query_one("#groups-text", Static).render()))
        assert "saved 2026-09-22 03:30 Baku" in detail and "UTC" not in detail
        assert rows(screen, "groups")[0][3] == "2026-09-22"
        await pilot.press("o")
        await settle(pilot)
        assert rows(screen, "optouts")[0][1] == "2026-09-22"
        text = flat(str(screen.query_one("#optouts-text", Static).render()))
        assert "on the list since 2026-09-22 03:30 Baku" in text and "UTC" not in text
