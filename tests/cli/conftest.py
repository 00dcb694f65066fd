"""The CLI as a user runs it: a subprocess on the test's private dirs."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from support import LOGIN, SENTINEL


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
