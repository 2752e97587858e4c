-- +goose Up
-- Cosigners and cosignatures (C2SP tlog-cosignature).

-- Projection of the journal: the key each party cosigns checkpoints with,
-- set by its cosigner.set entries. Kept whole, as steps are (see
-- 00003_incidents.sql).
CREATE TABLE cosigners (
    party text COLLATE "C" PRIMARY KEY,
    entry bigint NOT NULL,
    doc   bytea NOT NULL
);

-- The parties' cosignatures of the office's checkpoints, as received: the
-- first one per party and size is kept. They are not in the journal, which
-- they vouch for. time is the time the cosignature states.
CREATE TABLE cosignatures (
    party text COLLATE "C" NOT NULL,
    size  bigint NOT NULL,
    time  timestamptz NOT NULL,
    line  text COLLATE "C" NOT NULL,
    key   text COLLATE "C" NOT NULL,
    PRIMARY KEY (party, size)
);
CREATE INDEX cosignatures_size ON cosignatures(size, party);

-- +goose Down
DROP TABLE cosignatures;
DROP TABLE cosigners;
