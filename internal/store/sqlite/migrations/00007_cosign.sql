-- +goose Up
-- Cosigners and cosignatures (C2SP tlog-cosignature).

-- Projection of the journal: the key each party cosigns checkpoints with,
-- set by its cosigner.set entries. Kept whole, as steps are (see
-- 00003_incidents.sql).
CREATE TABLE cosigners (
    party TEXT PRIMARY KEY,
    entry INTEGER NOT NULL,
    doc   TEXT NOT NULL
) STRICT;

-- The parties' cosignatures of the office's checkpoints, as received: the
-- first one per party and size is kept. They are not in the journal, which
-- they vouch for. time is the time the cosignature states, as text of a
-- fixed width.
CREATE TABLE cosignatures (
    party TEXT NOT NULL,
    size  INTEGER NOT NULL,
    time  TEXT NOT NULL,
    line  TEXT NOT NULL,
    key   TEXT NOT NULL,
    PRIMARY KEY (party, size)
) STRICT;
CREATE INDEX cosignatures_size ON cosignatures(size, party);

-- +goose Down
DROP TABLE cosignatures;
DROP TABLE cosigners;
