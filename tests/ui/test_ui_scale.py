"""In the TUI, campaigns of several tasks on the dashboard (grouped,
drill-down, resume, cancel) and task detail over a large stored report
(paging, filter and search correctness; the timings are in
benchmarks/bench_ui.py, not here)."""

from __future__ import annotations

import asyncio
import random

from textual.widgets import DataTable, Input

from atlsms_tui.core import send_plan
from atlsms_tui.core.models import DeliveryStatus, DetailRow, Recipient, Report, State
from atlsms_tui.core.service import Draft
from atlsms_tui.core.store import Store, search_variants
from atlsms_tui.simulator import Fault
from atlsms_tui.ui.screens.campaign_detail import CampaignDetailScreen
from atlsms_tui.ui.screens.confirm import AskScreen
from atlsms_tui.ui.screens.dashboard import DashboardScreen
from atlsms_tui.ui.screens.task_detail import TaskDetailScreen

from ui_helpers import screen_text, settle

SIZE = (80, 24)
NUMBERS = [f"99450{1000000 + i:07d}" for i in range(5)]


def flat(text: str) -> str:
    return " ".join(text.split())


def dash_cells(app, key: str) -> list[str]:
    table = app.screen.query_one("#dash-table", DataTable)
    return [str(c) for c in table.get_row(key)]


async def send_campaign(env, session, *, uncertain_part: int | None = None, stop_after: int | None = None):
    """5 recipients in parts of 2 (3 tasks). ``uncertain_part``: that part's
    answer is lost (the simulator got it); ``stop_after``: parts after it stay queued."""
    cancel = asyncio.Event()
    faulted = set()

    def progress(p) -> None:
        if uncertain_part and p.part == uncertain_part and p.stage == "sending" and p.part not in faulted:
            faulted.add(p.part)
            env.sim.inject(Fault("drop", operation="submit", times=2))
        if stop_after and p.part == stop_after and p.stage == "sending" and p.text.endswith(": accepted"):
            cancel.set()

    draft = Draft(title="ATL", recipients=[Recipient(n) for n in NUMBERS], message="Hello")
    return await send_plan.submit_campaign(session.service, draft, max_per_task=2, progress=progress,
                                              cancel=cancel)


async def test_campaign_is_one_row_with_drill_down_to_parts(ui_env):
    session = ui_env.demo_session()
    single = await ui_env.submit(session, n=3)
    result = await send_campaign(ui_env, session)
    assert result.state == "accepted" and len(ui_env.sim.tasks) == 4
    ui_env.advance(60)
    app = ui_env.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#dash-table", DataTable)
        assert table.row_count == 2  # the single task and the campaign, not 4 rows
        cells = dash_cells(app, result.campaign)
        assert cells[0] == "▸ 3 parts" and cells[4] == "5"
        assert cells[6] == "done"
        parts = session.service.store.campaigns.campaign_parts(result.campaign)
        delivered = sum(p.report.delivered for p in parts)
        assert f"{delivered} delivered" in screen_text(app)  # summed over the parts
        assert dash_cells(app, single.controlid)[0] == single.taskid

        table.move_cursor(row=table.get_row_index(result.campaign))
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CampaignDetailScreen)
        parts_table = screen.query_one("#camp-parts", DataTable)
        assert parts_table.row_count == 3
        assert [str(parts_table.get_row_at(i)[1]) for i in range(3)] == [p.taskid for p in parts]
        assert [str(parts_table.get_row_at(i)[2]) for i in range(3)] == ["2", "2", "1"]
        await pilot.press("down", "enter")  # part 2 -> its task detail
        await settle(pilot)
        assert isinstance(app.screen, TaskDetailScreen)
        assert app.screen.controlid == parts[1].controlid
        assert "rows 1-2 of 2" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CampaignDetailScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)


async def test_resume_settles_uncertain_part_without_resending_accepted(ui_env):
    session = ui_env.demo_session()
    result = await send_campaign(ui_env, session, uncertain_part=2)
    assert [r.state for r in result.results] == [State.ACCEPTED, State.UNCERTAIN, State.ACCEPTED]
    sent = len(ui_env.sim.tasks)
    assert sent == 3  # part 2 reached the simulator; only its answer was lost
    app = ui_env.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        cells = dash_cells(app, result.campaign)
        assert cells[0] == "⚠ 3 parts" and cells[6] == "⚠ UNCERTAIN"
        assert "Press s to settle" in flat(screen_text(app))
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CampaignDetailScreen)
        assert str(screen.query_one("#camp-parts", DataTable).get_row_at(1)[0]) == "⚠2"
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, AskScreen)
        shown = flat(screen_text(app))
        assert "1 uncertain part" in shown and "2 accepted parts: never resent" in shown
        await pilot.press("y")
        await settle(pilot, rounds=6)
        if app.screen is not screen:  # the campaign result modal of the compose screens
            await pilot.press("escape")
            await settle(pilot)
        assert app.screen is screen
        assert len(ui_env.sim.tasks) == sent  # nothing sent twice: ATL answered 002
        states = [p.state for p in session.service.store.campaigns.campaign_parts(result.campaign)]
        assert states == [State.ACCEPTED, State.ACCEPTED_WITHOUT_TASKID, State.ACCEPTED]
        assert "accepted" in flat(str(screen.query_one("#camp-summary").render()))
        await pilot.press("escape")
        await settle(pilot)
        assert dash_cells(app, result.campaign)[0] == "▸ 3 parts"


async def test_queued_parts_resume_from_dashboard_and_cancel(ui_env):
    session = ui_env.demo_session()
    first = await send_campaign(ui_env, session, stop_after=1)
    second = await send_campaign(ui_env, session, stop_after=1)
    assert first.queued and second.queued and len(ui_env.sim.tasks) == 2
    app = ui_env.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#dash-table", DataTable)
        assert dash_cells(app, first.campaign)[6] == "⏸ 2 queued"
        # Cancel the newest campaign's queued parts: asked first, n keeps them.
        table.move_cursor(row=table.get_row_index(second.campaign))
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, AskScreen)
        assert "2 parts, 3 recipients, were never sent" in flat(screen_text(app))
        await pilot.press("n")
        await settle(pilot)
        assert dash_cells(app, second.campaign)[6] == "⏸ 2 queued"
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert dash_cells(app, second.campaign)[6] == "incomplete"  # accepted and cancelled parts
        assert len(ui_env.sim.tasks) == 2
        states = [p.state for p in session.service.store.campaigns.campaign_parts(second.campaign)]
        assert states == [State.ACCEPTED, State.CANCELLED, State.CANCELLED]

        # Resume the other one from its dashboard row (also in the palette).
        table.move_cursor(row=table.get_row_index(first.campaign))
        await pilot.press("s")
        await settle(pilot)
        assert "2 queued parts, 3 recipients" in flat(screen_text(app))
        await pilot.press("enter")
        await settle(pilot, rounds=6)
        if not isinstance(app.screen, DashboardScreen):
            await pilot.press("escape")
            await settle(pilot)
        assert len(ui_env.sim.tasks) == 4  # parts 2 and 3; part 1 not again
        got = sorted(n for t in ui_env.sim.tasks[2:] for n, _ in ui_env.sim.recipients_of(t.taskid))
        assert got == NUMBERS[2:]
        assert dash_cells(app, first.campaign)[6] in ("accepted", "delivering", "done")


async def test_palette_offers_campaign_actions(ui_env):
    session = ui_env.demo_session()
    await send_campaign(ui_env, session, stop_after=1)
    app = ui_env.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"cancel queued")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AskScreen)


# ------------------------------------------------------ large task detail

N_ROWS = 20_000
STATUSES = [2, 2, 2, 3, 1, 2, 4, 5, 2, 3]


def big_rows() -> list[DetailRow]:
    # Distinct numbers (37 is prime to 10**7), statuses in a fixed pattern.
    return [DetailRow(f"99450{(i * 37) % 10**7:07d}", "Hello", STATUSES[i % 10], "2026-09-21 18:20:00")
            for i in range(N_ROWS)]


def fill_detail(store: Store, profile: str, taskid: str, rows: list[DetailRow]) -> None:
    gen = store.reports.new_detail_generation()
    for i in range(0, len(rows), 5000):
        store.reports.add_detail_rows(gen, i, rows[i:i + 5000])
    store.reports.commit_detail(profile, taskid, gen, len(rows))


def table_numbers(screen) -> list[str]:
    table = screen.query_one("#detail-table", DataTable)
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count)]


def contains(rows, search: str) -> list[str]:
    variants = search_variants(search)
    return [r.msisdn for r in rows if any(v in r.msisdn for v in variants)]


async def test_task_detail_pages_filters_and_searches_a_large_report(ui_env, monkeypatch):
    session = ui_env.demo_session()
    sub = await ui_env.submit(session, n=3)
    rows = big_rows()
    fill_detail(session.store, session.profile.name, sub.taskid, rows)
    by = {s: sum(1 for r in rows if r.status_code == s) for s in range(1, 6)}

    async def report(taskid):  # ATL agrees with the stored report (final, same total): nothing is downloaded
        return Report(taskid, True, delivered=by[1] + by[2], failed=by[3], removed=by[4], error=by[5])

    monkeypatch.setattr(session.service, "report", report)
    app = ui_env.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TaskDetailScreen)
        n = screen.page_size
        assert f"rows 1-{n} of 20,000" in screen_text(app)
        all_numbers = [r.msisdn for r in rows]
        assert table_numbers(screen) == all_numbers[:n]

        await pilot.press("pagedown", "pagedown")
        await settle(pilot)
        assert table_numbers(screen) == all_numbers[2 * n:3 * n]
        await pilot.press("pageup")
        await settle(pilot)
        assert table_numbers(screen) == all_numbers[n:2 * n]
        await pilot.press("end")
        await settle(pilot)
        last = ((N_ROWS - 1) // n) * n
        assert table_numbers(screen) == all_numbers[last:]
        assert str(screen.query_one("#detail-table", DataTable).get_row_at(0)[0]) == str(last + 1)
        await pilot.press("pageup")
        await settle(pilot)
        assert table_numbers(screen) == all_numbers[last - n:last]

        await pilot.press("3")  # failed
        await settle(pilot)
        failed = [r.msisdn for r in rows if r.status_code == 3]
        assert screen.row_total == len(failed) == by[3]
        assert f"of {by[3]:,}" in screen_text(app)
        assert table_numbers(screen) == failed[:n]
        await pilot.press("pagedown")
        await settle(pilot)
        assert table_numbers(screen) == failed[n:2 * n]
        await pilot.press("end")
        await settle(pilot)
        flast = ((len(failed) - 1) // n) * n
        assert table_numbers(screen) == failed[flast:]
        await pilot.press("pageup")
        await settle(pilot)
        assert table_numbers(screen) == failed[flast - n:flast]
        await pilot.press("home")
        await settle(pilot)
        assert table_numbers(screen) == failed[:n]

        search = screen.query_one("#detail-search", Input)

        async def find(text: str) -> None:
            search.focus()
            search.value = text
            await settle(pilot)

        await pilot.press("0")
        target = rows[12345].msisdn
        await find(target[-7:])  # the last 7 digits: index seeks
        assert table_numbers(screen) == [target]
        await find("0" + target[3:])  # the local form 0XXXXXXXXX: one seek
        assert table_numbers(screen) == [target]
        await find("+994 " + target[3:5] + " " + target[5:])
        assert table_numbers(screen) == [target]
        for fragment in ("4321", "55", "99450000"):  # short (scan) and prefix forms
            await find(fragment)
            expected = contains(rows, fragment)
            assert screen.row_total == len(expected), fragment
            assert table_numbers(screen) == expected[:n], fragment
        await find("432")
        await pilot.press("escape")  # search -> table
        await pilot.press("pagedown")
        await settle(pilot)
        assert table_numbers(screen) == contains(rows, "432")[n:2 * n]
        assert isinstance(app.screen, TaskDetailScreen)
        await pilot.press("2")  # delivered, within the search
        await settle(pilot)
        expected = [r.msisdn for r in rows if r.status_code == 2 and "432" in r.msisdn]
        assert screen.row_total == len(expected) and table_numbers(screen) == expected[:n]
        await find("")
        assert screen.row_total == by[2]


def test_search_matches_substring_semantics(tmp_path):
    """The index-friendly plan (store.search_prefixes) finds exactly the rows
    a substring scan would, for fragments of every length."""
    rnd = random.Random(3)
    rows = [DetailRow(f"994{rnd.choice(['50', '55', '70', '99'])}{rnd.randrange(10**7):07d}", "m",
                      rnd.choice([1, 2, 3]), None) for _ in range(3000)]
    store = Store(tmp_path / "s.sqlite")
    try:
        fill_detail(store, "p", "1", rows)
        for _ in range(150):
            src = rnd.choice(rows).msisdn
            k = rnd.randint(1, 12)
            start = rnd.randint(0, 12 - k)
            fragment = src[start:start + k]
            status = rnd.choice([None, DeliveryStatus.DELIVERED])
            got = store.reports.detail_search("p", "1", fragment, status=status)
            variants = search_variants(fragment)
            want = [i for i, r in enumerate(rows)
                    if any(v in r.msisdn for v in variants) and (status is None or r.status_code == int(status))]
            assert got.seqs == want, (fragment, status)
        local = "0" + rows[7].msisdn[3:]
        assert store.reports.detail_search("p", "1", local).seqs == [i for i, r in enumerate(rows)
                                                            if r.msisdn == rows[7].msisdn]
        page = store.reports.detail_page("p", "1", status=DeliveryStatus.FAILED, offset=10, limit=5)
        failed = [r for r in rows if r.status_code == 3]
        assert page.total == len(failed) and page.rows == failed[10:15]
        assert store.reports.detail_counts("p", "1") == {s: sum(1 for r in rows if r.status_code == s) for s in (1, 2, 3)}
    finally:
        store.close()


# ---------------------------------------------------------------- snapshot


def test_snapshot_dashboard_with_campaign(ui_env_sync, snap_compare):
    env = ui_env_sync
    env.campaign_id = "C1790000000009999"
    session = env.demo_session()

    async def run_before(pilot):
        app = pilot.app
        await env.submit(session, n=40, title="INFO")
        await send_campaign(env, session, uncertain_part=2, stop_after=None)
        env.advance(30)
        app.screen.action_refresh()
        await settle(pilot)
        app.screen.query_one("#dash-table", DataTable).move_cursor(row=0)
        app.clear_notifications()
        await settle(pilot)

    assert snap_compare(env.app(session), terminal_size=SIZE, run_before=run_before)
