"""The local store on its own: schema migrations, the journal's transactions
and claims, campaign parts, detailed-report paging and search at their
boundaries, and the saved lists. No server involved."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from atlsms_tui.core.errors import LocalError, NotFoundError
from atlsms_tui.core.imports import ImportRecord
from atlsms_tui.core.models import DeliveryStatus, DetailRow, Report, State, Submission
from atlsms_tui.core.store import MIGRATIONS, SCHEMA_VERSION, ControlIdClash, Store

NOW = "2026-03-01T08:00:00+00:00"


def sub(controlid: str, *, state: State = State.QUEUED, campaign: str | None = None, part: int | None = None,
        created: str = NOW, profile: str = "p") -> Submission:
    return Submission(controlid=controlid, profile=profile, title="ATL", individual=False, scheduled="NOW",
                      created=created, recipients=2, segments=1, units_estimate=2, payload_hash="h",
                      state=state, message="Salam", campaign=campaign, part=part)


def sql(store: Store, query: str, args: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Read the file apart from the store, as another process would."""
    with closing(sqlite3.connect(store.path)) as db:
        return db.execute(query, args).fetchall()


def spool(store: Store, body: bytes = b"<request/>") -> str:
    """A payload file journalled by name, as a campaign's parts are."""
    path = store.journal.new_payload_path()
    path.write_bytes(body)
    return path.name


def campaign(store: Store, cid: str, n: int, *, first: int = 1) -> list[str]:
    ids = [str(first + i) for i in range(n)]
    store.journal.journal_campaign(
        cid, profile="p", login="tester", api_url="https://127.0.0.1/api", title="ATL", recipients=2 * n,
        content_key="k", parts=[(sub(c, campaign=cid, part=i + 1), spool(store), b"\x01") for i, c in enumerate(ids)],
    )
    return ids


class Body:
    """What ``begin_submission`` needs of a spooled request body."""

    def __init__(self, path: Path) -> None:
        self.path: Path | None = path
        self.synced = False

    def sync(self) -> None:
        self.synced = True


# ------------------------------------------------------------ the file and its schema


def test_new_file_is_private_and_at_the_current_schema(private_dirs):
    store = Store(private_dirs[1] / "j.sqlite")
    try:
        assert (store.path.stat().st_mode & 0o777) == 0o600
        assert sql(store, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
        assert SCHEMA_VERSION == len(MIGRATIONS)
    finally:
        store.close()


def test_a_version_1_journal_is_migrated_and_keeps_its_rows(private_dirs):
    path = private_dirs[1] / "old.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path)) as db:
        db.executescript(MIGRATIONS[0])
        db.execute(
            "INSERT INTO submissions(controlid, profile, api_url, login, title, individual, message, scheduled, "
            "created, recipients, segments, units_estimate, payload_hash, state, taskid, updated) "
            "VALUES('11', 'p', 'u', 'l', 'ATL', 0, 'Salam', 'NOW', ?, 3, 1, 3, 'h', 'accepted', '900', ?)",
            (NOW, NOW),
        )
        db.execute("INSERT INTO reports VALUES('p', '900', 1, 0, 2, 1, 0, 0, ?)", (NOW,))
        db.execute("PRAGMA user_version=1")
        db.commit()
    store = Store(path)
    try:
        assert sql(store, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
        old = store.journal.get_submission("11")
        assert old is not None and old.state is State.ACCEPTED and old.part is None and old.proof is False
        assert old.report is not None and (old.report.delivered, old.report.failed) == (2, 1)
        # tables of later versions are there and usable
        store.lists.add_optouts(["994501234567"])
        assert campaign(store, "c1", 1, first=20) == ["20"]
        assert store.campaigns.campaign_approval("c1") == (None, None, None, None)
    finally:
        store.close()


def test_a_detailed_report_stored_before_schema_3_is_counted_once_on_first_read(private_dirs):
    path = private_dirs[1] / "v2.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path)) as db:
        db.executescript(MIGRATIONS[0] + ";" + MIGRATIONS[1])
        db.execute("INSERT INTO detail_fetches VALUES('p', '7', 42, 3, ?)", (NOW,))
        db.executemany("INSERT INTO report_rows VALUES(42, ?, ?, 'x', ?, NULL)",
                       [(0, "994501234567", 2), (1, "994551234567", 3), (2, "994701234567", 2)])
        db.execute("PRAGMA user_version=2")
        db.commit()
    store = Store(path)
    try:
        assert sql(store, "SELECT COUNT(*) FROM detail_counts") == [(0,)]
        assert store.reports.detail_counts("p", "7") == {2: 2, 3: 1}
        assert sorted(sql(store, "SELECT status, n FROM detail_counts WHERE gen=42")) == [(2, 2), (3, 1)]
        page = store.reports.detail_page("p", "7", status=DeliveryStatus.DELIVERED)
        assert page.total == 2 and [r.msisdn for r in page.rows] == ["994501234567", "994701234567"]
    finally:
        store.close()


def test_a_journal_from_a_newer_program_is_refused_untouched(private_dirs):
    path = private_dirs[1] / "new.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path)) as db:
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(LocalError, match=f"has schema {SCHEMA_VERSION + 1}, newer than this program's"):
        Store(path)
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("SELECT name FROM sqlite_master").fetchall() == []


def test_a_file_that_is_not_a_journal_names_the_fix(private_dirs):
    path = private_dirs[1] / "junk.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not SQLite at all" * 100)
    with pytest.raises(LocalError, match=r"corrupt or not a journal.*mv "):
        Store(path)


# ------------------------------------------------------------ transactions


def test_a_transaction_is_rolled_back_whole(store):
    with pytest.raises(RuntimeError), store.db.transaction() as db:
        db.execute("INSERT INTO templates VALUES('t', 'x', ?, ?)", (NOW, NOW))
        raise RuntimeError("halfway")
    assert store.lists.list_templates() == []


def test_a_campaign_is_journalled_whole_or_not_at_all(store):
    campaign(store, "c1", 1, first=5)
    with pytest.raises(ControlIdClash):
        campaign(store, "c2", 3, first=3)  # its third part clashes with "5"
    assert store.campaigns.list_campaign_ids("p") == ["c1"]
    assert store.journal.get_submission("3") is None and store.journal.get_submission("4") is None
    assert [s.controlid for s in store.journal.list_submissions()] == ["5"]


def test_begin_submission_moves_the_spool_into_place_before_the_row(store):
    spooled = store.journal.new_payload_path()
    spooled.write_bytes(b"<body/>")
    body = Body(spooled)
    row = store.journal.begin_submission(sub("77", state=State.SENDING), "https://127.0.0.1/api", "tester", body)
    target = store.journal.payload_path("77")
    assert body.synced and body.path == target and target.read_bytes() == b"<body/>" and not spooled.exists()
    assert row.state is State.SENDING and store.journal.submission_target("77") == ("https://127.0.0.1/api", "tester")
    with pytest.raises(ControlIdClash):
        store.journal.begin_submission(sub("77"), "u", "l", Body(store.journal.new_payload_path()))


# ------------------------------------------------------------ claims


def test_a_queued_row_is_claimed_once(store):
    [cid] = campaign(store, "c1", 1)
    first = store.journal.claim_queued(cid)
    assert first is not None and first.state is State.SENDING
    assert store.journal.claim_queued(cid) is None
    store.journal.unclaim(cid)
    assert store.journal.get_submission(cid).state is State.QUEUED
    assert store.journal.claim_queued(cid) is not None


def test_claim_for_resend_takes_only_unsettled_rows(store):
    a, b = campaign(store, "c1", 2)
    assert store.journal.claim_for_resend(a) is None  # queued: never sent, nothing to settle
    store.journal.claim_queued(a)
    store.journal.finish_submission(a, State.UNCERTAIN, detail="timed out")
    assert store.journal.claim_for_resend(a).state is State.SENDING
    store.journal.finish_submission(b, State.ACCEPTED, taskid="900")
    assert store.journal.claim_for_resend(b) is None


def test_orphans_become_uncertain_and_can_be_abandoned(store):
    a, b = campaign(store, "c1", 2)
    store.journal.claim_queued(a)  # nobody holds its lock: its sender is gone
    assert store.journal.recover_orphans() == [a]
    got = store.journal.get_submission(a)
    assert got.state is State.UNCERTAIN and "stopped before the outcome" in got.detail
    assert store.journal.abandon(a, "checked with ATL") is True
    assert store.journal.get_submission(a).detail == "abandoned: checked with ATL"
    assert store.journal.abandon(b, "queued rows are cancelled, not abandoned") is False


def test_payloads_kept_while_a_resend_may_need_them(store):
    a, b, c = campaign(store, "c1", 3)
    files = {cid: store.journal.payload_path(cid, store.journal.payload_name(cid)) for cid in (a, b, c)}
    store.journal.finish_submission(a, State.ACCEPTED, taskid="1")
    store.journal.finish_submission(b, State.FAILED, code="-100")  # a campaign part: resumable
    assert store.journal.cancel_queued([c]) == 1
    assert not files[a].exists() and files[b].exists() and not files[c].exists()
    assert store.journal.cancel_queued([c]) == 0
    stray = store.journal.new_payload_path()
    assert store.journal.sweep_payloads() == [stray.name]
    assert files[b].exists()


# ------------------------------------------------------------ campaigns


def test_a_part_sent_again_supersedes_its_refused_attempt(store):
    a, b = campaign(store, "c1", 2)
    store.journal.finish_submission(a, State.REJECTED, code="-2")
    old_file = store.journal.payload_path(a, store.journal.payload_name(a))
    again = store.journal.new_attempt(a, sub("9", campaign="c1", part=1), spool(store), b"\x02")
    assert again.state is State.SENDING and not old_file.exists()
    assert [(p.controlid, p.part) for p in store.campaigns.campaign_parts("c1")] == [("9", 1), (b, 2)]
    assert [p.controlid for p in store.campaigns.campaign_parts("c1", history=True)] == [a, "9", b]
    assert a not in [s.controlid for s in store.journal.list_submissions()]
    assert a in [s.controlid for s in store.journal.list_submissions(history=True)]
    with pytest.raises(ControlIdClash):  # superseded already: not twice
        store.journal.new_attempt(a, sub("10", campaign="c1", part=1), spool(store), None)


def test_campaign_row_approval_and_reschedule(store):
    store.journal.journal_campaign(
        "c1", profile="p", login="tester", api_url="u", title="ATL", recipients=2, content_key="k",
        parts=[(sub("1", campaign="c1", part=1), spool(store), None)], submitted_by="ayla", pace="100/min",
    )
    row = store.campaigns.get_campaign("c1")
    assert row is not None and (row.title, row.recipients, row.parts, row.login) == ("ATL", 2, 1, "tester")
    assert store.campaigns.campaign_pace("c1") == "100/min"
    assert store.campaigns.campaign_approval("c1").approval == "awaiting"
    assert store.campaigns.decide_approval("c1", "approved", "murad") is True
    assert store.campaigns.decide_approval("c1", "rejected", "murad", "late") is False  # decided once
    assert store.campaigns.campaign_approval("c1") == ("approved", "ayla", "murad", "")
    assert store.campaigns.reschedule_queued("1", "2026-03-02 09:00:00", "h2") is True
    store.journal.claim_queued("1")
    assert store.campaigns.reschedule_queued("1", "2026-03-03 09:00:00", "h3") is False
    assert store.journal.get_submission("1").scheduled == "2026-03-02 09:00:00"
    assert store.campaigns.get_campaign("nope") is None


def test_parts_carry_their_reports(store):
    [a] = campaign(store, "c1", 1)
    store.journal.finish_submission(a, State.ACCEPTED, taskid="500")
    assert store.campaigns.campaign_parts("c1")[0].report is None
    store.reports.save_report("p", Report("500", True, 0, 2, 0, 0, 0, None))
    rep = store.campaigns.campaign_parts("c1")[0].report
    assert rep is not None and rep.ready and rep.delivered == 2
    assert store.reports.get_report("other", "500") is None


# ------------------------------------------------------------ detailed reports


N = 25
STATUS = [2 if i % 3 else 3 for i in range(N)]  # every third one failed


def number(i: int) -> str:
    return f"99450{1000000 + i:07d}"


@pytest.fixture
def report(store):
    gen = store.reports.new_detail_generation()
    rows = [DetailRow(number(i), "x", STATUS[i], None) for i in range(N)]
    store.reports.add_detail_rows(gen, 0, rows[:10])
    store.reports.add_detail_rows(gen, 10, rows[10:])
    assert store.reports.detail_info("p", "1") is None  # not switched in yet
    store.reports.commit_detail("p", "1", gen, N)
    return rows


def test_pages_at_the_ends_of_the_report(store, report):
    pages = store.reports
    assert pages.detail_page("p", "1", offset=20, limit=10).rows == report[20:]
    end = pages.detail_page("p", "1", offset=N, limit=10)
    assert end.rows == [] and end.total == N
    assert pages.detail_page("p", "1", count=False).total == -1
    assert pages.detail_window("p", "1", after=N - 1).rows == []
    assert pages.detail_window("p", "1", before=0).rows == []
    before = pages.detail_window("p", "1", before=3, limit=10)
    assert before.seqs == [0, 1, 2]
    assert pages.detail_window("p", "1", from_end=True, limit=4).seqs == [21, 22, 23, 24]
    failed = [i for i in range(N) if STATUS[i] == 3]
    page = pages.detail_page("p", "1", status=DeliveryStatus.FAILED, offset=2, limit=3)
    assert page.total == len(failed) and page.rows == [report[i] for i in failed[2:5]]
    assert pages.detail_page("p", "1", status=DeliveryStatus.REMOVED).total == 0
    assert pages.detail_page("p", "nope").total == 0


def test_iter_detail_batches_cover_every_row_once(store, report):
    batches = list(store.reports.iter_detail("p", "1", batch=5))
    assert [len(b) for b in batches] == [5] * 5
    assert [r for b in batches for r in b] == report
    failed = [r for b in store.reports.iter_detail("p", "1", status=DeliveryStatus.FAILED, batch=4) for r in b]
    assert failed == [r for r in report if r.status_code == 3]


def test_search_by_full_number_suffix_and_local_form(store, report):
    reports = store.reports
    assert reports.detail_search("p", "1", number(7)).seqs == [7]
    assert reports.detail_search("p", "1", number(7)[-7:]).seqs == [7]
    assert reports.detail_search("p", "1", "0" + number(12)[3:]).seqs == [12]  # 050... as dialled
    assert reports.detail_search("p", "1", "no digits").seqs == []
    hits = reports.detail_search("p", "1", "100001", status=DeliveryStatus.FAILED)  # 9945010000[1x]
    assert hits.seqs == [12, 15, 18] and not hits.capped
    page = reports.detail_page("p", "1", search=number(13)[-6:])
    assert page.total == 1 and page.rows == [report[13]]


def test_short_fragments_are_bounded_and_capped(store, report):
    reports = store.reports
    everything = reports.detail_search("p", "1", "1", scan_rows=10)
    assert everything.seqs == list(range(10)) and everything.scanned == 10  # only the first 10 rows looked at
    whole = reports.detail_search("p", "1", "1", scan_rows=N)
    assert whole.scanned is None and whole.seqs == list(range(N))
    capped = reports.detail_search("p", "1", "1", cap=4)
    assert capped.capped and capped.seqs == [0, 1, 2, 3]
    exact = reports.detail_search("p", "1", "1", cap=N)
    assert not exact.capped and len(exact.seqs) == N


def test_a_new_download_replaces_the_old_one_only_when_committed(store, report):
    gen = store.reports.new_detail_generation()
    store.reports.add_detail_rows(gen, 0, [DetailRow(number(0), "y", 2, None)])
    store.reports.discard_detail(gen)
    assert store.reports.detail_info("p", "1")[0] == N
    gen = store.reports.new_detail_generation()
    store.reports.add_detail_rows(gen, 0, [DetailRow(number(0), "y", 2, None)])
    store.reports.commit_detail("p", "1", gen, 1)
    assert store.reports.detail_counts("p", "1") == {2: 1}
    assert sql(store, "SELECT COUNT(*) FROM report_rows") == [(1,)]  # the old rows are gone


def test_units_cache_per_profile(store):
    from datetime import UTC, datetime

    from atlsms_tui.core.models import Units

    assert store.units.get_units("p") is None
    at = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    store.units.save_units("p", Units(1234, at))
    assert store.units.get_units("p") == Units(1234, at) and store.units.get_units("q") is None


# ------------------------------------------------------------ lists


def test_names_match_exactly_before_any_case(store):
    store.lists.save_template("Promo", "A")
    store.lists.save_template("promo", "B")
    assert store.lists.get_template("promo").body == "B"
    assert store.lists.get_template("Promo").body == "A"
    assert store.lists.get_template("PROMO").body in ("A", "B")
    with pytest.raises(NotFoundError, match=r"no template named 'x' \(saved: Promo, promo\)"):
        store.lists.get_template("x")


def test_replacing_a_group_keeps_when_it_was_created(store):
    first = store.lists.save_group("g", [ImportRecord("994501234567", {})])
    second = store.lists.save_group("g", [ImportRecord("994551234567", {}), ImportRecord("994701234567", {})],
                                    replace=True)
    assert second.created == first.created and second.members == 2
    assert sql(store, "SELECT COUNT(*) FROM group_members WHERE name='g'") == [(2,)]
    with pytest.raises(NotFoundError, match=r"no group named 'h' \(saved: g\)"):
        store.lists.get_group("h")


def test_optout_numbers_and_count(store):
    store.lists.add_optouts(["0501234567", "994551234567", "+994 50 123 45 67"])
    assert store.lists.optout_count() == 2
    assert store.lists.optout_numbers() == {994501234567, 994551234567}
    assert store.lists.remove_optouts(["0501234567"]) == (["994501234567"], [])
    assert store.lists.optout_count() == 1
