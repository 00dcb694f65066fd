"""Generic modals: a yes/no question, a notice to read, an error described."""

from .ask import AskScreen
from .notice import ErrorScreen, NoticeScreen

__all__ = ["AskScreen", "ErrorScreen", "NoticeScreen"]
