-- +goose Up
-- Zones, sites, notices and the records around them are kept whole: doc is
-- the item's JSON as encoding/json wrote it, read back as it is, and the
-- other columns are what queries select and order by. Secrets an item's
-- JSON leaves out (a site's salt, a commitment's seed) have columns of
-- their own. bbox columns are degrees: min lon, min lat, max lon, max lat.

-- Projection of the journal: released zones, sealed site commitments and
-- notices.
CREATE TABLE zones (
    id          TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    status      TEXT NOT NULL,
    valid_until TEXT,
    min_lon     REAL NOT NULL,
    min_lat     REAL NOT NULL,
    max_lon     REAL NOT NULL,
    max_lat     REAL NOT NULL,
    entry       INTEGER NOT NULL,
    doc         TEXT NOT NULL
) STRICT;
CREATE INDEX zones_owner ON zones(owner, id);

CREATE TABLE site_commitments (
    entry INTEGER PRIMARY KEY,
    id    TEXT NOT NULL,
    party TEXT NOT NULL,
    doc   TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX site_commitments_id ON site_commitments(id);

CREATE TABLE notices (
    id      TEXT PRIMARY KEY,
    party   TEXT NOT NULL,
    min_lon REAL NOT NULL,
    min_lat REAL NOT NULL,
    max_lon REAL NOT NULL,
    max_lat REAL NOT NULL,
    entry   INTEGER NOT NULL,
    doc     TEXT NOT NULL
) STRICT;
CREATE INDEX notices_party ON notices(party, id);

-- Each party's HQ: items no other party may read.
CREATE TABLE zone_drafts (
    id         TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    min_lon    REAL NOT NULL,
    min_lat    REAL NOT NULL,
    max_lon    REAL NOT NULL,
    max_lat    REAL NOT NULL,
    updated_at TEXT NOT NULL,
    doc        TEXT NOT NULL
) STRICT;
CREATE INDEX zone_drafts_owner ON zone_drafts(owner, id);

CREATE TABLE sites (
    id             TEXT PRIMARY KEY,
    party          TEXT NOT NULL,
    zone_id        TEXT NOT NULL,
    salt           TEXT NOT NULL,
    revealed_entry INTEGER NOT NULL,
    doc            TEXT NOT NULL
) STRICT;
CREATE INDEX sites_party ON sites(party, id);

CREATE TABLE site_sets (
    commitment TEXT PRIMARY KEY,
    party      TEXT NOT NULL,
    entry      INTEGER NOT NULL,
    seed       TEXT NOT NULL,
    doc        TEXT NOT NULL
) STRICT;
CREATE INDEX site_sets_party ON site_sets(party, entry);

CREATE TABLE probes (
    id    TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    doc   TEXT NOT NULL
) STRICT;
CREATE INDEX probes_owner ON probes(owner, id);

-- +goose Down
DROP TABLE probes;
DROP TABLE site_sets;
DROP TABLE sites;
DROP TABLE zone_drafts;
DROP TABLE notices;
DROP TABLE site_commitments;
DROP TABLE zones;
