"""Modal screens around a send: confirm, progress, result; plus a yes/no
question, the transliteration offers and the import report.

One module per dialog; every name is re-exported here, so
``from atlsms_tui.ui.screens.confirm import X`` keeps working.
"""

from __future__ import annotations

from .ask import AskScreen
from .campaign_result import CampaignResultScreen, campaign_lines
from .confirm_send import ConfirmSendScreen, SendSummary
from .header import app_header
from .import_report import ImportReportScreen
from .progress import CampaignProgressScreen, SubmittingScreen
from .submit_result import SubmitResultScreen, result_lines
from .transliteration import CostChoiceScreen, TransliterateScreen
from .wording import error_text, fmt_int, plural

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
