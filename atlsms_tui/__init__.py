"""atlsms-tui: bulk SMS campaigns on ATL InfoTech's Bulk SMS API.

The core (everything outside ``atlsms_tui.ui``) never imports Textual, so the
scripting CLI starts fast and can run where no terminal UI is wanted.
"""

__version__ = "0.1.0"
APP_NAME = "atlsms-tui"
