"""Shared fixtures: private tmp dirs for every test, an embedded simulator
over loopback, and a service wired to it."""

from __future__ import annotations

import os

import pytest

from atlsms_tui.service import Service
from atlsms_tui.simulator import Account, FakeClock, Simulator
from atlsms_tui.store import Store

from support import FAST_RETRY, FAST_TIMEOUTS, LOGIN, SENTINEL, TITLES, make_profile  # noqa: E402


@pytest.fixture(autouse=True)
def private_dirs(tmp_path, monkeypatch):
    for key in list(os.environ):
        if key.startswith("ATLSMS_"):
            monkeypatch.delenv(key)
    cfg = tmp_path / "config"
    data = tmp_path / "data"
    monkeypatch.setenv("ATLSMS_CONFIG_DIR", str(cfg))
    monkeypatch.setenv("ATLSMS_DATA_DIR", str(data))
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


@pytest.fixture
def store(private_dirs):
    s = Store(private_dirs[1] / "journal.sqlite")
    yield s
    s.close()


@pytest.fixture
async def service(sim, store):
    svc = Service(make_profile(sim.url), store, timeouts=FAST_TIMEOUTS, retry=FAST_RETRY)
    yield svc
    await svc.aclose()
