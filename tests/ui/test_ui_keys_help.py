"""Help and the command palette tell a new operator every key: how to close
help, the keys that do nothing yet (F8 before a file), the paging keys, the
balance key at 80x24, and the app's own actions before Textual's."""

from __future__ import annotations

from test_ui_compose import open_compose
from textual.command import CommandList

from atlsms_tui.ui.screens.help import HelpScreen

from ui_helpers import screen_text, settle


async def test_help_says_how_to_close_and_shows_the_balance_key_at_80x24(ui_env):
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        text = " ".join(screen_text(app).split())
        assert "Esc / F1 / q: close" in text
        assert "u refresh balance" in text


async def test_compose_help_lists_its_file_keys_even_before_a_file(ui_env):
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(100, 40)) as pilot:
        await open_compose(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        keys = {k: desc for section, k, desc in app.screen.keys if section == "This screen"}
        assert keys["f8"].startswith("Drop bad") and "bad number" in keys["f8"]
        assert keys["del"].startswith("Drop") and "(not now)" in keys["del"]
        assert keys["f10 / ^r"].startswith("Import report")


async def test_task_detail_help_lists_its_paging_keys(ui_env):
    session = ui_env.demo_session()
    await ui_env.submit(session, n=40)
    ui_env.advance(60)
    app = ui_env.app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        keys = {k: desc for section, k, desc in app.screen.keys if section == "This screen"}
        assert keys["pgdn"] == "Next page" and keys["pgup"] == "Previous page"
        assert keys["home"] == "First page" and keys["end"] == "Last page"
        # the table's own meaning of those keys is not listed beside them
        assert not any(k == "home" for section, k, _ in app.screen.keys if section != "This screen")


async def test_palette_lists_the_apps_actions_first(ui_env):
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        options = app.screen.query_one(CommandList)
        names = [str(options.get_option_at_index(i).prompt).split("\n")[0]
                 for i in range(options.option_count)]
        assert names[0].startswith("Compose (c"), names[:5]
        first_textual = min(names.index(n) for n in names if n.startswith(("Keys", "Theme", "Screenshot")))
        assert names.index("Refresh balance (u)") < first_textual
        assert names.index("Focus Next (tab)") > names.index("Refresh balance (u)")
