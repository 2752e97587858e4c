-- +goose Up
-- Reports and requests for information. The journal holds only salted
-- hashes of what they say; the projection (reports, rfis) is what the
-- journal says, and the sealed content lives beside it, keyed by item and
-- hash, never replaced (a handling change adds a version).

-- Projection of the journal.
CREATE TABLE reports (
    id    TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    hash  TEXT NOT NULL,
    entry INTEGER NOT NULL,
    doc   TEXT NOT NULL
) STRICT;

CREATE TABLE rfis (
    id         TEXT PRIMARY KEY,
    from_party TEXT NOT NULL,
    to_party   TEXT NOT NULL,
    entry      INTEGER NOT NULL,
    doc        TEXT NOT NULL
) STRICT;
CREATE INDEX rfis_from ON rfis(from_party, id);
CREATE INDEX rfis_to ON rfis(to_party, id);

-- Sealed content of released reports, one row per version. The columns
-- beside doc are what the handling rule reads, so lists filter in the
-- query: recipients is ',ru,mon,' ('' for every party).
CREATE TABLE report_contents (
    id         TEXT NOT NULL,
    hash       TEXT NOT NULL,
    owner      TEXT NOT NULL,
    handling   TEXT NOT NULL,
    recipients TEXT NOT NULL,
    created_by TEXT NOT NULL,
    doc        TEXT NOT NULL,
    PRIMARY KEY (id, hash)
) STRICT;

-- Sealed documents of requests: the question, a decline's reason.
CREATE TABLE sealed (
    id   TEXT NOT NULL,
    hash TEXT NOT NULL,
    doc  TEXT NOT NULL,
    PRIMARY KEY (id, hash)
) STRICT;

-- Each party's HQ.
CREATE TABLE report_drafts (
    id    TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    doc   TEXT NOT NULL
) STRICT;
CREATE INDEX report_drafts_owner ON report_drafts(owner, id);

-- Each party's HQ changes, numbered per party: what its event streams
-- announce to its own members (never to anyone else).
CREATE TABLE hq_events (
    party   TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    kind    TEXT NOT NULL,
    subject TEXT NOT NULL,
    member  TEXT NOT NULL,
    time    TEXT NOT NULL,
    PRIMARY KEY (party, seq)
) STRICT;

-- +goose Down
DROP TABLE hq_events;
DROP TABLE report_drafts;
DROP TABLE sealed;
DROP TABLE report_contents;
DROP TABLE rfis;
DROP TABLE reports;
