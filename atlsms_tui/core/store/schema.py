"""The journal's schema, as the steps that build it: a fresh file runs them
all, an older one the steps it lacks."""

from __future__ import annotations

# Each entry brings the schema from version i to i+1.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE submissions(
        controlid TEXT PRIMARY KEY,
        profile TEXT NOT NULL,
        api_url TEXT NOT NULL,
        login TEXT NOT NULL,
        title TEXT NOT NULL,
        individual INTEGER NOT NULL,
        message TEXT,
        scheduled TEXT NOT NULL,
        created TEXT NOT NULL,
        recipients INTEGER NOT NULL,
        segments INTEGER NOT NULL,
        units_estimate INTEGER NOT NULL,
        payload_hash TEXT NOT NULL,
        state TEXT NOT NULL,
        taskid TEXT,
        code TEXT,
        detail TEXT NOT NULL DEFAULT '',
        attempts INTEGER NOT NULL DEFAULT 0,
        updated TEXT NOT NULL,
        owner TEXT,
        campaign TEXT
    );
    CREATE INDEX submissions_by_profile ON submissions(profile, created);
    CREATE INDEX submissions_by_taskid ON submissions(profile, taskid);
    CREATE TABLE submission_recipients(
        controlid TEXT NOT NULL,
        seq INTEGER NOT NULL,
        msisdn TEXT NOT NULL,
        message TEXT,
        PRIMARY KEY(controlid, seq)
    ) WITHOUT ROWID;
    CREATE TABLE reports(
        profile TEXT NOT NULL,
        taskid TEXT NOT NULL,
        ready INTEGER NOT NULL,
        pending INTEGER NOT NULL,
        delivered INTEGER NOT NULL,
        failed INTEGER NOT NULL,
        removed INTEGER NOT NULL,
        error INTEGER NOT NULL,
        fetched_at TEXT NOT NULL,
        PRIMARY KEY(profile, taskid)
    );
    CREATE TABLE detail_fetches(
        profile TEXT NOT NULL,
        taskid TEXT NOT NULL,
        gen INTEGER NOT NULL,
        rows INTEGER NOT NULL,
        fetched_at TEXT NOT NULL,
        PRIMARY KEY(profile, taskid)
    );
    CREATE TABLE report_rows(
        gen INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        msisdn TEXT NOT NULL,
        message TEXT NOT NULL,
        status INTEGER NOT NULL,
        date TEXT,
        PRIMARY KEY(gen, seq)
    ) WITHOUT ROWID;
    CREATE INDEX report_rows_by_status ON report_rows(gen, status, seq);
    CREATE INDEX report_rows_by_msisdn ON report_rows(gen, msisdn);
    CREATE TABLE units_cache(
        profile TEXT PRIMARY KEY,
        units INTEGER NOT NULL,
        fetched_at TEXT NOT NULL
    );
    """,
    # 2: campaign tooling (saved groups, templates, opt-outs) and campaigns
    # larger than one task.
    """
    CREATE TABLE groups(
        name TEXT PRIMARY KEY,
        created TEXT NOT NULL,
        updated TEXT NOT NULL,
        source TEXT,
        columns TEXT
    );
    CREATE TABLE group_members(
        name TEXT NOT NULL,
        seq INTEGER NOT NULL,
        msisdn TEXT NOT NULL,
        fields TEXT,
        PRIMARY KEY(name, seq)
    ) WITHOUT ROWID;
    CREATE TABLE templates(
        name TEXT PRIMARY KEY,
        body TEXT NOT NULL,
        created TEXT NOT NULL,
        updated TEXT NOT NULL
    );
    CREATE TABLE optouts(
        msisdn TEXT PRIMARY KEY,
        added TEXT NOT NULL,
        reason TEXT,
        source TEXT
    );
    CREATE TABLE campaigns(
        campaign TEXT PRIMARY KEY,
        profile TEXT NOT NULL,
        title TEXT NOT NULL,
        created TEXT NOT NULL,
        recipients INTEGER NOT NULL,
        parts INTEGER NOT NULL
    );
    CREATE INDEX submissions_by_campaign ON submissions(campaign);
    """,
    # 3: per-status counts of each stored detailed report, written with it,
    # so a status filter over a million rows shows its total without a
    # COUNT(*) per page (the paging itself uses report_rows_by_status).
    """
    CREATE TABLE detail_counts(
        gen INTEGER NOT NULL,
        status INTEGER NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY(gen, status)
    ) WITHOUT ROWID;
    """,
    # 4: campaigns journalled whole and bound to the account that journalled
    # them; a part sent again after a refusal is a new row (``part`` ties the
    # attempts together, ``superseded`` marks the earlier ones); each row's
    # payload file by name; and the numbers and content key of every
    # submission, for the repeat guard.
    """
    ALTER TABLE submissions ADD COLUMN part INTEGER;
    ALTER TABLE submissions ADD COLUMN payload TEXT;
    ALTER TABLE submissions ADD COLUMN content_key TEXT;
    ALTER TABLE submissions ADD COLUMN superseded INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE campaigns ADD COLUMN login TEXT;
    ALTER TABLE campaigns ADD COLUMN api_url TEXT;
    ALTER TABLE campaigns ADD COLUMN content_key TEXT;
    CREATE INDEX submissions_by_content ON submissions(content_key, created);
    CREATE INDEX submissions_by_state ON submissions(state);
    CREATE TABLE sent_numbers(
        controlid TEXT PRIMARY KEY,
        numbers BLOB NOT NULL
    );
    """,
    # 5: the rails. A proof (the campaign's text sent to staff numbers) is
    # marked, so the repeat guard ignores it and a large campaign can ask
    # for one; a campaign may wait for a second operator's approval.
    """
    ALTER TABLE submissions ADD COLUMN proof INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE campaigns ADD COLUMN approval TEXT;
    ALTER TABLE campaigns ADD COLUMN submitted_by TEXT;
    ALTER TABLE campaigns ADD COLUMN decided_by TEXT;
    ALTER TABLE campaigns ADD COLUMN decision TEXT;
    ALTER TABLE campaigns ADD COLUMN pace TEXT;
    CREATE INDEX submissions_proofs ON submissions(content_key, proof, state);
    """,
    # 6: who journalled each submission and campaign, and from where (the
    # Unix login, the host, the SSH client's address), so that a journal a
    # team shares says whose work each row is. Older rows stay NULL.
    """
    ALTER TABLE submissions ADD COLUMN by_user TEXT;
    ALTER TABLE submissions ADD COLUMN by_host TEXT;
    ALTER TABLE submissions ADD COLUMN by_ssh TEXT;
    ALTER TABLE campaigns ADD COLUMN by_user TEXT;
    ALTER TABLE campaigns ADD COLUMN by_host TEXT;
    ALTER TABLE campaigns ADD COLUMN by_ssh TEXT;
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
