"""Settings: environment overrides that are not written back."""

from __future__ import annotations

import json

import pytest

from atlsms_tui.core import paths
from atlsms_tui.core.errors import ConfigError
from atlsms_tui.core.settings import Preferences, load_settings


def test_preference_override_from_environment(monkeypatch):
    s = load_settings()
    s.preferences.refresh_interval = 20.0
    s.save()
    monkeypatch.setenv("ATLSMS_MAX_RECIPIENTS_PER_TASK", "1000")
    monkeypatch.setenv("ATLSMS_REFRESH_INTERVAL", "5")
    s = load_settings()
    assert s.preferences.max_recipients_per_task == 1000 and s.preferences.refresh_interval == 5.0
    s.preferences.low_balance_threshold = 77
    s.save()
    saved = json.loads(paths.settings_file().read_text())["preferences"]
    assert saved["max_recipients_per_task"] == Preferences().max_recipients_per_task
    assert saved["refresh_interval"] == 20.0 and saved["low_balance_threshold"] == 77


def test_bad_override_names_the_variable(monkeypatch):
    monkeypatch.setenv("ATLSMS_LOW_BALANCE_THRESHOLD", "lots")
    with pytest.raises(ConfigError, match="ATLSMS_LOW_BALANCE_THRESHOLD"):
        load_settings()


def test_every_preference_has_one_row_in_the_table():
    from dataclasses import fields

    from atlsms_tui.core.settings import PREFERENCES

    assert [f.name for f in fields(Preferences)] == [s.name for s in PREFERENCES]
    assert Preferences().max_polls_per_second == 2.0


@pytest.mark.parametrize(("name", "value", "says"), [
    ("refresh_interval", 1, "from 2 to 3,600"),
    ("max_segments", 0, "from 1 to 1,000"),
    ("low_balance_threshold", "lots", "a whole number"),
    ("max_polls_per_second", 0, "more than 0"),
    ("repeat_guard_share", 1.5, "from 0 to 1"),
    ("units_interval", True, "a number"),
])
def test_a_bad_value_in_the_file_names_setting_value_and_range(name, value, says):
    paths.settings_file().parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    paths.settings_file().write_text(json.dumps({"preferences": {name: value}}))
    with pytest.raises(ConfigError) as e:
        load_settings()
    text = str(e.value)
    assert name in text and repr(value) in text and says in text and str(paths.settings_file()) in text


def test_a_bad_override_names_the_variable_the_value_and_the_range(monkeypatch):
    monkeypatch.setenv("ATLSMS_REFRESH_INTERVAL", "0.5")
    with pytest.raises(ConfigError) as e:
        load_settings()
    assert "ATLSMS_REFRESH_INTERVAL='0.5'" in str(e.value) and "from 2 to 3,600" in str(e.value)


def test_a_profiles_bad_rail_is_refused_at_load():
    paths.settings_file().parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    paths.settings_file().write_text(json.dumps({"profiles": {"main": {"login": "x", "approval_above": -3}}}))
    with pytest.raises(ConfigError, match="profile 'main': approval_above is -3"):
        load_settings()


def test_the_title_rule():
    from atlsms_tui.core.titles import title_problem

    assert title_problem("ATL.Info_1") is None
    assert "longer than 11" in (title_problem("ABCDEFGHIJKL") or "")
    assert "only letters" in (title_problem("ATL!") or "")
    assert "empty" in (title_problem("  ") or "")
