"""The TUI test environment and screen helpers.

``UiEnv`` (the ``ui_env`` fixture of ``conftest.py``) gives an embedded simulator on loopback driven by a FakeClock, a
tmp config/data dir, and sessions whose journal reads that clock (created
times, report and balance timestamps) and draws numbered controlids, so
screens render the same on every run. ``campaign_id`` fixes the id of the
next campaigns (a snapshot names it).

    async def test_x(ui_env):
        session = ui_env.demo_session()
        app = ui_env.app(session)
        async with app.run_test(size=(80, 24)) as pilot:
            ...
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime

from atlsms_tui.core import paths
from atlsms_tui.core.models import Recipient
from atlsms_tui.core.secret import Secret
from atlsms_tui.core.service import Draft, Service
from atlsms_tui.core.session import Session, demo_profile, open_session
from atlsms_tui.core.settings import Profile, load_settings
from atlsms_tui.core.store import Store
from atlsms_tui.simulator import DEMO_LOGIN, DEMO_PASSWORD, DEMO_TITLES, FakeClock, Simulator

# 2026-09-21 18:13:20 Baku (14:13:20 UTC): a fixed "now" for every test.
START = 1_790_000_000.0
ENV_VARS = ("ATLSMS_LOGIN", "ATLSMS_PASSWORD", "ATLSMS_PROFILE", "ATLSMS_API_URL")


def frozen_datetime(clock):
    """A datetime class whose now() reads ``clock`` (epoch seconds)."""

    class FrozenDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.fromtimestamp(clock(), tz or UTC)

    return FrozenDatetime


class UiEnv:
    def __init__(self, tmp_path, monkeypatch, *, seed: int = 1, report_delay: float = 2.0,
                 delivery_time: float = 10.0, freeze: bool = True) -> None:
        self.tmp_path = tmp_path
        self.monkeypatch = monkeypatch
        monkeypatch.setenv("ATLSMS_CONFIG_DIR", str(tmp_path / "config"))
        monkeypatch.setenv("ATLSMS_DATA_DIR", str(tmp_path / "data"))
        for var in ENV_VARS:
            monkeypatch.delenv(var, raising=False)
        self.clock = FakeClock(START)
        self.sim = Simulator(seed=seed, clock=self.clock, report_delay=report_delay, delivery_time=delivery_time)
        self.url = self.sim.start()
        self._sessions: list[Session] = []
        self.campaign_id: str | None = None
        self.freeze = freeze
        self._ids = itertools.count(1)

    # ------------------------------------------------ the journal's clock and ids

    def wall_clock(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def new_controlid(self) -> str:
        return f"{1790000000000000 + next(self._ids)}"

    def new_campaign_id(self) -> str:
        return self.campaign_id or "C" + self.new_controlid()

    def _frozen(self) -> dict:
        """What a session's store and service take to read this env's clock and ids."""
        if not self.freeze:
            return {}
        return {"clock": self.wall_clock, "new_controlid": self.new_controlid}

    # ---------------------------------------------------------- sessions

    def demo_session(self) -> Session:
        """The demo profile on this env's simulator (which the session does not own)."""
        profile = demo_profile(self.url)
        frozen = self._frozen()
        store = Store(paths.store_file(demo=True), clock=frozen.get("clock"))
        service = Service(profile, store, **frozen,
                          new_campaign_id=self.new_campaign_id if self.freeze else None)
        session = Session(load_settings(), profile, store, service)
        session.recovered = store.journal.recover_orphans()
        self._sessions.append(session)
        return session

    def add_profile(self, name: str, titles=DEMO_TITLES, *, current: bool = False) -> None:
        """A stored profile (settings + password) pointing at the simulator."""
        from atlsms_tui.core import credentials

        settings = load_settings()
        settings.profiles[name] = Profile(name=name, login=DEMO_LOGIN, api_url=self.url,
                                          titles=list(titles), default_title=list(titles)[0])
        if current or settings.current is None:
            settings.current = name
        settings.save()
        credentials.store_password(name, Secret(DEMO_PASSWORD))

    def open(self, name: str | None = None) -> Session:
        session = open_session(name, **self._frozen())
        self._sessions.append(session)
        return session

    def app(self, session=None, **kw):
        from atlsms_tui.ui.app import AtlSmsApp

        return AtlSmsApp(session, clock=self.clock, **kw)

    # ------------------------------------------------------------ actions

    async def submit(self, session: Session, n: int = 20, message: str = "Hello from the test",
                     title: str = "ATL"):
        recipients = [Recipient(f"99450{1000000 + i:07d}") for i in range(n)]
        return await session.service.submit(Draft(title=title, recipients=recipients, message=message))

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    async def close(self) -> None:
        for s in self._sessions:
            try:
                await s.aclose()
            except Exception:
                pass
        self.sim.stop()


async def settle(pilot, app=None, rounds: int = 3) -> None:
    """Let workers finish and the screen repaint."""
    app = app or pilot.app
    for _ in range(rounds):
        # A worker replaced by an exclusive one ends cancelled: not an error here.
        await asyncio.gather(*(w.wait() for w in list(app.workers)), return_exceptions=True)
        await pilot.pause()
    await asyncio.sleep(0)


async def wait_until(pilot, condition, within: float = 10.0) -> None:
    """Pause until ``condition()`` holds (a loaded machine paints late);
    fails with what the screen shows when it never does."""
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"still not so after {within} s:\n{screen_text(pilot.app)}")
        await pilot.pause(0.05)


def screen_text(app) -> str:
    """The visible screen as plain text (what an operator reads)."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", record=True, legacy_windows=False, safe_box=False)
    render = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    console.print(render)
    return console.export_text(styles=False)
