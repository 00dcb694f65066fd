"""Campaigns: a send larger than one task, journalled whole (see
``Journal.journal_campaign``), its parts, its pace and its approval."""

from __future__ import annotations

from typing import NamedTuple

from ..attribution import Attribution, from_row
from ..models import Submission
from .db import Db
from .rows import SELECT_WITH_REPORT, sub_with_report


class CampaignRow(NamedTuple):
    campaign: str
    profile: str
    title: str
    created: str
    recipients: int
    parts: int
    login: str | None
    api_url: str | None
    content_key: str | None


class ApprovalRow(NamedTuple):
    approval: str | None  # None: the campaign never needed one
    submitted_by: str | None
    decided_by: str | None
    decision: str | None


class Campaigns:
    def __init__(self, db: Db) -> None:
        self._db = db

    def get_campaign(self, campaign: str) -> CampaignRow | None:
        rows = self._db.read(
            "SELECT campaign, profile, title, created, recipients, parts, login, api_url, content_key "
            "FROM campaigns WHERE campaign=?",
            (campaign,),
        )
        return CampaignRow(*rows[0]) if rows else None

    def list_campaign_ids(self, profile: str) -> list[str]:
        """Newest first."""
        return [r[0] for r in self._db.read(
            "SELECT campaign FROM campaigns WHERE profile=? ORDER BY created DESC, rowid DESC", (profile,)
        )]

    def campaign_parts(self, campaign: str, *, history: bool = False) -> list[Submission]:
        """Each part's latest attempt, in part order; with ``history`` every
        attempt."""
        where = "s.campaign=?" if history else "s.campaign=? AND s.superseded=0"
        rows = self._db.read(
            SELECT_WITH_REPORT + f"WHERE {where} ORDER BY COALESCE(s.part, 0), s.created, s.rowid",
            (campaign,),
        )
        parts = [sub_with_report(r) for r in rows]
        if not history:
            for i, p in enumerate(parts, start=1):
                if p.part is None:
                    p.part = i  # journalled before parts were numbered
        return parts

    def campaign_approval(self, campaign: str) -> ApprovalRow | None:
        rows = self._db.read(
            "SELECT approval, submitted_by, decided_by, decision FROM campaigns WHERE campaign=?", (campaign,))
        return ApprovalRow(*rows[0]) if rows else None

    def campaign_author(self, campaign: str) -> Attribution | None:
        """Who journalled the campaign (None: before authors were kept)."""
        rows = self._db.read(
            "SELECT by_user, by_host, by_ssh, profile, login FROM campaigns WHERE campaign=?", (campaign,))
        return from_row(*rows[0]) if rows else None

    def campaign_pace(self, campaign: str) -> str | None:
        rows = self._db.read("SELECT pace FROM campaigns WHERE campaign=?", (campaign,))
        return rows[0][0] if rows else None

    def decide_approval(self, campaign: str, approval: str, by: str, decision: str = "") -> bool:
        """Approve or reject a campaign still awaiting approval (once)."""
        with self._db.transaction() as db:
            return bool(db.execute(
                "UPDATE campaigns SET approval=?, decided_by=?, decision=? WHERE campaign=? AND approval='awaiting'",
                (approval, by, decision, campaign),
            ).rowcount == 1)

    def reschedule_queued(self, controlid: str, scheduled: str, payload_hash: str) -> bool:
        """A part not submitted yet gets another ``scheduled`` (and so
        another payload hash)."""
        with self._db.transaction() as db:
            return bool(db.execute(
                "UPDATE submissions SET scheduled=?, payload_hash=?, updated=? WHERE controlid=? AND state='queued'",
                (scheduled, payload_hash, self._db.now(), controlid),
            ).rowcount == 1)
