"""First-run setup and the profile list, against the embedded simulator."""

from __future__ import annotations

import json
import os
import stat

from textual.widgets import DataTable, Input

from atlsms_tui.core import paths
from atlsms_tui.core.credentials import load_password
from atlsms_tui.core.settings import load_settings
from atlsms_tui.simulator import Account
from atlsms_tui.ui.modals import AskScreen
from atlsms_tui.ui.screens.profiles import ProfilesScreen, SetupScreen

from support import SENTINEL
from ui_helpers import screen_text, settle

LOGIN = "tester"


def flat(app) -> str:
    return " ".join(screen_text(app).split())


def fill(screen: SetupScreen, **values: str) -> None:
    for key, value in values.items():
        screen.query_one(f"#{key}", Input).value = value


def sentinel_free_files(root) -> list[str]:
    """Files under ``root`` holding the sentinel, the credentials file aside."""
    hits = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            if os.path.abspath(path) == os.path.abspath(paths.credentials_file()):
                continue
            with open(path, "rb") as fh:
                if SENTINEL.encode() in fh.read():
                    hits.append(path)
    return hits


async def test_first_run_setup_tests_before_saving(ui_env, tmp_path):
    ui_env.sim.add_account(Account(LOGIN, SENTINEL, units=777, titles={"ATL", "SHOP"}))
    app = ui_env.app(None, settings=load_settings(), setup=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SetupScreen)
        assert screen.query_one("#api_url", Input).value == "https://click.atlsms.az/bulksms/api"
        fill(screen, name="main", login=LOGIN, api_url=ui_env.url, titles="ATL, SHOP")
        # the password is typed like an operator would, and shown masked
        screen.query_one("#password", Input).focus()
        await pilot.press(*"wrong-password")
        await pilot.press("f5")
        await settle(pilot, rounds=5)
        shown = flat(app)
        assert "error 105: Invalid authentification information" in shown
        # the advice is about this form, not the CLI
        assert "Check the login and password above" in shown and "atlsms-tui login" not in shown
        assert "wrong-password" not in shown
        assert not paths.settings_file().exists()
        assert not paths.credentials_file().exists()
        assert app.screen is screen

        screen.query_one("#password", Input).value = SENTINEL
        await pilot.press("f5")
        await settle(pilot, rounds=6)
        assert SENTINEL not in app.export_screenshot()
        assert not isinstance(app.screen, SetupScreen)

        settings = load_settings()
        assert settings.current == "main"
        profile = settings.profiles["main"]
        assert (profile.login, profile.api_url, profile.titles, profile.default_title) == (
            LOGIN, ui_env.url, ["ATL", "SHOP"], "ATL")
        assert load_password("main").reveal() == SENTINEL
        for f in (paths.settings_file(), paths.credentials_file()):
            assert stat.S_IMODE(f.stat().st_mode) == 0o600
        # the app switched to the new profile
        await settle(pilot, rounds=4)
        assert app.session is not None and app.session.profile.name == "main"
        assert SENTINEL not in app.export_screenshot()
    assert sentinel_free_files(tmp_path) == []


async def test_save_anyway_after_a_failed_test(ui_env, tmp_path):
    app = ui_env.app(None, settings=load_settings(), setup=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        fill(screen, name="later", login=LOGIN, password=SENTINEL,
             api_url="http://127.0.0.1:9/bulksms/api", titles="ATL")
        assert screen.check_action("save_anyway", ()) is False
        await pilot.press("f5")
        await settle(pilot, rounds=6)
        assert "Nothing was saved" in flat(app)
        assert not paths.settings_file().exists()
        assert screen.check_action("save_anyway", ()) is True
        await pilot.press("f6")
        await settle(pilot, rounds=4)
        assert "later" in load_settings().profiles
        assert load_password("later").reveal() == SENTINEL
    assert sentinel_free_files(tmp_path) == []


async def test_form_errors_are_inline(ui_env):
    app = ui_env.app(None, settings=load_settings(), setup=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        fill(screen, name="main", login="", password="x")
        await pilot.press("f5")
        await settle(pilot)
        assert "login is empty" in flat(app)
        fill(screen, login=LOGIN, titles="WAYTOOLONGTITLE")
        await pilot.press("f5")
        await settle(pilot)
        assert "longer than 11" in flat(app)
        await pilot.press("escape")
        await settle(pilot)
    assert not paths.settings_file().exists()


async def open_profiles(pilot) -> ProfilesScreen:
    app = pilot.app
    await settle(pilot)
    app.action_profiles()
    await settle(pilot)
    assert isinstance(app.screen, ProfilesScreen)
    return app.screen


def select(screen: ProfilesScreen, name: str) -> None:
    table = screen.query_one("#profiles", DataTable)
    table.move_cursor(row=table.get_row_index(name))


async def test_switch_profile(ui_env):
    ui_env.add_profile("main", current=True)
    ui_env.add_profile("backup", titles=("SHOP",))
    app = ui_env.app(ui_env.open("main"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_profiles(pilot)
        text = flat(app)
        assert "● main" in text and "backup" in text
        select(screen, "backup")
        await pilot.press("s")
        await settle(pilot, rounds=5)
        assert not isinstance(app.screen, ProfilesScreen)
        assert app.session.profile.name == "backup"
        assert load_settings().current == "backup"


async def test_edit_keeps_the_password_when_left_empty(ui_env):
    ui_env.add_profile("main", current=True)
    ui_env.add_profile("backup")
    app = ui_env.app(ui_env.open("main"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_profiles(pilot)
        select(screen, "backup")
        await pilot.press("e")
        await settle(pilot)
        setup = app.screen
        assert isinstance(setup, SetupScreen)
        assert setup.query_one("#name", Input).disabled
        assert setup.query_one("#password", Input).value == ""
        fill(setup, titles="SHOP, ATL")
        await pilot.press("f5")
        await settle(pilot, rounds=6)
        assert app.screen is screen
        assert load_settings().profiles["backup"].titles == ["SHOP", "ATL"]
        assert load_password("backup") is not None


async def test_remove_profile_asks_and_forgets_the_password(ui_env):
    ui_env.add_profile("main", current=True)
    ui_env.add_profile("old")
    app = ui_env.app(ui_env.open("main"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_profiles(pilot)
        select(screen, "main")
        await pilot.press("d")
        await settle(pilot)
        assert "in use" in flat(app)  # the active profile cannot be removed
        select(screen, "old")
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, AskScreen)
        await pilot.press("n")
        await settle(pilot)
        assert "old" in load_settings().profiles
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot, rounds=4)
        assert "old" not in load_settings().profiles
        assert load_password("old") is None
        doc = json.loads(paths.credentials_file().read_text())
        assert "old" not in doc["profiles"]
        assert "Profile old removed" in flat(app)


# ------------------------------------------------------------- snapshots


def test_snapshot_setup(ui_env_sync, snap_compare):
    app = ui_env_sync.app(None, settings=load_settings(), setup=True)

    async def run_before(pilot):
        await settle(pilot)
        fill(pilot.app.screen, name="main", login="operator", password="secret", titles="ATL, SHOP")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_snapshot_profiles(ui_env_sync, snap_compare):
    env = ui_env_sync
    env.add_profile("main", current=True)
    env.add_profile("backup", titles=("SHOP",))
    session = env.open("main")
    for p in session.settings.profiles.values():  # in memory only: no random port on screen
        p.api_url = "http://127.0.0.1:8800/bulksms/api"
    app = env.app(session)

    async def run_before(pilot):
        await open_profiles(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
