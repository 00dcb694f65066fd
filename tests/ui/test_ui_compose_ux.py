"""What a new operator tripped over on the compose screen: dropped
duplicates said, opted-out numbers not costed, the message in the
confirmation, schedule errors said once, focus that stays where it was."""

from __future__ import annotations

from test_ui_compose import fill_bulk, load_csv, open_compose, result_text, widget_text
from textual.widgets import DataTable, Input, TextArea

from atlsms_tui.ui.modals.confirm_send import ConfirmSendScreen

from ui_helpers import screen_text, settle

DUP_CSV = (
    "msisdn,message\n"
    "0501234567,Hello Ali\n"
    "0551234567,Salam Aygün\n"
    "050 123 45 67,Second message for Ali\n"
)


async def test_individual_duplicate_is_listed_in_the_preview_and_the_confirmation(ui_env, tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text(DUP_CSV, encoding="utf-8")
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_compose(pilot)
        table = await load_csv(pilot, screen, path)
        first = [str(c) for c in table.get_row_at(0)]
        assert first[0] == "4" and "duplicate of line 2" in first[3]
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmSendScreen)
        confirm = result_text(app)
        assert "Recipients 2" in confirm
        notes = " ".join(" ".join(str(w.render()).split()) for w in app.screen.query(".dialog-note"))
        assert "the message of line 4 (same number as line 2) is NOT sent" in notes
        assert "invalid row" not in confirm  # a repeat is not called invalid


async def test_estimate_leaves_out_opted_out_numbers(ui_env):
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.core.lists.add_optouts(["0551234567"], reason="asked")
        screen = await open_compose(pilot)
        fill_bulk(screen, "Hello", "0501234567 0551234567 0701234567")
        for _ in range(100):  # the opt-out preview waits for typing to pause, then runs in a worker
            await pilot.pause(0.05)
            if "on the opt-out list" in widget_text(screen, "#rcp-summary"):
                break
        await settle(pilot)
        estimate = widget_text(screen, "#estimate")
        assert "2 × 1 segment = 2 units" in estimate, estimate
        assert "1 on the opt-out list" in widget_text(screen, "#rcp-summary")
        await pilot.press("f5")
        await settle(pilot)
        assert "Units 2 estimated" in result_text(app)


async def test_confirmation_shows_the_message_and_no_toast_covers_its_keys(ui_env):
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_compose(pilot)
        fill_bulk(screen, "Salam\nEndirim bu gün\nüçüncü sətir\ndördüncü", "0501234567")
        await settle(pilot)
        app.notify("numbers.txt: 3 rows read, a toast that would cover the keys", timeout=30)
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmSendScreen)
        text = screen_text(app)
        assert "a toast that would cover" not in text
        assert "y/Enter send" in text
        flat = widget_text(app.screen, "#confirm-facts")
        assert "Message Salam Endirim bu gün üçüncü sətir …" in flat
        assert "dördüncü" not in flat  # the first lines only


async def test_schedule_error_is_shown_once_and_goes_when_fixed(ui_env):
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        fill_bulk(screen, "Hello", "0501234567")
        schedule = screen.query_one("#schedule", Input)
        schedule.value = "2020-01-01 10:00"
        await settle(pilot)
        assert screen_text(app).count("in the past") == 1
        await pilot.press("f5")
        await settle(pilot)
        assert app.screen is screen
        assert widget_text(screen, "#status").count("in the past") == 1
        schedule.value = ""
        await settle(pilot)
        assert "in the past" not in widget_text(screen, "#status")
        assert not screen.query_one("#status").display


async def test_focus_stays_on_the_file_field_and_a_focused_table_is_outlined(ui_env, tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text(DUP_CSV, encoding="utf-8")
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        table = await load_csv(pilot, screen, path)
        assert app.focused is screen.query_one("#csv-file", Input)  # not moved to the preview
        before = table.styles.border_top
        table.focus()
        await settle(pilot)
        assert isinstance(app.focused, DataTable)
        assert table.styles.border_top != before  # the focused table's outline changes
        await pilot.press("0")  # a key on the table types nothing anywhere
        await settle(pilot)
        assert screen.query_one("#csv-file", Input).value == str(path)


async def test_tab_order_skips_the_numbers_panel(ui_env):
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        screen.query_one("#title").focus()
        await settle(pilot)
        seen = [app.focused.id]
        for _ in range(5):
            await pilot.press("tab")
            await settle(pilot)
            seen.append(app.focused.id)
        assert seen == ["title", "schedule", "pace", "message", "numbers", "numbers-file"]


async def test_a_tab_in_a_burst_of_typing_moves_the_following_text(ui_env):
    """Keys that arrive together (a paste, typing over SSH) as the terminal
    delivers them: posted to the app at once, not one at a time."""
    from textual import events

    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        burst = [*"Salam", "tab", *"0501234567"]
        for key in burst:
            app.post_message(events.Key(key, "\t" if key == "tab" else key))
        await settle(pilot)
        assert screen.query_one("#message", TextArea).text == "Salam"
        assert screen.query_one("#numbers", TextArea).text == "0501234567"


async def test_the_individual_file_hint_fits_at_80_columns(ui_env):
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(80, 24)) as pilot:
        await open_compose(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert "File msisdn,message CSV, or CSV/XLSX + Template " in screen_text(app)



async def test_a_malformed_row_says_what_is_wrong_with_the_row(ui_env, tmp_path):
    path = tmp_path / "cells.csv"
    path.write_text("number,name\n0501234567,Ali\n0551234567,Aygun,extra,more\n", encoding="utf-8")
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compose(pilot)
        screen.query_one("#template", Input).value = "Salam {name}"
        table = await load_csv(pilot, screen, path)
        status = str(table.get_row_at(0)[3])
        assert status.startswith("4 cells where the header has 2"), status
        assert "invalid number" not in status
