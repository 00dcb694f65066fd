"""Dashboard and task detail, driven with Pilot against the embedded simulator."""

from __future__ import annotations

import csv

from textual.widgets import DataTable, Input

from atlsms_tui.core.models import Report, State
from atlsms_tui.simulator import Fault
from atlsms_tui.ui.format import delivery_bar
from atlsms_tui.ui.screens.dashboard import DashboardScreen
from atlsms_tui.ui.screens.task_detail import TaskDetailScreen
from atlsms_tui.ui.widgets.detail_table import PagedTable

from ui_helpers import screen_text, settle, wait_until

SIZE = (80, 24)


def row_cells(app, controlid: str) -> list[str]:
    table = app.screen.query_one("#dash-table", DataTable)
    return [str(c) for c in table.get_row(controlid)]


def test_delivery_bar_is_proportional_and_shows_small_parts():
    bar = delivery_bar(Report("1", True, pending=1, delivered=97, failed=2), 20)
    assert len(bar.plain) == 20
    assert bar.plain.count("░") == 1  # one pending of 100 still shows
    assert bar.plain.count("█") == 19
    assert delivery_bar(Report("1", False), 20).plain == "waiting for ATL"
    # a column too narrow for it says it shorter rather than cut ("waiting for A")
    assert delivery_bar(Report("1", False), 13).plain == "waiting"


async def test_dashboard_shows_task_and_follows_delivery(ui_env):
    session = ui_env.demo_session()
    app = ui_env.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "No campaigns yet" in screen_text(app)
        result = await ui_env.submit(session, n=20)
        assert result.state is State.ACCEPTED
        app.submission_finished(result)
        await settle(pilot)
        cells = row_cells(app, result.controlid)
        assert cells[0] == result.taskid
        assert cells[4] == "20"
        assert cells[6] == "accepted"  # 001: ATL not ready yet
        ui_env.advance(60)  # the simulator delivers everything
        await pilot.press("r")
        await settle(pilot)
        cells = row_cells(app, result.controlid)
        assert cells[6] == "done"
        text = screen_text(app)
        assert "Updated 18:14:20 Baku" in text
        sub = session.service.task(result.controlid)
        assert f"{sub.report.delivered} delivered" in text


async def test_polling_skips_final_and_backs_off_on_001(ui_env):
    session = ui_env.demo_session()
    result = await ui_env.submit(session, n=5)
    app = ui_env.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        # First round got 001: the task is set aside for a while.
        assert screen.poller.next_due(result.taskid) > ui_env.clock()
        before = len(ui_env.sim.requests)
        screen.refresh_now()
        await settle(pilot)
        assert len(ui_env.sim.requests) == before  # backing off: not asked again yet
        ui_env.advance(60)
        screen.refresh_now()
        await settle(pilot)
        assert row_cells(app, result.controlid)[6] == "done"
        asked = len(ui_env.sim.requests)
        ui_env.advance(600)
        screen.refresh_now()
        await settle(pilot)
        assert len(ui_env.sim.requests) == asked  # final: never polled again


async def test_uncertain_submission_settled_from_dashboard(ui_env):
    session = ui_env.demo_session()
    ui_env.sim.inject(Fault("drop", operation="submit", times=2))
    result = await ui_env.submit(session, n=3)
    assert result.state is State.UNCERTAIN
    app = ui_env.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        cells = row_cells(app, result.controlid)
        assert cells[0].startswith("⚠")
        assert cells[6] == "⚠ UNCERTAIN"
        assert "Press s to settle" in screen_text(app)
        await pilot.press("s")
        await settle(pilot)
        if not isinstance(app.screen, DashboardScreen):  # the result modal of the compose screens
            assert "no task id" in screen_text(app).lower()
            await pilot.press("escape")
            await settle(pilot)
        assert session.service.task(result.controlid).state is State.ACCEPTED_WITHOUT_TASKID
        assert row_cells(app, result.controlid)[6] == "sent, no task id"
        assert "gave no task id" in screen_text(app)


async def test_uncertain_submission_abandoned_from_dashboard(ui_env):
    session = ui_env.demo_session()
    ui_env.sim.inject(Fault("drop", operation="submit", times=1))
    ui_env.sim.inject(Fault("code", operation="submit", code="118"))
    result = await ui_env.submit(session, n=3)
    assert result.state is State.UNCERTAIN
    app = ui_env.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        assert f"Abandon {result.controlid}?" in screen_text(app)
        await pilot.press("enter")  # a reason is required
        await settle(pilot)
        assert "Reason: required" in screen_text(app)
        await pilot.press(*"ATL says never arrived")
        await pilot.press("enter")
        await settle(pilot, rounds=6)
        assert isinstance(app.screen, DashboardScreen)
        sub = session.service.task(result.controlid)
        assert sub.state is State.ABANDONED and "never arrived" in sub.detail
        assert row_cells(app, result.controlid)[6] == "abandoned"
        await pilot.press("s")  # nothing left to settle
        await settle(pilot)
        assert session.service.task(result.controlid).state is State.ABANDONED
        assert len(ui_env.sim.tasks) == 1  # the dropped first request; nothing resent


async def test_task_detail_filter_search_export(ui_env, tmp_path):
    session = ui_env.demo_session()
    result = await ui_env.submit(session, n=100)
    ui_env.advance(60)
    app = ui_env.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TaskDetailScreen)
        rep = session.service.stored_report(result.taskid)
        assert rep.total == 100 and rep.failed > 0
        text = screen_text(app)
        assert f"rows 1-{screen.page_size} of 100" in text
        assert f"{rep.failed} failed" in text
        table = screen.query_one("#detail-table", DataTable)
        assert table.row_count == screen.page_size

        await pilot.press("pagedown")
        await settle(pilot)
        assert f"rows {screen.page_size + 1}-" in screen_text(app)
        await pilot.press("end")
        await settle(pilot)
        assert "of 100" in screen_text(app) and screen.row_offset > 0
        await pilot.press("home")
        await settle(pilot)
        assert screen.row_offset == 0

        await pilot.press("3")  # failed only
        await settle(pilot)
        assert screen.row_total == rep.failed
        statuses = {str(table.get_row_at(i)[2]) for i in range(table.row_count)}
        assert statuses == {"failed"}

        await pilot.press("0", "slash")
        await settle(pilot)
        target = "994501000007"
        await pilot.press(*"1000007")
        await settle(pilot)
        assert screen.row_total == 1
        assert str(table.get_row_at(0)[1]) == target
        await pilot.press("escape")  # search -> table
        screen.query_one("#detail-search", Input).value = ""
        await settle(pilot)

        await pilot.press("2")  # delivered, exported as filtered
        await settle(pilot)
        out = tmp_path / "export.csv"
        await pilot.press("e")
        path_input = screen.query_one("#detail-export-path", Input)
        assert path_input.has_focus
        path_input.value = str(out)
        await pilot.press("enter")
        await settle(pilot)
        with out.open(newline="", encoding="utf-8") as f:  # noqa: ASYNC230 (a test reading its own output)
            rows = list(csv.reader(f))
        assert rows[0] == ["msisdn", "status", "status_code", "date", "message"]
        assert len(rows) - 1 == rep.delivered
        assert {r[1] for r in rows[1:]} == {"delivered"}
        assert all(r[4] == "Hello from the test" for r in rows[1:])
        assert any(f"Exported {rep.delivered:,} rows (filtered)" in n for n in app.notices)

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)


async def test_task_detail_export_error_is_shown(ui_env, tmp_path):
    session = ui_env.demo_session()
    await ui_env.submit(session, n=3)
    ui_env.advance(60)
    app = ui_env.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("e")
        app.screen.query_one("#detail-export-path", Input).value = str(tmp_path / "no" / "such" / "dir.csv")
        await pilot.press("enter")
        await settle(pilot)
        assert any("CSV not written" in n for n in app.notices)
        assert isinstance(app.screen, TaskDetailScreen)


async def test_task_detail_export_is_private_inert_and_asks_before_overwriting(ui_env, tmp_path):
    import os
    import stat

    from atlsms_tui.ui.screens.confirm import AskScreen

    session = ui_env.demo_session()
    formula = "=cmd|' /C calc'!A0"
    result = await ui_env.submit(session, n=3, message=formula)
    ui_env.advance(60)
    app = ui_env.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        screen = app.screen
        await pilot.press("e")
        await settle(pilot)
        path_input = screen.query_one("#detail-export-path", Input)
        exports = tmp_path / "data" / "exports"
        out = exports / f"task-{result.taskid}.csv"
        assert path_input.value == str(out)  # the exports folder, not the current directory
        assert stat.S_IMODE(os.stat(exports).st_mode) == 0o700
        await pilot.press("enter")
        await settle(pilot)
        assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
        rows = read_csv(out)
        assert len(rows) == 4 and {r[4] for r in rows[1:]} == {"'" + formula}
        assert any(f"Exported 3 rows to {out}" in n for n in app.notices)

        out.write_text("keep me")
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("enter")  # same name: asked first
        await settle(pilot)
        assert isinstance(app.screen, AskScreen)
        assert app.screen.question == f"Overwrite {out}?"
        await pilot.press("enter")  # Enter is no here: a reflex must not destroy a file
        await settle(pilot)
        assert app.screen is screen and out.read_text() == "keep me"

        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AskScreen)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        assert len(read_csv(out)) == 4 and stat.S_IMODE(os.stat(out).st_mode) == 0o600
        assert sorted(p.name for p in exports.iterdir()) == [out.name]  # no temporary file left

        await pilot.press("e")
        path_input.value = "bare-name.csv"  # a bare name goes to the exports folder too
        await pilot.press("enter")
        await settle(pilot)
        assert len(read_csv(exports / "bare-name.csv")) == 4


def read_csv(path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


async def test_task_detail_first_paint_shows_the_first_page(ui_env, monkeypatch):
    """Opening reads the first page while the screen mounts and paints once
    with it: no empty table first, no second read after the first layout."""
    from atlsms_tui.ui.screens import task_detail

    monkeypatch.setattr(task_detail, "FIRST_PAGE_WAIT", 10.0)  # a slow test machine still gets it
    session = ui_env.demo_session()
    result = await ui_env.submit(session, n=40)
    ui_env.advance(60)
    assert (await session.service.detailed_report(result.taskid, lambda rows: None)).rows == 40
    app = ui_env.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = TaskDetailScreen(result.controlid)
        painted: list[tuple[int, int]] = []
        render_lines = PagedTable.render_lines

        def first_paint(table, crop):  # what the table holds when it is first painted
            if table.screen is screen and not painted:
                painted.append((table.row_count, screen.row_total))
            return render_lines(table, crop)

        monkeypatch.setattr(PagedTable, "render_lines", first_paint)
        loads = []
        monkeypatch.setattr(screen, "load_page", lambda: loads.append(1))
        await app.push_screen(screen)
        await settle(pilot)
        assert painted and painted[0] == (screen.page_size, 40)
        assert screen.page_size == screen.query_one("#detail-table").size.height - 1 == SIZE[1] - 8
        assert loads == []  # the page read at compose was the right one
        assert "40 rcpt" in screen_text(app) and f"rows 1-{screen.page_size} of 40" in screen_text(app)


async def test_task_detail_opens_when_the_store_is_slow(ui_env, monkeypatch):
    """A first page that is not read by the time the screen is mounted is
    shown when it comes (the summary worker waits for it), and a refresh
    reads it again."""
    import threading

    from atlsms_tui.ui.screens import task_detail

    monkeypatch.setattr(task_detail, "FIRST_PAGE_WAIT", 0.0)
    session = ui_env.demo_session()
    result = await ui_env.submit(session, n=30)
    ui_env.advance(60)
    task = session.service.task
    reads = []
    release = threading.Event()

    def slow_task(controlid):  # in the reading thread: held until the screen is up
        reads.append(controlid)
        release.wait(10)
        return task(controlid)

    monkeypatch.setattr(session.service, "task", slow_task)
    app = ui_env.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = TaskDetailScreen(result.controlid)
        await app.push_screen(screen)
        await pilot.pause(0.05)
        assert screen.is_mounted and screen.query_one("#detail-table", DataTable).row_count == 0
        release.set()
        await pilot.pause(0.1)
        await settle(pilot)
        assert screen.query_one("#detail-table", DataTable).row_count == screen.page_size
        assert f"rows 1-{screen.page_size} of 30" in screen_text(app)
        await pilot.press("r")
        await pilot.pause(0.1)
        await settle(pilot)
        assert len(reads) == 2 and screen.row_total == 30


async def test_task_detail_of_an_unknown_submission(ui_env):
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = TaskDetailScreen("99999999999999")
        await app.push_screen(screen)
        await settle(pilot)
        assert "No submission 99999999999999 in the journal." in screen_text(app)
        await pilot.press("e")  # no task id: nothing to export, no export bar
        await settle(pilot)
        assert not screen.query("#detail-export")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)


async def _wait_for(pilot, predicate, tries: int = 100) -> bool:
    """Let the app run (its own timers) until ``predicate()`` holds."""
    for _ in range(tries):
        if predicate():
            return True
        await pilot.pause(0.05)
    return predicate()


async def test_task_detail_of_a_rejected_submission_shows_the_rejection(ui_env):
    session = ui_env.demo_session()
    ui_env.sim.inject(Fault("code", operation="submit", code="107"))
    result = await ui_env.submit(session, n=3)
    assert result.state is State.REJECTED
    app = ui_env.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.push_screen(TaskDetailScreen(result.controlid))
        await settle(pilot)
        text = screen_text(app)
        assert "Error 107" in text and "counting" not in text
        assert "refused by ATL: no task, no report" in text
        await pilot.press("r")
        await settle(pilot)
        assert "counting" not in screen_text(app) and "Error 107" in screen_text(app)


async def test_task_detail_follows_delivery_by_itself(ui_env):
    session = ui_env.demo_session()
    session.settings.preferences.refresh_interval = 0.2
    result = await ui_env.submit(session, n=5)
    app = ui_env.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.push_screen(TaskDetailScreen(result.controlid))
        assert await _wait_for(pilot, lambda: "still processing" in screen_text(app))
        ui_env.advance(60)  # ATL delivers; nobody presses a key
        assert await _wait_for(pilot, lambda: "rows 1-5 of 5" in screen_text(app))
        rep = session.service.task(result.controlid).report
        assert rep.final and f"{rep.delivered} delivered" in screen_text(app)


async def test_reused_task_id_never_shows_the_old_tasks_counts(ui_env):
    from atlsms_tui.simulator import Simulator

    session = ui_env.demo_session()
    old = await ui_env.submit(session, n=3)
    ui_env.advance(60)
    assert (await session.service.report(old.taskid)).final
    # ATL restarted without its state: it hands out the same task ids again.
    port = int(ui_env.url.rsplit(":", 1)[1].split("/")[0])
    ui_env.sim.stop()
    ui_env.sim = Simulator(seed=1, clock=ui_env.clock, report_delay=2.0, delivery_time=10.0)
    ui_env.sim.start(port=port)
    ui_env.advance(60)
    session = ui_env.demo_session()  # a new connection: the old server's keep-alive one would live on
    new = await ui_env.submit(session, n=1)
    assert new.taskid == old.taskid and new.controlid != old.controlid
    app = ui_env.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        cells = row_cells(app, new.controlid)
        assert cells[6] == "accepted"  # ATL's 001 for the new task, not the old one's "done"
        await app.push_screen(TaskDetailScreen(new.controlid))
        await settle(pilot)
        text = screen_text(app)
        assert "1 rcpt" in text and "delivered" not in text
        assert "no detailed report stored" in text


def reports_of(sim, taskid: str) -> list[dict]:
    return [r for r in sim.requests if r.get("taskid") == taskid and r.get("operation") != "submit"]


async def test_scheduled_task_shows_its_time_and_is_not_polled_before(ui_env):
    from datetime import timedelta

    from atlsms_tui.core import baku
    from atlsms_tui.core.models import Recipient
    from atlsms_tui.core.service import Draft

    session = ui_env.demo_session()
    at = baku.now_baku().replace(second=0, microsecond=0) + timedelta(days=1)
    result = await session.service.submit(Draft("ATL", [Recipient("994501234567")], "later", scheduled=at))
    assert result.state is State.ACCEPTED
    app = ui_env.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        asked = reports_of(ui_env.sim, result.taskid)
        assert asked == []  # not polled before its time
        cells = row_cells(app, result.controlid)
        assert cells[6] == "scheduled"
        text = screen_text(app)
        assert f"scheduled for {at.strftime('%m-%d %H:%M')} Baku (in " in text
        await pilot.press("r")  # not even asked for
        await settle(pilot)
        assert reports_of(ui_env.sim, result.taskid) == []
        ui_env.clock.set(at.timestamp() + 60)
        await pilot.press("r")
        await settle(pilot)
        assert reports_of(ui_env.sim, result.taskid)
        assert row_cells(app, result.controlid)[6] != "scheduled"


# ---------------------------------------------------------------- snapshots


async def _dashboard_with_tasks(pilot, env):
    app = pilot.app
    session = app.session
    await env.submit(session, n=120, title="ATL")
    env.sim.inject(Fault("code", operation="submit", code="235"))
    await env.submit(session, n=5, title="INFO")
    env.sim.inject(Fault("drop", operation="submit", times=2))
    await env.submit(session, n=7, title="DEMO")
    env.advance(8)  # half way through the delivery window
    await env.submit(session, n=30, title="ATL", message="Later")
    app.screen.action_refresh()
    await settle(pilot)
    # A round may have run between two submits and kept the cursor on the
    # task it had then: put it on the newest for a stable picture.
    app.screen.query_one("#dash-table", DataTable).move_cursor(row=0)
    app.clear_notifications()
    await settle(pilot)


def test_snapshot_dashboard(ui_env_sync, snap_compare):
    app = ui_env_sync.app(ui_env_sync.demo_session())

    async def run_before(pilot):
        await _dashboard_with_tasks(pilot, ui_env_sync)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_snapshot_task_detail(ui_env_sync, snap_compare):
    app = ui_env_sync.app(ui_env_sync.demo_session())
    env = ui_env_sync

    async def run_before(pilot):
        result = await env.submit(app.session, n=1234, title="ATL")
        env.advance(8)
        app.submission_finished(result)
        await settle(pilot)
        await pilot.press("enter")
        # The first page is read in a worker, and the table sizes its columns
        # when idle: wait for both, however loaded the machine is.
        for _ in range(200):
            screen = app.screen
            if isinstance(screen, TaskDetailScreen) and screen.query_one("#detail-table", DataTable).row_count:
                break
            await pilot.pause(0.05)
        await settle(pilot)
        # the message column widens once the table has measured its rows
        await wait_until(pilot, lambda: "Hello from the test" in screen_text(app))
        app.clear_notifications()
        await pilot.pause(0.3)
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


async def test_unlisted_status_is_shown_as_its_number(ui_env):
    """Sister platforms of this API send statuses up to 8: kept, and shown as
    "status N", never as an error."""
    from atlsms_tui.core.models import DetailRow

    session = ui_env.demo_session()
    result = await ui_env.submit(session, n=2)
    store = session.store
    gen = store.reports.new_detail_generation()
    store.reports.add_detail_rows(gen, 0, [DetailRow(f"99450{1000000 + i:07d}", "Hello", 7, None) for i in range(2)])
    store.reports.commit_detail(session.profile.name, result.taskid, gen, 2)
    app = ui_env.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.push_screen(TaskDetailScreen(result.controlid))
        await settle(pilot, rounds=6)
        text = screen_text(app)
        assert "status 7" in text and "error" not in text.split("Filter")[0]
