"""Wiring: settings, profile, store and service for one run, real or demo."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from . import paths
from .endpoint import check_api_url
from .secret import Secret
from .service import Service
from .settings import (
    ResolvedProfile,
    Settings,
    deadlines_of,
    load_settings,
    rails_of,
    resolve_profile,
    store_location,
)
from .store import Store

if TYPE_CHECKING:
    from ..simulator import Simulator

DEMO_PROFILE = "demo"


@dataclass
class Session:
    settings: Settings
    profile: ResolvedProfile
    store: Store
    service: Service
    simulator: Any = None  # the embedded simulator in demo mode
    recovered: list[str] = field(default_factory=list)

    @property
    def demo(self) -> bool:
        return self.profile.demo

    async def aclose(self) -> None:
        await self.service.aclose()
        self.store.close()
        if self.simulator is not None:
            self.simulator.stop()


def start_demo_simulator(**kw: Any) -> Simulator:
    from ..simulator import Simulator as Sim

    paths.private_dir(paths.data_dir())
    paths.private_dir(paths.demo_dir())
    sim = Sim(state_path=paths.demo_dir() / "simulator.sqlite", **kw)
    sim.start()
    return sim


def demo_profile(url: str) -> ResolvedProfile:
    from ..simulator import DEMO_LOGIN, DEMO_PASSWORD, DEMO_TITLES

    return ResolvedProfile(
        name=DEMO_PROFILE,
        login=DEMO_LOGIN,
        api_url=url,
        password=Secret(DEMO_PASSWORD),
        titles=list(DEMO_TITLES),
        default_title=DEMO_TITLES[0],
        demo=True,
    )


def open_session(
    profile: str | None = None,
    api_url: str | None = None,
    *,
    demo: bool = False,
    settings: Settings | None = None,
    need_password: bool = True,
    simulator_options: dict[str, Any] | None = None,
    allow_insecure_http: bool = False,
    clock: Callable[[], datetime] | None = None,
    new_controlid: Callable[[], str] | None = None,
) -> Session:
    """``allow_insecure_http`` (--allow-insecure-http) permits plain http to
    another machine for this run; the profile's setting does so for good.
    Either way ``profile.insecure_http_warning`` is then to be shown.
    ``clock`` and ``new_controlid``: the journal's clock and identifiers
    (tests give theirs)."""
    settings = settings if settings is not None else load_settings()
    busy_ms = int(settings.preferences.journal_busy_timeout * 1000)
    sim = None
    if demo:
        sim = start_demo_simulator(**(simulator_options or {}))
        resolved = demo_profile(api_url or str(sim.url))  # set once started
        resolved.deadlines = deadlines_of(settings.preferences)
        for name, value in rails_of(settings, None).items():
            setattr(resolved, name, value)
        store = Store(paths.store_file(demo=True), busy_timeout_ms=busy_ms, clock=clock)
    else:
        resolved = resolve_profile(settings, profile, api_url, need_password=need_password)
        resolved.allow_insecure_http = resolved.allow_insecure_http or allow_insecure_http
        # Before the journal is opened: a refused URL leaves nothing behind.
        check_api_url(resolved.api_url, allow_insecure_http=resolved.allow_insecure_http)
        journal, team = store_location(settings)
        store = Store(journal, busy_timeout_ms=busy_ms, clock=clock, team=team)
    try:
        service = Service(resolved, store, preferences=settings.preferences, clock=clock,
                          new_controlid=new_controlid)
    except BaseException:
        store.close()
        if sim is not None:
            sim.stop()
        raise
    recovered = store.journal.recover_orphans()
    store.journal.sweep_payloads()
    return Session(settings, resolved, store, service, sim, recovered)
