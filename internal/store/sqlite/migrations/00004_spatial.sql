-- +goose Up
-- R*Trees over the boxes of zones and incidents, kept by triggers, so the
-- fold finds the zones an incident may meet (and the incidents a zone's
-- change may touch) without reading every row. R*Tree boxes are 32-bit
-- floats rounded outwards: queries keep the exact test on the table's own
-- columns.
CREATE VIRTUAL TABLE zones_box USING rtree(id, min_lon, max_lon, min_lat, max_lat);
INSERT INTO zones_box SELECT rowid, min_lon, max_lon, min_lat, max_lat FROM zones;
-- +goose StatementBegin
CREATE TRIGGER zones_box_insert AFTER INSERT ON zones BEGIN
    INSERT INTO zones_box VALUES (new.rowid, new.min_lon, new.max_lon, new.min_lat, new.max_lat);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER zones_box_update AFTER UPDATE OF min_lon, min_lat, max_lon, max_lat ON zones BEGIN
    UPDATE zones_box SET min_lon = new.min_lon, max_lon = new.max_lon, min_lat = new.min_lat, max_lat = new.max_lat
    WHERE id = new.rowid;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER zones_box_delete AFTER DELETE ON zones BEGIN
    DELETE FROM zones_box WHERE id = old.rowid;
END;
-- +goose StatementEnd

CREATE VIRTUAL TABLE incidents_box USING rtree(id, min_lon, max_lon, min_lat, max_lat);
INSERT INTO incidents_box SELECT rowid, min_lon, max_lon, min_lat, max_lat FROM incidents;
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
-- +goose StatementBegin
CREATE TRIGGER incidents_box_delete AFTER DELETE ON incidents BEGIN
    DELETE FROM incidents_box WHERE id = old.rowid;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER incidents_box_delete;
DROP TRIGGER incidents_box_update;
DROP TRIGGER incidents_box_insert;
DROP TABLE incidents_box;
DROP TRIGGER zones_box_delete;
DROP TRIGGER zones_box_update;
DROP TRIGGER zones_box_insert;
DROP TABLE zones_box;
