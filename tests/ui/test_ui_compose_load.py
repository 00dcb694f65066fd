"""A large number file loaded into compose: progress, the count from the
integer column, packed recipients, and Esc cancelling the load."""

from __future__ import annotations

from test_ui_compose import open_compose
from textual.widgets import Input, TextArea

from atlsms_tui.core.packed import PackedRecipients
from atlsms_tui.ui.screens.compose import ComposeScreen
from atlsms_tui.ui.screens.compose.estimate import ErrorLine

from ui_helpers import screen_text, settle


def numbers_file(tmp_path, n: int):
    path = tmp_path / "numbers.txt"
    path.write_text("".join(f"99450{i:07d}\n" for i in range(n)), encoding="utf-8")
    return path


async def start_load(pilot, screen: ComposeScreen, path) -> None:
    field = screen.query_one("#numbers-file", Input)
    field.value = str(path)
    field.focus()
    await pilot.press("enter")


async def test_large_file_is_counted_from_its_column(ui_env, tmp_path):
    path = numbers_file(tmp_path, 120_000)
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_compose(pilot)
        # one typed number the file holds, one it does not
        screen.query_one("#numbers", TextArea).insert("0500000007 0551234567")
        await start_load(pilot, screen, path)
        await settle(pilot)
        assert "120,001 numbers to send" in screen_text(app)
        packed = screen.bulk.recipients()
        assert isinstance(packed, PackedRecipients) and len(packed) == 120_001
        assert packed[0].msisdn == "994500000000" and packed[-1].msisdn == "994551234567"
        # the import's own column is not modified by the typed numbers
        assert len(screen.bulk.source.records.numbers()) == 120_000


async def test_escape_cancels_a_load_in_progress(ui_env, tmp_path):
    path = numbers_file(tmp_path, 1_500_000)
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_compose(pilot)
        await start_load(pilot, screen, path)
        await pilot.pause()
        assert "Esc cancels" in str(screen.query_one("#rcp-summary").render())
        assert screen.bulk.reading  # still reading
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen  # Esc stopped the load, not the screen
        assert screen.bulk.source is None and not screen.bulk.reading
        assert "loading cancelled" in " ".join(app.notices)
        assert "0 numbers to send" in screen_text(app)
        # a second Esc closes compose as usual (nothing to discard)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is not screen


async def test_a_bad_file_read_in_the_child_is_a_message(ui_env, tmp_path):
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_compose(pilot)
        await start_load(pilot, screen, tmp_path / "missing.txt")
        await settle(pilot)
        # the line wraps where the test's own temporary path is long: read it whole
        errors = screen.query_one(ErrorLine)
        assert errors.display and errors.get("file") == f"file not found: {tmp_path / 'missing.txt'}"
        assert "file not found" in screen_text(app)


async def test_child_import_gives_the_report_and_progress(tmp_path):
    from atlsms_tui.core.imports import read_recipients
    from atlsms_tui.core.imports.child import import_in_child

    path = numbers_file(tmp_path, 300_000)
    seen = []
    rep = await import_in_child(path, progress=lambda done, total: seen.append((done, total)))
    local = read_recipients(path)
    assert rep.lines() == local.lines() and list(rep.records.numbers()) == list(local.records.numbers())
    assert seen and seen[-1][0] == seen[-1][1] == path.stat().st_size
