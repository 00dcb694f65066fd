"""Core tests: a journal in the test's private data dir and a service on the
embedded simulator, with fast timeouts and retries."""

from __future__ import annotations

import pytest

from atlsms_tui.core.service import Service
from atlsms_tui.core.store import Store

from support import FAST_RETRY, FAST_TIMEOUTS, make_profile


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
