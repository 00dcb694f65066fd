"""Fixtures every test shares: private tmp dirs, an embedded simulator over
loopback on a FakeClock.

The layers add their own in ``core/``, ``cli/`` and ``ui/conftest.py``."""

from __future__ import annotations

import os
import socket

import pytest

from atlsms_tui.simulator import Account, FakeClock, Simulator

from support import LOGIN, SENTINEL, TITLES


@pytest.fixture(autouse=True)
def private_dirs(tmp_path, monkeypatch):
    for key in list(os.environ):
        if key.startswith("ATLSMS_"):
            monkeypatch.delenv(key)
    cfg = tmp_path / "config"
    data = tmp_path / "data"
    monkeypatch.setenv("ATLSMS_CONFIG_DIR", str(cfg))
    monkeypatch.setenv("ATLSMS_DATA_DIR", str(data))
    # Tests run at any hour: quiet hours are off unless a test turns them on.
    monkeypatch.setenv("ATLSMS_QUIET_HOURS", "off")
    # Every row records its author: the same one on any machine, so that
    # pictures of the screens do not depend on who runs the tests where.
    monkeypatch.setenv("LOGNAME", "operator")
    monkeypatch.setenv("USER", "operator")
    monkeypatch.delenv("SSH_CLIENT", raising=False)
    monkeypatch.setattr(socket, "gethostname", lambda: "jump1")
    return cfg, data


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def sim(clock):
    s = Simulator(
        accounts=[Account(LOGIN, SENTINEL, units=10_000, titles=set(TITLES))],
        seed=7,
        clock=clock,
        report_delay=5.0,
        delivery_time=20.0,
    )
    s.start()
    yield s
    s.stop()
