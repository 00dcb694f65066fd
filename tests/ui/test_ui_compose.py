"""Compose, confirm and result screens, driven with Pilot against the
embedded simulator over loopback (ui_helpers.ui_env: FakeClock, tmp dirs,
frozen core clock, predictable control ids)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from textual.widgets import DataTable, Input, TextArea

from atlsms_tui.core import baku
from atlsms_tui.core.models import State
from atlsms_tui.core.service import SubmitResult
from atlsms_tui.simulator import DEMO_LOGIN, Fault
from atlsms_tui.ui.modals.confirm_send import ConfirmSendScreen
from atlsms_tui.ui.modals.submit_result import SubmitResultScreen
from atlsms_tui.ui.modals.transliteration import TransliterateScreen
from atlsms_tui.ui.screens.compose import ComposeScreen

from ui_helpers import screen_text, settle

MESSAGE = "Salam, hörmətli müştəri! Endirim başladı."
NUMBERS = "050 123 45 67\n+994 55 123 45 67, 12345\n0501234567\n0701234567 abc"


async def open_compose(pilot) -> ComposeScreen:
    app = pilot.app
    await settle(pilot)
    app.action_compose()
    await settle(pilot)
    assert isinstance(app.screen, ComposeScreen)
    return app.screen


def fill_bulk(screen: ComposeScreen, message: str = MESSAGE, numbers: str = NUMBERS) -> None:
    screen.query_one("#message", TextArea).insert(message)
    screen.query_one("#numbers", TextArea).insert(numbers)


async def confirm_send(pilot) -> SubmitResultScreen:
    app = pilot.app
    await pilot.press("f5")
    await settle(pilot)
    assert isinstance(app.screen, ConfirmSendScreen), screen_text(app)
    await pilot.press("y")
    await settle(pilot, rounds=6)
    assert isinstance(app.screen, SubmitResultScreen), screen_text(app)
    return app.screen


def widget_text(screen, selector: str) -> str:
    return " ".join(str(screen.query_one(selector).render()).split())


def result_text(app) -> str:
    return " ".join(screen_text(app).split())


# ----------------------------------------------------------------- bulk


async def test_bulk_send_end_to_end(ui_env):
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        fill_bulk(screen)
        await settle(pilot)
        text = screen_text(app)
        assert "UCS-2" in text
        assert "ə ×2 (1:12), ş ×2 (1:19), ı (1:40)" in widget_text(screen, "#counter")  # the characters forcing UCS-2, with line:column
        assert "3 numbers to send" in text
        assert "1 duplicate" in text
        assert "2 invalid" in text and "12345" in text and "too few digits" in text
        assert "50,000 → 49,997" in text  # estimate against the balance

        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmSendScreen)
        confirm = result_text(app)
        for part in ("DEMO", "Recipients 3", "UCS-2, 1 segment", "Units 3 estimated", "Schedule now",
                     "2 invalid entries will NOT be sent"):
            assert part in confirm, part
        await pilot.press("y")
        await settle(pilot, rounds=6)
        assert isinstance(app.screen, SubmitResultScreen)
        shown = result_text(app)
        assert "Accepted by ATL" in shown

        tasks = ui_env.sim.tasks
        assert len(tasks) == 1
        task = tasks[0]
        assert f"Task id {task.taskid}" in shown
        assert task.title == "ATL" and task.isbulk and task.scheduled == "NOW"
        assert ui_env.sim.recipients_of(task.taskid) == [
            ("994501234567", MESSAGE), ("994551234567", MESSAGE), ("994701234567", MESSAGE),
        ]
        # the form was cleared; closing the result closes the compose screen
        assert screen.query_one("#message", TextArea).text == ""
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, ComposeScreen)


async def test_scheduled_send_uses_baku_time_and_refuses_the_past(ui_env):
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        fill_bulk(screen, "Hello", "0501234567")
        schedule = screen.query_one("#schedule", Input)
        schedule.value = "2020-01-01 10:00"
        await settle(pilot)
        assert "in the past" in screen_text(app)
        await pilot.press("f5")
        await settle(pilot)
        assert app.screen is screen  # no confirm for a past schedule
        when = (baku.now_baku() + timedelta(days=30)).replace(second=0, microsecond=0)
        schedule.value = when.strftime("%Y-%m-%d %H:%M")
        await settle(pilot)
        result = await confirm_send(pilot)
        assert result.result.state is State.ACCEPTED
        task = ui_env.sim.tasks[0]
        assert task.scheduled == when.strftime("%Y-%m-%d %H:%M:00")


async def test_transliteration_is_offered_never_silent(ui_env):
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        fill_bulk(screen)
        await settle(pilot)
        area = screen.query_one("#message", TextArea)
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, TransliterateScreen)
        offer = result_text(app)
        assert "UCS-2, 1 segment" in offer and "GSM-7, 1 segment" in offer
        await pilot.press("n")
        await settle(pilot)
        assert area.text == MESSAGE  # declined: untouched
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert area.text == "Salam, hörmetli müsteri! Endirim basladi."
        assert "GSM-7" in screen_text(app)


async def test_send_is_guarded_against_double_submission(ui_env):
    app = ui_env.app(ui_env.demo_session())
    ui_env.sim.inject(Fault("delay", operation="submit", seconds=0.5))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        fill_bulk(screen, "Hello", "0501234567")
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("y")
        await pilot.pause(0.1)
        assert screen.submitting
        assert screen.check_action("send", ()) is None  # greyed out while sending
        screen.action_send()  # even called directly: refused
        await pilot.press("f5", "y")
        await settle(pilot, rounds=6)
        assert isinstance(app.screen, SubmitResultScreen)
        assert len(ui_env.sim.tasks) == 1


# ------------------------------------------------------- rejected / uncertain


async def test_rejected_235_shows_the_api_wording_and_keeps_the_form(ui_env):
    app = ui_env.app(ui_env.demo_session())
    ui_env.sim.inject(Fault("code", operation="submit", code="235"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        fill_bulk(screen, "Hello", "0501234567")
        result = await confirm_send(pilot)
        assert result.result.state is State.REJECTED
        shown = result_text(app)
        assert "Rejected by ATL" in shown
        assert "Error 235: Invalid TITLE please contact Account Manager" in shown
        assert "contact your ATL account manager" in shown
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen  # the operator can fix it and send again
        assert screen.query_one("#message", TextArea).text == "Hello"
        assert app.session.service.tasks()[0].state is State.REJECTED


async def test_rejected_118_not_enough_units(ui_env):
    ui_env.sim.set_units(DEMO_LOGIN, 1)
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        fill_bulk(screen, "Hello", "0501234567 0551234567")
        await settle(pilot)
        assert "NOT ENOUGH UNITS" in screen_text(app)
        result = await confirm_send(pilot)
        assert "Error 118: Not enough units" in result_text(app)
        assert "Top up the account" in result_text(app)
        assert result.result.code == "118"
        assert ui_env.sim.tasks == []


async def test_uncertain_send_says_settle_with_retry_not_resend(ui_env):
    app = ui_env.app(ui_env.demo_session())
    ui_env.sim.inject(Fault("drop", operation="submit", times=2))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        fill_bulk(screen, "Hello", "0501234567")
        result = await confirm_send(pilot)
        assert result.result.state is State.UNCERTAIN
        shown = result_text(app)
        assert "Outcome unknown" in shown
        assert "Do NOT send it again" in shown
        assert "retry from the dashboard" in shown
        assert "Accepted" not in shown and "Rejected" not in shown
        # the form is cleared: this campaign cannot be sent twice from it
        assert screen.query_one("#numbers", TextArea).text == ""
        sub = app.session.service.tasks()[0]
        assert sub.state is State.UNCERTAIN


async def test_unreadable_answer_is_uncertain_not_a_crash(ui_env):
    app = ui_env.app(ui_env.demo_session())
    ui_env.sim.inject(Fault("html", operation="submit", times=2))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        fill_bulk(screen, "Hello", "0501234567")
        result = await confirm_send(pilot)
        assert result.result.state is State.UNCERTAIN
        assert "Outcome unknown" in result_text(app)


async def test_exception_in_submit_becomes_a_message(ui_env, monkeypatch):
    from atlsms_tui.core.errors import TransportError

    session = ui_env.demo_session()

    async def boom(draft, progress=None, key=None, **kw):
        progress("sending")
        raise TransportError("cannot reach http://atl.invalid: connection refused", nothing_sent=True)

    monkeypatch.setattr(session.service.sender, "send_new", boom)
    app = ui_env.app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        fill_bulk(screen, "Hello", "0501234567")
        result = await confirm_send(pilot)
        assert result.result is None
        shown = result_text(app)
        assert "Not sent" in shown and "connection refused" in shown
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen and not screen.submitting
        assert screen.query_one("#message", TextArea).text == "Hello"  # kept for another try


async def test_validation_errors_stay_inline(ui_env):
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        screen.query_one("#numbers", TextArea).insert("0501234567")
        await pilot.press("f5")
        await settle(pilot)
        assert app.screen is screen
        assert "message is empty" in screen_text(app)


# ------------------------------------------------------------- individual

CSV = (
    "msisdn,message\n"
    "0501234567,Hello Ali\n"
    "0551234567,\"Salam, Aygün\"\n"
    "12345,bad number\n"
    "0701234567,Third one\n"
)


async def load_csv(pilot, screen: ComposeScreen, path) -> DataTable:
    await pilot.press("f3")
    await settle(pilot)
    assert screen.mode == "individual"
    field = screen.query_one("#csv-file", Input)
    field.value = str(path)
    field.focus()
    await pilot.press("enter")
    await settle(pilot)
    return screen.query_one("#preview", DataTable)


async def test_individual_send_with_a_bad_row_dropped(ui_env, tmp_path):
    path = tmp_path / "campaign.csv"
    path.write_text(CSV, encoding="utf-8")
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        table = await load_csv(pilot, screen, path)
        assert table.row_count == 4
        text = screen_text(app)
        assert "3 rows to send" in text and "1 invalid" in text
        # invalid rows come first, with their file line and reason
        assert table.get_row_at(0)[0] == "4"
        assert "too few digits" in str(table.get_row_at(0)[3])
        table.focus()
        table.move_cursor(row=0)
        await pilot.press("delete")
        await settle(pilot)
        assert table.row_count == 3
        assert "1 invalid" not in screen_text(app)
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmSendScreen)
        assert "individual messages" in result_text(app)
        await pilot.press("y")
        await settle(pilot, rounds=6)
        assert app.screen.result.state is State.ACCEPTED
        task = ui_env.sim.tasks[0]
        assert not task.isbulk
        assert ui_env.sim.recipients_of(task.taskid) == [
            ("994501234567", "Hello Ali"), ("994551234567", "Salam, Aygün"), ("994701234567", "Third one"),
        ]


async def test_individual_row_can_be_fixed(ui_env, tmp_path):
    path = tmp_path / "campaign.csv"
    path.write_text(CSV, encoding="utf-8")
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        table = await load_csv(pilot, screen, path)
        table.focus()
        table.move_cursor(row=0)  # the bad row (line 4)
        await settle(pilot)
        number = screen.query_one("#edit-number", Input)
        assert number.value == "12345"
        number.value = "0771234567"
        number.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert all(r.valid for r in screen.individual.rows)
        result = await confirm_send(pilot)
        assert result.result.state is State.ACCEPTED
        got = dict(ui_env.sim.recipients_of(ui_env.sim.tasks[0].taskid))
        assert got["994771234567"] == "bad number"
        assert len(got) == 4


async def test_individual_csv_errors_are_shown(ui_env, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("phone;text\n0501234567;hi\n", encoding="utf-8")
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        await load_csv(pilot, screen, path)
        assert "missing columns 'msisdn' and 'message'" in result_text(app)
        await load_csv_again(pilot, screen, tmp_path / "nope.csv")
        assert "file not found" in result_text(app)


async def load_csv_again(pilot, screen, path) -> None:
    field = screen.query_one("#csv-file", Input)
    field.value = str(path)
    field.focus()
    await pilot.press("enter")
    await settle(pilot)


async def test_numbers_file_is_loaded_in_a_worker(ui_env, tmp_path):
    path = tmp_path / "numbers.txt"
    path.write_text("msisdn\n0501234567\n0551234567\nnope\n", encoding="utf-8")
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        screen.query_one("#numbers", TextArea).insert("0551234567 0701234567")
        field = screen.query_one("#numbers-file", Input)
        field.value = str(path)
        field.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert screen.bulk.numbers() == ["994501234567", "994551234567", "994701234567"]
        text = screen_text(app)
        assert "3 numbers to send" in text
        assert "file 4:1 nope: contains letters" in widget_text(screen, "#rcp-summary")


async def test_big_paste_is_parsed_in_a_worker(ui_env, monkeypatch):
    from atlsms_tui.ui.screens.compose import bulk as bulk_module

    # the parse is held until the test has seen the form waiting for it, so a
    # slow machine cannot finish it before the first look
    release = asyncio.Event()
    parse = bulk_module.parse_typed

    async def held_parse(text):
        await release.wait()
        return await parse(text)

    monkeypatch.setattr(bulk_module, "parse_typed", held_parse)
    app = ui_env.app(ui_env.demo_session())
    numbers = "\n".join(f"99450{1000000 + i:07d}" for i in range(3000))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        screen.query_one("#numbers", TextArea).insert(numbers)
        await pilot.pause()
        assert screen.bulk.parsing
        await pilot.press("x")  # the form still takes keys while the numbers wait
        assert screen.bulk.parsing
        release.set()
        await settle(pilot)
        assert not screen.bulk.parsing
        assert len(screen.bulk.numbers()) == 3000


# ------------------------------------------------------------- snapshots

SNAP_NUMBERS = "050 123 45 67\n0551234567, 12345\n0501234567\n+1 202 555 0100"


def _app_for_snapshot(env):
    return env.app(env.demo_session())


async def _compose_bulk(pilot):
    screen = await open_compose(pilot)
    fill_bulk(screen, MESSAGE, SNAP_NUMBERS)
    await settle(pilot)


def test_snapshot_compose_bulk(ui_env_sync, snap_compare):
    assert snap_compare(_app_for_snapshot(ui_env_sync), terminal_size=(80, 24), run_before=_compose_bulk)


def test_snapshot_compose_individual(ui_env_sync, snap_compare, tmp_path):
    path = tmp_path / "campaign.csv"
    path.write_text(CSV, encoding="utf-8")

    async def run_before(pilot):
        screen = await open_compose(pilot)
        await load_csv(pilot, screen, path)
        field = screen.query_one("#csv-file", Input)
        field.value = "campaign.csv"  # no tmp path on screen
        field.cursor_blink = False  # focus stays here after the load; a blink is timing, not layout
        await settle(pilot)

    assert snap_compare(_app_for_snapshot(ui_env_sync), terminal_size=(80, 24), run_before=run_before)


def test_snapshot_confirm(ui_env_sync, snap_compare):
    async def run_before(pilot):
        await _compose_bulk(pilot)
        await pilot.press("f5")
        await settle(pilot)

    assert snap_compare(_app_for_snapshot(ui_env_sync), terminal_size=(80, 24), run_before=run_before)


def test_snapshot_result_uncertain(ui_env_sync, snap_compare):
    result = SubmitResult(
        State.UNCERTAIN, "1790000000000001", 2, 1, 2,
        detail="the connection closed before ATL answered",
    )

    async def run_before(pilot):
        await settle(pilot)
        pilot.app.push_screen(SubmitResultScreen(result))
        await settle(pilot)

    assert snap_compare(_app_for_snapshot(ui_env_sync), terminal_size=(80, 24), run_before=run_before)


# ------------------------------------------------- truthful outcomes


async def test_journal_failure_after_the_request_is_outcome_unknown_and_draft_locked(ui_env, monkeypatch):
    """ATL accepted the task but the journal could not record it: the result
    says "Outcome unknown" (never "not sent"), the form cannot send it again,
    and the dashboard marks the submission for settling."""
    import sqlite3

    session = ui_env.demo_session()
    store = session.store
    original = store.journal.finish_submission

    def locked(*a, **kw):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(store.journal, "finish_submission", locked)
    app = ui_env.app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        fill_bulk(screen, "Hello", "0501234567")
        result = await confirm_send(pilot)
        shown = result_text(app)
        assert "Outcome unknown" in shown and "Not sent" not in shown
        assert "database is locked" in shown and f"task {ui_env.sim.tasks[0].taskid}" in shown
        assert result.result.state is State.UNCERTAIN
        monkeypatch.setattr(store.journal, "finish_submission", original)
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, ComposeScreen)  # the draft is gone: no second F5
        await pilot.press("f5")  # whatever screen is up, nothing is sent again
        await settle(pilot)
        assert len(ui_env.sim.tasks) == 1
        [row] = session.service.tasks()
        assert row.state is State.UNCERTAIN  # marked on the dashboard, settled with s


async def test_unexpected_error_escaping_a_send_is_outcome_unknown(ui_env, monkeypatch):
    session = ui_env.demo_session()

    async def boom(draft, progress=None, key=None, **kw):
        progress("sending")
        raise RuntimeError("disk full while reading the answer")

    monkeypatch.setattr(session.service.sender, "send_new", boom)
    app = ui_env.app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        fill_bulk(screen, "Hello", "0501234567")
        await confirm_send(pilot)
        shown = result_text(app)
        assert "Outcome unknown" in shown and "disk full" in shown and "Nothing was sent" not in shown
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, ComposeScreen)


async def test_repeat_guard_needs_an_explicit_key(ui_env):
    session = ui_env.demo_session()
    app = ui_env.app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        fill_bulk(screen, "Hello", "0501234567 0551234567")
        await confirm_send(pilot)
        taskid = ui_env.sim.tasks[0].taskid
        await pilot.press("enter")
        await settle(pilot)
        screen = await open_compose(pilot)
        fill_bulk(screen, "Hello", "0501234567 0551234567")
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmSendScreen)
        shown = result_text(app)
        assert "Sent before" in shown and f"task {taskid}" in shown
        await pilot.press("y")  # not enough
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmSendScreen) and len(ui_env.sim.tasks) == 1
        await pilot.press("a")
        await settle(pilot, rounds=6)
        assert isinstance(app.screen, SubmitResultScreen)
        assert len(ui_env.sim.tasks) == 2
