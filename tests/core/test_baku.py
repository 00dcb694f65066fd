"""Schedules in Baku time, as operators write them."""

from __future__ import annotations

from datetime import datetime

import pytest

from atlsms_tui.core import baku
from atlsms_tui.core.errors import InputError

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=baku.BAKU)


@pytest.mark.parametrize("text", ["2026-12-31 10:00", "31.12.2026 10:00", " 31.12.2026 10:00:00 ",
                                  "2026-12-31T10:00"])
def test_both_date_forms(text):
    assert baku.parse_schedule(text, now=NOW) == datetime(2026, 12, 31, 10, 0, tzinfo=baku.BAKU)


@pytest.mark.parametrize("text, why", [
    ("31.13.2026 10:00", "month must be in 1..12"),
    ("12/31/2026 10:00", "expected YYYY-MM-DD HH:MM[:SS] or DD.MM.YYYY HH:MM"),
    ("29.11.2026 10:00", "in the past"),
])
def test_bad_schedules_say_why(text, why):
    with pytest.raises(InputError, match=why.replace("[", r"\[").replace("]", r"\]")):
        baku.parse_schedule(text, now=NOW)
