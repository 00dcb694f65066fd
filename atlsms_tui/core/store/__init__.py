"""The local store: one SQLite file under the user data dir holding the
journal of submissions, campaigns, reports, the balance cache and the saved
lists, each seam a repository over the same connection:

- ``store.journal``: submissions, claims, payload files (journal.py)
- ``store.campaigns``: campaigns, their parts and approvals (campaigns.py)
- ``store.reports``: task reports and detailed-report paging (reports.py)
- ``store.lists``: groups, templates, opt-outs (lists.py)
- ``store.units``: the last known balance (units.py)
- ``store.db``: the connection, schema migrations and transactions (db.py)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .campaigns import ApprovalRow, CampaignRow, Campaigns
from .db import BUSY_TIMEOUT_MS, Db, journal_problem
from .journal import OWNER, ControlIdClash, Journal, new_controlid
from .reports import DetailPage, DetailWindow, Reports
from .schema import MIGRATIONS, SCHEMA_VERSION
from .search import MATCH_CAP, SCAN_ROWS, DetailMatches, search_prefixes, search_variants
from .units import UnitsCache

if TYPE_CHECKING:
    from .lists import Lists

__all__ = [
    "BUSY_TIMEOUT_MS", "MATCH_CAP", "MIGRATIONS", "OWNER", "SCAN_ROWS", "SCHEMA_VERSION", "ApprovalRow",
    "CampaignRow", "ControlIdClash", "DetailMatches", "DetailPage", "DetailWindow", "Store", "journal_problem",
    "new_controlid", "search_prefixes", "search_variants",
]


class Store:
    def __init__(self, path: Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS,
                 clock: Callable[[], datetime] | None = None, team: bool = False) -> None:
        """``team``: ``path`` is in the team directory, shared by its group."""
        self.db = Db(path, busy_timeout_ms=busy_timeout_ms, clock=clock, team=team)
        self.journal = Journal(self.db)
        self.campaigns = Campaigns(self.db)
        self.reports = Reports(self.db)
        self.units = UnitsCache(self.db)

    @functools.cached_property
    def lists(self) -> Lists:
        # loaded on first use: the list rules bring the numbering plan and
        # the importers, which reading the journal does not need
        from .lists import Lists

        return Lists(self.db)

    @property
    def path(self) -> Path:
        return self.db.path

    def close(self) -> None:
        self.db.close()
