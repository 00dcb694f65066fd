"""Counts as an operator reads them, in the TUI and the CLI alike."""

from __future__ import annotations


def plural(n: int, word: str, words: str | None = None) -> str:
    """``n`` and the noun in the number it takes: "1 unit", "2 units",
    "1,200 recipients"; ``words`` for an irregular plural ("1 was", "3 were")."""
    return f"{n:,} {word if n == 1 else (words or word + 's')}"
