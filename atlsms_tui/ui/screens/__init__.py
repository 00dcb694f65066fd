"""Screens of the TUI; each module is imported where it is pushed."""
