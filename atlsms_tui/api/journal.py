"""The journal read on its own, without a session: what ``tasks`` lists.

Listing submissions needs the profile's name and the journal file, not the
HTTP client, the TLS certificates or the numbering plan; a session opens all
of them. A submission's stored report is shown only if it was fetched for it
(``own_report``): ATL's task ids are not unique for ever.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..core import baku
from ..core.endpoint import check_api_url
from ..core.models import Submission
from ..core.settings import ResolvedProfile, load_settings, resolve_profile, store_location
from ..core.store import Store

__all__ = ["JournalTasks", "journal_tasks", "own_detail", "own_report"]


@dataclass(frozen=True, slots=True)
class JournalTasks:
    profile: ResolvedProfile
    tasks: list[Submission]
    # controlids a process that died left in flight, now marked uncertain
    recovered: list[str]
    now: datetime


def journal_tasks(profile: str | None = None, api_url: str | None = None, *, limit: int | None = None,
                  allow_insecure_http: bool = False) -> JournalTasks:
    """The profile's submissions, newest first, each with its own report;
    refuses a profile whose URL a session would refuse. Blocking."""
    settings = load_settings()
    resolved = resolve_profile(settings, profile, api_url, need_password=False)
    resolved.allow_insecure_http = resolved.allow_insecure_http or allow_insecure_http
    check_api_url(resolved.api_url, allow_insecure_http=resolved.allow_insecure_http)
    path, team = store_location(settings)
    store = Store(path, busy_timeout_ms=int(settings.preferences.journal_busy_timeout * 1000), team=team)
    try:
        recovered = store.journal.recover_orphans()
        subs = store.journal.list_submissions(resolved.name, limit=limit)
    finally:
        store.close()
    return JournalTasks(resolved, [own_report(s) for s in subs], recovered, baku.now_baku())


def _when(text: str | None) -> datetime | None:
    """A journal time, to the second (as the journal keeps report times)."""
    when = baku.from_iso(text) if text else None
    return None if when is None else when.replace(microsecond=0)


def own_report(sub: Submission) -> Submission:
    """Drop a stored report that was fetched before ``sub`` existed: it is
    another (older) task's that had the same task id."""
    rep, created = sub.report, _when(sub.created)
    fetched = None if rep is None or rep.fetched_at is None else rep.fetched_at.replace(microsecond=0)
    if fetched is not None and created is not None and fetched < created:
        sub.report = None
    return sub


def own_detail(sub: Submission, info: tuple[int, str] | None) -> tuple[int, str] | None:
    """The stored detailed report's (rows, fetched at), if fetched for ``sub``."""
    fetched, created = _when(info[1] if info else None), _when(sub.created)
    if info is not None and fetched is not None and created is not None and fetched < created:
        return None
    return info
