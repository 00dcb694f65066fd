"""Modal screens: each in its own module, imported from there
(``from atlsms_tui.ui.modals.confirm_send import ConfirmSendScreen``).

The send dialogs (confirm, progress, results, transliteration offers, the
import report) share ``dialog.tcss``."""
