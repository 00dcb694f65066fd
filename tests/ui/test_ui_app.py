"""The app shell: startup, demo badge, balance, profile switch, help, settings,
command palette, key remaps, and run()'s exit codes."""

from __future__ import annotations

import json

from textual.widgets import Input

from atlsms_tui.core.settings import load_settings
from atlsms_tui.simulator import Fault
from atlsms_tui.ui.app import AtlSmsApp, run
from atlsms_tui.ui.screens.dashboard import DashboardScreen
from atlsms_tui.ui.screens.help import HelpScreen, NoticeScreen
from atlsms_tui.ui.screens.settings import SettingsScreen
from atlsms_tui.ui.widgets.header import BalanceHeader, format_age

from ui_helpers import screen_text, settle

SIZE = (80, 24)


def test_format_age():
    assert format_age(3) == "just now"
    assert format_age(42) == "42s ago"
    assert format_age(150) == "2m ago"
    assert format_age(7300) == "2h ago"
    assert format_age(-5) == "just now"


async def test_demo_starts_on_dashboard_with_demo_badge_and_balance(ui_env):
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        text = screen_text(app)
        assert "DEMO" in text.splitlines()[0]
        assert "50,000 units · just now" in text
        assert "● online" in text
        ui_env.advance(150)
        app.screen.query_one(BalanceHeader).refresh_age()
        await pilot.pause()
        assert "50,000 units · 2m ago" in screen_text(app)
        # DEMO stays visible on the other screens too.
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen)
        assert "DEMO" in screen_text(app).splitlines()[0]


async def test_balance_error_and_low_balance_warning(ui_env):
    session = ui_env.demo_session()
    session.settings.preferences.low_balance_threshold = 60_000
    app = ui_env.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        units = app.screen.query_one("#hdr-units")
        assert units.has_class("-low")
        ui_env.sim.inject(Fault("code", operation="units", code="105"))
        await pilot.press("u")
        await settle(pilot)
        text = screen_text(app)
        assert "✖ error 105: Invalid" in text
        assert any("Balance not refreshed: error 105: Invalid authentification information. Check the profile"
                   in n for n in app.notices)
        assert "50,000 units" in text  # the last good figure stays, with its age


async def test_profile_switch(ui_env):
    ui_env.add_profile("alpha", current=True)
    ui_env.add_profile("beta")
    session = ui_env.open("alpha")
    result = await ui_env.submit(session, n=2)
    app = ui_env.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "profile alpha" in screen_text(app)
        assert result.taskid in screen_text(app)
        worker = app.switch_profile("beta")
        await worker.wait()
        await settle(pilot)
        text = screen_text(app)
        assert "profile beta" in text
        assert "No campaigns yet" in text
        assert app.session.profile.name == "beta"
        assert load_settings().current == "beta"
        # An unknown profile leaves the current session in place.
        await app.switch_profile("nope").wait()
        await settle(pilot)
        assert app.session.profile.name == "beta"
        assert any("Cannot switch to profile 'nope'" in n for n in app.notices)
        ui_env._sessions.append(app.session)


async def test_help_lists_keys_of_screen_in_front(ui_env):
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for words in ("Compose", "Settle", "Refresh", "Profiles", "Detail", "Settings", "Quit"):
            assert words in text
        assert "c / f2" in text.lower() or "c / F2" in text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)


async def test_settings_validate_and_save(ui_env):
    ui_env.add_profile("main", current=True)
    app = ui_env.app(ui_env.open("main"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        screen.query_one("#set-refresh_interval", Input).value = "abc"
        screen.query_one("#set-low_balance_threshold", Input).value = "-5"
        screen.query_one("#set-default_title", Input).value = "WAYTOOLONGTITLE"
        await pilot.press("f10")
        await settle(pilot)
        text = screen_text(app)
        assert "'abc' is not a number from 2 to 3,600" in text
        assert "'-5' is not a whole number from 0 to" in text
        assert "longer than 11 characters" in text
        assert app.screen is screen  # nothing saved
        screen.query_one("#set-refresh_interval", Input).value = "30"
        screen.query_one("#set-units_interval", Input).value = "120"
        screen.query_one("#set-low_balance_threshold", Input).value = "100000"
        screen.query_one("#set-max_recipients_per_task", Input).value = "0"
        screen.query_one("#set-default_title", Input).value = ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "'0' is not a whole number from 1 to 10,000,000" in screen_text(app)
        screen.query_one("#set-max_recipients_per_task", Input).value = "20000"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        prefs = load_settings().preferences
        assert (prefs.refresh_interval, prefs.units_interval, prefs.low_balance_threshold) == (30, 120, 100000)
        assert prefs.max_recipients_per_task == 20000
        assert app.screen.query_one("#hdr-units").has_class("-low")


async def test_demo_settings_last_for_the_run_and_leave_the_file_alone(ui_env):
    from atlsms_tui.core import paths

    before = load_settings()
    before.preferences.theme = "textual-light"
    before.save()
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        screen = app.screen
        assert "Demo: changes last for this run only" in screen_text(app)
        screen.query_one("#set-theme").value = "nord"
        screen.query_one("#set-refresh_interval", Input).value = "40"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert app.theme == "nord" and app.preferences.refresh_interval == 40
        assert any("applied for this demo run" in n for n in app.notices)
    saved = json.loads(paths.settings_file().read_text())["preferences"]
    assert saved["theme"] == "textual-light" and saved["refresh_interval"] == 15.0


async def test_a_failed_worker_is_described_not_dropped(ui_env):
    from atlsms_tui.api.errors import ApiError

    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)

        async def refused() -> None:
            raise ApiError("105", "units")

        app.screen.run_worker(refused(), exit_on_error=False)
        await settle(pilot)
        assert app.is_running
        told = [n for n in app.notices if n.startswith("ATL refused: ")]
        assert told and "error 105: Invalid authentification information" in told[0]
        assert "Traceback" not in told[0]


async def test_command_palette_runs_screen_actions(ui_env):
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"settings")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen)


async def test_key_remap_from_settings(ui_env):
    session = ui_env.demo_session()
    session.settings.bindings = {"settings": "f6", "bogus": "not a key!"}
    app = ui_env.app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert any("'bogus'" in n for n in app.notices)
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen)


async def test_first_run_without_profile_opens_setup(ui_env):
    app = AtlSmsApp(None, clock=ui_env.clock, setup=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        try:
            from atlsms_tui.ui.screens.profiles import SetupScreen
        except ImportError:
            assert isinstance(app.screen, NoticeScreen)
        else:
            assert isinstance(app.screen, SetupScreen)
        assert "no profile" in screen_text(app).splitlines()[0]


def test_run_reports_config_errors_without_traceback(ui_env_sync, capsys):
    cfg = ui_env_sync.tmp_path / "config"
    cfg.mkdir(parents=True, exist_ok=True)
    (cfg / "settings.json").write_text("{ not json", encoding="utf-8")
    assert run() == 2
    err = capsys.readouterr().err
    assert "settings file" in err and "line 1" in err and "Traceback" not in err

    (cfg / "settings.json").write_text(json.dumps({"profiles": {"a": {"login": "x"}}}), encoding="utf-8")
    assert run(profile="zzz") == 2
    assert "no profile named 'zzz'" in capsys.readouterr().err


# ---------------------------------------------------------------- snapshots


def test_snapshot_help(ui_env_sync, snap_compare):
    app = ui_env_sync.app(ui_env_sync.demo_session())

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_snapshot_settings(ui_env_sync, snap_compare):
    ui_env_sync.add_profile("main", current=True)
    app = ui_env_sync.app(ui_env_sync.open("main"))

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        app.screen.query_one("#set-units_interval", Input).value = "4"
        await pilot.press("f10")
        await settle(pilot)
        app.clear_notifications()
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


async def test_plain_http_warning_in_the_header(ui_env, monkeypatch):
    """A profile allowed to use plain http to another machine shows it on
    every screen's header and says why once. (The URL stays the simulator's
    loopback one: no test traffic leaves this machine.)"""
    from atlsms_tui.core.settings import ResolvedProfile

    warning = "warning: plain http to example: the password travels unencrypted"
    monkeypatch.setattr(ResolvedProfile, "insecure_http_warning", property(lambda self: warning))
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert "⚠ PLAIN HTTP" in screen_text(app)
        assert "unencrypted" in screen_text(app)  # the toast says why
        app.action_compose()
        await settle(pilot)
        assert "⚠ PLAIN HTTP" in screen_text(app)


async def test_no_plain_http_badge_normally(ui_env):
    app = ui_env.app(ui_env.demo_session())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "PLAIN HTTP" not in screen_text(app)
