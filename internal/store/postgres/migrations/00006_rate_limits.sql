-- +goose Up
-- Rate limits shared by every node on this database (see ratelimit.go):
-- one row per scope and key, holding the generic cell rate algorithm's
-- theoretical arrival time in Unix nanoseconds. A row whose time has
-- passed is the same as no row, and is swept. Keys are SHA-256 hashes of
-- what callers send (a username, an address), so any text fits. The table
-- is unlogged: after a crash its rows are gone, which forgives every key
-- once, and it is not worth a WAL record per sign-in or check.
CREATE UNLOGGED TABLE rate_limits (
    scope text COLLATE "C" NOT NULL,
    key   bytea NOT NULL,
    tat   bigint NOT NULL,
    PRIMARY KEY (scope, key)
);

-- +goose Down
DROP TABLE rate_limits;
