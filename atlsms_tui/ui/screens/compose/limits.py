"""Thresholds of the compose screen: when work moves to a worker, how
much of a long list is shown."""

from __future__ import annotations

# Pastes up to this size are parsed at once (well under a millisecond);
# bigger ones wait for typing to pause and are parsed in a worker.
SYNC_PARSE_CHARS = 20_000
PARSE_DEBOUNCE = 0.3
# Rows of the individual preview table; the rest stay in memory only.
PREVIEW_ROWS = 500
# Issues listed under the recipients; the counts always cover all of them.
ISSUES_SHOWN = 50
UCS2_SHOWN = 8
# Merges of up to this many rows run as the template is typed; bigger ones
# wait for a pause in the typing.
SYNC_MERGE_ROWS = 2_000
OPTOUT_DEBOUNCE = 0.4

