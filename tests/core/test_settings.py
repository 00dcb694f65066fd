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
