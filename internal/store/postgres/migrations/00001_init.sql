-- +goose Up
-- Keys and names are COLLATE "C": they sort and compare byte by byte, as
-- Go strings (and SQLite's BINARY) do, whatever the database's locale, so
-- keyset paging (id > $1 ORDER BY id) gives the same pages on every backend.
CREATE TABLE meta (
    key   text COLLATE "C" PRIMARY KEY,
    value text NOT NULL
);

CREATE TABLE parties (
    id           text COLLATE "C" PRIMARY KEY,
    name         text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('party', 'monitor')),
    verifier_key text NOT NULL,
    created_at   timestamptz NOT NULL
);

CREATE TABLE members (
    username      text COLLATE "C" PRIMARY KEY,
    party         text COLLATE "C" REFERENCES parties(id),
    role          text CHECK (role IN ('official', 'analyst', 'planner', 'observer')),
    admin         boolean NOT NULL DEFAULT false,
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL,
    CHECK ((admin AND party IS NULL AND role IS NULL) OR (NOT admin AND party IS NOT NULL AND role IS NOT NULL))
);

CREATE TABLE sessions (
    token_hash bytea PRIMARY KEY,
    username   text COLLATE "C" NOT NULL REFERENCES members(username) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_username ON sessions(username);
CREATE INDEX sessions_expires_at ON sessions(expires_at);

-- The journal's head: one row, locked (SELECT ... FOR UPDATE) by every
-- append, which serializes appends across connections, processes and nodes
-- on this database. size is the next entry's index: indexes come from here,
-- not from a sequence.
CREATE TABLE journal_head (
    one  boolean PRIMARY KEY DEFAULT true CHECK (one),
    size bigint NOT NULL CHECK (size >= 0)
);
INSERT INTO journal_head(one, size) VALUES (true, 0);

-- The journal: one row per entry, its exact signed note bytes.
CREATE TABLE journal_entries (
    idx       bigint PRIMARY KEY CHECK (idx >= 0),
    id        text COLLATE "C" NOT NULL UNIQUE,
    party     text COLLATE "C" NOT NULL,
    party_seq bigint NOT NULL,
    kind      text NOT NULL,
    subject   text COLLATE "C" NOT NULL,
    time      timestamptz NOT NULL,
    note      bytea NOT NULL,
    UNIQUE (party, party_seq)
);

-- tlog stored hashes, indexed by tlog.StoredHashIndex.
CREATE TABLE journal_hashes (
    idx  bigint PRIMARY KEY CHECK (idx >= 0),
    hash bytea NOT NULL
);

CREATE TABLE journal_checkpoints (
    size bigint PRIMARY KEY,
    note bytea NOT NULL
);

-- Projection of the journal: actors and designations.
CREATE TABLE actors (
    id               text COLLATE "C" PRIMARY KEY,
    name             text NOT NULL,
    aliases          text[] NOT NULL,
    answerable_party text COLLATE "C",
    created_by       text COLLATE "C" NOT NULL,
    created_at       timestamptz NOT NULL,
    entry            bigint NOT NULL
);

CREATE TABLE designations (
    actor_id text COLLATE "C" NOT NULL REFERENCES actors(id),
    party    text COLLATE "C" NOT NULL,
    entry    bigint NOT NULL,
    PRIMARY KEY (actor_id, party)
);

CREATE TABLE designation_history (
    entry       bigint PRIMARY KEY,
    actor_id    text COLLATE "C" NOT NULL REFERENCES actors(id),
    party       text COLLATE "C" NOT NULL,
    designation text NOT NULL,
    note        text NOT NULL,
    member      text COLLATE "C" NOT NULL,
    time        timestamptz NOT NULL
);
CREATE INDEX designation_history_actor ON designation_history(actor_id, entry);

-- +goose Down
DROP TABLE designation_history;
DROP TABLE designations;
DROP TABLE actors;
DROP TABLE journal_checkpoints;
DROP TABLE journal_hashes;
DROP TABLE journal_entries;
DROP TABLE journal_head;
DROP TABLE sessions;
DROP TABLE members;
DROP TABLE parties;
DROP TABLE meta;
