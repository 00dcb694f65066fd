"""Shared fixtures: private tmp dirs for every test, an embedded simulator
over loopback, and a service wired to it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import textual.constants


from atlsms_tui.service import Service
from atlsms_tui.simulator import Account, FakeClock, Simulator
from atlsms_tui.store import Store

from support import FAST_RETRY, FAST_TIMEOUTS, LOGIN, SENTINEL, TITLES, make_profile  # noqa: E402


# Snapshots and screen reads see finished frames, never one caught halfway
# through an animation on a loaded machine.
textual.constants.TEXTUAL_ANIMATIONS = "none"


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


# The CLI as a user runs it: a subprocess on the test's private dirs. Every
# output is checked for tracebacks and for the sentinel password.


@pytest.fixture
def cli(sim, private_dirs):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLSMS_")}
    env["ATLSMS_CONFIG_DIR"] = str(private_dirs[0])
    env["ATLSMS_DATA_DIR"] = str(private_dirs[1])
    env["ATLSMS_QUIET_HOURS"] = "off"
    outputs: list[str] = []

    def run(*args, stdin: str | None = None, extra_env: dict | None = None, timeout: float = 60):
        p = subprocess.run(
            [sys.executable, "-m", "atlsms_tui", *map(str, args)],
            input=stdin if stdin is not None else "",
            capture_output=True, text=True, env=dict(env, **(extra_env or {})), timeout=timeout,
        )
        outputs.append(p.stdout + p.stderr)
        assert "Traceback" not in p.stderr, p.stderr
        return p

    run.env = env
    run.outputs = outputs
    yield run
    for text in outputs:
        assert SENTINEL not in text


@pytest.fixture
def logged_in(cli, sim):
    p = cli("login", "--login", LOGIN, "--api-url", sim.url, "--password-stdin", "--title", "ATL",
            stdin=SENTINEL + "\n")
    assert p.returncode == 0, p.stderr
    return cli
