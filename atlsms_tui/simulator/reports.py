"""The report and detailedreport answers of a task at a given moment."""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterator
from datetime import datetime

from .accounts import BAKU
from .tasks import DELIVERED, ERROR, FAILED, QUEUED, REMOVED, STATUS_NAMES, Task
from .wire import Reply, xml_escape


def baku_text(epoch: float) -> str:
    return datetime.fromtimestamp(math.floor(epoch), BAKU).strftime("%Y-%m-%d %H:%M:%S")


def summary_reply(task: Task, now: float) -> Reply:
    """The report: how many recipients are in each status at ``now``."""
    c = task.counts_at(now)
    body = "".join(
        f"    <{STATUS_NAMES[s]}>{c[s]}</{STATUS_NAMES[s]}>\n"
        for s in (QUEUED, DELIVERED, FAILED, REMOVED, ERROR)
    )
    return Reply("000", [f"  <body>\n{body}  </body>\n"])


def detailed_bodies(task: Task, now: float, msisdns: array, messages: list[str] | None) -> Iterator[str]:
    """One ``<body>`` per recipient, generated as the answer is written."""
    bulk_text = xml_escape(task.bulkmessage or "")
    dates: dict[int, str] = {}
    for i, (moment, final) in enumerate(task.iter_fates()):
        if now < moment:
            status, date = QUEUED, ""
        else:
            status = final
            sec = math.floor(moment)
            if sec not in dates:
                dates[sec] = baku_text(sec)
            date = dates[sec]
        text = bulk_text if messages is None else xml_escape(messages[i])
        yield (
            f"  <body>\n    <msisdn>{msisdns[i]}</msisdn>\n    <message>{text}</message>\n"
            f"    <status>{status}</status>\n    <date>{date}</date>\n  </body>\n"
        )
