-- +goose Up
-- Zones, sites, notices and the records around them are kept whole: doc is
-- the item's JSON as encoding/json wrote it, byte for byte (bytea, not
-- jsonb, which would reorder keys and drop whitespace), and the other
-- columns are what queries select and order by. Secrets an item's JSON
-- leaves out (a site's salt, a commitment's seed) have columns of their
-- own. bbox columns are degrees: min lon, min lat, max lon, max lat.

-- Projection of the journal: released zones, sealed site commitments and
-- notices.
CREATE TABLE zones (
    id          text COLLATE "C" PRIMARY KEY,
    owner       text COLLATE "C" NOT NULL,
    status      text NOT NULL,
    valid_until timestamptz,
    min_lon     double precision NOT NULL,
    min_lat     double precision NOT NULL,
    max_lon     double precision NOT NULL,
    max_lat     double precision NOT NULL,
    entry       bigint NOT NULL,
    doc         bytea NOT NULL
);
CREATE INDEX zones_owner ON zones(owner, id);

CREATE TABLE site_commitments (
    entry bigint PRIMARY KEY,
    id    text COLLATE "C" NOT NULL,
    party text COLLATE "C" NOT NULL,
    doc   bytea NOT NULL
);
CREATE UNIQUE INDEX site_commitments_id ON site_commitments(id);

CREATE TABLE notices (
    id      text COLLATE "C" PRIMARY KEY,
    party   text COLLATE "C" NOT NULL,
    min_lon double precision NOT NULL,
    min_lat double precision NOT NULL,
    max_lon double precision NOT NULL,
    max_lat double precision NOT NULL,
    entry   bigint NOT NULL,
    doc     bytea NOT NULL
);
CREATE INDEX notices_party ON notices(party, id);

-- Each party's HQ: items no other party may read.
CREATE TABLE zone_drafts (
    id         text COLLATE "C" PRIMARY KEY,
    owner      text COLLATE "C" NOT NULL,
    min_lon    double precision NOT NULL,
    min_lat    double precision NOT NULL,
    max_lon    double precision NOT NULL,
    max_lat    double precision NOT NULL,
    updated_at timestamptz NOT NULL,
    doc        bytea NOT NULL
);
CREATE INDEX zone_drafts_owner ON zone_drafts(owner, id);

CREATE TABLE sites (
    id             text COLLATE "C" PRIMARY KEY,
    party          text COLLATE "C" NOT NULL,
    zone_id        text COLLATE "C" NOT NULL,
    salt           text NOT NULL,
    revealed_entry bigint NOT NULL,
    doc            bytea NOT NULL
);
CREATE INDEX sites_party ON sites(party, id);

CREATE TABLE site_sets (
    commitment text COLLATE "C" PRIMARY KEY,
    party      text COLLATE "C" NOT NULL,
    entry      bigint NOT NULL,
    seed       text NOT NULL,
    doc        bytea NOT NULL
);
CREATE INDEX site_sets_party ON site_sets(party, entry);

CREATE TABLE probes (
    id    text COLLATE "C" PRIMARY KEY,
    owner text COLLATE "C" NOT NULL,
    doc   bytea NOT NULL
);
CREATE INDEX probes_owner ON probes(owner, id);

-- +goose Down
DROP TABLE probes;
DROP TABLE site_sets;
DROP TABLE sites;
DROP TABLE zone_drafts;
DROP TABLE notices;
DROP TABLE site_commitments;
DROP TABLE zones;
