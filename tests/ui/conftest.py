"""TUI tests: the app on an embedded simulator, a FakeClock and tmp dirs."""

from __future__ import annotations

import asyncio
import inspect

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


@pytest.fixture
def snap_compare(snap_compare):
    """Snapshots with every text cursor still and drawn: a focused field
    blinks on a wall-clock timer, so which phase a picture caught was a race
    on a loaded machine. The app itself still blinks for operators."""

    def compare(app, *args, run_before=None, **kw):
        async def before(pilot):
            if run_before is not None:
                result = run_before(pilot)
                if inspect.isawaitable(result):
                    await result
            for screen in pilot.app.screen_stack:
                for widget in screen.query("Input, TextArea"):
                    widget.cursor_blink = False
            await pilot.pause()

        return snap_compare(app, *args, run_before=before, **kw)

    return compare
