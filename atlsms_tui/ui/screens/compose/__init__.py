"""ComposeScreen: write a campaign, see what it costs, send it.

Two modes share the title, the schedule and the estimate line:

* bulk: one message to many numbers (typed, pasted, read from a
  .txt/.csv/.tsv/.xlsx file through ``imports``, or a saved group);
* individual: one message per number, either from a CSV with msisdn,message
  columns (rows fixed or dropped in the table) or by mail merge: a template
  with ``{column}`` placeholders filled from a CSV/XLSX or a saved group.

Saved groups (F6), templates (F7) and the lists screen (F9) are one key
away. A campaign bigger than the per-task cap goes out as several tasks
(campaign.submit_campaign), with a progress bar and a stop key.

The screen never blocks: files are read, big pastes parsed, mail merges,
opt-out checks and estimates made in workers, and the submit runs in a
worker behind a modal that only the stop key touches.

The screen is assembled from parts (one module each) in screen.py; the
names below are what the rest of the app and the tests import from here.
"""

from __future__ import annotations

from .counter import ucs2_reasons
from .groups import group_report
from .limits import (
    CLEAR_STATES,
    ISSUES_SHOWN,
    OPTOUT_DEBOUNCE,
    OPTOUTS_LISTED,
    PARSE_DEBOUNCE,
    PREVIEW_ROWS,
    SYNC_MERGE_ROWS,
    SYNC_PARSE_CHARS,
    UCS2_SHOWN,
    XLSX,
)
from .rows import Row, load_individual_rows, validate_rows
from .screen import ComposeScreen, ComposeTextArea

__all__ = [
    "CLEAR_STATES",
    "ISSUES_SHOWN",
    "OPTOUT_DEBOUNCE",
    "OPTOUTS_LISTED",
    "PARSE_DEBOUNCE",
    "PREVIEW_ROWS",
    "SYNC_MERGE_ROWS",
    "SYNC_PARSE_CHARS",
    "UCS2_SHOWN",
    "XLSX",
    "ComposeScreen",
    "ComposeTextArea",
    "Row",
    "group_report",
    "load_individual_rows",
    "ucs2_reasons",
    "validate_rows",
]
