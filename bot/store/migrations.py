"""Schema history as named, append-only migrations.

Never edit or reorder a migration that has shipped: add a new one. Each runs in a
transaction together with the record that it ran (``sqlite_utils.Migrations``).
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

MIGRATIONS = Migrations("impactbot")


def _append_only(db: Database, table: str) -> None:
    """Triggers that refuse every UPDATE and DELETE on ``table`` (evidence is appended to)."""
    for verb in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        )


def _drop_empty(db: Database, table: str) -> None:
    """Drop ``table`` to recreate it, refusing when it holds rows (they would be lost)."""
    if db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]:
        raise RuntimeError(f"{table} is not empty: refusing to replace it")
    db.execute(f"DROP TABLE {table}")  # its triggers and indexes go with it


@MIGRATIONS(name="0001_issues_and_links")
def _issues_and_links(db: Database) -> None:
    db.table("issues").create(
        {
            "uid": str,
            "source": str,
            "key": str,
            "container": str,
            "state": str,
            "title": str,
            "updated_at": str,
            "data": str,  # the provider-neutral Issue as JSON
        },
        pk="uid",
    )
    db.table("issues").create_index(["key"])
    db.table("issue_links").create(
        {
            "from_uid": str,
            "position": int,
            "kind": str,
            "to_key": str,
            "to_source": str,
            "evidence": str,
        },
        pk=("from_uid", "position"),
    )
    db.table("issue_links").create_index(["to_key"])


@MIGRATIONS(name="0002_people_and_teams")
def _people_and_teams(db: Database) -> None:
    db.table("people").create({"id": str, "name": str}, pk="id")
    db.table("identities").create(
        {"system": str, "handle": str, "person_id": str}, pk=("system", "handle")
    )
    db.table("teams").create({"id": str, "name": str, "slack_channel": str, "data": str}, pk="id")
    db.table("team_members").create(
        {"team_id": str, "person_id": str, "role": str}, pk=("team_id", "person_id", "role")
    )


@MIGRATIONS(name="0003_flags_and_scores")
def _flags_and_scores(db: Database) -> None:
    db.table("flags").create(
        {"issue_uid": str, "person_id": str, "note": str, "at": str},
        pk=("issue_uid", "person_id"),
    )
    db.table("score_cards").create(
        {
            "issue_uid": str,
            "computed_at": str,
            "total": float,
            "orphan_score": float,
            "owner_team": str,
            "incentive_gap": float,
            "data": str,  # the full ScoreCard as JSON
        },
        pk="issue_uid",
    )
    db.table("score_cards").create_index(["orphan_score"])
    db.table("contributions").create(
        {
            "issue_uid": str,
            "position": int,
            "signal": str,
            "points": float,
            "reason": str,
            "evidence": str,
        },
        pk=("issue_uid", "position"),
    )


@MIGRATIONS(name="0004_sync_credit_digests_events_audit")
def _operations(db: Database) -> None:
    db.table("sync_state").create(
        {"source": str, "cursor": str, "etag": str, "updated_at": str}, pk="source"
    )
    db.table("credit_ledger").create(
        {
            "id": int,
            "natural_key": str,
            "person_id": str,
            "team_id": str,
            "role": str,
            "share": float,
            "points": float,
            "issue_uid": str,
            "beneficiaries": str,
            "reason": str,
            "evidence": str,
            "at": str,
            "reverses": int,
        },
        pk="id",
    )
    db.table("credit_ledger").create_index(["natural_key"], unique=True)
    db.table("digests_sent").create(
        {"recipient": str, "period": str, "sent_at": str, "message_ts": str},
        pk=("recipient", "period"),
    )
    db.table("seen_events").create({"event_id": str, "seen_at": str}, pk="event_id")
    db.table("audit_log").create(
        {"id": int, "at": str, "actor": str, "action": str, "detail": str}, pk="id"
    )


@MIGRATIONS(name="0005_append_only_guards")
def _append_only_guards(db: Database) -> None:
    # The ledger and the audit log are evidence: corrections are new rows, never edits.
    for table in ("credit_ledger", "audit_log"):
        _append_only(db, table)


# The columns of the ledger that 0006 creates (a declarative table, not logic).
_LEDGER_V2_COLUMNS: dict[str, type] = {
    "id": int,
    "natural_key": str,
    "kind": str,
    "person_ref": str,
    "team_id": str,
    "role": str,
    "share": float,
    "points": float,
    "issue_uid": str,
    "closure": str,
    "beneficiaries": str,
    "reason": str,
    "evidence": str,
    "at": str,
    "reverses": str,
    "pending": int,
}


@MIGRATIONS(name="0006_credit_ledger_v2")
def _credit_ledger_v2(db: Database) -> None:
    # The first ledger table never held rows (nothing minted before this migration); it is
    # replaced by one keyed on natural keys and pseudonymous person references.
    _drop_empty(db, "credit_ledger")
    _create_ledger_v2(db)
    # A person's ledger rows name a random reference, never the person: forgetting someone
    # deletes the mapping, and their rows stay, anonymous, in every sum.
    db.table("people_refs").create({"person_id": str, "ref": str}, pk="person_id")
    db.table("people_refs").create_index(["ref"], unique=True)
    db.table("confirmations").create(
        {"issue_uid": str, "closure": str, "team_id": str, "confirmed_by": str, "at": str},
        pk=("issue_uid", "closure", "team_id"),
    )
    db.table("surfacings").create(
        {"issue_uid": str, "first_at": str, "score": float}, pk="issue_uid"
    )


def _create_ledger_v2(db: Database) -> None:
    """The keyed ledger, its indexes, and the points each entry gave its beneficiaries."""
    db.table("credit_ledger").create(
        _LEDGER_V2_COLUMNS,
        pk="id",
        not_null={"natural_key", "kind", "person_ref", "points", "issue_uid", "at"},
    )
    ledger = db.table("credit_ledger")
    ledger.create_index(["natural_key"], unique=True)
    ledger.create_index(["issue_uid"])
    ledger.create_index(["at", "person_ref", "points"])
    ledger.create_index(["person_ref", "at"])
    ledger.create_index(["team_id", "at"])
    db.table("credit_received").create(
        {"entry_id": int, "team_id": str, "points": float, "at": str},
        pk=("entry_id", "team_id"),
    )
    db.table("credit_received").create_index(["team_id", "at"])
    for table in ("credit_ledger", "credit_received"):
        _append_only(db, table)


@MIGRATIONS(name="0007_credit_running_totals")
def _credit_running_totals(db: Database) -> None:
    # Each person's running total of counted credit, in time order: any period's sum is the
    # difference of two lookups, so leaderboards stay fast however long the ledger grows.
    db.table("credit_running").create(
        {"person_ref": str, "at": str, "entry_id": int, "total": float},
        pk=("person_ref", "at", "entry_id"),
    )
    db.table("ledger_refs").create({"ref": str}, pk="ref")
    rows = db.execute(
        "SELECT person_ref, at, id, points FROM credit_ledger l WHERE pending = 0 OR EXISTS "
        "(SELECT 1 FROM confirmations c WHERE c.issue_uid = l.issue_uid "
        "AND c.closure = l.closure) ORDER BY person_ref, at, id"
    ).fetchall()
    totals: dict[str, float] = {}
    for ref, at, entry_id, points in rows:
        totals[ref] = totals.get(ref, 0.0) + points
        db.execute(
            "INSERT INTO credit_running (person_ref, at, entry_id, total) VALUES (?, ?, ?, ?)",
            [ref, at, entry_id, totals[ref]],
        )
    db.execute(
        "INSERT OR IGNORE INTO ledger_refs (ref) SELECT DISTINCT person_ref FROM credit_ledger"
    )


@MIGRATIONS(name="0008_case_insensitive_key_lookups")
def _case_insensitive_key_lookups(db: Database) -> None:
    # `/impact why acme/ASR#12` and `impactbot explain` look keys up case-insensitively.
    db.execute("CREATE INDEX IF NOT EXISTS idx_issues_lower_key ON issues (lower(key))")
    db.execute("CREATE INDEX IF NOT EXISTS idx_issues_lower_uid ON issues (lower(uid))")


# The tables 0009 creates (declarative tables, not logic).
_DIGESTS_SENT_COLUMNS: dict[str, type] = {
    "recipient": str,
    "period": str,
    "state": str,
    "claimed_at": str,
    "owner": str,
    "sent_at": str,
    "channel": str,
    "message_ts": str,
}
_CLAIMS_COLUMNS: dict[str, type] = {
    "issue_uid": str,
    "team": str,
    "manager": str,
    "assignee": str,
    "at": str,
    "undone_at": str,
    "writer_detail": str,
}
_DECISIONS_COLUMNS: dict[str, type] = {
    "manager": str,
    "issue_uid": str,
    "kind": str,
    "at": str,
    "score": float,
    "until": str,
    "undone_at": str,
}


@MIGRATIONS(name="0009_digests_claims_decisions")
def _digests_claims_decisions(db: Database) -> None:
    # digests_sent gains a state so a send is claimed before it is posted: the primary key
    # lets one process win, and a claim left behind by a crash is finished, not repeated.
    _drop_empty(db, "digests_sent")
    db.table("digests_sent").create(_DIGESTS_SENT_COLUMNS, pk=("recipient", "period"))
    db.table("claims").create(_CLAIMS_COLUMNS, pk=("issue_uid", "at"))
    db.table("claims").create_index(["issue_uid"])
    db.table("decisions").create(_DECISIONS_COLUMNS, pk=("manager", "issue_uid", "kind", "at"))


@MIGRATIONS(name="0010_credit_notices")
def _credit_notices(db: Database) -> None:
    # Which ledger entries have been announced to the people credited (and to the managers
    # asked to confirm them), so that each is announced once.
    db.table("credit_notices").create({"entry_id": int, "noticed_at": str}, pk="entry_id")
    # Credit minted before notices existed is not announced now, all at once.
    db.execute(
        "INSERT INTO credit_notices (entry_id, noticed_at) "
        "SELECT id, at FROM credit_ledger WHERE kind = 'mint'"
    )


@MIGRATIONS(name="0011_near_duplicates")
def _near_duplicates(db: Database) -> None:
    # Each issue's analysed text, so that only new or edited issues are analysed again;
    # `fingerprint` covers the text and the analysis settings; `pending` marks open issues
    # still to be matched against the others (matching is spread over runs on a big store).
    db.table("dupe_docs").create(
        {"uid": str, "fingerprint": str, "doc": str, "pending": int}, pk="uid"
    )
    db.table("dupe_docs").create_index(["pending"])
    # Pairs at or above the reporting threshold, stored once with a < b.
    db.table("dupe_pairs").create(
        {"a": str, "b": str, "score": float, "matched": str, "found_at": str}, pk=("a", "b")
    )
    db.table("dupe_pairs").create_index(["b"])
    # "Not a duplicate" from people: the pair is never shown again.
    db.table("dupe_feedback").create(
        {"a": str, "b": str, "verdict": str, "person": str, "at": str}, pk=("a", "b")
    )


@MIGRATIONS(name="0012_slack_ids_from_email")
def _slack_ids(db: Database) -> None:
    # Slack ids found by users.lookupByEmail for people teams.yaml gives emails but no
    # `slack:`; `slack_id` NULL records a miss, asked again after a while.
    db.table("slack_ids").create(
        {"person_id": str, "email": str, "slack_id": str, "looked_up_at": str}, pk="person_id"
    )


@MIGRATIONS(name="0013_audit_subject")
def _audit_subject(db: Database) -> None:
    # Each audit row names what it is about (an issue, a ledger entry, a file) beside who
    # acted and why; `impactbot audit --since` reads it by time.
    db.execute("ALTER TABLE audit_log ADD COLUMN subject TEXT NOT NULL DEFAULT ''")
    db.execute("CREATE INDEX IF NOT EXISTS idx_audit_log_at ON audit_log (at, id)")


@MIGRATIONS(name="0014_claim_leases")
def _claim_leases(db: Database) -> None:
    # A claim is reserved before the tracker is written and finished after: `state` is
    # reserved → assigned → done, and `lease_until` says when a process that died in between
    # is presumed dead, so that its claim is reconciled with the tracker, never left
    # standing. Claims made before leases existed were finished: state NULL reads as done.
    db.execute("ALTER TABLE claims ADD COLUMN state TEXT")
    db.execute("ALTER TABLE claims ADD COLUMN lease_until TEXT")
    db.execute("CREATE INDEX IF NOT EXISTS idx_claims_lease ON claims (state, lease_until)")


@MIGRATIONS(name="0015_delivery_failures")
def _delivery_failures(db: Database) -> None:
    # The last failure of each Slack delivery still undone (a digest whose send failed), for
    # `impactbot doctor` and /healthz; a later success deletes the row.
    db.table("delivery_failures").create(
        {
            "job": str,
            "recipient": str,
            "period": str,
            "label": str,
            "error": str,
            "needed": str,
            "transient": int,
            "attempts": int,
            "at": str,
        },
        pk=("job", "recipient", "period"),
    )


@MIGRATIONS(name="0016_issue_visibility")
def _issue_visibility(db: Database) -> None:
    # Who may read an issue on its tracker. Issues stored before visibility was recorded
    # are read again: every saved sync cursor is dropped, so the next sync is a full one.
    db.execute("ALTER TABLE issues ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public'")
    db.table("issues").create_index(["visibility"])
    db.execute("DELETE FROM sync_state")
