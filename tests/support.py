"""Constants and builders shared by the tests (importable, unlike conftest)."""

from __future__ import annotations

from atlsms_tui.core.client import RetryPolicy, Timeouts
from atlsms_tui.core.secret import Secret
from atlsms_tui.core.settings import ResolvedProfile

# A password that must never show up anywhere but the credentials file and
# the wire. Tests grep outputs and files for it.
SENTINEL = "S3ntinel-Pw-7d1f9c"
LOGIN = "tester"
TITLES = {"ATL", "SHOP"}


FAST_RETRY = RetryPolicy(attempts=3, base=0.01, cap=0.05, submit_not_sent_attempts=2)
FAST_TIMEOUTS = Timeouts(connect=2.0, read=2.0, write=5.0, pool=2.0, submit_read=2.0)


def make_profile(url: str, name: str = "test", password: str = SENTINEL) -> ResolvedProfile:
    return ResolvedProfile(name=name, login=LOGIN, api_url=url, password=Secret(password),
                           titles=sorted(TITLES), default_title="ATL")


