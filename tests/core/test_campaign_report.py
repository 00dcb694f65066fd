"""Campaign reports: the figures against the simulator's seeded outcomes
(a campaign sent over loopback, its detailed reports fetched), percentiles
on known sets, and the campaign export read back as CSV and .xlsx."""

from __future__ import annotations

import csv
import math
import os
import stat
from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from atlsms_tui.api.core import Core
from atlsms_tui.core import send_plan
from atlsms_tui.core.campaign_report import bucket_width, percentile
from atlsms_tui.core.errors import InputError
from atlsms_tui.core.models import Recipient
from atlsms_tui.core.service import Draft, Service
from atlsms_tui.core.session import Session
from atlsms_tui.core.settings import load_settings
from atlsms_tui.core.store import Store

from support import FAST_RETRY, FAST_TIMEOUTS, make_profile

# Operators by prefix as the project's notes give them (not from the code
# under test); 40 is a valid mobile range of none of the four, 36554 is
# Naxtel's by the numbering plan's carrier data.
PREFIXES = {"50": "Azercell", "51": "Azercell", "55": "Bakcell", "99": "Bakcell", "70": "Nar",
            "77": "Nar", "60": "Naxtel", "36554": "Naxtel", "40": "other"}
NUMBERS = [f"994{p}{i:0{9 - len(p)}d}" for i in range(6) for p in PREFIXES]
BAKU = ZoneInfo("Asia/Baku")
STATUS = {2: "delivered", 3: "failed", 4: "removed", 5: "error"}


def expected_operator(number: str) -> str:
    national = number[3:]
    return next(op for p, op in PREFIXES.items() if national.startswith(p))


@pytest.fixture
async def core(sim, clock, private_dirs):
    """The core API on a journal whose clock is the simulator's: the
    acceptance times it records are the ones the delays count from."""

    def wall() -> datetime:
        return datetime.fromtimestamp(clock(), UTC)

    store = Store(private_dirs[1] / "journal.sqlite", clock=wall)
    service = Service(make_profile(sim.url), store, timeouts=FAST_TIMEOUTS, retry=FAST_RETRY, clock=wall)
    yield Core(Session(load_settings(), service.profile, store, service))
    await service.aclose()
    store.close()


async def send_campaign(core, clock, *, detailed_parts=None):
    service = core.session.service
    draft = Draft("ATL", [Recipient(n) for n in NUMBERS], "Salam")
    result = await send_plan.submit_campaign(service, draft, max_per_task=20)
    assert result.campaign is not None and result.state == "accepted"
    clock.advance(60)  # past every recipient's fate
    c = await core.sending.campaign(result.campaign)
    for i, p in enumerate(c.parts, 1):
        await core.reports.report(p.taskid)
        if detailed_parts is None or i in detailed_parts:
            fetched = await core.reports.detailed_report(p.taskid)
            assert fetched.ready and fetched.rows == p.recipients
    return await core.sending.campaign(result.campaign)


def outcomes(sim, parts):
    """(part, number, final status, delay in seconds, Baku date) of every
    recipient, from the simulator's own fate of each."""
    out = []
    for p in parts:
        task = sim.task(p.taskid)
        for i, (number, _msg) in enumerate(sim.recipients_of(p.taskid)):
            moment, status = task.fate(i)
            date = datetime.fromtimestamp(math.floor(moment), BAKU).strftime("%Y-%m-%d %H:%M:%S")
            out.append((p, number, status, math.floor(moment) - int(task.start), date))
    return out


def nearest_rank(values, q):
    values = sorted(values)
    return values[max(1, math.ceil(q / 100 * len(values))) - 1]


async def test_operator_breakdown_and_delays_match_the_simulators_outcomes(core, sim, clock):
    c = await send_campaign(core, clock)
    assert len(c.parts) == 3
    rows = outcomes(sim, c.parts)
    rep = await core.reports.campaign_report(c.campaign)

    want: dict[str, Counter[str]] = {}
    for _p, number, status, _d, _date in rows:
        k = want.setdefault(expected_operator(number), Counter())
        k["sent"] += 1
        k["delivered"] += status == 2
        k["failed"] += status in (3, 4, 5)
    got = {o.operator: o for o in rep.operators}
    assert [o.operator for o in rep.operators] == ["Azercell", "Bakcell", "Nar", "Naxtel", "other"]
    for op, k in want.items():
        assert (got[op].sent, got[op].delivered, got[op].failed, got[op].pending) == (
            k["sent"], k["delivered"], k["failed"], 0), op
        assert got[op].rate == pytest.approx(k["delivered"] / k["sent"])
    assert rep.sent == len(NUMBERS) and rep.parts_reported == 3

    delays = [d for _p, _n, status, d, _date in rows if status == 2]
    assert rep.timed == len(delays)
    assert rep.median_s == nearest_rank(delays, 50)
    assert rep.p95_s == nearest_rank(delays, 95)
    assert rep.timeline is not None and sum(rep.timeline.counts) == len(delays)
    assert len(rep.timeline.counts) <= 60
    doc = rep.as_json()
    assert set(doc) >= {"operators", "time_to_delivery", "timeline"}
    assert set(doc["time_to_delivery"]) >= {"median_s", "p95_s"}


async def test_report_of_parts_still_pending_counts_them_pending(core, sim, clock):
    service = core.session.service
    draft = Draft("ATL", [Recipient(n) for n in NUMBERS[:10]], "Salam")
    result = await send_plan.submit_campaign(service, draft, max_per_task=5)
    clock.advance(5.5)  # the report exists; most recipients have no fate yet
    c = await core.sending.campaign(result.campaign)
    for p in c.parts:
        await core.reports.detailed_report(p.taskid)
    rep = await core.reports.campaign_report(c.campaign)
    pending = sum(1 for p in c.parts for i in range(p.recipients) if sim.task(p.taskid).fate(i)[0] > clock())
    assert pending > 0
    assert sum(o.pending for o in rep.operators) == pending
    assert sum(o.sent for o in rep.operators) == 10


def test_percentiles_on_known_sets():
    assert percentile({v: 1 for v in range(1, 101)}, 50) == 50
    assert percentile({v: 1 for v in range(1, 101)}, 95) == 95
    assert percentile({7: 3}, 95) == 7
    assert percentile({1: 1, 10: 1}, 50) == 1
    assert percentile({1: 1, 10: 1}, 95) == 10
    assert percentile({0: 90, 30: 5, 600: 5}, 50) == 0
    assert percentile({0: 90, 30: 5, 600: 5}, 95) == 30
    assert percentile({0: 90, 30: 5, 600: 5}, 96) == 600
    assert percentile({}, 50) is None


def test_bucket_widths_are_round_and_fit():
    assert bucket_width(0) == 1
    assert bucket_width(59) == 1
    assert bucket_width(60) == 2
    assert bucket_width(3600) == 120
    for span in (1, 100, 5000, 90_000, 10 * 86400, 400 * 86400):
        assert span // bucket_width(span) + 1 <= 60


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


# the operator every test runs as (tests/conftest.py), on its jump host
AUTHOR = "operator@jump1"


def expected_rows(sim, c, fetched):
    rows = []
    for p, number, status, _d, date in outcomes(sim, c.parts):
        if p.part in fetched:
            rows.append([number, expected_operator(number), STATUS[status], date, p.taskid, str(p.part), AUTHOR])
        else:
            rows.append([number, expected_operator(number), "no report", "", p.taskid, str(p.part), AUTHOR])
    return rows


async def test_export_csv_and_xlsx_hold_every_recipient(core, sim, clock, tmp_path):
    c = await send_campaign(core, clock, detailed_parts={1, 3})
    want = expected_rows(sim, c, {1, 3})
    assert len(want) == len(NUMBERS)

    out = tmp_path / "camp.csv"
    assert await core.reports.export_campaign(c.campaign, out) == len(NUMBERS)
    got = read_csv(out)
    assert got[0] == ["number", "operator", "status", "date_baku", "taskid", "part", "author"]
    assert got[1:] == want
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600

    book = tmp_path / "camp.xlsx"
    assert await core.reports.export_campaign(c.campaign, book) == len(NUMBERS)
    assert stat.S_IMODE(os.stat(book).st_mode) == 0o600
    wb = openpyxl.load_workbook(book, read_only=True)
    cells = [["" if v is None else str(v) for v in r] for r in wb.worksheets[0].iter_rows(values_only=True)]
    wb.close()
    assert cells[0] == got[0] and cells[1:] == want

    with pytest.raises(FileExistsError):
        await core.reports.export_campaign(c.campaign, book)
    assert await core.reports.export_campaign(c.campaign, book, replace=True) == len(NUMBERS)
    with pytest.raises(InputError, match=r"\.csv or \.xlsx"):
        await core.reports.export_campaign(c.campaign, tmp_path / "camp.txt")
    assert not (tmp_path / "camp.txt").exists()


async def test_export_tells_its_progress_to_the_last_row(core, clock, tmp_path):
    """A long export says how far it is (rows written of the campaign's
    recipients), from the writing thread, ending at every row."""
    from atlsms_tui.core.campaign_report import with_progress

    c = await send_campaign(core, clock, detailed_parts={1})
    seen: list[tuple[int, int]] = []
    n = await core.reports.export_campaign(c.campaign, tmp_path / "p.xlsx", progress=lambda d, t: seen.append((d, t)))
    assert n == len(NUMBERS) and seen[-1] == (len(NUMBERS), len(NUMBERS))
    ticks: list[tuple[int, int]] = []
    assert list(with_progress(iter(range(25)), 25, lambda d, t: ticks.append((d, t)), every=10)) == list(range(25))
    assert ticks == [(10, 25), (20, 25), (25, 25)]


def test_delays_count_from_the_scheduled_time_in_baku(store):
    """A part scheduled for 18:00 Baku time (accepted earlier): delays are
    counted from 18:00; a date with a zone is read in it; a date before
    the start counts 0; one that is not a date is not timed."""
    from atlsms_tui.core.campaign import Campaign
    from atlsms_tui.core.campaign_report import campaign_report
    from atlsms_tui.core.models import DetailRow, State, Submission

    dates = ["2026-09-21 18:00:05"] * 3 + ["2026-09-21 18:01:00", "2026-09-21 19:30:00",
                                           "2026-09-21T14:00:10+00:00", "2026-09-21 17:59:59", "soon"]
    rows = [DetailRow(f"99450000000{i}", "x", 2, d) for i, d in enumerate(dates)]
    rows.append(DetailRow("994550000000", "x", 3, "2026-09-21 18:00:01"))
    gen = store.reports.new_detail_generation()
    store.reports.add_detail_rows(gen, 0, rows)
    store.reports.commit_detail("p", "77", gen, len(rows))
    part = Submission("c1", "p", "ATL", False, "2026-09-21 18:00:00", "2026-09-21T13:00:00+00:00", len(rows),
                      1, len(rows), "h", State.ACCEPTED, taskid="77", updated="2026-09-21T13:00:02+00:00", part=1)
    rep = campaign_report(store, "p", Campaign("C1", "ATL", part.created, len(rows), [part]), [part])
    assert rep.timed == 7  # delays 0, 5, 5, 5, 10, 60, 5400
    assert (rep.median_s, rep.p95_s) == (5, 5400)
    assert [(o.operator, o.sent, o.delivered, o.failed) for o in rep.operators[:2]] == [
        ("Azercell", 8, 8, 0), ("Bakcell", 1, 0, 1)]
    assert rep.timeline is not None and rep.timeline.bucket_s == 120
    assert rep.timeline.start == "2026-09-21 17:58:00" and sum(rep.timeline.counts) == 7
