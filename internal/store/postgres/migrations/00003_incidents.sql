-- +goose Up
-- Incidents, commitments and agreement steps are kept whole, as zones are
-- (see 00002_zones.sql): doc is the item's JSON as encoding/json wrote it,
-- byte for byte, and the other columns are copies of fields for the
-- queries.

-- Projection of the journal: released incidents.
CREATE TABLE incidents (
    id            text COLLATE "C" PRIMARY KEY,
    owner         text COLLATE "C" NOT NULL,
    occurred_at   timestamptz NOT NULL,
    perpetrator   text COLLATE "C",
    has_violation boolean NOT NULL,
    min_lon       double precision NOT NULL,
    min_lat       double precision NOT NULL,
    max_lon       double precision NOT NULL,
    max_lat       double precision NOT NULL,
    entry         bigint NOT NULL,
    doc           bytea NOT NULL
);
CREATE INDEX incidents_occurred_at ON incidents(occurred_at);
CREATE INDEX incidents_perpetrator ON incidents(perpetrator, id);

-- One row per violation of a released incident, rewritten with it: the
-- rows the statistics count. '' stands for no answerable party and no
-- perpetrator; week is the Monday 00:00 UTC starting occurred_at's week.
-- An incident counts once per key however many of its violations share
-- it, so the write marks the one row that counts it for each key: by_x is
-- true on the incident's first row with its x. A count by x reads those
-- rows alone, without a DISTINCT (which PostgreSQL runs as a sort per
-- group, never in parallel), from the table or from the partial index.
CREATE TABLE incident_violations (
    incident_id         text COLLATE "C" NOT NULL,
    zone_id             text COLLATE "C" NOT NULL,
    answerable_party    text COLLATE "C" NOT NULL,
    perpetrator         text COLLATE "C" NOT NULL,
    occurred_at         timestamptz NOT NULL,
    week                timestamptz NOT NULL,
    by_perpetrator      boolean NOT NULL,
    by_answerable_party boolean NOT NULL,
    by_zone             boolean NOT NULL
);
CREATE INDEX incident_violations_incident ON incident_violations(incident_id);
CREATE INDEX incident_violations_perpetrator ON incident_violations(perpetrator, week) INCLUDE (occurred_at) WHERE by_perpetrator;
CREATE INDEX incident_violations_answerable_party ON incident_violations(answerable_party, week) INCLUDE (occurred_at) WHERE by_answerable_party;
CREATE INDEX incident_violations_zone ON incident_violations(zone_id, week) INCLUDE (occurred_at) WHERE by_zone;

CREATE TABLE commitments (
    id    text COLLATE "C" PRIMARY KEY,
    party text COLLATE "C" NOT NULL,
    entry bigint NOT NULL,
    doc   bytea NOT NULL
);
CREATE INDEX commitments_party ON commitments(party, id);

CREATE TABLE steps (
    id    text COLLATE "C" PRIMARY KEY,
    entry bigint NOT NULL,
    doc   bytea NOT NULL
);

-- Each party's HQ. has_violation is computed from the draft's violations,
-- which a draft seldom has.
CREATE TABLE incident_drafts (
    id            text COLLATE "C" PRIMARY KEY,
    owner         text COLLATE "C" NOT NULL,
    occurred_at   timestamptz NOT NULL,
    perpetrator   text COLLATE "C",
    has_violation boolean NOT NULL,
    min_lon       double precision NOT NULL,
    min_lat       double precision NOT NULL,
    max_lon       double precision NOT NULL,
    max_lat       double precision NOT NULL,
    updated_at    timestamptz NOT NULL,
    doc           bytea NOT NULL
);
CREATE INDEX incident_drafts_owner ON incident_drafts(owner, id);

CREATE TABLE commitment_drafts (
    id    text COLLATE "C" PRIMARY KEY,
    party text COLLATE "C" NOT NULL,
    doc   bytea NOT NULL
);
CREATE INDEX commitment_drafts_party ON commitment_drafts(party, id);

-- +goose Down
DROP TABLE commitment_drafts;
DROP TABLE incident_drafts;
DROP TABLE steps;
DROP TABLE commitments;
DROP TABLE incident_violations;
DROP TABLE incidents;
