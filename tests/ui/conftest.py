"""TUI tests: the app on an embedded simulator, a FakeClock and tmp dirs."""

from __future__ import annotations

import asyncio

import pytest
import textual.constants

from ui_helpers import UiEnv

# Snapshots and screen reads see finished frames, never one caught halfway
# through an animation on a loaded machine.
textual.constants.TEXTUAL_ANIMATIONS = "none"


@pytest.fixture
async def ui_env(tmp_path, monkeypatch):
    env = UiEnv(tmp_path, monkeypatch)
    try:
        yield env
    finally:
        await env.close()


@pytest.fixture
def ui_env_sync(tmp_path, monkeypatch):
    """For snapshot tests (snap_compare runs its own event loop)."""
    env = UiEnv(tmp_path, monkeypatch)
    try:
        yield env
    finally:
        try:
            asyncio.run(env.close())
        except Exception:
            env.sim.stop()
