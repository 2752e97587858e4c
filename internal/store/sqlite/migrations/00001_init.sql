-- +goose Up
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE parties (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('party', 'monitor')),
    verifier_key TEXT NOT NULL,
    created_at   TEXT NOT NULL
) STRICT;

CREATE TABLE members (
    username      TEXT PRIMARY KEY,
    party         TEXT REFERENCES parties(id),
    role          TEXT CHECK (role IN ('official', 'analyst', 'planner', 'observer')),
    admin         INTEGER NOT NULL DEFAULT 0,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    CHECK ((admin = 1 AND party IS NULL AND role IS NULL) OR (admin = 0 AND party IS NOT NULL AND role IS NOT NULL))
) STRICT;

CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    username   TEXT NOT NULL REFERENCES members(username) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;
CREATE INDEX sessions_username ON sessions(username);

-- The journal: one row per entry, its exact signed note bytes.
CREATE TABLE journal_entries (
    idx       INTEGER PRIMARY KEY,
    id        TEXT NOT NULL UNIQUE,
    party     TEXT NOT NULL,
    party_seq INTEGER NOT NULL,
    kind      TEXT NOT NULL,
    subject   TEXT NOT NULL,
    time      TEXT NOT NULL,
    note      BLOB NOT NULL,
    UNIQUE (party, party_seq)
) STRICT;

-- tlog stored hashes, indexed by tlog.StoredHashIndex.
CREATE TABLE journal_hashes (
    idx  INTEGER PRIMARY KEY,
    hash BLOB NOT NULL
) STRICT;

CREATE TABLE journal_checkpoints (
    size INTEGER PRIMARY KEY,
    note BLOB NOT NULL
) STRICT;

-- Projection of the journal: actors and designations.
CREATE TABLE actors (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    aliases          TEXT NOT NULL,
    answerable_party TEXT,
    created_by       TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    entry            INTEGER NOT NULL
) STRICT;

CREATE TABLE designations (
    actor_id    TEXT NOT NULL REFERENCES actors(id),
    party       TEXT NOT NULL,
    entry       INTEGER NOT NULL,
    PRIMARY KEY (actor_id, party)
) STRICT;

CREATE TABLE designation_history (
    entry       INTEGER PRIMARY KEY,
    actor_id    TEXT NOT NULL REFERENCES actors(id),
    party       TEXT NOT NULL,
    designation TEXT NOT NULL,
    note        TEXT NOT NULL,
    member      TEXT NOT NULL,
    time        TEXT NOT NULL
) STRICT;
CREATE INDEX designation_history_actor ON designation_history(actor_id, entry);

-- +goose Down
DROP TABLE designation_history;
DROP TABLE designations;
DROP TABLE actors;
DROP TABLE journal_checkpoints;
DROP TABLE journal_hashes;
DROP TABLE journal_entries;
DROP TABLE sessions;
DROP TABLE members;
DROP TABLE parties;
DROP TABLE meta;
