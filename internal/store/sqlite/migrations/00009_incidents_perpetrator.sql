-- +goose Up
-- The index on perpetrators in the order incidents are written (entry,
-- the journal index of an incident's last change) rather than by id: an
-- import's new rows then go to the end of each perpetrator's part of the
-- index, where by id they went all over it and a commit rewrote most of
-- its pages (at 1,000,000 imported rows it was the costliest index to
-- keep). id stays in it, after entry, so that a page of one perpetrator's
-- incidents in id order sorts its ids without reading the rows
-- (incidents.go, incidentsQuery).
DROP INDEX incidents_perpetrator;
CREATE INDEX incidents_perpetrator ON incidents(perpetrator, entry, id);

-- +goose Down
DROP INDEX incidents_perpetrator;
CREATE INDEX incidents_perpetrator ON incidents(perpetrator, id);
