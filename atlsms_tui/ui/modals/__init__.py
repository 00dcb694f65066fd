"""Modal screens, each in its own module: generic ones (a yes/no question,
a notice to read, an error described) exported here; the send dialogs
(confirm, progress, results, transliteration offers, the import report)
imported from their modules and sharing ``dialog.tcss``."""

from .ask import AskScreen
from .notice import ErrorScreen, NoticeScreen

__all__ = ["AskScreen", "ErrorScreen", "NoticeScreen"]
