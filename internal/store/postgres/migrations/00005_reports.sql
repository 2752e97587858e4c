-- +goose Up
-- Reports and requests for information. The journal holds only salted
-- hashes of what they say; the projection (reports, rfis) is what the
-- journal says, and the sealed content lives beside it, keyed by item and
-- hash, never replaced (a handling change adds a version).

-- Projection of the journal.
CREATE TABLE reports (
    id    text COLLATE "C" PRIMARY KEY,
    owner text COLLATE "C" NOT NULL,
    hash  text COLLATE "C" NOT NULL,
    entry bigint NOT NULL,
    doc   bytea NOT NULL
);

CREATE TABLE rfis (
    id         text COLLATE "C" PRIMARY KEY,
    from_party text COLLATE "C" NOT NULL,
    to_party   text COLLATE "C" NOT NULL,
    entry      bigint NOT NULL,
    doc        bytea NOT NULL
);
CREATE INDEX rfis_from ON rfis(from_party, id);
CREATE INDEX rfis_to ON rfis(to_party, id);

-- Sealed content of released reports, one row per version. The columns
-- beside doc are what the handling rule reads, so lists filter in the
-- query: recipients is ',ru,mon,' ('' for every party).
CREATE TABLE report_contents (
    id         text COLLATE "C" NOT NULL,
    hash       text COLLATE "C" NOT NULL,
    owner      text COLLATE "C" NOT NULL,
    handling   text COLLATE "C" NOT NULL,
    recipients text COLLATE "C" NOT NULL,
    created_by text COLLATE "C" NOT NULL,
    doc        bytea NOT NULL,
    PRIMARY KEY (id, hash)
);

-- Sealed documents of requests: the question, a decline's reason.
CREATE TABLE sealed (
    id   text COLLATE "C" NOT NULL,
    hash text COLLATE "C" NOT NULL,
    doc  bytea NOT NULL,
    PRIMARY KEY (id, hash)
);

-- Each party's HQ.
CREATE TABLE report_drafts (
    id    text COLLATE "C" PRIMARY KEY,
    owner text COLLATE "C" NOT NULL,
    doc   bytea NOT NULL
);
CREATE INDEX report_drafts_owner ON report_drafts(owner, id);

-- Each party's HQ changes, numbered per party: what its event streams
-- announce to its own members (never to anyone else).
CREATE TABLE hq_events (
    party   text COLLATE "C" NOT NULL,
    seq     bigint NOT NULL,
    kind    text COLLATE "C" NOT NULL,
    subject text COLLATE "C" NOT NULL,
    member  text COLLATE "C" NOT NULL,
    time    timestamptz NOT NULL,
    PRIMARY KEY (party, seq)
);

-- +goose Down
DROP TABLE hq_events;
DROP TABLE report_drafts;
DROP TABLE sealed;
DROP TABLE report_contents;
DROP TABLE rfis;
DROP TABLE reports;
