-- +goose Up
-- Incidents, commitments and agreement steps are kept whole, as zones are
-- (see 00002_zones.sql): doc is the item's JSON as encoding/json wrote it,
-- and the other columns are copies of fields for the queries. Times are
-- text of a fixed width, so they sort as text in time order.

-- Projection of the journal: released incidents.
CREATE TABLE incidents (
    id            TEXT PRIMARY KEY,
    owner         TEXT NOT NULL,
    occurred_at   TEXT NOT NULL,
    perpetrator   TEXT,
    has_violation INTEGER NOT NULL,
    min_lon       REAL NOT NULL,
    min_lat       REAL NOT NULL,
    max_lon       REAL NOT NULL,
    max_lat       REAL NOT NULL,
    entry         INTEGER NOT NULL,
    doc           TEXT NOT NULL
) STRICT;
CREATE INDEX incidents_occurred_at ON incidents(occurred_at);
CREATE INDEX incidents_perpetrator ON incidents(perpetrator, id);

-- One row per violation of a released incident, rewritten with it: the
-- rows the statistics count. '' stands for no answerable party and no
-- perpetrator; week is the Monday 00:00 UTC starting occurred_at's week.
-- An incident counts once per key however many of its violations share
-- it, so the write marks the one row that counts it for each key: by_x is
-- 1 on the incident's first row with its x. A count by x scans the partial
-- index of those rows whole, in the order of its answer, without a
-- DISTINCT; its times are Unix microseconds, not text, to keep the
-- indexes small.
CREATE TABLE incident_violations (
    incident_id         TEXT NOT NULL,
    zone_id             TEXT NOT NULL,
    answerable_party    TEXT NOT NULL,
    perpetrator         TEXT NOT NULL,
    occurred_at         INTEGER NOT NULL,
    week                INTEGER NOT NULL,
    by_perpetrator      INTEGER NOT NULL,
    by_answerable_party INTEGER NOT NULL,
    by_zone             INTEGER NOT NULL
) STRICT;
CREATE INDEX incident_violations_incident ON incident_violations(incident_id);
CREATE INDEX incident_violations_perpetrator ON incident_violations(perpetrator, week, occurred_at) WHERE by_perpetrator;
CREATE INDEX incident_violations_answerable_party ON incident_violations(answerable_party, week, occurred_at) WHERE by_answerable_party;
CREATE INDEX incident_violations_zone ON incident_violations(zone_id, week, occurred_at) WHERE by_zone;

CREATE TABLE commitments (
    id    TEXT PRIMARY KEY,
    party TEXT NOT NULL,
    entry INTEGER NOT NULL,
    doc   TEXT NOT NULL
) STRICT;
CREATE INDEX commitments_party ON commitments(party, id);

CREATE TABLE steps (
    id    TEXT PRIMARY KEY,
    entry INTEGER NOT NULL,
    doc   TEXT NOT NULL
) STRICT;

-- Each party's HQ. has_violation is computed from the draft's violations,
-- which a draft seldom has.
CREATE TABLE incident_drafts (
    id            TEXT PRIMARY KEY,
    owner         TEXT NOT NULL,
    occurred_at   TEXT NOT NULL,
    perpetrator   TEXT,
    has_violation INTEGER NOT NULL,
    min_lon       REAL NOT NULL,
    min_lat       REAL NOT NULL,
    max_lon       REAL NOT NULL,
    max_lat       REAL NOT NULL,
    updated_at    TEXT NOT NULL,
    doc           TEXT NOT NULL
) STRICT;
CREATE INDEX incident_drafts_owner ON incident_drafts(owner, id);

CREATE TABLE commitment_drafts (
    id    TEXT PRIMARY KEY,
    party TEXT NOT NULL,
    doc   TEXT NOT NULL
) STRICT;
CREATE INDEX commitment_drafts_party ON commitment_drafts(party, id);

-- +goose Down
DROP TABLE commitment_drafts;
DROP TABLE incident_drafts;
DROP TABLE steps;
DROP TABLE commitments;
DROP TABLE incident_violations;
DROP TABLE incidents;
