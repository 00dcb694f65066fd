"""Campaign tooling in the compose screen, driven with Pilot
against the embedded simulator: file imports with their report, mail merge,
groups and templates from compose, opt-outs, and campaigns split into
several tasks with progress, stop and resume."""

from __future__ import annotations

import openpyxl
from textual.widgets import DataTable, Input, TextArea

from atlsms_tui.core.imports import read_recipients
from atlsms_tui.core.models import State
from atlsms_tui.simulator import Fault
from atlsms_tui.ui.screens.compose import ComposeScreen
from atlsms_tui.ui.screens.confirm import (
    AskScreen,
    CampaignProgressScreen,
    CampaignResultScreen,
    ConfirmSendScreen,
    CostChoiceScreen,
    ImportReportScreen,
    SubmitResultScreen,
)
from atlsms_tui.ui.screens.lists import FormScreen, PickScreen

from ui_helpers import screen_text, settle, wait_until

DAMAGED_CSV = (
    "msisdn,name,amount\n"
    "0501234567,Ali,10\n"
    "994551234567.0,Aygün,\n"
    "9.94501E+11,Vüqar,5\n"
    "0701234567,Leyla,7\n"
    "0501234567,Dup,1\n"
    "abc,Bad,2\n"
)


def flat(text: str) -> str:
    return " ".join(text.split())


def dialog_text(app) -> str:
    """The text of every Static of the modal in front (wrapping aside)."""
    from textual.widgets import Static

    return flat(" ".join(str(w.render()) for w in app.screen.query(Static)))


def widget_text(screen, selector: str) -> str:
    return flat(str(screen.query_one(selector).render()))


async def open_compose(pilot) -> ComposeScreen:
    await settle(pilot)
    pilot.app.action_compose()
    await settle(pilot)
    assert isinstance(pilot.app.screen, ComposeScreen)
    return pilot.app.screen


async def set_input(pilot, screen, selector: str, value: str, enter: bool = True) -> None:
    field = screen.query_one(selector, Input)
    field.value = value
    field.focus()
    if enter:
        await pilot.press("enter")
    await settle(pilot)


async def send_and_confirm(pilot) -> str:
    """F5, check the confirm modal, y; returns the confirm text."""
    app = pilot.app
    await pilot.press("f5")
    await settle(pilot)
    assert isinstance(app.screen, ConfirmSendScreen), screen_text(app)
    confirm = dialog_text(app)
    await pilot.press("y")
    await settle(pilot, rounds=8)
    return confirm


def damaged_xlsx(path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Customers"
    wb.create_sheet("Other").append(["nothing"])
    ws.append(["Name", "Phone", "Amount"])
    ws.append(["Ali", "0501234567", 10])
    ws.append(["Aygün", 994551234567, 5])
    ws.append(["Vüqar", "9.94501E+11", 3])  # digits lost: reported, never guessed
    ws.append(["Leyla", "994701234567.0", 7])  # recovered exactly
    ws.append(["Zaur", 994500000000.0, 1])  # trailing zeros: digits lost earlier
    ws.append(["Nigar", "(070) 123-45-67", 2])  # duplicate of Leyla
    ws.append(["Murad", "", 4])
    wb.save(path)


# ------------------------------------------------------------ imports


async def test_bulk_import_report_for_a_damaged_csv(ui_env, tmp_path):
    path = tmp_path / "damaged.csv"
    path.write_text(DAMAGED_CSV, encoding="utf-8")
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        await set_input(pilot, screen, "#numbers-file", str(path))
        panel = widget_text(screen, "#rcp-summary")
        assert "3 numbers to send" in panel
        assert "6 rows read, 3 valid, 3 normalised, 1 duplicate removed, 2 invalid" in panel
        assert "Azercell 1, Bakcell 1, Nar 1, Naxtel 0, other 0" in panel
        assert "file row 4 9.94501E+11: number in scientific notation lost its last 6 digits" in panel
        assert "file row 7 abc: contains letters" in panel
        assert "1 number recovered from Excel damage: row 3 994551234567.0 → 994551234567" in panel
        assert screen.bulk.numbers() == ["994501234567", "994551234567", "994701234567"]
        # the whole report, every row with its reason
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, ImportReportScreen)
        report = flat(str(app.screen.query_one("#report-text").render()))
        assert "row 6, column 'msisdn': '0501234567': duplicate of row 2" in report
        assert "recovered exactly: 994551234567" in report
        await pilot.press("escape")
        await settle(pilot)
        screen.query_one("#message", TextArea).insert("Hello")
        confirm = await send_and_confirm(pilot)
        assert "Recipients 3" in confirm and "2 invalid entries will NOT be sent" in confirm
        assert isinstance(app.screen, SubmitResultScreen)
        task = ui_env.sim.tasks[0]
        assert [n for n, _ in ui_env.sim.recipients_of(task.taskid)] == [
            "994501234567", "994551234567", "994701234567"]


async def test_bulk_import_of_a_damaged_xlsx_with_sheet_and_column(ui_env, tmp_path):
    path = tmp_path / "customers.xlsx"
    damaged_xlsx(path)
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        await set_input(pilot, screen, "#numbers-column", "B", enter=False)
        await set_input(pilot, screen, "#numbers-sheet", "customers", enter=False)
        await set_input(pilot, screen, "#numbers-file", str(path))
        panel = widget_text(screen, "#rcp-summary")
        assert "7 rows read, 3 valid, 2 normalised, 1 duplicate removed, 3 invalid" in panel
        assert "Azercell 1, Bakcell 1, Nar 1, Naxtel 0, other 0" in panel
        assert "file row 8" in panel and "missing number" in panel
        assert "ends in 8 zeros" in panel
        assert screen.bulk.source.sheet == "Customers" and screen.bulk.source.number_column == "Phone"
        # a sheet that does not exist: the reader's own words, inline
        await set_input(pilot, screen, "#numbers-sheet", "Nope", enter=False)
        await set_input(pilot, screen, "#numbers-file", str(path))
        assert "no sheet 'Nope'; the sheets are 'Customers', 'Other'" in flat(screen_text(app))


# ------------------------------------------------------------ mail merge


async def test_enter_in_the_template_reads_the_file_typed_above(ui_env, tmp_path):
    """A path typed in File, then Tab to the Template and Enter there: the
    file is read (not a hint to go back), once; Enter again does not read
    it a second time."""
    path = tmp_path / "people.csv"
    path.write_text("msisdn,name\n0501234567,Ali\n0551234567,Vüsal\n", encoding="utf-8")
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await set_input(pilot, screen, "#csv-file", str(path), enter=False)
        await set_input(pilot, screen, "#template", "Salam {name}", enter=True)
        summary = widget_text(screen, "#ind-summary")
        assert "2 messages to send" in summary, summary
        source = screen.query_one("#individual").source
        await pilot.press("enter")
        await settle(pilot)
        assert screen.query_one("#individual").source is source


async def test_mail_merge_preview_and_send(ui_env, tmp_path):
    path = tmp_path / "customers.xlsx"
    damaged_xlsx(path)
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await set_input(pilot, screen, "#csv-file", str(path))
        summary = widget_text(screen, "#ind-summary")
        assert "placeholders: {Name} {Phone} {Amount}" in summary
        assert "write a Template" in flat(screen_text(app))
        await set_input(pilot, screen, "#template", "Hörmətli {name}, borcunuz {amount} AZN.", enter=False)
        summary = widget_text(screen, "#ind-summary")
        assert "3 messages to send" in summary and "3 units" in summary and "UCS-2" in summary
        assert "4 left out" in summary  # the invalid numbers and the repeated one, listed first
        table = screen.query_one("#preview", DataTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        assert [r[0] for r in rows] == ["4", "6", "8", "7", "2", "3", "5"]
        assert "duplicate" in str(rows[3][3])  # Nigar's message is dropped, and says so
        assert rows[4][2] == "1" and str(rows[4][4]) == "Hörmətli Ali, borcunuz 10 AZN."

        # transliteration: offered with the cost both ways, applied on yes only
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, CostChoiceScreen)
        offer = dialog_text(app)
        assert "UCS-2, up to 1 segment, 3 units" in offer and "GSM-7, up to 1 segment, 3 units" in offer
        await pilot.press("y")
        await settle(pilot)
        assert "transliterated" in widget_text(screen, "#ind-summary")

        confirm = await send_and_confirm(pilot)
        assert "Recipients 3 (individual messages)" in confirm
        assert "3 invalid numbers will NOT be sent" in confirm
        assert "1 repeated number (row 7)" in confirm and "messages are NOT sent" in confirm
        assert "TRANSLITERATED" in confirm
        assert app.screen.result.state is State.ACCEPTED
        task = ui_env.sim.tasks[0]
        assert not task.isbulk
        assert ui_env.sim.recipients_of(task.taskid) == [
            ("994501234567", "Hörmetli Ali, borcunuz 10 AZN."),
            ("994551234567", "Hörmetli Aygün, borcunuz 5 AZN."),
            ("994701234567", "Hörmetli Leyla, borcunuz 7 AZN."),
        ]


async def test_mail_merge_rows_missing_a_value_are_listed_not_sent(ui_env, tmp_path):
    path = tmp_path / "damaged.csv"
    path.write_text(DAMAGED_CSV, encoding="utf-8")
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await set_input(pilot, screen, "#template", "Salam {name}: {amount} AZN", enter=False)
        await set_input(pilot, screen, "#csv-file", str(path))
        table = screen.query_one("#preview", DataTable)
        statuses = [flat(str(table.get_row_at(i)[3])) for i in range(table.row_count)]
        assert any("no value for {amount}: not sent" in s for s in statuses), statuses
        # a placeholder naming no column: said before anything else
        await set_input(pilot, screen, "#template", "Salam {nme}", enter=False)
        assert "{nme} name no column" in flat(screen_text(app))
        await set_input(pilot, screen, "#template", "Salam {name}: {amount} AZN", enter=False)
        confirm = await send_and_confirm(pilot)
        assert "1 row left out of the mail merge" in confirm
        task = ui_env.sim.tasks[0]
        assert ui_env.sim.recipients_of(task.taskid) == [
            ("994501234567", "Salam Ali: 10 AZN"), ("994701234567", "Salam Leyla: 7 AZN")]


# ------------------------------------------------------------ groups, templates


async def test_group_create_and_use_from_compose(ui_env, tmp_path):
    path = tmp_path / "damaged.csv"
    path.write_text(DAMAGED_CSV, encoding="utf-8")
    session = ui_env.demo_session()
    app = ui_env.app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        await set_input(pilot, screen, "#numbers-file", str(path))
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, PickScreen)
        assert "No saved group yet" in flat(screen_text(app))
        await pilot.press("enter")  # "+ Save the current recipients as a group…"
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        assert "columns kept: msisdn, name, amount" in flat(screen_text(app))
        await pilot.press(*"debtors", "enter")
        await settle(pilot)
        group = session.store.lists.get_group("debtors")
        assert [r.msisdn for r in group.records] == ["994501234567", "994551234567", "994701234567"]
        assert group.records[0].fields["name"] == "Ali"
        await pilot.press("escape")  # leave the form (asks: discard the draft)
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)

        # a new campaign: the group as recipients of a mail merge
        screen = await open_compose(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        assert "debtors (3 numbers, columns msisdn, name, amount)" in flat(screen_text(app))
        await pilot.press("down", "enter")
        await settle(pilot)
        assert screen.individual.source_name == "group debtors"
        await set_input(pilot, screen, "#template", "Salam {name}", enter=False)
        await send_and_confirm(pilot)
        task = ui_env.sim.tasks[0]
        assert ui_env.sim.recipients_of(task.taskid) == [
            ("994501234567", "Salam Ali"), ("994551234567", "Salam Aygün"), ("994701234567", "Salam Leyla")]


async def test_template_save_and_insert(ui_env):
    session = ui_env.demo_session()
    app = ui_env.app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        screen.query_one("#message", TextArea).insert("Endirim: 20% bu gün!")
        await pilot.press("f7")
        await settle(pilot)
        assert isinstance(app.screen, PickScreen)
        await pilot.press("enter")  # "+ Save the current message as a template…"
        await settle(pilot)
        await pilot.press(*"promo", "enter")
        await settle(pilot)
        assert session.store.lists.get_template("promo").body == "Endirim: 20% bu gün!"
        screen.query_one("#message", TextArea).clear()
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        assert "promo: Endirim: 20% bu gün!" in flat(screen_text(app))
        await pilot.press("down", "enter")
        await settle(pilot)
        assert screen.query_one("#message", TextArea).text == "Endirim: 20% bu gün!"
        # individual mode: the template goes into the template field
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert screen.query_one("#template", Input).value == "Endirim: 20% bu gün!"


# ------------------------------------------------------------ opt-outs


async def test_opt_out_is_removed_from_a_send_and_said_why(ui_env):
    session = ui_env.demo_session()
    session.store.lists.add_optouts(["0551234567"], reason="complained")
    app = ui_env.app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        screen.query_one("#message", TextArea).insert("Hello")
        screen.query_one("#numbers", TextArea).insert("0501234567 0551234567 0701234567")
        await pilot.pause(0.6)  # the opt-out preview waits for typing to pause
        await settle(pilot)
        assert "1 on the opt-out list (not sent)" in widget_text(screen, "#rcp-summary")
        confirm = await send_and_confirm(pilot)
        assert "Recipients 2" in confirm
        assert "Opt-outs 1 recipient removed: on the opt-out list (complained: 1)" in confirm
        assert "994551234567: on the opt-out list since" in confirm
        assert "1 recipient left out: on the opt-out list" in flat(screen_text(app))
        task = ui_env.sim.tasks[0]
        assert [n for n, _ in ui_env.sim.recipients_of(task.taskid)] == ["994501234567", "994701234567"]


async def test_every_recipient_opted_out_sends_nothing(ui_env):
    session = ui_env.demo_session()
    session.store.lists.add_optouts(["0501234567"])
    app = ui_env.app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        screen.query_one("#message", TextArea).insert("Hello")
        screen.query_one("#numbers", TextArea).insert("0501234567")
        await pilot.press("f5")
        await settle(pilot)
        assert app.screen is screen
        assert "every recipient (1) is on the opt-out list" in flat(screen_text(app))
        assert ui_env.sim.tasks == []


# ------------------------------------------------------------ several tasks

NUMBERS5 = "0501234567 0551234567 0701234567 0771234567 0991234567"


async def test_multi_part_send_with_progress_and_per_part_results(ui_env, monkeypatch):
    ui_env.campaign_id = "C1790000000009999"
    session = ui_env.demo_session()
    session.settings.preferences.max_recipients_per_task = 2
    app = ui_env.app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        screen.query_one("#message", TextArea).insert("Hello")
        screen.query_one("#numbers", TextArea).insert(NUMBERS5)
        await settle(pilot)
        assert "3 tasks of at most 2" in widget_text(screen, "#rcp-summary")  # no longer refused
        confirm = await send_and_confirm(pilot)
        assert "Tasks 3 tasks of at most 2 recipients" in confirm
        assert isinstance(app.screen, CampaignResultScreen), screen_text(app)
        shown = flat(screen_text(app))
        assert "Campaign accepted by ATL" in shown
        assert "3 tasks, 3 accepted (5 recipients)" in shown
        table = app.screen.query_one("#parts", DataTable)
        assert table.row_count == 3
        assert [str(table.get_row_at(i)[1]) for i in range(3)] == ["2", "2", "1"]
        got = [[n for n, _ in ui_env.sim.recipients_of(t.taskid)] for t in ui_env.sim.tasks]
        assert got == [["994501234567", "994551234567"], ["994701234567", "994771234567"], ["994991234567"]]
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, ComposeScreen)  # sent: the form is closed


async def test_multi_part_stop_between_parts_then_resume(ui_env):
    session = ui_env.demo_session()
    session.settings.preferences.max_recipients_per_task = 2
    # the first part is held long enough for the stop to come while it is in flight
    ui_env.sim.inject(Fault("delay", operation="submit", seconds=3, times=1))
    app = ui_env.app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        screen.query_one("#message", TextArea).insert("Hello")
        screen.query_one("#numbers", TextArea).insert(NUMBERS5)
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("y")
        await wait_until(pilot, lambda: "part 1 of 3" in flat(screen_text(app)))
        assert isinstance(app.screen, CampaignProgressScreen)
        await pilot.press("c")  # stop between parts: the part in flight finishes
        await settle(pilot, rounds=8)
        assert isinstance(app.screen, CampaignResultScreen), screen_text(app)
        shown = flat(screen_text(app))
        assert "Stopped: some parts not sent" in shown
        assert "2 parts not sent yet" in shown and "r resumes them" in shown
        assert len(ui_env.sim.tasks) == 1
        table = app.screen.query_one("#parts", DataTable)
        states = [str(table.get_row_at(i)[2]) for i in range(3)]
        assert ["accepted" in states[0], "queued" in states[1], "queued" in states[2]] == [True] * 3
        assert screen.query_one("#numbers", TextArea).text == ""  # never resent from the form
        await pilot.press("r")
        await settle(pilot, rounds=8)
        assert isinstance(app.screen, CampaignResultScreen)
        assert "Campaign accepted by ATL" in flat(screen_text(app))
        assert len(ui_env.sim.tasks) == 3  # part 1 was not sent again
        got = sorted(n for t in ui_env.sim.tasks for n, _ in ui_env.sim.recipients_of(t.taskid))
        assert len(got) == 5 and len(set(got)) == 5


def fault_on_part(monkeypatch, env, session, part: int, fault: Fault) -> None:
    """Inject ``fault`` just before the given part (1-based) is sent."""
    original = session.service.send_queued
    calls = 0

    async def send_queued(controlid, progress=None, **kw):
        nonlocal calls
        calls += 1
        if calls == part:
            env.sim.inject(fault)
        return await original(controlid, progress, **kw)

    monkeypatch.setattr(session.service, "send_queued", send_queued)


async def test_multi_part_uncertain_part_says_settle_never_resend(ui_env, monkeypatch):
    session = ui_env.demo_session()
    session.settings.preferences.max_recipients_per_task = 3
    fault_on_part(monkeypatch, ui_env, session, 2, Fault("drop", operation="submit", times=2))
    app = ui_env.app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        screen.query_one("#message", TextArea).insert("Hello")
        screen.query_one("#numbers", TextArea).insert(NUMBERS5)
        await settle(pilot)
        await send_and_confirm(pilot)
        assert isinstance(app.screen, CampaignResultScreen), screen_text(app)
        shown = flat(screen_text(app))
        assert "Outcome unknown" in shown
        assert "Do NOT send them again" in shown and "retry" in shown and "campaign resume" in shown


# ------------------------------------------------------------ snapshot


def test_snapshot_multi_part_result(ui_env_sync, snap_compare):
    env = ui_env_sync
    env.campaign_id = "C1790000000009999"
    session = env.demo_session()
    session.settings.preferences.max_recipients_per_task = 2
    fault_on_part(env.monkeypatch, env, session, 2, Fault("code", operation="submit", code="235"))

    async def run_before(pilot):
        screen = await open_compose(pilot)
        screen.query_one("#message", TextArea).insert("Hello")
        screen.query_one("#numbers", TextArea).insert(NUMBERS5)
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("y")
        for _ in range(200):  # the parts go out in a worker: wait for their result, however slow
            if isinstance(pilot.app.screen, CampaignResultScreen):
                break
            await pilot.pause(0.05)
        await settle(pilot, rounds=8)
        for _ in range(200):  # and for the balance refresh that follows a send
            if not pilot.app.balance.refreshing and not pilot.app.workers:
                break
            await pilot.pause(0.05)
        # The toasts of the send would expire at a wall-clock moment, each
        # redrawing the footer behind the modal: the picture is taken without
        # them, after the last bindings refresh.
        pilot.app.clear_notifications()
        pilot.app.screen.refresh_bindings()
        await settle(pilot, rounds=8)

    assert snap_compare(env.app(session), terminal_size=(80, 24), run_before=run_before)


def test_import_report_helper_counts_match_the_screen(tmp_path):
    # The counts asserted above are the reader's: check the fixture itself.
    path = tmp_path / "customers.xlsx"
    damaged_xlsx(path)
    rep = read_recipients(path)
    assert (rep.rows_read, rep.valid, rep.normalised, rep.duplicates, len(rep.invalid)) == (7, 3, 2, 1, 3)


async def test_campaign_result_closes_with_enter(ui_env):
    session = ui_env.demo_session()
    session.settings.preferences.max_recipients_per_task = 2
    app = ui_env.app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        screen.query_one("#message", TextArea).insert("Hello")
        screen.query_one("#numbers", TextArea).insert(NUMBERS5)
        await settle(pilot)
        await send_and_confirm(pilot)
        assert isinstance(app.screen, CampaignResultScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, CampaignResultScreen)


async def _held_campaign(ui_env, session, by: str):
    from atlsms_tui.core.models import Recipient
    from atlsms_tui.core.send_plan import submit_campaign
    from atlsms_tui.core.service import Draft

    session.profile.approval_above = 2
    draft = Draft("ATL", [Recipient(f"99450{1000000 + i:07d}") for i in range(3)], "Approve me")
    held = await submit_campaign(session.service, draft, max_per_task=2, operator=by)
    assert held.state == "awaiting_approval"
    return held


def _submits(sim) -> list[dict]:
    return [r for r in sim.requests if r.get("operation") == "submit"]


async def test_pending_approval_is_not_offered_to_its_submitter(ui_env, monkeypatch):
    session = ui_env.demo_session()
    await _held_campaign(ui_env, session, "alice")
    monkeypatch.setenv("LOGNAME", "alice")
    app = ui_env.app(session)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        text = flat(screen_text(app))
        assert "awaiting approval" in text and "submitted by you (alice)" in text
        assert "Approve" not in text  # no key in the footer
        await pilot.press("a")
        await settle(pilot)
        assert not isinstance(app.screen, AskScreen) and _submits(ui_env.sim) == []


async def test_pending_approval_approved_from_the_dashboard(ui_env, monkeypatch):
    session = ui_env.demo_session()
    held = await _held_campaign(ui_env, session, "alice")
    monkeypatch.setenv("LOGNAME", "bob")
    app = ui_env.app(session)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        text = flat(screen_text(app))
        assert "submitted by alice: a approves and sends it, n rejects it" in text
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AskScreen)
        assert "text: Approve me" in dialog_text(app) and _submits(ui_env.sim) == []
        await pilot.press("y")
        for _ in range(200):  # the parts go out in a worker: wait for their result
            if isinstance(app.screen, CampaignResultScreen):
                break
            await pilot.pause(0.05)
        assert isinstance(app.screen, CampaignResultScreen)
        assert len(_submits(ui_env.sim)) == 2  # both parts, each once
        c = await app.core.sending.campaign(held.campaign)
        assert c.approval == "approved" and c.decided_by == "bob"


async def test_pending_approval_rejected_from_the_dashboard(ui_env, monkeypatch):
    session = ui_env.demo_session()
    held = await _held_campaign(ui_env, session, "alice")
    monkeypatch.setenv("LOGNAME", "bob")
    app = ui_env.app(session)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        app.screen.query_one(Input).value = "wrong list"
        await pilot.press("enter")
        await settle(pilot)
        c = await app.core.sending.campaign(held.campaign)
        assert c.approval == "rejected" and c.decision == "wrong list" and _submits(ui_env.sim) == []
        assert "awaiting approval" not in flat(screen_text(app))
