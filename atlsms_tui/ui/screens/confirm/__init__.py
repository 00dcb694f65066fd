"""The yes/no question and the app header; the send dialogs now live in
``ui.modals`` and are re-exported here for the screens that still import
them from this package."""

from __future__ import annotations

from ...modals.campaign_result import CampaignResultScreen, campaign_lines
from ...modals.confirm_send import ConfirmSendScreen, SendSummary
from ...modals.import_report import ImportReportScreen
from ...modals.progress import CampaignProgressScreen, SubmittingScreen
from ...modals.submit_result import SubmitResultScreen, result_lines
from ...modals.transliteration import CostChoiceScreen, TransliterateScreen
from ...modals.wording import error_text, fmt_int, plural
from .ask import AskScreen
from .header import app_header

__all__ = [
    "AskScreen",
    "CampaignProgressScreen",
    "CampaignResultScreen",
    "ConfirmSendScreen",
    "CostChoiceScreen",
    "ImportReportScreen",
    "SendSummary",
    "SubmitResultScreen",
    "SubmittingScreen",
    "TransliterateScreen",
    "app_header",
    "campaign_lines",
    "error_text",
    "fmt_int",
    "plural",
    "result_lines",
]
