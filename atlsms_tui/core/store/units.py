"""The last balance ATL gave for each profile, shown while a fresh one loads."""

from __future__ import annotations

from datetime import datetime

from ..models import Units
from .db import Db


class UnitsCache:
    def __init__(self, db: Db) -> None:
        self._db = db

    def save_units(self, profile: str, units: Units) -> None:
        with self._db.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO units_cache(profile, units, fetched_at) VALUES(?,?,?)",
                (profile, units.units, units.fetched_at.isoformat(timespec="seconds")),
            )

    def get_units(self, profile: str) -> Units | None:
        rows = self._db.read("SELECT units, fetched_at FROM units_cache WHERE profile=?", (profile,))
        if not rows:
            return None
        return Units(rows[0][0], datetime.fromisoformat(rows[0][1]))
