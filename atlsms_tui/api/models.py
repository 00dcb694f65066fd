"""Value types the faces build (``Draft``) and show (submissions, reports)."""

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
