"""The core: protocol, HTTP client, journal, rules and services.

Nothing here imports Textual, the UI or the CLI; both faces reach the core
through :mod:`atlsms_tui.api` only.
"""
