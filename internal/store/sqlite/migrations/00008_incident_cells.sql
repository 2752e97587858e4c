-- +goose Up
-- Point incidents leave the R*Tree for a plain index on a grid cell (see
-- cells.go): an R*Tree insert cost five times an index entry's, and an
-- import writes a million points. The R*Tree keeps the other incidents.
-- cell is NULL for them; for a point it is its latitude band << 16 | its
-- longitude band, 100 bands to the degree.
ALTER TABLE incidents ADD COLUMN cell INTEGER;
UPDATE incidents SET cell = min(max(CAST((min_lat + 90) * 100 AS INTEGER), 0), 17999) * 65536
        + min(max(CAST((min_lon + 180) * 100 AS INTEGER), 0), 35999)
    WHERE min_lon = max_lon AND min_lat = max_lat;
DELETE FROM incidents_box WHERE id IN (SELECT rowid FROM incidents WHERE cell IS NOT NULL);
CREATE INDEX incidents_cell ON incidents(cell);

-- +goose Down
INSERT OR REPLACE INTO incidents_box SELECT rowid, min_lon, max_lon, min_lat, max_lat FROM incidents WHERE cell IS NOT NULL;
DROP INDEX incidents_cell;
ALTER TABLE incidents DROP COLUMN cell;
