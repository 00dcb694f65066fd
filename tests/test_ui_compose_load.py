"""A large number file loaded into compose: progress, the count from the
integer column, packed recipients, and Esc cancelling the load."""

from __future__ import annotations

import threading

from textual.widgets import Input, TextArea

from atlsms_tui.imports import fastpath
from atlsms_tui.packed import PackedRecipients
from atlsms_tui.ui.screens.compose import ComposeScreen

from test_ui_compose import open_compose
from ui_helpers import screen_text, settle, ui_env  # noqa: F401  (fixtures)


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
        packed = screen._bulk_recipients()
        assert isinstance(packed, PackedRecipients) and len(packed) == 120_001
        assert packed[0].msisdn == "994500000000" and packed[-1].msisdn == "994551234567"
        # the import's own column is not modified by the typed numbers
        assert len(screen._file.records.numbers()) == 120_000


async def test_escape_cancels_a_load_in_progress(ui_env, tmp_path, monkeypatch):
    path = numbers_file(tmp_path, 60_000)  # several blocks
    reached, release = threading.Event(), threading.Event()
    real = fastpath._scan_block
    calls = []

    def gated(block, *args):
        calls.append(1)
        if len(calls) == 2:  # hold the second block until Esc was pressed
            reached.set()
            release.wait(10)
        return real(block, *args)

    monkeypatch.setattr(fastpath, "_BLOCK", 1 << 14)
    monkeypatch.setattr(fastpath, "_scan_block", gated)
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_compose(pilot)
        await start_load(pilot, screen, path)
        for _ in range(200):
            await pilot.pause(0.02)
            if reached.is_set():
                break
        assert reached.is_set()
        assert "Esc cancels" in str(screen.query_one("#rcp-summary").render())
        await pilot.press("escape")
        release.set()
        await settle(pilot)
        assert app.screen is screen  # Esc stopped the load, not the screen
        assert screen._file is None
        assert len(calls) == 2  # no block read after the cancel
        assert "loading cancelled" in " ".join(str(n.message) for n in app._notifications)
        # a second Esc closes compose as usual (nothing to discard)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is not screen
