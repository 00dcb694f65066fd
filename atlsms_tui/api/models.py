"""Value types the faces build (``Draft``) and show (submissions, reports).
Each loads on first use (see ``api.lazy``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .lazy import lazy_names

if TYPE_CHECKING:
    from ..core.attribution import Attribution
    from ..core.campaign import Campaign
    from ..core.campaign_report import CampaignReport, OperatorFigures, Timeline
    from ..core.imports.report import count_of
    from ..core.models import DeliveryStatus, DetailRow, Recipient, Report, State, Submission, Units
    from ..core.notify import Alert
    from ..core.outcomes import CampaignProgress, CampaignResult
    from ..core.packed import PackedRecipients
    from ..core.service import Draft, Estimate, SubmitResult

__all__ = [
    "Alert", "Attribution", "Campaign", "CampaignProgress", "CampaignReport", "CampaignResult", "DeliveryStatus",
    "DetailRow", "Draft", "Estimate", "OperatorFigures", "PackedRecipients", "Recipient", "Report", "State",
    "Submission", "SubmitResult", "Timeline", "Units", "count_of",
]

_SOURCES = {
    "atlsms_tui.core.attribution": ["Attribution"],
    "atlsms_tui.core.campaign": ["Campaign"],
    "atlsms_tui.core.campaign_report": ["CampaignReport", "OperatorFigures", "Timeline"],
    "atlsms_tui.core.imports.report": ["count_of"],
    "atlsms_tui.core.models": ["DeliveryStatus", "DetailRow", "Recipient", "Report", "State", "Submission", "Units"],
    "atlsms_tui.core.notify": ["Alert"],
    "atlsms_tui.core.outcomes": ["CampaignProgress", "CampaignResult"],
    "atlsms_tui.core.packed": ["PackedRecipients"],
    "atlsms_tui.core.service": ["Draft", "Estimate", "SubmitResult"],
}
__getattr__, __dir__ = lazy_names(globals(), {name: f"{source}:{name}" for source, names in _SOURCES.items()
                                              for name in names})
