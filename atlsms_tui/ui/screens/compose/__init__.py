"""ComposeScreen: write a campaign, see what it costs, send it.

Two modes share the title, the schedule and the estimate line:

* bulk: one message (``MessageEditor``) to many numbers
  (``BulkRecipients``: typed, pasted, read from a .txt/.csv/.tsv/.xlsx file,
  or a saved group);
* individual: one message per number (``IndividualSource``), either from a
  CSV with msisdn,message columns (rows fixed or dropped in the table) or by
  mail merge: a template with ``{column}`` placeholders filled from a
  CSV/XLSX or a saved group.

Each widget owns its state and tells the screen what changed with
messages; the screen keeps the mode and builds the ``Draft`` from their
typed values. ``SendFlow`` takes it through ``core.sending.prepare``, the
confirmation and ``core.sending.submit``. Nothing blocks the event loop:
files, big pastes, merges and opt-out checks run in workers.
"""

from __future__ import annotations

from .message import ComposeTextArea, ucs2_reasons
from .screen import ComposeScreen

__all__ = ["ComposeScreen", "ComposeTextArea", "ucs2_reasons"]
