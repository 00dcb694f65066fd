"""AskScreen lives with the generic modals (ui/modals); named here for the
screens that import it from ``confirm``."""

from ...modals.ask import AskScreen

__all__ = ["AskScreen"]
