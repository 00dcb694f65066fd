"""The rule for a title (sender name), in one place: what ATL registers."""

from __future__ import annotations

import re

MAX_TITLE = 11
_TITLE = re.compile(r"[A-Za-z0-9 ._-]+")


def title_problem(title: str) -> str | None:
    """Why ``title`` cannot be a title, or None when it can."""
    if not title.strip():
        return "title (sender name) is empty"
    if len(title) > MAX_TITLE:
        return f"title {title!r} is longer than {MAX_TITLE} characters"
    if not _TITLE.fullmatch(title):
        return f"title {title!r}: only letters, digits, space, '.', '_' and '-'"
    return None
