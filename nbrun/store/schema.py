"""The database schema, its version and the migrations from the first released version on."""

from __future__ import annotations

import sqlite3

from ..errors import Error

SCHEMA_VERSION = 11

# Version 1. A run row is one incarnation of a run id: ``rid`` keys its history, so a run id that
# is replaced (resume=None on an existing id) never mixes with data a stale writer still sends.
_V1 = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    rid            INTEGER PRIMARY KEY AUTOINCREMENT,
    id             TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    project        TEXT NOT NULL,
    entity         TEXT,
    notes          TEXT,
    tags           TEXT NOT NULL DEFAULT '[]',
    run_group      TEXT,
    job_type       TEXT,
    config         TEXT NOT NULL DEFAULT '{}',
    summary        TEXT NOT NULL DEFAULT '{}',
    state          TEXT NOT NULL,
    exit_code      INTEGER,
    mode           TEXT NOT NULL,
    created_at     REAL NOT NULL,
    updated_at     REAL NOT NULL,
    finished_at    REAL,
    heartbeat_at   REAL NOT NULL,
    host           TEXT NOT NULL,
    pid            INTEGER NOT NULL,
    pid_start      TEXT,
    program        TEXT,
    last_step      INTEGER NOT NULL DEFAULT -1,
    starting_step  INTEGER NOT NULL DEFAULT 0,
    resumed_count  INTEGER NOT NULL DEFAULT 0,
    lineage        TEXT NOT NULL DEFAULT '{}',
    settings       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS runs_project ON runs (project, created_at);
CREATE INDEX IF NOT EXISTS runs_state ON runs (state);
CREATE TABLE IF NOT EXISTS series (
    rid      INTEGER NOT NULL,
    key      TEXT NOT NULL,
    step_lo  INTEGER NOT NULL,
    step_hi  INTEGER NOT NULL,
    n        INTEGER NOT NULL,
    kind     TEXT NOT NULL,
    steps    BLOB NOT NULL,
    vals     BLOB NOT NULL,
    rewound  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS series_run_key ON series (rid, key, step_lo);
"""

# Migrations from version N to N + 1, applied in order inside the same transaction.
MIGRATIONS: dict[int, str] = {
    # 2: runs replaced by re-running their cell before they logged anything are hidden from
    # listings; the notebook cell that started a run; indexes for listing by time.
    1: """
    ALTER TABLE runs ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE runs ADD COLUMN cell TEXT;
    CREATE INDEX IF NOT EXISTS runs_created ON runs (created_at);
    CREATE INDEX IF NOT EXISTS runs_updated ON runs (updated_at)
    """,
    # 3: values the writer could not store and set aside, so that a run says what it is
    # missing: {"count": n, "items": [{"key", "step", "reason"}, ...]} (the first few).
    2: """
    ALTER TABLE runs ADD COLUMN unstored TEXT NOT NULL DEFAULT '{}'
    """,
    # 4: online mode. ``series.wall`` is the writer's commit time of the chunk (ms since the
    # epoch; NULL for chunks written before), fixed once written so a resent metric point is the
    # same point. ``sync`` is each run's progress towards its tracking server (see syncstate.py).
    3: """
    ALTER TABLE series ADD COLUMN wall INTEGER;
    CREATE TABLE IF NOT EXISTS sync (
        rid            INTEGER PRIMARY KEY,
        server         TEXT,
        sync_key       TEXT,
        experiment_id  TEXT,
        server_run_id  TEXT,
        url            TEXT,
        generation     INTEGER NOT NULL DEFAULT 0,
        cursor         INTEGER NOT NULL DEFAULT 0,
        partial        INTEGER NOT NULL DEFAULT 0,
        inflight       TEXT,
        points_sent    INTEGER NOT NULL DEFAULT 0,
        sent           TEXT NOT NULL DEFAULT '{}',
        last_error     TEXT,
        error_at       REAL,
        synced_at      REAL,
        lease_owner    TEXT,
        lease_at       REAL,
        updated_at     REAL NOT NULL
    )
    """,
    # 5: why a run failed: {"type", "message", "traceback", "where", "at"} of the exception that
    # ended it (a ``with`` block, an uncaught exception in a script) or of the last cell that
    # raised while it was active in a notebook; {} when there was none.
    4: """
    ALTER TABLE runs ADD COLUMN error TEXT NOT NULL DEFAULT '{}'
    """,
    # 6: rich data (nbrun.media). One row per stored media value (``item`` numbers the images
    # of a gallery): its kind, its file in the run folder (content-addressed, relative, NULL
    # for a histogram, which is held inline), the file's size and what describes it (width,
    # caption, columns, bins...) as JSON. ``rewound`` follows the history's rows on a rewind.
    5: """
    CREATE TABLE IF NOT EXISTS media (
        rid      INTEGER NOT NULL,
        key      TEXT NOT NULL,
        step     INTEGER NOT NULL,
        item     INTEGER NOT NULL DEFAULT 0,
        kind     TEXT NOT NULL,
        file     TEXT,
        size     INTEGER NOT NULL DEFAULT 0,
        meta     TEXT NOT NULL DEFAULT '{}',
        wall     INTEGER,
        rewound  INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX IF NOT EXISTS media_run_key ON media (rid, key, step)
    """,
    # 7: ``series.walls``, the time each point was logged (``log()``'s clock, packed float64
    # seconds, NaN where unknown); NULL for chunks written before, whose points all take the
    # chunk's ``wall``. A tracking server shows each point at its own time, to the ms.
    6: """
    ALTER TABLE series ADD COLUMN walls BLOB
    """,
    # 8: artifacts (see store/artifact_rows.py). A name per project with its type; its
    # versions, each a manifest (path -> digest, size; or a reference URI) whose digest is the
    # version's, stored once per content in .nbrun/objects/; aliases per name; and the lineage:
    # the runs that logged each version and the runs that used it (with the alias they asked
    # for, the step, and ``via``: the run a fork inherited the use from).
    7: """
    CREATE TABLE IF NOT EXISTS artifacts (
        aid         INTEGER PRIMARY KEY AUTOINCREMENT,
        project     TEXT NOT NULL,
        name        TEXT NOT NULL,
        type        TEXT NOT NULL,
        next_index  INTEGER NOT NULL DEFAULT 0,
        created_at  REAL NOT NULL,
        updated_at  REAL NOT NULL,
        UNIQUE (project, name)
    );
    CREATE TABLE IF NOT EXISTS artifact_versions (
        vid          INTEGER PRIMARY KEY AUTOINCREMENT,
        aid          INTEGER NOT NULL,
        idx          INTEGER NOT NULL,
        digest       TEXT NOT NULL,
        description  TEXT,
        metadata     TEXT NOT NULL DEFAULT '{}',
        size         INTEGER NOT NULL,
        file_count   INTEGER NOT NULL,
        created_at   REAL NOT NULL,
        UNIQUE (aid, idx),
        UNIQUE (aid, digest)
    );
    CREATE TABLE IF NOT EXISTS artifact_files (
        vid     INTEGER NOT NULL,
        path    TEXT NOT NULL,
        digest  TEXT NOT NULL,
        size    INTEGER,
        ref     TEXT,
        PRIMARY KEY (vid, path)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS artifact_objects ON artifact_files (digest) WHERE ref IS NULL;
    CREATE TABLE IF NOT EXISTS artifact_aliases (
        aid    INTEGER NOT NULL,
        alias  TEXT NOT NULL,
        vid    INTEGER NOT NULL,
        PRIMARY KEY (aid, alias)
    );
    CREATE INDEX IF NOT EXISTS artifact_aliases_vid ON artifact_aliases (vid);
    CREATE TABLE IF NOT EXISTS artifact_logged (
        vid   INTEGER NOT NULL,
        rid   INTEGER NOT NULL,
        step  INTEGER,
        at    REAL NOT NULL,
        PRIMARY KEY (vid, rid)
    );
    CREATE INDEX IF NOT EXISTS artifact_logged_rid ON artifact_logged (rid);
    CREATE TABLE IF NOT EXISTS artifact_used (
        vid    INTEGER NOT NULL,
        rid    INTEGER NOT NULL,
        asked  TEXT NOT NULL,
        step   INTEGER,
        at     REAL NOT NULL,
        via    TEXT,
        PRIMARY KEY (vid, rid, asked)
    );
    CREATE INDEX IF NOT EXISTS artifact_used_rid ON artifact_used (rid)
    """,
    # 9: ``runs.metrics`` holds the run's define_metric() definitions by name or glob (see
    # metricdefs.py); ``alerts`` holds run.alert() calls, each with its time, step and level,
    # and how many calls of the same title its wait_duration held back before it.
    8: """
    ALTER TABLE runs ADD COLUMN metrics TEXT NOT NULL DEFAULT '{}';
    CREATE TABLE IF NOT EXISTS alerts (
        rid         INTEGER NOT NULL,
        at          REAL NOT NULL,
        step        INTEGER,
        level       TEXT NOT NULL,
        title       TEXT NOT NULL,
        body        TEXT NOT NULL,
        suppressed  INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX IF NOT EXISTS alerts_run ON alerts (rid, at)
    """,
    # 10: online mode for rich data. ``media.sent`` is where a media row went on the run's
    # tracking server (its main artifact path; '' when there was nothing to send), NULL until it
    # is there: set once every file and tag of the row is on the server, so a row is sent once
    # whatever stops the syncer (see nbrun/sync/mediasync.py).
    9: """
    ALTER TABLE media ADD COLUMN sent TEXT;
    CREATE INDEX IF NOT EXISTS media_unsent ON media (rid) WHERE sent IS NULL
    """,
    # 11: online mode for artifacts. ``sent`` of a lineage row is what of it is on the run's
    # tracking server (JSON: where the files went, the logged model's id; '' when there was
    # nothing to send), NULL until all of it is there (see nbrun/sync/artifactsync.py).
    10: """
    ALTER TABLE artifact_logged ADD COLUMN sent TEXT;
    ALTER TABLE artifact_used ADD COLUMN sent TEXT
    """,
}


def ensure_schema(conn: sqlite3.Connection) -> None:
    """Create the schema in a new database or migrate an older one to SCHEMA_VERSION."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        has_meta = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'"
        ).fetchone()
        version = 0
        if has_meta:
            row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            version = int(row[0]) if row else 0
        if version > SCHEMA_VERSION:
            raise Error(
                f"this store has schema version {version}; this nbrun reads up to "
                f"{SCHEMA_VERSION}: upgrade nbrun"
            )
        if version == 0:
            for statement in _V1.split(";"):
                if statement.strip():
                    conn.execute(statement)
            version = 1
        while version < SCHEMA_VERSION:
            for statement in MIGRATIONS[version].split(";"):
                if statement.strip():
                    conn.execute(statement)
            version += 1
        conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
            (str(version),),
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
