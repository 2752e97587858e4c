-- +goose Up
-- The incidents' R*Tree is written by the statements that write incidents
-- (PutIncident, InsertIncidents) rather than by triggers: a trigger writing
-- a virtual table makes every multi-row insert of an import keep a
-- statement journal (a copy of each page it touches), which cost as much
-- as the R*Tree itself. Deletes keep their trigger.
DROP TRIGGER incidents_box_insert;
DROP TRIGGER incidents_box_update;

-- +goose Down
-- +goose StatementBegin
CREATE TRIGGER incidents_box_insert AFTER INSERT ON incidents BEGIN
    INSERT INTO incidents_box VALUES (new.rowid, new.min_lon, new.max_lon, new.min_lat, new.max_lat);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER incidents_box_update AFTER UPDATE OF min_lon, min_lat, max_lon, max_lat ON incidents BEGIN
    UPDATE incidents_box SET min_lon = new.min_lon, max_lon = new.max_lon, min_lat = new.min_lat, max_lat = new.max_lat
    WHERE id = new.rowid;
END;
-- +goose StatementEnd
